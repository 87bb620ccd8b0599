import { describe, expect, it } from 'vitest';
import { packageInstall } from '../../scripts/backup/installs-packages.ts';
import { BACKUP_FRESH_SCRIPT, renderBackupFresh } from '../../scripts/backup/fresh-precheck.ts';
import { RESTIC_WITH_PASSWORD } from '../../scripts/backup/restic.ts';
import { planChange } from '../../scripts/change/plan.ts';
import type { ChangeDocument } from '../../scripts/model/documents.generated.ts';
import { checkBackupPrechecks } from '../../scripts/rules/backup-rules.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';

describe('packageInstall: the steps that install or upgrade packages', () => {
  it.each([
    [['apt-get', 'install', '-y', 'mysql-server=8.0.40-1debian12'], 'apt-get install'],
    [['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', '/usr/bin/apt-get', '-o', 'Dpkg::Options::=--force-confold', 'upgrade'], 'apt-get upgrade'],
    [['apt', 'full-upgrade'], 'apt full-upgrade'],
    [['timeout', '600', 'dnf', '-y', 'update', 'openssl'], 'dnf update'],
    [['yum', 'install', 'nginx'], 'yum install'],
    [['dpkg', '-i', '/tmp/x.deb'], 'dpkg --install'],
    [['rpm', '-Uvh', 'x.rpm'], 'rpm --install/--upgrade'],
    [['zypper', 'in', 'x'], 'zypper in'],
    [['unattended-upgrade', '-v'], 'unattended-upgrade'],
  ])('%j → %s', (argv, what) => {
    expect(packageInstall(argv)).toBe(what);
  });

  it.each([
    [['apt-get', 'update']],
    [['apt-get', 'remove', 'telnet']],
    [['apt', 'list', '--upgradable']],
    [['dpkg', '-l']],
    [['dpkg-query', '-W']],
    [['rpm', '-qi', 'openssl']],
    [['rpm', '-q', '--info', 'x']],
    [['systemctl', 'restart', 'mysql']],
    [['sh', '-c', 'apt-get install x']],
  ])('%j changes no package', (argv) => {
    expect(packageInstall(argv)).toBeUndefined();
  });

  it('judges a program named after an Object.prototype member as installing nothing (it threw, and lint reported internal.rule-failed)', () => {
    for (const argv of [
      ['toString', 'reload', 'nginx'],
      ['sudo', 'constructor', 'install'],
      ['__proto__', 'install'],
      ['/usr/bin/hasOwnProperty', 'a'],
    ])
      expect(packageInstall(argv)).toBeUndefined();
  });
});

const policy = (id: string, group: string, tags = '') => `id: ${id}
title: ${id}
targets:
  groups: [${group}]
paths: [/var/backups/${id}, /etc/${id}]
${tags}tool: restic
repository: {url: "sftp:backup-01:/srv/restic/${id}", password_env: RESTIC_PASSWORD_${id.toUpperCase()}}
offhost: {host: backup-01}
encryption: true
schedule: {full: "0 2 * * *"}
retention: {keep_daily: 7}
rpo_hours: 24
rto_hours: 4
verification: {restore_test_every_days: 30}
`;
const host = (id: string, group: string, repos = '') =>
  `id: ${id}\naddress: 10.0.0.1\nuser: opsgate\nhost_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"]\ngroups: [${group}]\nenv: prod\ncriticality: medium\nowner_team: ops\n${repos}`;
const change = (targets: string, prechecks: string, steps = '  - {id: upgrade, kind: run, sudo: true, argv: [apt-get, install, -y, --only-upgrade, mysql-server]}\n', extra = '') => `id: CHG-2026-0900
title: upgrade
type: normal
risk: medium
requester: alice
implementer: alice
purpose: upgrade the database packages to the patched release
impact: {description: none, expected_downtime_minutes: 0}
targets: ${targets}
window: {start: "2026-12-03T22:30:00+08:00", end: "2026-12-04T01:30:00+08:00"}
prechecks:
${prechecks}steps:
${steps}${extra}`;
const files = (c: string) => ({
  'policies/backup/db.yaml': policy('db', 'db'),
  'policies/backup/dbconf.yaml': policy('dbconf', 'db'),
  'policies/backup/web.yaml': policy('web', 'web'),
  'inventory/hosts/db-01.yaml': host('db-01', 'db'),
  'inventory/hosts/db-02.yaml': host('db-02', 'db'),
  'inventory/hosts/app-01.yaml': host('app-01', 'app'),
  'changes/2026/CHG-2026-0900.yaml': c,
  'policies/organisation.yaml': 'id: organisation\nname: t\ndefault_language: en\nallowed_secrets: [RESTIC_PASSWORD_DB, RESTIC_PASSWORD_DBCONF]\n',
});
const lint = async (c: string) =>
  checkBackupPrechecks({
    repo: await repoFromFiles(files(c)).then((r) => {
      expect(r.diagnostics).toEqual([]);
      return r;
    }),
    now: new Date('2026-12-01T00:00:00Z'),
    existingFiles: new Set(),
  }).map((d) => `${d.file}:${d.line} ${d.code} ${d.pointer} ${d.message}`);

describe('change.backup-precheck-missing', () => {
  it('names each policy backing up a target host that no backup_fresh precheck covers, at the step', async () => {
    expect(await lint(change('{groups: [db]}', '  - {id: disk, argv: [df, /]}\n  - {id: fresh-db, backup_fresh: {policy: db, within_hours: 24}}\n'))).toEqual([
      "changes/2026/CHG-2026-0900.yaml:15 change.backup-precheck-missing /steps/0/argv step 'upgrade' runs apt-get install on hosts backed up by dbconf (db-01, db-02), with no backup_fresh precheck for that policy",
    ]);
  });

  it('is silent with a precheck for every policy, on hosts no policy backs up, for steps that install nothing, and on closed changes', async () => {
    const both = '  - {id: a, backup_fresh: {policy: db, within_hours: 24}}\n  - {id: b, backup_fresh: {policy: dbconf, within_hours: 12}}\n';
    expect(await lint(change('{hosts: [db-01]}', both))).toEqual([]);
    expect(await lint(change('{hosts: [app-01]}', '  - {id: disk, argv: [df, /]}\n'))).toEqual([]);
    expect(await lint(change('{hosts: [db-01]}', '  - {id: disk, argv: [df, /]}\n', '  - {id: restart, kind: run, argv: [systemctl, restart, mysql]}\n'))).toEqual([]);
    expect(
      await lint(
        change(
          '{hosts: [db-01]}',
          '  - {id: disk, argv: [df, /]}\n',
          undefined,
          'closure: {outcome: succeeded, closed_at: "2026-12-04T00:10:00+08:00", deviations: none, incidents_caused: [], reviewed_by: alice, summary: done}\n',
        ),
      ),
    ).toEqual([]);
  });

  it('a check is argv or backup_fresh, never both or neither, and names a policy that exists', async () => {
    expect(
      await lint(
        change(
          '{hosts: [app-01]}',
          '  - {id: both, argv: [df], backup_fresh: {policy: db, within_hours: 1}}\n  - {id: none, name: nothing}\n  - {id: gone, backup_fresh: {policy: nope, within_hours: 1}}\n',
        ),
      ),
    ).toEqual([
      'changes/2026/CHG-2026-0900.yaml:12 change.check-shape /prechecks/0 a check needs exactly one of argv or backup_fresh',
      'changes/2026/CHG-2026-0900.yaml:13 change.check-shape /prechecks/1 a check needs exactly one of argv or backup_fresh',
      "changes/2026/CHG-2026-0900.yaml:14 reference.unknown-backup-policy /prechecks/2/backup_fresh/policy backup policy 'nope' does not exist",
    ]);
  });
});

describe('the backup_fresh precheck as planned', () => {
  const plan = (hosts: Array<{ id: string; repos?: Array<{ policy: string; repository: string; password_env: string }> }>, bf: Record<string, unknown>) =>
    planChange({
      change: {
        id: 'CHG-2026-0900',
        file: 'changes/2026/CHG-2026-0900.yaml',
        sha256: 'x',
        data: {
          ...({} as ChangeDocument),
          id: 'CHG-2026-0900',
          title: 't',
          type: 'normal',
          risk: 'low',
          window: { start: '2026-12-03T22:30:00+08:00', end: '2026-12-04T01:30:00+08:00' },
          targets: { hosts: hosts.map((h) => h.id) },
          prechecks: [{ id: 'fresh', ...bf } as never],
          steps: [{ id: 's', kind: 'run', argv: ['true'] }],
        },
      },
      hosts: hosts.map((h) => ({ id: h.id, data: { groups: ['db'], ...(h.repos ? { backup_repositories: h.repos } : {}) } })),
      files: new Map(),
      access: { people: [], roles: [], grants: [], timezone: 'UTC' },
      now: new Date('2026-12-01T00:00:00Z'),
      backupPolicies: [
        { id: 'db', repository: { url: 'sftp:backup-01:/srv/restic/db', password_env: 'RESTIC_PASSWORD_DB' }, paths: ['/var/backups/db'] },
        { id: 'tagged', repository: { url: '/srv/t', password_env: 'RESTIC_PASSWORD_T' }, tags: ['mysql', 'full'], paths: ['/x'] },
      ],
    });

  it("runs restic on each host through its own repository entry, else the policy's, the password as the one stdin line", () => {
    const p = plan([{ id: 'db-01', repos: [{ policy: 'db', repository: '/mnt/backup/db-01', password_env: 'RESTIC_PASSWORD_HOST' }] }, { id: 'db-02' }], {
      backup_fresh: { policy: 'db', within_hours: 1.5 },
    });
    expect(p.diagnostics).toEqual([]);
    const [a, b] = p.hosts.map((h) => h.prechecks[0]!);
    expect(a).toMatchObject({
      id: 'fresh',
      phase: 'precheck',
      kind: 'check',
      sudo: true,
      stdin: { source: 'secrets', names: ['RESTIC_PASSWORD_HOST'] },
      expect: { exit_code: 0, stdout_contains: 'fresh: ' },
    });
    expect(a!.argv).toEqual([
      'sh',
      '-c',
      RESTIC_WITH_PASSWORD,
      'opsgate-restic',
      'sh',
      '-c',
      BACKUP_FRESH_SCRIPT,
      'opsgate-backup-fresh',
      '--repo=/mnt/backup/db-01',
      '--host=db-01',
      '5400',
      '--path=/var/backups/db',
    ]);
    expect(b!.argv.slice(8)).toEqual(['--repo=sftp:backup-01:/srv/restic/db', '--host=db-02', '5400', '--path=/var/backups/db']);
    expect(b!.stdin).toEqual({ source: 'secrets', names: ['RESTIC_PASSWORD_DB'] });
    expect(renderBackupFresh({ repository: '/r', passwordEnv: 'P', host: 'h', tags: ['mysql', 'full'], paths: ['/x'], withinHours: 24 }).argv.slice(8)).toEqual([
      '--repo=/r',
      '--host=h',
      '86400',
      '--tag=mysql,full',
    ]);
  });

  it('refuses an unknown policy, a check with both shapes, and a repository that reads as an option', () => {
    expect(plan([{ id: 'db-01' }], { backup_fresh: { policy: 'nope', within_hours: 1 } }).diagnostics.map((d) => d.code)).toEqual(['plan.unknown-backup-policy']);
    expect(plan([{ id: 'db-01' }], { argv: ['true'], backup_fresh: { policy: 'db', within_hours: 1 } }).diagnostics.map((d) => d.code)).toEqual(['plan.check-shape']);
    expect(
      plan([{ id: 'db-01', repos: [{ policy: 'db', repository: '-o=sftp.command=evil', password_env: 'P' }] }], { backup_fresh: { policy: 'db', within_hours: 1 } }).diagnostics.map((d) => d.code),
    ).toEqual(['plan.backup-fresh']);
  });
});

describe('the repository password of a backup_fresh precheck is a secret of the change', () => {
  it("is named when policies/organisation.yaml does not allow it (the host's own entry first, else the policy's)", async () => {
    const org = (allowed: string[]) => `id: organisation\nname: t\ndefault_language: en\nallowed_secrets: ${JSON.stringify(allowed)}\n`;
    const c = change('{groups: [db]}', '  - {id: a, backup_fresh: {policy: db, within_hours: 24}}\n  - {id: b, backup_fresh: {policy: dbconf, within_hours: 24}}\n');
    const run = async (allowed: string[], repos = '') =>
      checkBackupPrechecks({
        repo: await repoFromFiles({ ...files(c), 'inventory/hosts/db-02.yaml': host('db-02', 'db', repos), 'policies/organisation.yaml': org(allowed) }),
        now: new Date('2026-12-01T00:00:00Z'),
        existingFiles: new Set(),
      }).map((d) => `${d.code} ${d.pointer} ${d.message}`);
    expect(await run(['RESTIC_PASSWORD_DB', 'RESTIC_PASSWORD_DBCONF'])).toEqual([]);
    expect(await run(['RESTIC_PASSWORD_DB'])).toEqual([
      'change.secret-not-allowed /prechecks/1/backup_fresh/policy the repository password of dbconf: secret RESTIC_PASSWORD_DBCONF is not in allowed_secrets of policies/organisation.yaml',
    ]);
    expect(await run(['RESTIC_PASSWORD_DB', 'RESTIC_PASSWORD_DBCONF'], 'backup_repositories: [{policy: db, repository: /srv/r, password_env: GIT_ASKPASS}]\n')).toEqual([
      "change.secret-reserved /prechecks/0/backup_fresh/policy the repository password of db: 'GIT_ASKPASS' is reserved: the workflow token, the runner's, Node's, git's and opsgate's own variables are never passed to a change",
    ]);
  });
});
