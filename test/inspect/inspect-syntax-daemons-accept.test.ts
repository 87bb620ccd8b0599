/**
 * Drift written in syntax the daemons accept but a reader of the files might not: an escaped quote in an authorized_keys
 * option, sshd's `Keyword=value` form (`Match=User`, `Include=`, `Match User=`), a second shadow line for an account (the
 * first is the one glibc returns) and a password hash in passwd's own field (pam_unix then never reads shadow's aging).
 * Each is planted on a real sshd host and confirmed the way an outsider would (logging in with the key, sshd -T -C,
 * getent) before the row is asserted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateEmptyPasswords, evaluatePasswordAge } from '../../scripts/inspect/checks-accounts.ts';
import type { HostFacts } from '../../scripts/inspect/facts.ts';
import type { CheckDef, InspectionRow, InventoryHost, PolicyData } from '../../scripts/inspect/model.ts';
import { keyOptionNames, parseAuthorizedKeyLine } from '../../scripts/inspect/parse-access.ts';
import { generateKeyPair } from '../fleet/keys.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { writeFleetRepo } from './fleet-repo.ts';
import { inspectRows } from './inspect-cli.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow } from './fleet-host.ts';

const run = promisify(execFile);
const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const HASH = '$y$j9T$opsgatefleet$0000000000000000000000000000000000000000000';
let fleet: RunningFleet;
let root: string;
let keyDir: string;
let hidden: { privatePath: string; publicKey: string };
let hiddenRsa: { privatePath: string; publicKey: string };
let rows: InspectionRow[];

const check = (id: string, type: string, params: Record<string, unknown>) => ({ id, title: id, severity: 'high', type, params, rationale: 'r', remediation: 'm' });
const BASELINE = {
  id: 'syntax',
  title: '语法',
  checks: [
    check('s.keys', 'authorized_keys', { exclude_accounts: ['opsgate'] }),
    check('s.pwauth', 'sshd_option', { option: 'passwordauthentication', equals: 'no' }),
    check('s.root', 'sshd_option', { option: 'permitrootlogin', equals: 'no' }),
    check('s.empty', 'empty_password', {}),
    check('s.age', 'password_age', { max_days: 90 }),
    check('s.accounts', 'accounts', { allow_accounts: ['opsgate'] }),
  ],
};

const row = (host: string, id: string) => findRow(rows, host, id);

const onHost = async (id: string, argv: string[]): Promise<string> => (await execOnFleetHost(fleet, id, argv)).stdout;

async function loginWith(id: string, user: string, key: string): Promise<string> {
  const h = fleet.hosts.find((x) => x.id === id)!;
  const opts = ['IdentitiesOnly=yes', 'BatchMode=yes', 'StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null', `ProxyCommand=${h.proxy_command!.join(' ')}`];
  const r = await run('ssh', ['-i', key, ...opts.flatMap((o) => ['-o', o]), `${user}@${id}`, 'echo', 'in'], { timeout: 20_000 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return r.stdout.trim();
}

/** sshd -T -C for an account, through the login's sudo (the host's own /etc/ssh/sshd_config is the daemon's file). */
const sshdFor = (id: string, user: string) => onHost(id, ['sudo', '-n', 'sshd', '-T', '-C', `user=${user},host=x,addr=203.0.113.10`]);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-syntax-'));
  const alice = await generateKeyPair(path.join(keyDir, 'alice'), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(keyDir, 'bob'), 'ed25519', 'bob');
  hidden = await generateKeyPair(path.join(keyDir, 'hidden'), 'ed25519', 'hidden');
  hiddenRsa = await generateKeyPair(path.join(keyDir, 'hidden-rsa'), 'rsa', 'hidden-rsa');
  fleet = await startFleet({
    hosts: [
      // sshd reads `\"` inside an option as an escaped quote: the command is `printf in #"` and the key after it logs in.
      { id: 's-keyopt', groups: ['web'], accounts: [{ name: 'deploy', uid: 1001, keys: [alice.publicKey, `command="printf in #\\"" ${hidden.publicKey}`] }] },
      // sshd reads a signature-only name as its key type: `rsa-sha2-512 <ssh-rsa key>` is an RSA key that logs in.
      { id: 's-signame', groups: ['web'], accounts: [{ name: 'deploy', uid: 1001, keys: [alice.publicKey, `rsa-sha2-512 ${hiddenRsa.publicKey.split(/\s+/)[1]} hidden-rsa`] }] },
      { id: 's-matcheq', groups: ['web'], accounts: [{ name: 'deploy', uid: 1001 }], sshd: { match: ['Match=User deploy', '  PasswordAuthentication yes'] } },
      {
        id: 's-includeeq',
        groups: ['web'],
        accounts: [{ name: 'deploy', uid: 1001 }],
        // drop.conf is written by the shell that then becomes sshd, so it postdates the daemon's process start; the PidFile,
        // written once sshd has read it, is what says the file was loaded (ssh.config-loaded, and no "reload may be pending").
        sshd: { extra: ['PidFile /mnt/sshd.pid', 'Include=/mnt/drop.conf'] },
        mntFiles: { 'drop.conf': { content: 'Match User=deploy\n  PermitRootLogin yes\n' } },
      },
      { id: 's-shadow', groups: ['web'], accounts: [{ name: 'deploy', uid: 1001 }] },
      // An empty shell field: sshd runs /bin/sh for it, so eve is a login account (with a key of her own).
      { id: 's-noshell', groups: ['web'], accounts: [{ name: 'eve', uid: 1002, shell: '', keys: [hidden.publicKey] }] },
      { id: 's-pwhash', groups: ['web'], accounts: [{ name: 'deploy', uid: 1001 }] },
    ],
  });
  const own = (id: string, rel: string) => path.join(fleet.dir, id, 'etc', rel);
  // A second shadow line for deploy, first: getspnam returns it, and the locked line after it is never read.
  await writeFile(own('s-shadow', 'shadow'), `deploy::20000:0:99999:7:::\n${await readFile(own('s-shadow', 'shadow'), 'utf8')}`);
  await writeFile(own('s-pwhash', 'passwd'), (await readFile(own('s-pwhash', 'passwd'), 'utf8')).replace('deploy:x:', `deploy:${HASH}:`));
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'syntax.yaml'), stringify(BASELINE));
  const r = await inspectRows(root, fleet, ['--baselines', 'syntax']);
  if (r.code !== 1) throw new Error(`inspect exited ${r.code}: ${r.stderr}`);
  rows = r.rows;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

MACHINE.describe('syntax the daemons accept, on real hosts', () => {
  it('an escaped quote in a key option: the key after it logs in and is judged', async () => {
    expect(await loginWith('s-keyopt', 'deploy', hidden.privatePath)).toBe('in');
    const r = row('s-keyopt', 's.keys');
    expect(r.status).toBe('fail');
    expect(r.reason.replace(/SHA256:\S+/, 'FP')).toBe('deploy: FP is unknown (hidden) at /home/deploy/.ssh/authorized_keys:2');
    expect(r.observed).toContain('[command]');
  });

  it('a signature-only key type name (rsa-sha2-512) before an RSA key: it logs in and is judged', async () => {
    expect(await loginWith('s-signame', 'deploy', hiddenRsa.privatePath)).toBe('in');
    const r = row('s-signame', 's.keys');
    expect(r.status).toBe('fail');
    expect(r.reason.replace(/SHA256:\S+/, 'FP')).toBe('deploy: FP is unknown (hidden-rsa) at /home/deploy/.ssh/authorized_keys:2');
  });

  it('Match=User: the block applies to deploy and its PasswordAuthentication yes fails', async () => {
    expect(await sshdFor('s-matcheq', 'deploy')).toMatch(/^passwordauthentication yes$/m);
    const r = row('s-matcheq', 's.pwauth');
    expect(r.status).toBe('fail');
    expect(r.reason).toBe('Match context user=deploy,host=203.0.113.10,addr=203.0.113.10: passwordauthentication is yes');
  });

  it('Include=FILE with Match User=deploy inside: followed, and the PermitRootLogin yes there fails', async () => {
    expect(await sshdFor('s-includeeq', 'deploy')).toMatch(/^permitrootlogin yes$/m);
    const r = row('s-includeeq', 's.root');
    expect(r.status).toBe('fail');
    expect(r.reason).toBe('Match context user=deploy,host=203.0.113.10,addr=203.0.113.10: permitrootlogin is yes');
    expect(row('s-includeeq', 's.pwauth').status).toBe('pass');
  });

  it('two shadow lines for deploy: the first, empty one is what getspnam returns, and it fails', async () => {
    expect(await onHost('s-shadow', ['sudo', '-n', 'getent', 'shadow', 'deploy'])).toMatch(/^deploy::20000:/);
    expect(row('s-shadow', 's.empty')).toMatchObject({ status: 'fail', reason: 'deploy (uid 1001, shell /bin/bash) has an empty password field in /etc/shadow' });
  });

  it('an empty shell field is /bin/sh: eve logs in, and is an undeclared login account', async () => {
    expect(await onHost('s-noshell', ['getent', 'passwd', 'eve'])).toBe('eve:x:1002:1002::/home/eve:\n');
    expect(await loginWith('s-noshell', 'eve', hidden.privatePath)).toBe('in');
    expect(row('s-noshell', 's.accounts')).toMatchObject({ status: 'fail', reason: 'eve (uid 1002) is not declared by any current grant' });
  });

  it("a password hash in passwd's own field: no aging applies, so password_age fails", async () => {
    expect(await onHost('s-pwhash', ['getent', 'passwd', 'deploy'])).toContain(`deploy:${HASH}:1001:`);
    expect(row('s-pwhash', 's.age')).toMatchObject({ status: 'fail', reason: "deploy: password hash in /etc/passwd itself, so shadow's aging is never applied (no maximum age)" });
    expect(row('s-shadow', 's.age').status).toBe('pass');
  });
});

describe('the same rules, pure', () => {
  it('authorized_keys options: \\" neither opens nor closes a quote (sshkey_advance_past_options)', () => {
    const k = parseAuthorizedKeyLine('command="printf in #\\"",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILvGhb3Xc3LdmSZEy314LOC8to8VhKetmmEkVbhUK4xz x');
    expect(k).toMatchObject({ type: 'ssh-ed25519', comment: 'x', options: 'command="printf in #\\"",no-pty' });
    expect(keyOptionNames(k!.options)).toEqual(['command', 'no-pty']);
    // A backslash before anything but a quote is itself.
    expect(parseAuthorizedKeyLine('command="a\\b c" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILvGhb3Xc3LdmSZEy314LOC8to8VhKetmmEkVbhUK4xz')?.options).toBe('command="a\\b c"');
  });

  const facts = (passwd: string, shadow: Array<{ name: string; state: 'set' | 'locked' | 'empty'; maxDays?: number; lastChange?: number }>) =>
    ({
      passwd: {
        ok: true,
        value: passwd.split('\n').map((l) => ({ name: l.split(':')[0]!, password: l.split(':')[1]!, uid: 1001, gid: 1001, home: '/home/x', shell: '/bin/bash' })),
        command: 'cat /etc/passwd',
      },
      shadow: { ok: true, value: shadow, command: 'shadow' },
      shells: { ok: false, reason: 'not gathered', command: '' },
      loginDefs: { ok: true, value: { PASS_MAX_DAYS: '90' }, command: 'login.defs' },
    }) as unknown as HostFacts;
  const c = { id: 'x', params: {} } as unknown as CheckDef;
  const now = new Date('2026-11-30T00:00:00Z');

  it('the first passwd and shadow line of a name decide, as glibc reads them', () => {
    const f = facts('deploy:x', [
      { name: 'deploy', state: 'locked' },
      { name: 'deploy', state: 'empty' },
    ]);
    expect(evaluateEmptyPasswords(c, f).status).toBe('pass');
    const g = facts('deploy:x', [
      { name: 'deploy', state: 'set', maxDays: 90, lastChange: 20_780 },
      { name: 'deploy', state: 'set', maxDays: 99_999, lastChange: 20_780 },
    ]);
    expect(evaluatePasswordAge(c, g, {} as InventoryHost, {} as PolicyData, now).status).toBe('pass');
  });

  it('a hash in passwd fails password_age; a locked passwd field is not a password', () => {
    expect(evaluatePasswordAge(c, facts(`deploy:${HASH}`, []), {} as InventoryHost, {} as PolicyData, now).status).toBe('fail');
    expect(evaluatePasswordAge(c, facts('deploy:*', [{ name: 'deploy', state: 'set', maxDays: 99_999 }]), {} as InventoryHost, {} as PolicyData, now).status).toBe('pass');
  });
});
