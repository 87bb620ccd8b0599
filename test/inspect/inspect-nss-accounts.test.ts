/**
 * Accounts that exist only through NSS: systemd userdb records (/etc/userdb/NAME.user), which nss-systemd resolves for
 * getpwnam (so sshd logs them in) although `getent passwd` does not list them and /etc/passwd does not have them. A second
 * uid-0 account and a login account with a key of its own are planted that way on a real sshd host, confirmed as an
 * outsider would (getent, logging in with the key), and must fail `accounts` and `authorized_keys`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import { generateKeyPair } from '../fleet/keys.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { writeFleetRepo } from './fleet-repo.ts';
import { inspectRows } from './inspect-cli.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow, machineMountPoints } from './fleet-host.ts';

const run = promisify(execFile);
const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let root: string;
let keyDir: string;
let hidden: { privatePath: string; publicKey: string };
let rows: InspectionRow[];
let code: number;
let cleanup: (() => Promise<void>) | undefined;

const check = (id: string, type: string, params: Record<string, unknown>) => ({ id, title: id, severity: 'critical', type, params, rationale: 'r', remediation: 'm' });
const BASELINE = {
  id: 'nss',
  title: 'NSS 账户',
  checks: [check('n.accounts', 'accounts', { allow_accounts: ['opsgate'] }), check('n.keys', 'authorized_keys', { exclude_accounts: ['opsgate'] }), check('n.empty', 'empty_password', {})],
};
const record = (name: string, uid: number, home: string) =>
  JSON.stringify({ userName: name, uid, gid: uid, homeDirectory: home, shell: '/bin/bash', disposition: uid === 0 ? 'intrinsic' : 'regular' });
// A password of `*` (no password matches it, and it is not `!`-locked): the fleet's sshd runs without PAM and refuses a
// locked account, which is what nss-systemd reports for a record without one.
const PASSWORD = `${JSON.stringify({ privileged: { hashedPassword: ['*'] } })}\n`;
// An empty password: getspnam returns an empty field for ada, and /etc/shadow has no line for her.
const EMPTY = `${JSON.stringify({ privileged: { hashedPassword: [''] } })}\n`;

const row = (host: string, id: string) => findRow(rows, host, id);

const onHost = async (id: string, argv: string[]): Promise<string> => (await execOnFleetHost(fleet, id, argv)).stdout;

async function loginWith(id: string, user: string, key: string): Promise<string> {
  const h = fleet.hosts.find((x) => x.id === id)!;
  const opts = ['IdentitiesOnly=yes', 'BatchMode=yes', 'StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null', `ProxyCommand=${h.proxy_command!.join(' ')}`];
  const r = await run('ssh', ['-i', key, ...opts.flatMap((o) => ['-o', o]), `${user}@${id}`, 'echo', 'in'], { timeout: 20_000 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return r.stdout.trim();
}

beforeAll(async () => {
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-nss-'));
  const alice = await generateKeyPair(path.join(keyDir, 'alice'), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(keyDir, 'bob'), 'ed25519', 'bob');
  hidden = await generateKeyPair(path.join(keyDir, 'hidden'), 'ed25519', 'hidden');
  cleanup = machineMountPoints(['/etc/userdb']);
  fleet = await startFleet({
    hosts: [
      {
        id: 'n-userdb',
        groups: ['web'],
        dirs: {
          '/etc/userdb': {
            'eve.user': `${record('eve', 1500, '/mnt/eve')}\n`,
            'eve.user-privileged': PASSWORD,
            'ada.user': `${record('ada', 1501, '/mnt/ada')}\n`,
            'ada.user-privileged': EMPTY,
            'toor.user': `${record('toor', 0, '/mnt/toor')}\n`,
          },
        },
        mntFiles: { 'eve/.ssh/authorized_keys': { content: `${hidden.publicKey}\n` } },
      },
      // The same host without the records: nothing NSS adds, the probe reads /etc/passwd alone.
      { id: 'n-clean', groups: ['web'] },
    ],
  });
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'nss.yaml'), stringify(BASELINE));
  const r = await inspectRows(root, fleet, ['--baselines', 'nss']);
  code = r.code;
  rows = r.rows;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  await cleanup?.();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

MACHINE.describe('accounts NSS adds beyond /etc/passwd, on a real host', () => {
  it('an empty password in a userdb record: getspnam returns it, and empty_password fails', async () => {
    expect(await onHost('n-userdb', ['sudo', '-n', 'getent', 'shadow', 'ada'])).toMatch(/^ada::/);
    expect(row('n-userdb', 'n.empty')).toMatchObject({ status: 'fail', reason: 'ada (uid 1501, shell /bin/bash) has an empty password field in /etc/shadow' });
    expect(row('n-clean', 'n.empty').status).toBe('pass');
  });

  it('a uid-0 account and a login account from userdb records fail accounts', async () => {
    expect(code).toBe(1);
    expect(await onHost('n-userdb', ['getent', 'passwd', 'toor', 'eve'])).toBe('toor:x:0:0:toor:/mnt/toor:/bin/bash\neve:x:1500:1500:eve:/mnt/eve:/bin/bash\n');
    expect(await onHost('n-userdb', ['grep', '-c', '^eve:\\|^toor:', '/etc/passwd']).catch(() => '0')).toBe('0\n');
    const r = row('n-userdb', 'n.accounts');
    expect(r.status).toBe('fail');
    expect(r.reason).toContain('toor has uid 0');
    expect(r.reason).toContain('eve (uid 1500) is not declared by any current grant');
    expect(r.reason).toContain('ada (uid 1501) is not declared by any current grant');
    expect(r.evidence).toContain('getent passwd');
    expect(row('n-clean', 'n.accounts').status).toBe('pass');
  });

  it("the userdb account's key logs in and fails authorized_keys, from its own home", async () => {
    expect(await loginWith('n-userdb', 'eve', hidden.privatePath)).toBe('in');
    const r = row('n-userdb', 'n.keys');
    expect(r.status).toBe('fail');
    expect(r.reason.replace(/SHA256:\S+/, 'FP')).toBe('eve: FP is unknown (hidden) at /mnt/eve/.ssh/authorized_keys:1');
  });
});
