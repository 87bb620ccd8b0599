/**
 * converge backup on the clock, against real sshd hosts and real restic, with
 * an injected clock: a policy that says converge.maintenance_window changes a
 * host only inside that host's own window (a refusal names the next one, and
 * nothing is written there); --check is never held back. The schedule
 * (`apply --due`) converges the hosts whose backup policy changed since they
 * were last converged, each inside its window, once: a failed attempt waits
 * for a person.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { makeRepo, type TestRepo } from '../change/harness.ts';
import { captureStdio } from '../helpers/capture.ts';

const run = promisify(execFile);
const MACHINE = requireMachine(NEEDS.backupConverge);
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
let fleet: RunningFleet;
let repo: TestRepo;
let repos: string;

/** The CLI with the clock set to `at` (every decision about windows reads this clock, never the machine's). */
export async function cliAt(at: string, root: string, env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureStdio();
  const now = new Date(at);
  const code = await runCli(['--root', root, ...args], { env: { PATH: process.env.PATH, OPSGATE_DEFAULT_BRANCH: 'main', ...env }, stdout: io.stdout, stderr: io.stderr, cwd: root, now: () => now });
  return { code, out: io.out(), err: io.err() };
}
const cli = (at: string, ...args: string[]) => cliAt(at, repo.root, { RESTIC_PASSWORD_DB: PASSWORD }, ...args, '--identity', fleet.clientKeyPath);
const installed = async (host: string) => (await readdir(path.join(fleet.dir, host, 'etc-opsgate', 'backup')).catch(() => [])).sort();

const MONDAY_NOON = '2026-11-30T12:00:00+08:00';
const TUESDAY_NIGHT = '2026-12-01T23:00:00+08:00';

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({
    mutates: true,
    hosts: [
      { id: 'mw-prod', groups: ['db'], env: 'prod' },
      { id: 'mw-stg', groups: ['db'], env: 'staging' },
    ],
  });
  repos = path.join(fleet.dir, 'repos');
  await mkdir(repos, { recursive: true });
  await run('restic', ['--repo', path.join(repos, 'db'), 'init'], { env: { ...process.env, RESTIC_PASSWORD: PASSWORD } });
  repo = await makeRepo(fleet, {
    calendar: {
      maintenance_windows: [
        { id: 'prod-weeknight', title: 'prod', days: ['tue', 'thu'], start: '22:00', end: '02:00', applies_to: { envs: ['prod'] } },
        { id: 'staging-daytime', title: 'staging', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00', applies_to: { envs: ['staging'] } },
      ],
    },
  });
  await repo.write('inventory/groups/db.yaml', { id: 'db', title: 'db', owners: [] });
  await repo.write('policies/backup/db.yaml', {
    id: 'db',
    title: 'db',
    targets: { groups: ['db'] },
    paths: ['/home/opsgate/data'],
    tool: 'restic',
    repository: { url: path.join(repos, 'db'), password_env: 'RESTIC_PASSWORD_DB' },
    offhost: { host: 'mw-stg' },
    encryption: true,
    schedule: { full: '0 2 * * 0' },
    retention: { keep_daily: 7 },
    rpo_hours: 24,
    rto_hours: 4,
    verification: { restore_test_every_days: 30 },
    converge: { maintenance_window: true },
  });
  repo.commit('backup policy held to maintenance windows');
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

MACHINE.describe('converge backup inside maintenance windows', () => {
  it("outside the host's window: refused with the next window named, nothing written there; the host whose window is open converges", async () => {
    const dry = await cli(MONDAY_NOON, 'converge', 'backup', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(
      "mw-prod: converge.outside-window: not converged: db says converge.maintenance_window: no maintenance window of mw-prod is open at 2026-11-30T12:00:00+08:00; next window: 'prod-weeknight' 2026-12-01T22:00:00+08:00 – 2026-12-02T02:00:00+08:00",
    );

    const r = await cli(MONDAY_NOON, 'converge', 'backup');
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      "mw-prod: not converged: db says converge.maintenance_window: no maintenance window of mw-prod is open at 2026-11-30T12:00:00+08:00; next window: 'prod-weeknight' 2026-12-01T22:00:00+08:00 – 2026-12-02T02:00:00+08:00",
    );
    expect(r.out).toContain('1 not started (outside the maintenance window their policies require)');
    expect(await installed('mw-prod')).toEqual([]);
    expect(await installed('mw-stg')).toEqual(['db.env', 'db.password', 'db.run']);
    const recDir = path.join(repo.root, 'records', 'converge', 'backup');
    const lines = (await readFile(path.join(recDir, (await readdir(recDir))[0]!), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.host === 'mw-prod').map((l) => `${l.type} ${l.outcome ?? ''}`)).toEqual(['converge.done not_started']);
    expect(lines.find((l) => l.host === 'mw-prod')).toMatchObject({ refused: 'converge.outside-window', next_window: { window: 'prod-weeknight', start: '2026-12-01T22:00:00+08:00' } });
    expect(JSON.stringify(lines)).not.toContain(PASSWORD);

    // --check changes nothing, so the window does not hold it back.
    const check = await cli(MONDAY_NOON, 'converge', 'backup', '--check');
    expect(check.out).toContain('mw-prod: db: /etc/opsgate/backup/db.env is missing');
  }, 120_000);

  it("inside the host's window (the injected clock on Tuesday night): converged", async () => {
    const r = await cli(TUESDAY_NIGHT, 'converge', 'backup', '--hosts', 'mw-prod');
    expect(r.out).toContain('mw-prod: db: wrote /etc/opsgate/backup/db.run');
    expect(r.code).toBe(0);
    expect(await installed('mw-prod')).toEqual(['db.env', 'db.password', 'db.run']);
  }, 120_000);

  const recordFiles = async () => (await readdir(path.join(repo.root, 'records', 'converge', 'backup'))).sort();
  const dbPolicy = async (fields: Record<string, unknown>) => {
    await repo.write('policies/backup/db.yaml', {
      id: 'db',
      title: 'db',
      targets: { groups: ['db'] },
      paths: ['/home/opsgate/data'],
      tool: 'restic',
      repository: { url: path.join(repos, 'db'), password_env: 'RESTIC_PASSWORD_DB' },
      offhost: { host: 'mw-stg' },
      encryption: true,
      schedule: { full: '0 2 * * 0' },
      retention: { keep_daily: 7 },
      rpo_hours: 24,
      rto_hours: 4,
      verification: { restore_test_every_days: 30 },
      converge: { maintenance_window: true },
      ...fields,
    });
    repo.commit('backup policy edited');
  };

  it('apply --due: every host converged to what is declared: nothing runs, no record', async () => {
    const before = await recordFiles();
    const r = await cli(TUESDAY_NIGHT, 'apply', '--due');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('converge backup: every host has the backup jobs its policies declare');
    expect(await recordFiles()).toEqual(before);
  }, 120_000);

  it('apply --due after a policy edit: each host converged inside its own window, the other waits with its next window named', async () => {
    await dbPolicy({ retention: { keep_daily: 9 } });
    const dry = await cli(MONDAY_NOON, 'apply', '--due', '--dry-run');
    expect(dry.out).toContain('converge backup: mw-stg is due: db changed');
    expect(dry.out).toContain(
      "converge backup: mw-prod waits: not converged: db says converge.maintenance_window: no maintenance window of mw-prod is open at 2026-11-30T12:00:00+08:00; next window: 'prod-weeknight' 2026-12-01T22:00:00+08:00",
    );
    const job = () => readFile(path.join(fleet.dir, 'mw-prod', 'etc-opsgate', 'backup', 'db.run'), 'utf8');
    const stgJob = () => readFile(path.join(fleet.dir, 'mw-stg', 'etc-opsgate', 'backup', 'db.run'), 'utf8');
    expect(await stgJob()).toContain('--keep-daily 7');

    const noon = await cli(MONDAY_NOON, 'apply', '--due');
    expect(noon.err).toBe('');
    expect(noon.code).toBe(0);
    expect(noon.out).toContain('mw-stg: db: wrote /etc/opsgate/backup/db.run');
    expect(await stgJob()).toContain('--keep-daily 9');
    expect(await job()).toContain('--keep-daily 7');
    expect(noon.out).not.toContain(PASSWORD);

    const night = await cli(TUESDAY_NIGHT, 'apply', '--due');
    expect(night.code).toBe(0);
    expect(night.out).toContain('converge backup: mw-prod is due: db changed');
    expect(await job()).toContain('--keep-daily 9');
    expect(night.out).not.toContain('mw-stg: db: wrote');
    const again = await cli(TUESDAY_NIGHT, 'apply', '--due');
    expect(again.out).toContain('converge backup: every host has the backup jobs its policies declare');
    for (const f of await recordFiles()) expect(await readFile(path.join(repo.root, 'records', 'converge', 'backup', f), 'utf8')).not.toContain(PASSWORD);
  }, 180_000);

  it('apply --due: a failed converge is not repeated by the schedule; a person decides', async () => {
    await dbPolicy({ repository: { url: path.join(repos, 'nowhere'), password_env: 'RESTIC_PASSWORD_DB' }, converge: { maintenance_window: false } });
    const first = await cli(TUESDAY_NIGHT, 'apply', '--due');
    expect(first.code).toBe(1);
    expect(first.out).toContain('mw-prod: nothing was installed');
    const files = await recordFiles();
    const second = await cli(TUESDAY_NIGHT, 'apply', '--due');
    expect(second.code).toBe(1);
    expect(second.out).toMatch(/converge backup: mw-prod skipped: run \S+ ended failed for the backup jobs declared now; a person decides/);
    expect(await recordFiles()).toEqual(files);
  }, 180_000);
});
