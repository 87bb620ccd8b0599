/**
 * Issue 16 acceptance on the real fleet: real sshd hosts, real restic repositories the hosts
 * back up into over SSH, `opsgate backup verify` through the CLI entry point.
 * - web-01: a restore test that passes;
 * - db-01: a corrupted pack — `restic check --read-data-subset=100%` fails, the restore test too, and so do the records;
 * - cache-01: a restore that exceeds its (injected, tiny) RTO while its content is right;
 * - app-01 / app-02: one shared repository verified from the restore host backup-01, where only app-02 is fresh.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../../scripts/bin/run-cli.ts';
import type { VerifyRow } from '../../scripts/backup/render.ts';
import { readRecordFile } from '../../scripts/records/writer.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { corruptLargestPack, takeBackups } from './fleet-backups.ts';
import { adaptBackupRecord } from '../../scripts/report/adapters/backup-records.ts';
import { computeBackupVerification } from '../../scripts/report/metrics/backup-verification.ts';
import { parsePeriod } from '../../scripts/report/period.ts';
import type { ReportInput } from '../../scripts/report/types.ts';
import { capture } from '../helpers/capture.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PASSWORD = `restic-${randomBytes(9).toString('hex')}`;
const ENV = 'OPSGATE_TEST_BACKUP_PASSWORD';
let fleet: RunningFleet;
let root: string;
let corrupted = '';
// The clock for this file: the latest noon UTC, moving on with the real clock. Snapshots are
// dated relative to it, so a run just after midnight never puts the hour-old snapshot on the
// previous calendar day (which would make retention and freshness flip).
const NOON = Math.floor(Date.now() / DAY) * DAY + 12 * HOUR;
const T = NOON > Date.now() ? NOON - DAY : NOON;
const OFFSET = T - Date.now();
const clock = () => new Date(Date.now() + OFFSET);
const MONTH = new Date(T).toISOString().slice(0, 7);
const ago = (ms: number) => new Date(T - ms);

async function verify(args: string[], env: NodeJS.ProcessEnv = { [ENV]: PASSWORD }) {
  const out = capture();
  const err = capture();
  const code = await runCli(['backup', 'verify', '--root', root, '--identity', fleet.clientKeyPath, '--format', 'json', '--timeout', '120', '--connect-timeout', '20', ...args], {
    env: { ...env, PATH: process.env.PATH },
    stdout: out.stream,
    stderr: err.stream,
    cwd: root,
    now: clock,
  });
  const text = out.text();
  return {
    code,
    stdout: text,
    stderr: err.text(),
    json: JSON.parse(text || '{}') as { rows: VerifyRow[]; hosts: Array<{ policy: string; host: string; restore?: Record<string, unknown>; retention: Record<string, unknown> }> },
  };
}

const policy = (id: string, hosts: string[], extra: Record<string, unknown>) => ({
  id,
  title: id,
  targets: { hosts },
  paths: ['/mnt/app'],
  tags: [id],
  tool: 'restic',
  repository: { url: '/srv/unused', password_env: ENV },
  offhost: { host: 'backup-01' },
  encryption: true,
  schedule: { full: '0 2 * * *' },
  retention: { keep_daily: 7 },
  rpo_hours: 24,
  rto_hours: 4,
  verification: { restore_test_every_days: 30, read_data_subset: '100%' },
  ...extra,
});

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({
    hosts: [
      { id: 'web-01', groups: ['web'] },
      { id: 'db-01', groups: ['db'] },
      { id: 'cache-01', groups: ['cache'] },
      { id: 'app-01', groups: ['app'] },
      { id: 'app-02', groups: ['app'] },
      { id: 'backup-01', groups: ['backup'] },
    ],
  });
  const repo = (name: string) => path.join(fleet.dir, `repo-${name}`);
  const files = (host: string) => ({ 'app/conf/app.ini': `[app]\nhost = ${host}\n`, 'app/data/blob.bin': randomBytes(150_000), 'app/README': 'data of the app\n' });
  await takeBackups(fleet, PASSWORD, [
    { host: 'web-01', policy: 'app-data', repository: repo('web-01'), files: files('web-01'), times: [ago(4 * DAY), ago(3 * DAY), ago(2 * DAY), ago(DAY), ago(HOUR)] },
    { host: 'db-01', policy: 'db-dump', repository: repo('db-01'), files: files('db-01'), times: [ago(3 * DAY), ago(2 * DAY), ago(DAY), ago(2 * HOUR)] },
    { host: 'cache-01', policy: 'cache-rto', repository: repo('cache-01'), files: files('cache-01'), times: [ago(HOUR)] },
    { host: 'app-01', policy: 'shared-app', repository: repo('shared'), files: files('app-01'), times: [ago(5 * DAY), ago(3 * DAY)] },
    { host: 'app-02', policy: 'shared-app', repository: repo('shared'), files: files('app-02'), times: [ago(3 * HOUR)] },
  ]);
  corrupted = corruptLargestPack(repo('db-01'));

  root = await mkdtemp(path.join(os.tmpdir(), 'og-backup-repo-'));
  await cp(path.join(ROOT, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  const put = async (rel: string, doc: unknown) => {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), stringify(doc));
  };
  await put('policies/backup/app-data.yaml', policy('app-data', ['web-01'], {}));
  await put('policies/backup/db-dump.yaml', policy('db-dump', ['db-01'], { retention: { keep_daily: 2 } }));
  await put('policies/backup/cache-rto.yaml', policy('cache-rto', ['cache-01'], { rto_hours: 0.000001 }));
  await put(
    'policies/backup/shared-app.yaml',
    policy('shared-app', ['app-01', 'app-02'], {
      repository: { url: repo('shared'), password_env: ENV },
      verification: { restore_test_every_days: 30, sample_paths: ['/mnt/app/conf'], restore_host: 'backup-01' },
    }),
  );
  for (const h of fleet.hosts) {
    if (['web-01', 'db-01', 'cache-01'].includes(h.id)) {
      const p = { 'web-01': 'app-data', 'db-01': 'db-dump', 'cache-01': 'cache-rto' }[h.id]!;
      h.backup_repositories = [{ policy: p, repository: repo(h.id), password_env: ENV }];
    }
  }
  await fleet.writeInventory(root);
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const statuses = (rows: VerifyRow[]) => rows.map((r) => `${r.policy} ${r.host} ${r.item} ${r.status}`).sort();

MACHINE.describe('opsgate backup verify against real restic repositories on the fleet', () => {
  it('checks, lists, weighs retention and restore-tests every host, and records exactly what it found', async () => {
    const r = await verify(['--restore-test', '--record']);
    expect(r.stderr).toMatch(/recorded BKV-/);
    expect(r.code).toBe(1);
    expect(statuses(r.json.rows)).toEqual(
      [
        'app-data web-01 check pass',
        'app-data web-01 restore_test pass',
        'app-data web-01 retention pass',
        'app-data web-01 snapshots pass',
        'cache-rto cache-01 check pass',
        'cache-rto cache-01 restore_test fail',
        'cache-rto cache-01 retention pass',
        'cache-rto cache-01 snapshots pass',
        'db-dump db-01 check fail',
        'db-dump db-01 restore_test fail',
        'db-dump db-01 retention fail',
        'db-dump db-01 snapshots pass',
        'shared-app app-01 restore_test pass',
        'shared-app app-01 retention fail',
        'shared-app app-01 snapshots fail',
        'shared-app app-02 restore_test pass',
        'shared-app app-02 retention pass',
        'shared-app app-02 snapshots pass',
        'shared-app backup-01 check pass',
      ].sort(),
    );
    const row = (p: string, h: string, item: string) => r.json.rows.find((x) => x.policy === p && x.host === h && x.item === item)!;
    // The shared repository's newest snapshot is app-02's, 3 h old: app-01's own is 3 days old.
    expect(row('shared-app', 'app-01', 'snapshots').reason).toMatch(/^newest snapshot [0-9a-f]{8} is 7[12](\.\d+)? h old; the RPO is 24 h$/);
    expect(row('shared-app', 'app-01', 'retention').reason).toMatch(/^too few snapshots: no daily snapshot for /);
    expect(row('db-dump', 'db-01', 'check').reason).toMatch(/Pack ID does not match|ciphertext verification failed|contains \d+ errors/);
    expect(row('db-dump', 'db-01', 'retention').reason).toMatch(/^2 snapshots the policy's retention would have removed \([0-9a-f]{8}, [0-9a-f]{8}\): forget\/prune is not running$/);
    expect(row('cache-rto', 'cache-01', 'restore_test').reason).toMatch(/^the restore took \d+\.\d{3} s; the RTO is 0\.000001 h \(0\.004 s\)$/);
    const cache = r.json.hosts.find((h) => h.host === 'cache-01')!.restore!;
    expect(cache).toMatchObject({ content: 'pass', rto_met: false, files_expected: 3, files_restored: 3, mismatch_count: 0, scratch_removed: true, sample_paths: ['/mnt/app'] });
    const web = r.json.hosts.find((h) => h.host === 'web-01')!;
    expect(web.restore).toMatchObject({
      status: 'pass',
      content: 'pass',
      rto_met: true,
      files_expected: 3,
      files_restored: 3,
      bytes_expected: 150_000 + '[app]\nhost = web-01\n'.length + 'data of the app\n'.length,
      scratch_removed: true,
    });
    expect(web.retention).toMatchObject({ kept: 5, would_remove: [], missing: [] });
    const shared = r.json.hosts.find((h) => h.host === 'app-02')!.restore!;
    expect(shared).toMatchObject({ status: 'pass', files_expected: 1, sample_paths: ['/mnt/app/conf'] });

    // The record: one chain, every line verified, statuses as above, no password anywhere.
    const file = path.join(root, 'records', 'backups', `${MONTH}.jsonl`);
    const text = await readFile(file, 'utf8');
    const chain = await readRecordFile(file);
    expect(chain.ok).toBe(true);
    expect(chain.lines.map((l) => l.type)).toEqual([
      'backup.verify.started',
      'backup.check',
      'backup.check',
      'backup.check',
      'backup.check',
      ...['app-data/web-01', 'cache-rto/cache-01', 'db-dump/db-01', 'shared-app/app-01', 'shared-app/app-02'].flatMap(() => ['backup.snapshots', 'backup.retention', 'backup.restore_test']),
      'backup.verify.completed',
    ]);
    const check = chain.lines.find((l) => l.type === 'backup.check' && l.policy === 'db-dump')!;
    expect(check).toMatchObject({ status: 'fail', host: 'db-01', read_data_subset: '100%' });
    const dbRestore = chain.lines.find((l) => l.type === 'backup.restore_test' && l.host === 'db-01')!;
    expect(dbRestore).toMatchObject({ status: 'fail', content: 'fail', scratch_removed: true });
    const sharedRestore = chain.lines.find((l) => l.type === 'backup.restore_test' && l.host === 'app-01')!;
    expect(sharedRestore).toMatchObject({ status: 'pass', executor: 'backup-01' });
    expect(chain.lines.at(-1)).toMatchObject({ summary: { checks: { pass: 3, fail: 1, error: 0 }, restore_tests: { pass: 3, fail: 2, error: 0 } } });
    for (const out of [text, r.stdout, r.stderr]) expect(out).not.toContain(PASSWORD);
    expect(corrupted).toContain(path.join(fleet.dir, 'repo-db-01'));

    // The report reads these records: measured RTO attainment, restic check results, retention against the policy.
    const rel = path.relative(root, file);
    const rto = { 'app-data': 4, 'db-dump': 4, 'cache-rto': 0.000001, 'shared-app': 4 } as Record<string, number>;
    const input = {
      backups: adaptBackupRecord(rel, chain.lines as unknown as Record<string, unknown>[]),
      backupPolicies: Object.entries(rto).map(([id, h]) => ({ id, data: { rto_hours: h } })),
    } as unknown as ReportInput;
    const bv = computeBackupVerification(input, parsePeriod(MONTH, 'UTC')!);
    const v = Object.fromEntries(bv.figures.map((f) => [f.id, [f.value, f.numerator, f.denominator]]));
    expect(v).toEqual({
      // Passed within the RTO: web-01, app-01, app-02 of the 5 timed; cache-01 is over its RTO, db-01's content differs.
      'backup_verification.rto_met': [60, 3, 5],
      'backup_verification.checks_failed': [1, undefined, undefined],
      'backup_verification.retention_ok': [60, 3, 5],
      'backup_verification.too_few': [1, undefined, undefined],
      'backup_verification.prune_due': [1, undefined, undefined],
    });
    expect(bv.rows.map((x) => [x.policy, x.host, x.restore?.ok, x.restore?.rto_met, x.retention?.would_remove, x.retention?.missing])).toEqual([
      ['app-data', 'web-01', true, true, 0, 0],
      ['cache-rto', 'cache-01', false, false, 0, 0],
      ['db-dump', 'db-01', false, true, 2, 0],
      ['shared-app', 'app-01', true, true, 0, expect.any(Number)],
      ['shared-app', 'app-02', true, true, 0, 0],
    ]);
    expect(bv.rows.find((x) => x.host === 'app-01')!.retention!.missing).toBeGreaterThan(0);
    const failed = bv.checks.find((c) => !c.ok)!;
    expect([failed.policy, failed.host, failed.read_data_subset]).toEqual(['db-dump', 'db-01', '100%']);
    expect(failed.errors.join('\n')).toMatch(/Pack ID does not match|ciphertext verification failed|contains \d+ errors/);
    expect(failed.evidence).toEqual([expect.stringMatching(new RegExp(`^${rel.replace(/[.]/g, '\\.')}#\\d+:[0-9a-f]{64}$`))]);
  }, 300_000);

  it('--due restore-tests only where no passing test is within the cadence', async () => {
    const r = await verify(['--due', '--policies', 'app-data,cache-rto']);
    expect(statuses(r.json.rows).filter((s) => s.includes('restore_test'))).toEqual(['cache-rto cache-01 restore_test fail']);
  }, 300_000);

  it("a missing password is an error for each of the policy's hosts, not a skipped host", async () => {
    const r = await verify(['--policies', 'app-data'], {});
    expect(r.code).toBe(1);
    expect(statuses(r.json.rows)).toEqual(['app-data web-01 check error', 'app-data web-01 retention error', 'app-data web-01 snapshots error']);
    expect(r.json.rows[0]!.reason).toBe(`the runner's environment has no ${ENV} (the repository password of app-data)`);
  }, 120_000);

  it('a restore host that cannot be reached records the restic check as an error too, never a silent gap', async () => {
    const file = path.join(root, 'policies/backup/unreachable-restore.yaml');
    const hostFile = path.join(root, 'inventory/hosts/backup-01.yaml');
    const hostText = await readFile(hostFile, 'utf8');
    await writeFile(hostFile, stringify({ ...(parse(hostText) as object), jump_host: 'nowhere-01' }));
    await writeFile(
      file,
      stringify(
        policy('unreachable-restore', ['web-01'], {
          repository: { url: path.join(fleet.dir, 'repo-web-01'), password_env: ENV },
          verification: { restore_test_every_days: 30, sample_paths: ['/mnt/app/conf'], restore_host: 'backup-01' },
        }),
      ),
    );
    try {
      const r = await verify(['--policies', 'unreachable-restore']);
      expect(r.code).toBe(1);
      expect(statuses(r.json.rows)).toEqual(['unreachable-restore backup-01 check error', 'unreachable-restore web-01 retention error', 'unreachable-restore web-01 snapshots error']);
      expect(new Set(r.json.rows.map((row) => row.reason))).toEqual(new Set(["connect: jump host 'nowhere-01' is not in the inventory"]));
    } finally {
      await writeFile(hostFile, hostText);
      await rm(file, { force: true });
    }
  }, 120_000);

  it('an unknown policy is unusable input, before anything connects', async () => {
    const r = await verify(['--policies', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/backup\.unknown-policy/);
  });
});
