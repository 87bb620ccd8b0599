/**
 * opsgate converge backup on a host where systemd is PID 1 (test/fleet/systemd-host.ts), beside a cron host:
 * the service and timer units installed with exact contents and modes, `daemon-reload`, the timers enabled and
 * started (`systemctl list-timers` lists them with a next elapse), no cron entry; a second run changes nothing;
 * the service started by systemd makes the snapshot; `--check` reads the units' state (a timer disabled, one
 * stopped) and a failed last run from systemd's own account (`Result`, `ExecMainStatus`) when the status file is
 * gone, changing nothing; converge puts the timers right; a schedule change restarts its timer. Then
 * `land lease --if-due`: a policy edited after the last converge takes the lease for the backup converge alone.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderBackup } from '../../scripts/converge/backup-render.ts';
import type { BackupPolicyDocument } from '../../scripts/model/documents.generated.ts';
import { connectHost } from '../../scripts/ssh/session.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireSystemdHost } from '../fleet/systemd-gate.ts';
import { NEEDS } from '../system/needs.ts';
import { git, makeRepo, type TestRepo } from '../change/harness.ts';
import { cliIn } from '../change/fleet-helpers.ts';

const run = promisify(execFile);
const MACHINE = requireSystemdHost(NEEDS.backupConverge);
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const SD = 'sd-bk-1';
const CRON = 'cron-bk-1';
const FULL = 'opsgate-backup-db.full';
const INCR = 'opsgate-backup-db.incremental';
let fleet: RunningFleet;
let repo: TestRepo;
let repos: string;

const env = { RESTIC_PASSWORD_DB: PASSWORD };
const cli = (...args: string[]) => cliIn(repo.root, env, ...args, '--identity', fleet.clientKeyPath);
const own = (host: string, dir: string, rel = '') => path.join(fleet.dir, host, dir, rel);
const mode = async (file: string) => ((await stat(file)).mode & 0o7777).toString(8);
const restic = (...args: string[]) => run('restic', ['--repo', path.join(repos, 'db'), '--no-cache', ...args], { env: { ...process.env, RESTIC_PASSWORD: PASSWORD } });

async function onHost(host: string, argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const h = fleet.hosts.find((x) => x.id === host)!;
  const s = await connectHost(
    { id: h.id, address: h.address, port: h.port, user: h.user, hostKeys: h.host_keys, proxyCommand: h.proxy_command! },
    { auth: { privateKey: await readFile(fleet.clientKeyPath, 'utf8') } },
  );
  try {
    return await s.exec(['sudo', '-n', '--', ...argv], { timeoutMs: 180_000 });
  } finally {
    await s.close();
  }
}

/** The units' state as systemd reports it on the host. */
const unitState = async () =>
  (await onHost(SD, ['systemctl', 'show', '-p', 'Id,UnitFileState,ActiveState,Result', `${FULL}.timer`, `${INCR}.timer`, `${INCR}.service`])).stdout
    .trim()
    .split('\n\n')
    .map((block) => {
      const p = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      return `${p.Id} ${p.UnitFileState} ${p.ActiveState} ${p.Result}`;
    });

/** The opsgate files converge writes on a host (path → mode:content); the harness's own units and masks are not listed. */
async function hostState(host: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const dir of ['etc-opsgate', 'cron.d', 'systemd-system']) {
    for (const e of await readdir(own(host, dir), { recursive: true, withFileTypes: true }).catch(() => [])) {
      const f = path.join(e.parentPath, e.name);
      if (!e.name.startsWith('opsgate-backup-') && dir === 'systemd-system') continue;
      out[path.relative(fleet.dir, f)] = e.isSymbolicLink() ? `-> ${await run('readlink', [f]).then((r) => r.stdout.trim())}` : e.isFile() ? `${await mode(f)}:${await readFile(f, 'utf8')}` : 'dir';
    }
  }
  return out;
}

const dbPolicy = (fields: Record<string, unknown> = {}) => ({
  id: 'db',
  title: 'db',
  targets: { groups: ['db'] },
  paths: ['/home/opsgate/data'],
  tool: 'restic',
  repository: { url: path.join(repos, 'db'), password_env: 'RESTIC_PASSWORD_DB' },
  offhost: { host: 'bk-3' },
  encryption: true,
  schedule: { full: '0 2 * * 0', incremental: '30 1 * * 1-6' },
  retention: { keep_daily: 14, keep_weekly: 8 },
  tags: ['db'],
  run: { randomized_delay_seconds: 600, nice: 5, io_scheduling_class: 'best-effort', timeout_minutes: 60 },
  rpo_hours: 24,
  rto_hours: 4,
  verification: { restore_test_every_days: 30 },
  ...fields,
});

type Row = { host: string; check: string; status: string; observed: string; reason: string };
const checkRows = async () => {
  const r = await cli('converge', 'backup', '--check', '--format', 'json');
  return { code: r.code, rows: (JSON.parse(r.out) as { results: Row[] }).results };
};

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({
    mutates: true,
    hosts: [
      { id: SD, groups: ['db'], init: 'systemd' },
      { id: CRON, groups: ['db'] },
    ],
  });
  repos = path.join(fleet.dir, 'repos');
  await mkdir(repos, { recursive: true });
  await restic('init');
  repo = await makeRepo(fleet);
  await repo.write('inventory/groups/db.yaml', { id: 'db', title: 'db', owners: [] });
  await repo.write('policies/backup/db.yaml', dbPolicy());
  repo.commit('backup policy');
  for (const h of [SD, CRON]) {
    await mkdir(own(h, 'home', 'opsgate/data'), { recursive: true });
    await writeFile(own(h, 'home', 'opsgate/data/orders.csv'), `orders of ${h}\n`);
  }
}, 180_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

MACHINE.describe('converge backup on a host where systemd is PID 1', () => {
  it('installs the units with exact contents and modes, reloads systemd, enables and starts the timers (list-timers shows them); the cron host gets cron', async () => {
    const r = await cli('converge', 'backup');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rendered = renderBackup(
      { host: SD, policy: dbPolicy() as unknown as BackupPolicyDocument, repository: path.join(repos, 'db'), passwordEnv: 'RESTIC_PASSWORD_DB', timezone: 'Asia/Shanghai' },
      () => PASSWORD,
    );
    expect(rendered.systemd.map((f) => f.path).sort()).toEqual([
      `/etc/systemd/system/${FULL}.service`,
      `/etc/systemd/system/${FULL}.timer`,
      `/etc/systemd/system/${INCR}.service`,
      `/etc/systemd/system/${INCR}.timer`,
    ]);
    for (const f of rendered.systemd) {
      const at = own(SD, 'systemd-system', path.basename(f.path));
      expect(await readFile(at, 'utf8')).toBe(f.content);
      expect(await mode(at)).toBe('644');
      expect((await stat(at)).uid).toBe(0);
    }
    const timer = await readFile(own(SD, 'systemd-system', `${INCR}.timer`), 'utf8');
    expect(timer).toContain('\nOnCalendar=Mon..Sat *-*-* 01:30:00 Asia/Shanghai\nPersistent=true\nRandomizedDelaySec=600\nUnit=opsgate-backup-db.incremental.service\n');
    const service = await readFile(own(SD, 'systemd-system', `${INCR}.service`), 'utf8');
    expect(service).toContain('\nType=oneshot\nExecStart=/bin/sh /etc/opsgate/backup/db.run incremental\nNice=5\nIOSchedulingClass=best-effort\nTimeoutStartSec=3600\n');
    expect(await mode(own(SD, 'etc-opsgate', 'backup/db.password'))).toBe('600');
    expect(await mode(own(SD, 'etc-opsgate', 'backup/db.env'))).toBe('600');
    // systemd is PID 1 there: no cron entry; the cron host has no unit.
    expect(await readdir(own(SD, 'cron.d'))).toEqual([]);
    expect((await readdir(own(CRON, 'systemd-system'))).filter((n) => n.startsWith('opsgate-'))).toEqual([]);
    expect(await readdir(own(CRON, 'cron.d'))).toEqual(['opsgate-backup-db']);
    expect(r.out).toContain(`${SD}: systemctl daemon-reload`);
    expect(r.out).toContain(`${SD}: enabled and started ${FULL}.timer`);
    expect(r.out).toContain(`${SD}: enabled and started ${INCR}.timer`);
    expect(r.out).not.toContain(PASSWORD);
    // enable: the symlink in the host's own timers.target.wants.
    expect((await readdir(own(SD, 'systemd-system', 'timers.target.wants'))).sort()).toEqual([`${FULL}.timer`, `${INCR}.timer`]);
    const timers = (await onHost(SD, ['systemctl', 'list-timers', '--all', '--no-legend'])).stdout.split('\n').filter((l) => l.includes('opsgate-backup-'));
    expect(timers).toHaveLength(2);
    // A next elapse, and the unit it activates.
    expect(timers.find((l) => l.includes(`${FULL}.timer`))).toMatch(new RegExp(`^\\w{3} \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC .*${FULL}\\.timer +${FULL}\\.service$`));
    expect(timers.find((l) => l.includes(`${INCR}.timer`))).toMatch(new RegExp(`^\\w{3} \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC .*${INCR}\\.timer +${INCR}\\.service$`));
    expect(await unitState()).toEqual([`${FULL}.timer enabled active success`, `${INCR}.timer enabled active success`, `${INCR}.service static inactive success`]);
  }, 180_000);

  it('a second run changes nothing and says so: no write, no daemon-reload, no enable', async () => {
    const before = await hostState(SD);
    const units = await unitState();
    const r = await cli('converge', 'backup');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${SD}: in line with the policy`);
    expect(r.out).toContain('nothing changed');
    expect(r.out).not.toContain('daemon-reload');
    expect(r.out).not.toContain('enabled and started');
    expect(await hostState(SD)).toEqual(before);
    expect(await unitState()).toEqual(units);
    const check = await checkRows();
    expect(check.code).toBe(0);
    expect(check.rows.filter((x) => x.host === SD).map((x) => `${x.check} ${x.status}`)).toEqual([
      'backup.db.timer pass',
      'backup.db.schedule pass',
      'backup.db.retention pass',
      'backup.db.paths pass',
      'backup.db.repository pass',
      'backup.db.secret-files pass',
      'backup.db.job pass',
      'backup.db.last-run info',
      'backup.stale-jobs pass',
    ]);
  }, 180_000);

  it('the service started by systemd makes the snapshot, and --check reads its success', async () => {
    const r = await onHost(SD, ['systemctl', 'start', `${INCR}.service`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await onHost(SD, ['systemctl', 'show', '-p', 'Result,ExecMainStatus', `${INCR}.service`])).stdout).toBe('Result=success\nExecMainStatus=0\n');
    const snaps = JSON.parse((await restic('snapshots', '--json', '--host', SD)).stdout) as Array<{ hostname: string; tags: string[]; paths: string[] }>;
    expect(snaps.map((s) => [s.hostname, s.tags, s.paths])).toEqual([[SD, ['db'], ['/home/opsgate/data']]]);
    const check = await checkRows();
    expect(check.rows.find((x) => x.host === SD && x.check === 'backup.db.last-run')?.status).toBe('pass');
  }, 180_000);

  it('--check finds a disabled timer, a stopped one and a failed last run from the unit alone, changing nothing; converge puts the timers right', async () => {
    expect((await onHost(SD, ['systemctl', 'disable', `${FULL}.timer`])).code).toBe(0);
    expect((await onHost(SD, ['systemctl', 'stop', `${INCR}.timer`])).code).toBe(0);
    // A run that fails (the repository is away), then the status file is lost: only systemd remembers.
    const away = path.join(repos, 'db.away');
    await rename(path.join(repos, 'db'), away);
    try {
      const failed = await onHost(SD, ['systemctl', 'start', `${INCR}.service`]);
      expect(failed.code).not.toBe(0);
    } finally {
      await rename(away, path.join(repos, 'db'));
    }
    const shown = (await onHost(SD, ['systemctl', 'show', '-p', 'Result,ExecMainStatus', `${INCR}.service`])).stdout;
    const status = /ExecMainStatus=(\d+)/.exec(shown)![1]!;
    expect(shown).toBe(`Result=exit-code\nExecMainStatus=${status}\n`);
    expect(status).not.toBe('0');
    await rm(own(SD, 'var-lib-opsgate', 'backup/db.status'));
    const before = await hostState(SD);
    const units = await unitState();

    const check = await checkRows();
    expect(check.code).toBe(1);
    const mine = check.rows.filter((x) => x.host === SD && x.status !== 'pass');
    expect(mine.map((x) => ({ check: x.check, status: x.status, observed: x.observed }))).toEqual([
      { check: 'backup.db.timer', status: 'fail', observed: `${FULL}.timer is disabled, active; ${INCR}.timer is enabled, inactive` },
      {
        check: 'backup.db.last-run',
        status: 'fail',
        observed: expect.stringMatching(new RegExp(`^failed at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(incremental, exit ${status}\\), unit Result=exit-code$`)) as unknown as string,
      },
    ]);
    expect(check.rows.filter((x) => x.host === CRON && x.status === 'fail')).toEqual([]);
    const text = await cli('converge', 'backup', '--check');
    expect(text.out).toMatch(new RegExp(`${SD}: db: the last incremental run failed \\(exit ${status}\\) at \\d{4}-`));
    // --check changed nothing, on disk or in systemd.
    expect(await hostState(SD)).toEqual(before);
    expect(await unitState()).toEqual(units);

    const fix = await cli('converge', 'backup');
    expect(fix.code).toBe(0);
    expect(fix.out).toContain(`${SD}: enabled and started ${FULL}.timer`);
    expect(fix.out).toContain(`${SD}: enabled and started ${INCR}.timer`);
    expect(fix.out).not.toContain(`${SD}: db: wrote`);
    const after = await checkRows();
    expect(after.rows.filter((x) => x.status === 'fail').map((x) => `${x.host} ${x.check}`)).toEqual([`${SD} backup.db.last-run`]);
    // The next run succeeds: the finding resolves.
    expect((await onHost(SD, ['systemctl', 'start', `${INCR}.service`])).code).toBe(0);
    expect((await checkRows()).code).toBe(0);
  }, 240_000);

  it('a schedule change rewrites the timer and restarts it: the next elapse moves', async () => {
    await repo.write('policies/backup/db.yaml', dbPolicy({ schedule: { full: '0 2 * * 0', incremental: '45 3 * * 1-6' } }));
    repo.commit('backup: incremental later');
    const r = await cli('converge', 'backup');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${SD}: db: wrote /etc/systemd/system/${INCR}.timer`);
    expect(r.out).toContain(`${SD}: systemctl daemon-reload`);
    expect(r.out).toContain(`${SD}: restarted ${INCR}.timer (its schedule changed)`);
    expect(r.out).not.toContain(`${FULL}.timer (its schedule changed)`);
    expect((await onHost(SD, ['systemctl', 'show', '-p', 'TimersCalendar', `${INCR}.timer`])).stdout).toContain('OnCalendar=Mon..Sat *-*-* 03:45:00 Asia/Shanghai');
    expect((await checkRows()).code).toBe(0);
  }, 180_000);

  it('land lease --if-due: nothing due once converged; a policy edited since takes the lease for the backup converge alone', async () => {
    const bare = `${repo.root}.origin.git`;
    git(repo.root, 'add', '-A');
    git(repo.root, 'commit', '-q', '--allow-empty', '-m', 'records: converge backup');
    await run('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    try {
      git(repo.root, 'remote', 'add', 'origin', bare);
      git(repo.root, 'push', '-q', 'origin', 'main');
      const quiet = await cliIn(repo.root, {}, 'land', 'lease', '--flow', 'apply', '--run', '501', '--if-due');
      expect(quiet.err).toBe('');
      expect(quiet.out).toBe('nothing due: no lease taken, nothing to apply\n');
      expect(quiet.code).toBe(0);
      expect((await run('git', ['--git-dir', bare, 'branch', '--list'])).stdout).not.toContain('opsgate/lease/apply');

      await repo.write('policies/backup/db.yaml', dbPolicy({ schedule: { full: '0 2 * * 0', incremental: '45 3 * * 1-6' }, retention: { keep_daily: 7, keep_weekly: 8 } }));
      repo.commit('backup: shorter retention');
      const due = await cliIn(repo.root, {}, 'land', 'lease', '--flow', 'apply', '--run', '502', '--if-due');
      expect(due.err).toBe('');
      expect(due.code).toBe(0);
      expect(due.out).toContain(`converge backup due on ${CRON}, ${SD}\n`);
      expect(due.out).toMatch(/^lease opsgate\/lease\/apply taken for run 502 \([0-9a-f]{12}\)\n$/m);
      expect((await run('git', ['--git-dir', bare, 'log', '-1', '--format=%B', 'opsgate/lease/apply'])).stdout).toContain('Opsgate-Run: 502');
      // A second run while the first holds the lease is refused, whatever is due.
      const again = await cliIn(repo.root, {}, 'land', 'lease', '--flow', 'apply', '--run', '503', '--if-due');
      expect(again.code).toBe(1);
      expect(again.err).toContain('refusing to start');
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  }, 180_000);
});
