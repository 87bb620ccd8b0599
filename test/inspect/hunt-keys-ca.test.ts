/**
 * A `cert-authority` line in authorized_keys, planted on a real host and tried: every certificate the key signs for the
 * account logs in (bob, who left, with a certificate alice's key signed), so an entitled person's key as a CA is access
 * opsgate cannot verify, like TrustedUserCAKeys. Before, the line was judged as alice's own key and the row passed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { findRow, fleetKeysCheck } from './fleet-host.ts';
import { sshLogsIn } from './hunt-login.ts';

const run = promisify(execFile);
const MACHINE = requireMachine(NEEDS.fleetNamespaces);

const BASELINE = {
  id: 'huntca',
  title: '公钥',
  checks: [fleetKeysCheck('k.keys')],
};

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'huntca',
  baseline: BASELINE,
  fleet: ({ alice }) => ({
    hosts: [{ id: 'k-ca', groups: ['web'], accounts: [{ name: 'deploy', uid: 1001, shell: '/bin/bash', keys: [`cert-authority,principals="deploy" ${alice.publicKey}`] }] }],
  }),
  // bob (left) gets a certificate for deploy signed by alice's key.
  afterStart: async (_fleet, { alice, bob }) => {
    await run('ssh-keygen', ['-q', '-s', alice.privatePath, '-I', 'bob-cert', '-n', 'deploy', `${bob.privatePath}.pub`]);
  },
});

MACHINE.describe('a cert-authority key, on a real host', () => {
  it('a certificate its key signed logs in, and the row is not a pass: it names the line', async () => {
    expect(await sshLogsIn(suite.fleet, 'k-ca', 'deploy', suite.keys.bob.privatePath)).toBe(true);
    const r = findRow(suite.rows, 'k-ca', 'k.keys');
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/^deploy: SHA256:\S+ \(alice\) is a cert-authority at \/home\/deploy\/\.ssh\/authorized_keys:1: /);
  });
});
