/**
 * Lint warns when a backup policy needs a secret the scheduled workflows
 * (apply --due, backup verify, inspect) cannot receive: they get only
 * allowed_secrets. At the line that names it, policy or inventory override.
 */
import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';

const NOW = new Date('2026-11-30T00:00:00Z');
const policy = (targets: string, extraRepository = '') =>
  [
    'id: db',
    'title: db',
    'targets:',
    targets,
    'paths: [/var/backups/db]',
    'tool: restic',
    'repository:',
    '  url: /srv/restic/db',
    '  password_env: RESTIC_PASSWORD_DB',
    extraRepository,
    'offhost:',
    '  host: bk',
    'encryption: true',
    'schedule:',
    '  full: "0 2 * * *"',
    'retention:',
    '  keep_daily: 7',
    'rpo_hours: 24',
    'rto_hours: 4',
    'verification:',
    '  restore_test_every_days: 30',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
const host = (id: string, override = '') =>
  [
    `id: ${id}`,
    'address: 10.0.0.1',
    'user: opsgate',
    'host_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJrp+ouw4SusNWGD0QcQALO5dB7NhhShzXRHbnDM0sqj"]',
    'groups: [db]',
    'env: prod',
    'criticality: high',
    'owner_team: dba',
    'os: debian-12',
    override,
  ]
    .filter(Boolean)
    .join('\n') + '\n';
const org = (allowed: string[]) => `id: organisation\nname: t\ndefault_language: en\nallowed_secrets: ${JSON.stringify(allowed)}\n`;
const OVERRIDE = 'backup_repositories:\n  - policy: db\n    repository: /srv/restic/db-02\n    password_env: RESTIC_PASSWORD_DB2';

async function lint(files: Record<string, string>) {
  const repo = await repoFromFiles(files);
  return lintRepo({ repo, now: NOW, existingFiles: new Set() })
    .filter((d) => d.code.startsWith('backup.secret'))
    .map((d) => `${d.file}:${d.line} ${d.code} ${d.severity}`);
}

describe('lint: a backup policy needs secrets the scheduled workflows can receive', () => {
  it('allowed: clean', async () => {
    expect(await lint({ 'policies/organisation.yaml': org(['RESTIC_PASSWORD_DB']), 'policies/backup/db.yaml': policy('  groups: [db]'), 'inventory/hosts/db-01.yaml': host('db-01') })).toEqual([]);
  });

  it("not allowed: a warning at the policy's password_env naming the hosts, and why the schedule fails", async () => {
    const repo = await repoFromFiles({
      'policies/organisation.yaml': org([]),
      'policies/backup/db.yaml': policy('  groups: [db]'),
      'inventory/hosts/db-01.yaml': host('db-01'),
      'inventory/hosts/db-02.yaml': host('db-02'),
    });
    const d = lintRepo({ repo, now: NOW, existingFiles: new Set() }).filter((x) => x.code.startsWith('backup.secret'));
    expect(d.map((x) => `${x.file}:${x.line} ${x.code} ${x.severity}`)).toEqual(['policies/backup/db.yaml:9 backup.secret-not-allowed warning']);
    expect(d[0]!.message).toContain('RESTIC_PASSWORD_DB is needed on db-01, db-02');
    expect(d[0]!.message).toContain('apply --due');
    expect(d[0]!.hint).toContain('add RESTIC_PASSWORD_DB to allowed_secrets');
  });

  it("an inventory override is checked at the host's own line; the policy's password only where no override applies", async () => {
    expect(
      await lint({
        'policies/organisation.yaml': org(['RESTIC_PASSWORD_DB']),
        'policies/backup/db.yaml': policy('  groups: [db]'),
        'inventory/hosts/db-01.yaml': host('db-01'),
        'inventory/hosts/db-02.yaml': host('db-02', OVERRIDE),
      }),
    ).toEqual(['inventory/hosts/db-02.yaml:13 backup.secret-not-allowed warning']);
    // Every targeted host overrides: the policy's own password is needed nowhere, so it need not be allowed.
    expect(
      await lint({ 'policies/organisation.yaml': org(['RESTIC_PASSWORD_DB2']), 'policies/backup/db.yaml': policy('  groups: [db]'), 'inventory/hosts/db-02.yaml': host('db-02', OVERRIDE) }),
    ).toEqual([]);
  });

  it('backend credentials count too; a reserved name is its own code; a policy targeting no host needs nothing', async () => {
    expect(
      await lint({
        'policies/organisation.yaml': org(['RESTIC_PASSWORD_DB']),
        'policies/backup/db.yaml': policy('  hosts: [db-01]', '  credentials:\n    AWS_ACCESS_KEY_ID: S3_KEY_ID\n    AWS_SECRET_ACCESS_KEY: GITHUB_TOKEN'),
        'inventory/hosts/db-01.yaml': host('db-01'),
      }),
    ).toEqual(['policies/backup/db.yaml:11 backup.secret-not-allowed warning', 'policies/backup/db.yaml:12 backup.secret-reserved warning']);
    expect(await lint({ 'policies/organisation.yaml': org([]), 'policies/backup/db.yaml': policy('  hosts: []'), 'inventory/hosts/db-01.yaml': host('db-01') })).toEqual([]);
  });
});
