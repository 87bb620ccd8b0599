/**
 * Keys planted where a naive read of authorized_keys goes wrong, on a real host, each tried by logging in with it:
 * - files sshd refuses under StrictModes (an authorized_keys writable by another account's group, a world-writable home or
 *   ~/.ssh; Debian's sshd takes a file writable by the account's own private group), and a file
 *   the account cannot read itself (sshd opens it with the account's privileges): their keys grant nothing;
 * - keys that do log in: CRLF line endings with options and a comment with spaces, a link to a file in the home,
 *   ~/.ssh/authorized_keys2 (sshd's default AuthorizedKeysFile), duplicated lines; a commented-out key does not.
 * Inspection must count exactly the keys sshd accepts.
 */
import { chmod, chown, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { RunningFleet } from '../fleet/fleet.ts';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { findRow } from './fleet-host.ts';
import { sshLogsIn } from './hunt-login.ts';
import { parseKeyTokens } from '../../scripts/report/adapters/inspection-records.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

const BASELINE = {
  id: 'huntkeys',
  title: '公钥',
  checks: [{ id: 'k.keys', title: '公钥', severity: 'high', type: 'authorized_keys', params: { exclude_accounts: ['opsgate'] }, rationale: 'r', remediation: 'm' }],
};

/** Accounts on k-files, each with mallory's key planted one way; true: sshd lets mallory in. */
const PLANTED: Record<string, boolean> = {
  // Debian's sshd takes a group-writable file whose group is the account's own private group (measured here).
  'k-gw': true,
  'k-gwshared': false,
  'k-homew': false,
  'k-sshw': false,
  'k-rootonly': false,
  'k-hashed': false,
  'k-crlf': true,
  'k-link': true,
  'k-ak2': true,
  'k-dup': true,
};

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'huntkeys',
  baseline: BASELINE,
  keys: ['mallory'],
  fleet: ({ mallory }) => {
    const [type, b64] = mallory.publicKey.split(/\s+/);
    const key = `${type} ${b64}`;
    const files: Record<string, Record<string, string>> = {
      'k-gw': { '.ssh/authorized_keys': `${key} mallory\n` },
      'k-gwshared': { '.ssh/authorized_keys': `${key} mallory\n` },
      'k-homew': { '.ssh/authorized_keys': `${key} mallory\n` },
      'k-sshw': { '.ssh/authorized_keys': `${key} mallory\n` },
      'k-rootonly': { '.ssh/authorized_keys': `${key} mallory\n` },
      'k-hashed': { '.ssh/authorized_keys': `#${key} mallory\n# ${key} mallory\n` },
      'k-crlf': { '.ssh/authorized_keys': `no-pty,from="127.0.0.0/8,10.0.0.0/8" ${key} mallory on a laptop\r\n${key}\r\n` },
      'k-link': { 'keys.txt': `${key} mallory\n`, '.ssh/authorized_keys': '' },
      'k-ak2': { '.ssh/authorized_keys2': `${key} mallory\n`, '.ssh/authorized_keys': '' },
      'k-dup': { '.ssh/authorized_keys': `${key} mallory\n${key} mallory\n` },
    };
    return {
      hosts: [
        {
          id: 'k-files',
          groups: ['db'],
          accounts: Object.keys(PLANTED).map((name, i) => ({ name, uid: 2001 + i, shell: '/bin/bash', homeFiles: files[name]! })),
        },
      ],
    };
  },
  afterStart: async (fleet: RunningFleet) => {
    const home = (a: string) => path.join(fleet.dir, 'k-files', 'home', a);
    await chmod(path.join(home('k-gw'), '.ssh/authorized_keys'), 0o664);
    // Group-writable, its group another account's: that account could write keys in.
    await chown(path.join(home('k-gwshared'), '.ssh/authorized_keys'), 2002, 2001);
    await chmod(path.join(home('k-gwshared'), '.ssh/authorized_keys'), 0o664);
    await chmod(home('k-homew'), 0o777);
    await chmod(path.join(home('k-sshw'), '.ssh'), 0o777);
    await chown(path.join(home('k-rootonly'), '.ssh/authorized_keys'), 0, 0);
    await chmod(path.join(home('k-rootonly'), '.ssh/authorized_keys'), 0o600);
    await rm(path.join(home('k-link'), '.ssh/authorized_keys'));
    await symlink('../keys.txt', path.join(home('k-link'), '.ssh/authorized_keys'));
    await writeFile(path.join(home('k-ak2'), '.ssh/authorized_keys'), '');
  },
});

MACHINE.describe('authorized_keys as sshd reads it, on real hosts', () => {
  it('k-files: the row names mallory exactly for the accounts sshd lets her into', async () => {
    const measured: Record<string, boolean> = {};
    for (const a of Object.keys(PLANTED)) measured[a] = await sshLogsIn(suite.fleet, 'k-files', a, suite.keys.mallory.privatePath);
    expect(measured).toEqual(PLANTED);
    const r = findRow(suite.rows, 'k-files', 'k.keys');
    expect(r.status).toBe('fail');
    const named = Object.fromEntries(Object.keys(PLANTED).map((a) => [a, r.reason.includes(`${a}: SHA256:`)]));
    expect(named).toEqual(PLANTED);
    // What sshd refused is named with why, not counted.
    const ak = (a: string) => `/home/${a}/.ssh/authorized_keys for ${a}`;
    expect(r.observed).toContain(`ignored by sshd: ${ak('k-gwshared')} (StrictModes: /home/k-gwshared/.ssh/authorized_keys is writable by group 2001, not k-gwshared's own (mode 0664))`);
    expect(r.observed).toContain(`ignored by sshd: ${ak('k-homew')} (StrictModes: /home/k-homew is writable by others (mode 0777))`);
    expect(r.observed).toContain(`ignored by sshd: ${ak('k-sshw')} (StrictModes: /home/k-sshw/.ssh is writable by others (mode 0777))`);
    expect(r.observed).toContain(`ignored by sshd: ${ak('k-rootonly')} (k-rootonly cannot read it, and sshd opens it with k-rootonly's privileges)`);
    expect(r.observed.match(/ignored by sshd/g)).toHaveLength(4);
    // The report reads account:person pairs out of observed: the ignored files add none.
    const accounts = new Set(parseKeyTokens(r.observed).map((t) => t.slice(0, t.indexOf(':'))));
    accounts.delete('opsgate');
    expect([...accounts].sort()).toEqual(
      Object.keys(PLANTED)
        .filter((a) => PLANTED[a])
        .sort(),
    );
  });
});
