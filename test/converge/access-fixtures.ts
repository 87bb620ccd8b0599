import { fingerprintOf } from '../../scripts/ssh/host-key.ts';
import type { TestRepo } from '../change/harness.ts';

/** The baseline check that allows the login account's own sudo rule (the sample organisation has the same). */
export const ALLOW_LOGIN = {
  id: 'access',
  title: 'access',
  checks: [
    {
      id: 'access.sudoers',
      title: 'sudo rules',
      severity: 'high',
      type: 'sudoers',
      params: { allow: [{ who: 'opsgate', runas: 'root', commands: ['ALL'], nopasswd: true }] },
      rationale: 'r',
      remediation: 'r',
    },
  ],
};

/**
 * The access policy the keys fleet tests converge: one host group, the baseline above, and bob (one key, `pub`)
 * granted a role per unix account on that group. Committed; the caller's hosts carry the group and the accounts.
 */
export async function writeBobAccess(repo: TestRepo, o: { pub: string; group: string; accounts: readonly string[] }): Promise<void> {
  await repo.write(`inventory/groups/${o.group}.yaml`, { id: o.group, title: o.group, owners: [] });
  await repo.write('policies/baselines/access.yaml', ALLOW_LOGIN);
  await repo.write('policies/access/people/bob.yaml', {
    id: 'bob',
    name: 'bob',
    status: 'active',
    ssh_keys: [{ fingerprint: fingerprintOf(Buffer.from(o.pub.split(' ')[1]!, 'base64')), public_key: o.pub }],
  });
  for (const acct of o.accounts) {
    await repo.write(`policies/access/roles/${acct}.yaml`, { id: acct, title: acct, unix_account: acct, sudo: [] });
    await repo.write(`policies/access/grants/bob-${acct}.yaml`, {
      id: `bob-${acct}`,
      person: 'bob',
      role: acct,
      groups: [o.group],
      granted_on: '2026-01-01',
      expires: '2099-01-01T00:00:00+00:00',
      justification: `runs as ${acct}`,
      approved_by: 'alice',
    });
  }
  repo.commit('access policy');
}
