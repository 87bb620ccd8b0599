/**
 * The systemd half of converge backup, judged by systemd itself (no PID 1
 * needed): every rendered service and timer passes `systemd-analyze verify`,
 * and each timer's OnCalendar expressions fire exactly when the policy's cron
 * schedule does — the next elapses `systemd-analyze calendar` computes are
 * compared with the cron semantics (vixie cron, in the calendar's zone), over
 * the sample organisation's policies and schedules chosen to be awkward
 * (day-of-month OR day-of-week, steps, month names, a zone with daylight
 * saving). Timers installed, enabled and started by a running systemd (PID 1
 * of a fleet host): backup-systemd.fleet.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { BackupPolicyDocument } from '../../scripts/model/documents.generated.ts';
import { renderBackup } from '../../scripts/converge/backup-render.ts';
import { cronDay, parseCron, toOnCalendar, type CronSpec } from '../../scripts/converge/backup-schedule.ts';
import { requireMachine } from '../helpers/needs.ts';

const run = promisify(execFile);
const MACHINE = requireMachine(['systemd']);
const REPO = path.resolve(import.meta.dirname, '../..');
const BASE = '2026-10-25T00:00:00Z';
let dir: string;

const policy = (id: string, schedule: BackupPolicyDocument['schedule'], fields: Partial<BackupPolicyDocument> = {}): BackupPolicyDocument =>
  ({
    id,
    title: id,
    targets: { groups: ['db'] },
    paths: ['/var/backups/db'],
    tool: 'restic',
    repository: { url: `/srv/restic/${id}`, password_env: 'P' },
    offhost: { host: 'bk' },
    encryption: true,
    schedule,
    retention: { keep_daily: 7 },
    rpo_hours: 24,
    rto_hours: 4,
    verification: { restore_test_every_days: 30 },
    ...fields,
  }) as BackupPolicyDocument;

/** The next `count` firing times (UTC ISO) of a cron spec after `base`, in `zone`, by cron's rules. */
function cronElapses(spec: CronSpec, zone: string, base: string, count: number): string[] {
  const from = DateTime.fromISO(base, { zone });
  const out: number[] = [];
  for (let d = from.startOf('day').minus({ days: 1 }); out.length < count * 4 && d < from.plus({ years: 60 }); d = d.plus({ days: 1 })) {
    if (!cronDay(spec, d.month, d.day, d.weekday % 7)) continue;
    for (const h of spec.hours)
      for (const m of spec.minutes) {
        const t = DateTime.fromObject({ year: d.year, month: d.month, day: d.day, hour: h, minute: m }, { zone });
        if (t.isValid && t > from) out.push(t.toMillis());
      }
  }
  return [...new Set(out)]
    .sort((a, b) => a - b)
    .slice(0, count)
    .map((ms) => new Date(ms).toISOString());
}

/** The next elapses systemd computes for each expression, merged (a timer fires at the earliest of its OnCalendar lines). */
async function systemdElapses(exprs: readonly string[], base: string, count: number): Promise<string[]> {
  const out: number[] = [];
  for (const expr of exprs) {
    const { stdout } = await run('systemd-analyze', ['calendar', `--base-time=${base.replace('T', ' ').replace('Z', ' UTC')}`, `--iterations=${count}`, expr], {
      env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' },
    });
    for (const m of stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g)) out.push(Date.parse(`${m[1]!.replace(' ', 'T')}Z`));
  }
  return [...new Set(out)]
    .sort((a, b) => a - b)
    .slice(0, count)
    .map((ms) => new Date(ms).toISOString());
}

const spec = (text: string): CronSpec => {
  const r = parseCron(text);
  if (!r.ok) throw new Error(r.message);
  return r.spec;
};

beforeAll(async () => {
  if (MACHINE.runs) dir = await mkdtemp(path.join(os.tmpdir(), 'og-units-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

MACHINE.describe('rendered systemd units, judged by systemd-analyze', () => {
  it('every unit of the sample policies and of awkward ones passes systemd-analyze verify, silently', async () => {
    const samples = await Promise.all(
      (await readdir(path.join(REPO, 'policies', 'backup')))
        .filter((f) => f.endsWith('.yaml'))
        .map(async (f) => parse(await readFile(path.join(REPO, 'policies', 'backup', f), 'utf8')) as BackupPolicyDocument),
    );
    expect(samples.length).toBeGreaterThan(0);
    const awkward = [
      policy('either-day', { full: '15 3 1,15 * sun', incremental: '45 1 * * *' }, { run: { randomized_delay_seconds: 900, nice: 19, io_scheduling_class: 'best-effort', timeout_minutes: 30 } }),
      policy('quarterly.logs', { full: '0 4 1 jan,apr,jul,oct *', differential: '*/20 22-23 * * mon-fri' }, { run: { nice: -5, io_scheduling_class: 'idle' } }),
    ];
    const files: string[] = [];
    for (const p of [...samples, ...awkward]) {
      const r = renderBackup({ host: 'db-01', policy: p, repository: p.repository.url, passwordEnv: p.repository.password_env, timezone: 'Asia/Shanghai' }, () => 'secret');
      for (const f of r.systemd) {
        const at = path.join(dir, path.basename(f.path));
        await writeFile(at, f.content);
        files.push(at);
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(10);
    const r = await run('systemd-analyze', ['verify', '--man=no', ...files]).then(
      (x) => ({ code: 0, out: x.stdout + x.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
    expect(r.out.trim()).toBe('');
    expect(r.code).toBe(0);
  }, 60_000);

  it('a unit systemd would refuse is refused by the same check (the check can fail)', async () => {
    const at = path.join(dir, 'opsgate-backup-bad.full.timer');
    await writeFile(at, '[Timer]\nOnCalendar=Mon..Sat *-*-* 25:00:00 Asia/Shanghai\nUnit=opsgate-backup-bad.full.service\n');
    await expect(run('systemd-analyze', ['verify', '--man=no', at])).rejects.toMatchObject({ stderr: expect.stringContaining('Failed to parse calendar specification') });
  }, 60_000);

  describe.each([
    ['0 2 * * 0', 'Asia/Shanghai'],
    ['0 2 * * 1-6', 'Asia/Shanghai'],
    ['30 1 * * *', 'Asia/Shanghai'],
    ['15 3 1,15 * sun', 'Asia/Shanghai'],
    ['*/20 22-23 * * mon-fri', 'Asia/Shanghai'],
    ['0 4 1 jan,apr,jul,oct *', 'UTC'],
    ['5 4 * * 7', 'America/New_York'],
    ['0 0 29 2 *', 'Asia/Shanghai'],
    ['@weekly', 'Europe/Berlin'],
  ])('cron "%s" in %s', (cron, zone) => {
    it('OnCalendar fires exactly when cron would (the next 12 elapses, across a daylight-saving change)', async () => {
      const s = spec(cron);
      const exprs = toOnCalendar(s, zone);
      expect(await systemdElapses(exprs, BASE, 12)).toEqual(cronElapses(s, zone, BASE, 12));
    }, 60_000);
  });
});
