/**
 * Very large files: the client reads at most 16 MiB of probe output, and one padded file used to cut it, leaving every check
 * of the host an error. No file is copied past FILE_CAP (4 MiB) now: the section that needs it fails naming the file, and
 * the rest of the host is judged. A key after the cap is never a pass: that row is an error, and the key is real (it logs in).
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { FILE_CAP } from '../../scripts/inspect/probe-bodies.ts';
import { useInspectFleet } from './inspect-fleet-suite.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { findRow } from './fleet-host.ts';

const run = promisify(execFile);
const MACHINE = requireMachine(NEEDS.fleetNamespaces);

const check = (id: string, type: string, params: Record<string, unknown>) => ({ id, title: id, severity: 'high', type, params, rationale: 'r', remediation: 'm' });
const BASELINE = {
  id: 'large',
  title: '大文件',
  checks: [
    check('l.ipf', 'sysctl', { key: 'net.ipv4.ip_forward', value: 0 }),
    check('l.keys', 'authorized_keys', { exclude_accounts: ['opsgate'] }),
    check('l.root', 'sshd_option', { option: 'permitrootlogin', equals: 'no' }),
    check('l.accounts', 'accounts', { allow_accounts: ['opsgate'] }),
  ],
};
const padding = (bytes: number) => `#${'x'.repeat(1023)}\n`.repeat(Math.ceil(bytes / 1024));

const row = (host: string, id: string) => findRow(suite.rows, host, id);

async function loginWith(id: string, user: string, key: string): Promise<string> {
  const h = suite.fleet.hosts.find((x) => x.id === id)!;
  const opts = ['IdentitiesOnly=yes', 'BatchMode=yes', 'StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null', `ProxyCommand=${h.proxy_command!.join(' ')}`];
  const r = await run('ssh', ['-i', key, ...opts.flatMap((o) => ['-o', o]), `${user}@${id}`, 'echo', 'in'], { timeout: 20_000 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return r.stdout.trim();
}

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'large',
  baseline: BASELINE,
  keys: ['hidden'],
  fleet: () => ({ hosts: [{ id: 'l-big', groups: ['web'], accounts: [{ name: 'deploy', uid: 1001 }] }] }),
  afterStart: async (fleet, { hidden }) => {
    const own = path.join(fleet.dir, 'l-big');
    // 17 MiB of comments: more than the client reads of the whole probe.
    await writeFile(path.join(own, 'etc', 'sysctl.d', '00-big.conf'), padding(17 * 1024 * 1024));
    // A keys file past the cap, with a key at its end (the file keeps its owner: sshd's StrictModes still accepts it).
    await writeFile(path.join(own, 'home', 'deploy', '.ssh', 'authorized_keys'), `${padding(FILE_CAP + 1024)}${hidden.publicKey}\n`);
  },
});

MACHINE.describe('very large files on a real host', () => {
  it('a 17 MiB sysctl file: its row is an error naming the file; the rest of the host is judged', () => {
    expect(suite.code).toBe(1);
    const r = row('l-big', 'l.ipf');
    expect(r.status).toBe('error');
    expect(r.reason).toContain(`/etc/sysctl.d/00-big.conf is larger than ${FILE_CAP} bytes: not read past that`);
    expect(row('l-big', 'l.root').status).toBe('pass');
    expect(row('l-big', 'l.accounts').status).toBe('pass');
  });

  it('a key past the cap logs in; its row is an error naming the file, never a pass', async () => {
    expect(await loginWith('l-big', 'deploy', suite.keys.hidden.privatePath)).toBe('in');
    const r = row('l-big', 'l.keys');
    expect(r.status).toBe('error');
    expect(r.reason).toContain(`/home/deploy/.ssh/authorized_keys is larger than ${FILE_CAP} bytes: not read past that`);
  });
});
