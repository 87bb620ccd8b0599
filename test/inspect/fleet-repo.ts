import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { fingerprintOfBase64 } from '../../scripts/inspect/parse-access.ts';
import type { RunningFleet } from '../fleet/fleet.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * A throw-away repository for a fleet run: the real schemas, the test baseline,
 * people/roles/grants/backup/exceptions written here, the generated inventory.
 */
export async function writeFleetRepo(fleet: RunningFleet, keys: { alice: string; bob: string }): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'og-inspect-repo-'));
  await cp(path.join(ROOT, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  await cp(path.join(ROOT, 'test/fixtures/inspect/repo/policies'), path.join(root, 'policies'), { recursive: true });
  const put = async (rel: string, doc: unknown) => {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), stringify(doc));
  };
  const fp = (k: string) => fingerprintOfBase64(k.split(/\s+/)[1]!);
  await put('policies/access/people/alice.yaml', { id: 'alice', name: 'Alice', status: 'active', ssh_keys: [{ fingerprint: fp(keys.alice), public_key: keys.alice }] });
  await put('policies/access/people/bob.yaml', { id: 'bob', name: 'Bob', status: 'left', left_on: '2026-10-31', ssh_keys: [{ fingerprint: fp(keys.bob), public_key: keys.bob }] });
  await put('policies/access/roles/deployer.yaml', {
    id: 'deployer',
    title: 'deployer',
    unix_account: 'deploy',
    sudo: [{ runas: 'root', commands: ['/usr/bin/systemctl restart nginx'], nopasswd: true }],
  });
  await put('policies/access/grants/alice-deployer.yaml', {
    id: 'alice-deployer',
    person: 'alice',
    role: 'deployer',
    groups: ['web'],
    granted_on: '2026-01-01',
    expires: '2099-01-01T00:00:00+08:00',
    justification: 'deploys web releases',
    approved_by: 'bob',
  });
  await put('policies/access/grants/bob-deployer.yaml', {
    id: 'bob-deployer',
    person: 'bob',
    role: 'deployer',
    groups: ['web'],
    granted_on: '2026-01-01',
    expires: '2026-10-31T18:00:00+08:00',
    justification: 'deploys web releases',
    approved_by: 'alice',
  });
  await put('policies/backup/db-daily.yaml', {
    id: 'db-daily',
    title: 'daily',
    targets: { groups: ['db', 'app'] },
    paths: ['/etc'],
    tags: ['db-daily'],
    tool: 'restic',
    repository: { url: '/srv/restic', password_env: 'OPSGATE_TEST_RESTIC_PASSWORD' },
    offhost: { host: 'db-01' },
    encryption: true,
    schedule: { full: '0 2 * * *' },
    retention: { keep_daily: 7, keep_weekly: 4, keep_monthly: 6 },
    rpo_hours: 24,
    rto_hours: 4,
    verification: { restore_test_every_days: 30 },
  });
  const exc = (id: string, rule: string, hosts: string[], expires: string) =>
    put(`policies/exceptions/${id}.yaml`, {
      id,
      rule,
      scope: { hosts },
      owner: 'alice',
      approver: 'bob',
      ticket: 'SEC-1',
      reason: 'test exception for the fleet',
      created: '2026-01-01',
      expires,
    });
  await exc('app-01-pass-age', 'login.pass-max-days', ['app-01'], '2099-12-31T23:59:59+08:00');
  await exc('web-01-root-login', 'ssh.permit-root-login', ['web-01'], '2026-01-31T23:59:59+08:00');
  await fleet.writeInventory(root);
  return root;
}
