import { describe, expect, it } from 'vitest';
import { planVerify, restoreTestDue, samplePathsOf, type BackupHost, type BackupPolicy } from '../../scripts/backup/plan.ts';
import { lastPassingTests } from '../../scripts/backup/record.ts';

const policy = (id: string, extra: Partial<BackupPolicy> = {}): BackupPolicy => ({
  id,
  targets: { groups: ['web'] },
  paths: ['/etc/nginx', '/etc/ssl'],
  repository: { url: `sftp:backup-01:/srv/${id}`, password_env: 'RESTIC_PASSWORD_WEB' },
  retention: { keep_daily: 7 },
  rpo_hours: 24,
  rto_hours: 2,
  verification: { restore_test_every_days: 30 },
  ...extra,
});
const host = (id: string, groups: string[], repos: Array<{ policy: string; repository: string }> = []): BackupHost => ({
  id,
  groups,
  backup_repositories: repos.map((r) => ({ ...r, password_env: 'RESTIC_PASSWORD_WEB' })),
});

describe('planVerify', () => {
  const hosts = [
    host('web-01', ['web'], [{ policy: 'web', repository: '/srv/shared' }]),
    host('web-02', ['web'], [{ policy: 'web', repository: '/srv/shared' }]),
    host('web-03', ['web']),
    host('db-01', ['db'], [{ policy: 'db', repository: '/srv/db' }]),
  ];

  it('runs on each target host through its inventory entry, checks a shared repository once, and names hosts without an entry', () => {
    const p = planVerify({ policies: [policy('web')], hosts, restoreTest: (_p, h) => h === 'web-02' });
    expect(p.units).toEqual([
      { policy: 'web', executor: 'web-01', repository: '/srv/shared', passwordEnv: 'RESTIC_PASSWORD_WEB', targets: ['web-01'], restoreTargets: [], check: true },
      { policy: 'web', executor: 'web-02', repository: '/srv/shared', passwordEnv: 'RESTIC_PASSWORD_WEB', targets: ['web-02'], restoreTargets: ['web-02'], check: false },
    ]);
    expect(p.problems).toEqual([{ policy: 'web', host: 'web-03', reason: 'the policy targets web-03 but its inventory declares no backup_repositories entry for web' }]);
  });

  it("runs everything of a policy with a restore host there, through the policy's repository", () => {
    const p = planVerify({ policies: [policy('web', { verification: { restore_test_every_days: 30, restore_host: 'db-01' } })], hosts, selectHosts: ['web-01', 'web-03'], restoreTest: () => true });
    expect(p.units).toEqual([
      { policy: 'web', executor: 'db-01', repository: 'sftp:backup-01:/srv/web', passwordEnv: 'RESTIC_PASSWORD_WEB', targets: ['web-01', 'web-03'], restoreTargets: ['web-01', 'web-03'], check: true },
    ]);
    expect(p.problems).toEqual([]);
    const unknown = planVerify({ policies: [policy('web', { verification: { restore_test_every_days: 30, restore_host: 'gone' } })], hosts, selectHosts: ['web-01'], restoreTest: () => false });
    expect(unknown.problems).toEqual([{ policy: 'web', host: 'web-01', reason: "the restore host 'gone' is not in the inventory" }]);
  });

  it('restores the sample paths, else every path', () => {
    expect(samplePathsOf(policy('web'))).toEqual(['/etc/nginx', '/etc/ssl']);
    expect(samplePathsOf(policy('web', { verification: { restore_test_every_days: 1, sample_paths: ['/etc/nginx/nginx.conf'] } }))).toEqual(['/etc/nginx/nginx.conf']);
  });

  it('a restore test is due without a passing one within the cadence; a failed one does not count', () => {
    const now = new Date('2026-11-30T02:00:00Z');
    const last = lastPassingTests([
      { policy: 'web', host: 'web-01', at: '2026-11-01T02:00:00Z', status: 'pass', file: 'f', line: 1 },
      { policy: 'web', host: 'web-01', at: '2026-11-20T02:00:00Z', status: 'fail', file: 'f', line: 2 },
      { policy: 'web', host: 'web-02', at: '2026-10-31T02:00:00Z', status: 'pass', file: 'f', line: 3 },
    ]);
    const due = (h: string) => restoreTestDue(policy('web'), last.get(`web\u0000${h}`) ? Date.parse(last.get(`web\u0000${h}`)!.at) : undefined, now);
    expect([due('web-01'), due('web-02'), due('web-03')]).toEqual([false, true, true]);
  });
});
