/**
 * opsgate converge backup against real sshd hosts and real restic: the
 * environment file, password file, job script and cron entries installed with
 * exact contents and modes (the fleet's hosts do not run systemd as PID 1, so
 * cron is what they get); the job run by hand makes a snapshot with the
 * policy's tags, host and paths, with the pre-hook's dump inside; a second
 * converge changes nothing; --check finds each planted drift; a bad calendar
 * or a missing repository fails before anything is written; the password is
 * never in any output, record or process list.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderBackup } from '../../scripts/converge/backup-render.ts';
import { renderBackupScript } from '../../scripts/converge/backup-script.ts';
import type { BackupPolicyDocument } from '../../scripts/model/documents.generated.ts';
import { connectHost } from '../../scripts/ssh/session.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { makeRepo, type TestRepo } from '../change/harness.ts';
import { cliIn } from '../change/fleet-helpers.ts';

const run = promisify(execFile);
const MACHINE = requireMachine(NEEDS.backupConverge);
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
let fleet: RunningFleet;
let repo: TestRepo;
let repos: string;

const env = { RESTIC_PASSWORD_DB: PASSWORD, RESTIC_PASSWORD_FILES: PASSWORD };
const cli = (...args: string[]) => cliIn(repo.root, env, ...args, '--identity', fleet.clientKeyPath);
const hostPath = (host: string, own: string, rel: string) => path.join(fleet.dir, host, own, rel);
const etc = (host: string, rel: string) => hostPath(host, 'etc-opsgate', path.join('backup', rel));
const cron = (host: string, rel: string) => hostPath(host, 'cron.d', rel);
const mode = async (file: string) => ((await stat(file)).mode & 0o7777).toString(8);
const restic = (repoDir: string, ...args: string[]) => run('restic', ['--repo', repoDir, '--no-cache', ...args], { env: { ...process.env, RESTIC_PASSWORD: PASSWORD } });

/** Runs a command on a fleet host as root, over SSH (inside its own mount namespace). */
async function onHost(host: string, argv: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const h = fleet.hosts.find((x) => x.id === host)!;
  const s = await connectHost(
    { id: h.id, address: h.address, port: h.port, user: h.user, hostKeys: h.host_keys, proxyCommand: h.proxy_command! },
    { auth: { privateKey: await readFile(fleet.clientKeyPath, 'utf8') } },
  );
  try {
    return await s.exec(['sudo', '-n', '--', ...argv], { timeoutMs: 120_000, ...(stdin !== undefined ? { stdin } : {}) });
  } finally {
    await s.close();
  }
}

/** Every command line on the machine, sampled until `done` settles: the password must never be on one. */
async function watchProcesses<T>(work: Promise<T>): Promise<{ value: T; samples: number; leaks: string[] }> {
  let settled = false;
  let samples = 0;
  const leaks: string[] = [];
  const watcher = (async () => {
    while (!settled) {
      const { stdout } = await run('ps', ['-eo', 'args', '--no-headers'], { maxBuffer: 8 << 20 });
      samples++;
      for (const l of stdout.split('\n')) if (l.includes(PASSWORD)) leaks.push(l);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    const value = await work;
    return { value, samples, leaks };
  } finally {
    settled = true;
    await watcher;
  }
}

/** A host's backup files (the directories converge writes), path → content, for "nothing changed". */
async function hostState(host: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const own of ['etc-opsgate', 'cron.d', 'systemd-system']) {
    const dir = path.join(fleet.dir, host, own);
    for (const e of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
      if (!e.isFile()) continue;
      const f = path.join(e.parentPath, e.name);
      out[path.relative(fleet.dir, f)] = `${await mode(f)}:${await readFile(f, 'utf8')}`;
    }
  }
  return out;
}

const policy = (id: string, fields: Record<string, unknown>) => ({
  id,
  title: id,
  targets: { groups: ['db'] },
  paths: ['/home/opsgate/data'],
  tool: 'restic',
  repository: { url: path.join(repos, id), password_env: 'RESTIC_PASSWORD_DB' },
  offhost: { host: 'bk-3' },
  encryption: true,
  schedule: { full: '0 2 * * 0', incremental: '0 2 * * 1-6' },
  retention: { keep_daily: 14, keep_weekly: 8 },
  rpo_hours: 24,
  rto_hours: 4,
  verification: { restore_test_every_days: 30 },
  ...fields,
});

const dbPolicy = (fields: Record<string, unknown> = {}) =>
  policy('db', {
    paths: ['/home/opsgate/staging', '/home/opsgate/data'],
    exclude: ['*.tmp'],
    tags: ['db', 'nightly'],
    verification: { restore_test_every_days: 30, read_data_subset: '10%' },
    run: { randomized_delay_seconds: 600, nice: 5, io_scheduling_class: 'best-effort', timeout_minutes: 120 },
    hooks: {
      pre: [
        { id: 'staging', kind: 'run', argv: ['mkdir', '-p', '/home/opsgate/staging'], timeout_seconds: 30 },
        { id: 'dump', kind: 'run', argv: ['sh', '-c', 'echo "dump of $(hostname) taken at $(date -u +%F)"'], stdout: '/home/opsgate/staging/dump.sql', timeout_seconds: 60 },
      ],
      post: [{ id: 'cleanup', kind: 'remove', path: '/home/opsgate/staging' }],
    },
    ...fields,
  });

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({
    mutates: true,
    hosts: [
      { id: 'bk-1', groups: ['db'] },
      { id: 'bk-2', groups: ['db'] },
      { id: 'bk-3', groups: ['web'] },
    ],
  });
  repos = path.join(fleet.dir, 'repos');
  await mkdir(repos, { recursive: true });
  await restic(path.join(repos, 'db'), 'init');
  repo = await makeRepo(fleet);
  await repo.write('inventory/groups/db.yaml', { id: 'db', title: 'db', owners: [] });
  await repo.write('policies/backup/db.yaml', dbPolicy());
  repo.commit('backup policy');
  for (const h of ['bk-1', 'bk-2']) {
    await mkdir(path.join(fleet.dir, h, 'home', 'opsgate', 'data'), { recursive: true });
    await writeFile(path.join(fleet.dir, h, 'home', 'opsgate', 'data', 'orders.csv'), `orders of ${h}\n`);
    await writeFile(path.join(fleet.dir, h, 'home', 'opsgate', 'data', 'scratch.tmp'), 'left out\n');
  }
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

MACHINE.describe('converge backup', () => {
  it('--check before anything is installed reports every job missing and writes nothing', async () => {
    const before = await hostState('bk-1');
    const r = await cli('converge', 'backup', '--check');
    expect(r.code).toBe(1);
    expect(r.out).toContain(`bk-1: db: ${'/etc/opsgate/backup/db.env'} is missing`);
    expect(r.out).toContain('bk-1: db: /etc/cron.d/opsgate-backup-db is missing');
    expect(r.out).toContain('bk-3: in line with the policy');
    expect(await hostState('bk-1')).toEqual(before);
  }, 90_000);

  it('installs the environment file, password file, job and cron entries with exact contents and modes; the password is never on a command line', async () => {
    const { value: r, samples, leaks } = await watchProcesses(cli('converge', 'backup'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(samples).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
    for (const h of ['bk-1', 'bk-2']) {
      expect(await readFile(etc(h, 'db.env'), 'utf8')).toBe(
        [
          `# Managed by opsgate (converge backup) from policies/backup/db.yaml for ${h}: restic environment, root only. Local edits are overwritten.`,
          `RESTIC_REPOSITORY='${path.join(repos, 'db')}'`,
          "RESTIC_PASSWORD_FILE='/etc/opsgate/backup/db.password'",
          "RESTIC_CACHE_DIR='/var/cache/opsgate/restic/db'",
          '',
        ].join('\n'),
      );
      expect(await mode(etc(h, 'db.env'))).toBe('600');
      expect(await readFile(etc(h, 'db.password'), 'utf8')).toBe(PASSWORD);
      expect(await mode(etc(h, 'db.password'))).toBe('600');
      expect(await mode(etc(h, 'db.run'))).toBe('700');
      expect((await stat(etc(h, 'db.run'))).uid).toBe(0);
      expect(await mode(path.join(fleet.dir, h, 'etc-opsgate', 'backup'))).toBe('700');
      const job = await readFile(etc(h, 'db.run'), 'utf8');
      expect(job).toContain(`og_step backup 7200 restic backup --host ${h} --tag db --tag nightly '--exclude=*.tmp' -- /home/opsgate/staging /home/opsgate/data`);
      expect(job).toContain(`og_step forget 7200 restic forget --prune --host ${h} --tag db,nightly --keep-daily 14 --keep-weekly 8`);
      expect(job).toContain('og_step check 7200 restic check --read-data-subset=10%');
      expect(job).toContain('og_step_out /home/opsgate/staging/dump.sql pre:dump 60 sh -c \'echo "dump of $(hostname) taken at $(date -u +%F)"\'');
      expect(job).toContain('og_step post:cleanup 600 rm -rf -- /home/opsgate/staging');
      expect(job).not.toContain(PASSWORD);
      expect(await readFile(cron(h, 'opsgate-backup-db'), 'utf8')).toBe(
        [
          `# Managed by opsgate (converge backup) from policies/backup/db.yaml for ${h}: systemd is not PID 1 here, so cron runs the backup job. Local edits are overwritten.`,
          '# Schedule in Asia/Shanghai: full "0 2 * * 0", incremental "0 2 * * 1-6". Each line fires every hour at the schedule\'s minutes;',
          "# the job itself runs only at the scheduled hour and day in Asia/Shanghai, whatever the host's own zone.",
          'SHELL=/bin/sh',
          'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          '0 * * * * root timeout -k 60 7800 nice -n 5 ionice -c 2 /bin/sh /etc/opsgate/backup/db.run --cron full >>/var/lib/opsgate/backup/db.log 2>&1',
          '0 * * * * root timeout -k 60 7800 nice -n 5 ionice -c 2 /bin/sh /etc/opsgate/backup/db.run --cron incremental >>/var/lib/opsgate/backup/db.log 2>&1',
          '',
        ].join('\n'),
      );
      expect(await mode(cron(h, 'opsgate-backup-db'))).toBe('644');
      // systemd is not PID 1 on the fleet: no unit is installed.
      expect(await readdir(path.join(fleet.dir, h, 'systemd-system'))).toEqual([]);
    }
    expect(await readdir(path.join(fleet.dir, 'bk-3', 'etc-opsgate'))).toEqual([]);
    expect(r.out).toContain('bk-1: db: wrote /etc/cron.d/opsgate-backup-db');
    expect(r.out).not.toContain(PASSWORD);
    const recDir = path.join(repo.root, 'records', 'converge', 'backup');
    const files = await readdir(recDir);
    expect(files).toHaveLength(1);
    const text = await readFile(path.join(recDir, files[0]!), 'utf8');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; host?: string; outcome?: string });
    expect(lines.filter((l) => l.host === 'bk-1').map((l) => l.type)).toEqual(['converge.executing', 'converge.done']);
    expect((await cliIn(repo.root, {}, 'records', 'verify')).code).toBe(0);
  }, 120_000);

  it('converging again changes nothing and says so', async () => {
    const before = await hostState('bk-1');
    const r = await cli('converge', 'backup');
    expect(r.code).toBe(0);
    expect(r.out).toContain('bk-1: in line with the policy');
    expect(r.out).toContain('nothing changed');
    expect(await hostState('bk-1')).toEqual(before);
    const check = await cli('converge', 'backup', '--check');
    expect(check.out).toContain('bk-2: in line with the policy');
  }, 90_000);

  it('running the installed job by hand makes a snapshot with the policy tags, host and paths, the pre-hook dump inside; the password never on a command line', async () => {
    const { value: r, leaks } = await watchProcesses(onHost('bk-1', ['/bin/sh', '/etc/opsgate/backup/db.run', 'incremental']));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(leaks).toEqual([]);
    const { stdout } = await restic(path.join(repos, 'db'), 'snapshots', '--json', '--host', 'bk-1');
    const snaps = JSON.parse(stdout) as Array<{ id: string; hostname: string; tags: string[]; paths: string[] }>;
    expect(snaps).toHaveLength(1);
    expect(snaps[0]!.hostname).toBe('bk-1');
    expect(snaps[0]!.tags.sort()).toEqual(['db', 'nightly']);
    expect(snaps[0]!.paths.sort()).toEqual(['/home/opsgate/data', '/home/opsgate/staging']);
    const ls = (await restic(path.join(repos, 'db'), 'ls', snaps[0]!.id)).stdout;
    expect(ls).toContain('/home/opsgate/staging/dump.sql');
    expect(ls).toContain('/home/opsgate/data/orders.csv');
    expect(ls).not.toContain('scratch.tmp');
    const dump = (await restic(path.join(repos, 'db'), 'dump', snaps[0]!.id, '/home/opsgate/staging/dump.sql')).stdout;
    expect(dump).toMatch(/^dump of bk-1 taken at \d{4}-\d\d-\d\d\n$/);
    // The post-hook removed the staging directory; the job recorded its outcome.
    await expect(stat(path.join(fleet.dir, 'bk-1', 'home', 'opsgate', 'staging'))).rejects.toThrow();
    expect(await readFile(path.join(fleet.dir, 'bk-1', 'var-lib-opsgate', 'backup', 'db.status'), 'utf8')).toMatch(/^succeeded\t\S+Z\tincremental\t0\n$/);
    const check = await cli('converge', 'backup', '--check', '--format', 'json');
    expect(check.code).toBe(0);
    const rows = (JSON.parse(check.out) as { results: Array<{ host: string; check: string; status: string }> }).results;
    expect(rows.find((x) => x.host === 'bk-1' && x.check === 'backup.db.last-run')?.status).toBe('pass');
    expect(check.out).not.toContain(PASSWORD);
  }, 180_000);

  it('--check finds each planted drift, names it per aspect, and changes nothing; converge puts it right', async () => {
    const envFile = etc('bk-2', 'db.env');
    const runFile = etc('bk-2', 'db.run');
    const job = await readFile(runFile, 'utf8');
    await writeFile(runFile, job.replace('--keep-daily 14', '--keep-daily 3').replace(' -- /home/opsgate/staging /home/opsgate/data', ' -- /home/opsgate/data'));
    await writeFile(envFile, (await readFile(envFile, 'utf8')).replace(path.join(repos, 'db'), '/srv/elsewhere'));
    await onHost('bk-2', ['chmod', '0644', '/etc/opsgate/backup/db.env']);
    const cronFile = cron('bk-1', 'opsgate-backup-db');
    await writeFile(cronFile, (await readFile(cronFile, 'utf8')).replaceAll('\n0 * * * * root', '\n30 * * * * root'));
    await writeFile(path.join(fleet.dir, 'bk-1', 'var-lib-opsgate', 'backup', 'db.status'), 'failed\t2026-11-29T18:00:00Z\tincremental\t3\n');
    await onHost('bk-2', ['rm', '-f', '/etc/cron.d/opsgate-backup-db']);
    const before = { a: await hostState('bk-1'), b: await hostState('bk-2') };

    const r = await cli('converge', 'backup', '--check', '--format', 'json');
    expect(r.code).toBe(1);
    const rows = (JSON.parse(r.out) as { results: Array<{ host: string; check: string; status: string; observed: string }> }).results;
    const failing = (host: string) =>
      rows
        .filter((x) => x.host === host && x.status === 'fail')
        .map((x) => x.check)
        .sort();
    expect(failing('bk-1')).toEqual(['backup.db.last-run', 'backup.db.schedule']);
    expect(failing('bk-2')).toEqual(['backup.db.paths', 'backup.db.repository', 'backup.db.retention', 'backup.db.secret-files', 'backup.db.timer']);
    expect(rows.find((x) => x.host === 'bk-2' && x.check === 'backup.db.retention')!.observed).toContain('--keep-daily 3');
    expect(rows.find((x) => x.host === 'bk-2' && x.check === 'backup.db.secret-files')!.observed).toContain('0644');
    expect({ a: await hostState('bk-1'), b: await hostState('bk-2') }).toEqual(before);
    const text = await cli('converge', 'backup', '--check');
    expect(text.code).toBe(1);
    expect(text.out).toContain('bk-1: db: the last incremental run failed (exit 3)');
    expect(text.out).not.toContain(PASSWORD);

    const fix = await cli('converge', 'backup');
    expect(fix.code).toBe(0);
    expect(fix.out).toContain('bk-2: db: wrote /etc/cron.d/opsgate-backup-db');
    expect(await mode(envFile)).toBe('600');
    const after = JSON.parse((await cli('converge', 'backup', '--check', '--format', 'json')).out) as { results: Array<{ host: string; check: string; status: string }> };
    // Only the failed last run stays a finding until the next run succeeds.
    expect(after.results.filter((x) => x.status === 'fail').map((x) => `${x.host} ${x.check}`)).toEqual(['bk-1 backup.db.last-run']);
  }, 180_000);

  it('a schedule that cannot run, or a repository that does not exist, fails before anything is written; init: true creates it', async () => {
    const before = { a: await hostState('bk-1'), b: await hostState('bk-2') };
    for (const schedule of [{ full: '0 2 30 2 *' }, { full: '61 2 * * *' }]) {
      await repo.write('policies/backup/db.yaml', dbPolicy({ schedule }));
      const r = await cli('converge', 'backup');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/policies\/backup\/db\.yaml:\d+:\d+ {2}backup\.schedule-(never|invalid)/);
      expect(r.err).toContain('nothing was written');
    }
    await repo.write('policies/backup/db.yaml', dbPolicy());
    const missing = path.join(repos, 'files');
    await repo.write('policies/backup/files.yaml', policy('files', { repository: { url: missing, password_env: 'RESTIC_PASSWORD_FILES' }, schedule: { full: '30 3 * * *' } }));
    const r = await cli('converge', 'backup');
    expect(r.code).toBe(1);
    expect(r.out).toContain(`bk-1: files: the repository ${missing} does not exist; opsgate creates it only when the policy says repository.init: true`);
    expect(r.out).toContain('bk-1: nothing was installed');
    expect({ a: await hostState('bk-1'), b: await hostState('bk-2') }).toEqual(before);
    await expect(stat(missing)).rejects.toThrow();

    await repo.write('policies/backup/files.yaml', policy('files', { repository: { url: missing, password_env: 'RESTIC_PASSWORD_FILES', init: true }, schedule: { full: '30 3 * * *' } }));
    const ok = await cli('converge', 'backup');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/bk-[12]: files: created the repository/);
    expect(ok.out).toContain('bk-1: files: wrote /etc/cron.d/opsgate-backup-files');
    expect((await restic(missing, 'cat', 'config')).stdout).toContain('"version"');
    expect(ok.out).not.toContain(PASSWORD);
  }, 180_000);

  it('on the host, systemd-analyze judges the staged units and calendars before anything is written (a unit or calendar systemd refuses: nothing installed)', async () => {
    const before = await hostState('bk-1');
    const p = dbPolicy({ retention: { keep_daily: 5 } }) as unknown as BackupPolicyDocument;
    const rendered = renderBackup({ host: 'bk-1', policy: p, repository: path.join(repos, 'db'), passwordEnv: 'RESTIC_PASSWORD_DB', timezone: 'Asia/Shanghai' }, () => PASSWORD);
    // What lint and the controller would never let through, planted in the rendered units: the host's own check must refuse it.
    const tampered = {
      ...rendered,
      systemd: rendered.systemd.map((f) => (f.role === 'timer' ? { ...f, content: f.content.replace(/OnCalendar=.*/, 'OnCalendar=Mon..Sat *-*-* 25:00:00') } : f)),
      schedules: rendered.schedules.map((x) => ({ ...x, onCalendar: ['Mon..Sat *-*-* 25:00:00'] })),
    };
    const script = renderBackupScript([tampered], { mode: 'apply', scope: 'all' });
    const r = await onHost('bk-1', ['sh', '-s'], script);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^OG\tcalendar-invalid\tdb\tMon\.\.Sat \*-\*-\* 25:00:00\t/m);
    expect(r.stdout).toMatch(/^OG\tunit-invalid\t.*Failed to parse calendar specification/m);
    expect(r.stdout).toContain('OG\tnothing-installed');
    expect(r.stdout).not.toContain('OG\twritten');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect(await hostState('bk-1')).toEqual(before);
  }, 120_000);

  it('all or nothing, atomically: a file that cannot be staged leaves every file as it was; files are replaced by rename, never rewritten in place', async () => {
    const runFile = etc('bk-2', 'db.run');
    const inode = async (f: string) => (await stat(f)).ino;
    const before = await hostState('bk-2');
    const oldInode = await inode(runFile);
    const leftovers = async () => (await Promise.all(['etc-opsgate/backup', 'cron.d'].map((d) => readdir(path.join(fleet.dir, 'bk-2', d))))).flat().filter((f) => f.startsWith('.opsgate.'));
    // A new schedule changes the job (staged first, in /etc/opsgate/backup) and the cron entries (staged last, in /etc/cron.d).
    await repo.write('policies/backup/db.yaml', dbPolicy({ schedule: { full: '0 3 * * 0', incremental: '0 3 * * 1-6' } }));
    const dry = await cli('converge', 'backup', '--dry-run');
    expect(dry.out).toContain('/etc/opsgate/backup/db.password 0600 root: secret (the repository password)');
    expect(dry.out).not.toContain(PASSWORD);
    // bk-2's /etc/cron.d becomes read-only (in its own mount namespace): the last file cannot be staged.
    expect((await onHost('bk-2', ['mount', '-o', 'remount,bind,ro', '/etc/cron.d'])).code).toBe(0);
    try {
      const r = await cli('converge', 'backup', '--hosts', 'bk-2');
      expect(r.code).toBe(1);
      expect(r.out).toContain('bk-2: nothing was installed');
      expect(r.out).not.toContain('bk-2: db: wrote');
      expect(await hostState('bk-2')).toEqual(before);
      expect(await inode(runFile)).toBe(oldInode);
      expect(await leftovers()).toEqual([]);
    } finally {
      await onHost('bk-2', ['mount', '-o', 'remount,bind,rw', '/etc/cron.d']);
    }
    const ok = await cli('converge', 'backup', '--hosts', 'bk-2');
    expect(ok.code).toBe(0);
    expect(await readFile(runFile, 'utf8')).toContain('og_in "$2" \' 03 \'');
    // Renamed into place: a reader that opened the old job keeps reading the old job, whole.
    expect(await inode(runFile)).not.toBe(oldInode);
    expect(await leftovers()).toEqual([]);
    await repo.write('policies/backup/db.yaml', dbPolicy());
  }, 180_000);

  it('a policy that no longer applies has its job removed from the host', async () => {
    await repo.write(
      'policies/backup/files.yaml',
      policy('files', { targets: { hosts: ['bk-2'] }, repository: { url: path.join(repos, 'files'), password_env: 'RESTIC_PASSWORD_FILES' }, schedule: { full: '30 3 * * *' } }),
    );
    const r = await cli('converge', 'backup');
    expect(r.code).toBe(0);
    expect(r.out).toContain('bk-1: removed /etc/cron.d/opsgate-backup-files');
    expect(Object.keys(await hostState('bk-1')).filter((k) => k.includes('files'))).toEqual([]);
    expect(Object.keys(await hostState('bk-2')).filter((k) => k.includes('files')).length).toBe(4);
  }, 120_000);
});
