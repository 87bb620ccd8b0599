/**
 * AuthorizedKeysFile set in a Match block, planted on real hosts and tried with the key:
 * - `Match User deploy Address 127.0.0.0/8` points deploy at /mnt/keys/deploy: a connection from 127.0.0.1 logs in with
 *   the key there, while one from elsewhere uses ~/.ssh/authorized_keys. Every file any of the account's contexts names is
 *   read; before, only the first context's (the address no Match line names) was;
 * - `Match User svc` points svc, whose shell is nologin, at /mnt/keys/svc: the key authenticates (and opens forwards) as
 *   for any account; before, svc was read at its home because only login accounts had contexts.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import type { StartFleetOptions } from '../fleet/fleet.ts';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { findRow, fleetKeysCheck } from './fleet-host.ts';
import { sshLogsIn } from './hunt-login.ts';

const run = promisify(execFile);
const MACHINE = requireMachine(NEEDS.fleetNamespaces);

const BASELINE = {
  id: 'huntmatchkeys',
  title: '公钥',
  checks: [fleetKeysCheck('k.keys')],
};

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'huntmk',
  baseline: BASELINE,
  keys: ['mallory'],
  fleet: ({ alice, mallory }): StartFleetOptions => ({
    hosts: [
      {
        id: 'm-addr',
        groups: ['web'],
        sshd: { match: ['Match User deploy Address 127.0.0.0/8', '  AuthorizedKeysFile /mnt/keys/%u'] },
        accounts: [{ name: 'deploy', uid: 1001, shell: '/bin/bash', keys: [alice.publicKey] }],
        mntFiles: { 'keys/deploy': { content: `${mallory.publicKey}\n` } },
      },
      {
        id: 'm-nologin',
        groups: ['web'],
        sshd: { match: ['Match User svc', '  AuthorizedKeysFile /mnt/keys/%u'] },
        accounts: [{ name: 'svc', uid: 1002, shell: '/usr/sbin/nologin' }],
        mntFiles: { 'keys/svc': { content: `${mallory.publicKey}\n` } },
      },
    ],
  }),
});

/** Exit 255 is ssh's own failure (authentication refused); a nologin shell exits 1 after authenticating. */
async function authenticates(host: string, user: string, key: string): Promise<boolean> {
  const h = suite.fleet.hosts.find((x) => x.id === host)!;
  const opts = ['IdentitiesOnly=yes', 'BatchMode=yes', 'StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null', `ProxyCommand=${h.proxy_command!.join(' ')}`];
  return run('ssh', ['-i', key, ...opts.flatMap((o) => ['-o', o]), `${user}@${host}`, 'true'], { timeout: 20_000 }).then(
    () => true,
    (e: { code?: number }) => e.code !== 255,
  );
}

MACHINE.describe('AuthorizedKeysFile in Match blocks, on real hosts', () => {
  it("m-addr: mallory's key in the file a Match Address context names logs in, and the row names it", async () => {
    expect(await sshLogsIn(suite.fleet, 'm-addr', 'deploy', suite.keys.mallory.privatePath)).toBe(true);
    const r = findRow(suite.rows, 'm-addr', 'k.keys');
    expect(r.status).toBe('fail');
    expect(r.reason.replace(/SHA256:\S+/, 'FP')).toBe('deploy: FP is unknown (mallory) at /mnt/keys/deploy:1');
  });

  it("m-nologin: mallory's key authenticates svc (shell nologin), and the row names it", async () => {
    expect(await authenticates('m-nologin', 'svc', suite.keys.mallory.privatePath)).toBe(true);
    expect(await authenticates('m-nologin', 'svc', suite.keys.bob.privatePath)).toBe(false);
    const r = findRow(suite.rows, 'm-nologin', 'k.keys');
    expect(r.status).toBe('fail');
    expect(r.reason.replace(/SHA256:\S+/, 'FP')).toBe('svc: FP is unknown (mallory) at /mnt/keys/svc:1');
  });
});
