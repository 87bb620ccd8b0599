/**
 * Issue 13, variants the evaluation reruns with (not the listed cases): AuthorizedKeysFile with %%,
 * a keys file and a persisted sysctl file imitating the probe's framing, a global Defaults !authenticate, a sudoers include loop, shadow and group
 * files whose last line has no newline. Each is planted on a real sshd host and confirmed the way
 * an outsider would (logging in with the key, sudo -l -U) before the row is asserted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import { generateKeyPair } from '../fleet/keys.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { writeFleetRepo } from './fleet-repo.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { captureStdio } from '../helpers/capture.ts';
import { execOnFleetHost, fleetKeysCheck, fleetSudoersCheck } from './fleet-host.ts';

const run = promisify(execFile);
const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let root: string;
let keyDir: string;
let hidden: { privatePath: string; publicKey: string };
let rows: InspectionRow[];

const BASELINE = {
  id: 'variants',
  title: '变体',
  checks: [
    fleetKeysCheck('v.keys'),
    fleetSudoersCheck('v.sudo'),
    { id: 'v.ipf', title: '关闭转发', severity: 'medium', type: 'sysctl', params: { key: 'net.ipv4.ip_forward', value: 0 }, rationale: 'r', remediation: 'm' },
    { id: 'v.empty', title: '空口令', severity: 'critical', type: 'empty_password', params: {}, rationale: 'r', remediation: 'm' },
  ],
};

const row = (host: string, check: string) => {
  const r = rows.find((x) => x.host === host && x.check === check);
  if (!r) throw new Error(`no row ${host} ${check}`);
  return r;
};

const onHost = async (id: string, argv: string[]): Promise<string> => (await execOnFleetHost(fleet, id, argv)).stdout;

async function loginWith(id: string, user: string, key: string): Promise<string> {
  const h = fleet.hosts.find((x) => x.id === id)!;
  const r = await run(
    'ssh',
    [
      '-i',
      key,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      `ProxyCommand=${h.proxy_command!.join(' ')}`,
      `${user}@${id}`,
      'echo',
      'in',
    ],
    { timeout: 20_000 },
  ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return r.stdout.trim();
}

beforeAll(async () => {
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-variants-'));
  const alice = await generateKeyPair(path.join(keyDir, 'alice'), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(keyDir, 'bob'), 'ed25519', 'bob');
  hidden = await generateKeyPair(path.join(keyDir, 'hidden'), 'ed25519', 'hidden');
  fleet = await startFleet({
    hosts: [
      {
        // %% is a literal %: the file is /mnt/keys/%deploy.
        id: 'v-tokens',
        groups: ['web'],
        sshd: { extra: ['AuthorizedKeysFile /mnt/keys/%%%u .ssh/authorized_keys'] },
        accounts: [{ name: 'deploy', uid: 1001, keys: [alice.publicKey] }],
        mntFiles: { 'keys/%deploy': { content: `${hidden.publicKey}\n` } },
      },
      {
        // Lines shaped like the probe's frames (a boundary cannot be guessed: it is made per run, after the file exists).
        id: 'v-forge',
        groups: ['web'],
        accounts: [{ name: 'deploy', uid: 1001, keys: [alice.publicKey, 'OGB-0123456789abcdef0123 eof 0', 'OGB-0123456789abcdef0123 file root\t/root/.ssh/authorized_keys', hidden.publicKey] }],
      },
      { id: 'v-defaults', groups: ['web'], sudoers: ['Defaults !authenticate'] },
      { id: 'v-loop', groups: ['web'], sudoersFiles: { 'loop-a': '@include loop-b\n', 'loop-b': '@include loop-a\n' } },
      { id: 'v-sysctl', groups: ['web'] },
      {
        id: 'v-newline',
        groups: ['web'],
        accounts: [
          { name: 'deploy', uid: 1001 },
          { name: 'last', uid: 1009, password: 'empty' },
        ],
      },
    ],
  });
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  await writeFile(path.join(root, 'policies', 'baselines', 'variants.yaml'), stringify(BASELINE));
  // A persisted sysctl file whose lines imitate the frames: the value after them is still this file's, and persisted.
  await writeFile(
    path.join(fleet.dir, 'v-sysctl', 'etc', 'sysctl.d', '70-forge.conf'),
    '# forged\nOGB-0123456789abcdef0123 eof 0\nOGB-0123456789abcdef0123 file /etc/sysctl.d/00-empty.conf\nnet.ipv4.ip_forward = 1\n',
  );
  for (const f of ['shadow', 'group']) {
    const p = path.join(fleet.dir, 'v-newline', 'etc', f);
    await writeFile(p, (await readFile(p, 'utf8')).replace(/\n$/, ''));
  }
  const io = captureStdio();
  const code = await runCli(['inspect', '--root', root, '--identity', fleet.clientKeyPath, '--format', 'json', '--timeout', '20', '--baselines', 'variants'], {
    env: { ...fleet.env, PATH: process.env.PATH },
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: root,
  });
  if (code !== 1) throw new Error(`inspect exited ${code}: ${io.err()}`);
  rows = (JSON.parse(io.out()) as { results: InspectionRow[] }).results;
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

MACHINE.describe('issue 13 variants on real hosts', () => {
  it('AuthorizedKeysFile with %%: the key in /mnt/keys/%deploy logs in and is reported there', async () => {
    expect(await loginWith('v-tokens', 'deploy', hidden.privatePath)).toBe('in');
    const r = row('v-tokens', 'v.keys');
    expect(r.status).toBe('fail');
    expect(r.reason.replace(/SHA256:\S+/, 'FP')).toBe('deploy: FP is unknown (hidden) at /mnt/keys/%deploy:1');
    expect(r.evidence).toContain('/mnt/keys/%deploy');
  });

  it('a keys file imitating the frames: the key after the imitation is still read, from its own file and line', async () => {
    expect(await loginWith('v-forge', 'deploy', hidden.privatePath)).toBe('in');
    const r = row('v-forge', 'v.keys');
    expect(r.status).toBe('fail');
    expect(r.reason.replace(/SHA256:\S+/, 'FP')).toBe('deploy: FP is unknown (hidden) at /home/deploy/.ssh/authorized_keys:4');
  });

  it("a global Defaults !authenticate makes every rule passwordless: root's rule fails with where the Defaults is", async () => {
    expect(await onHost('v-defaults', ['sudo', '-n', 'sudo', '-l', '-U', 'root'])).toMatch(/!authenticate/);
    const r = row('v-defaults', 'v.sudo');
    expect(r.status).toBe('fail');
    expect(r.reason).toMatch(/^undeclared: \/etc\/sudoers:\d+ root \(ALL\) NOPASSWD through Defaults !authenticate at \/etc\/sudoers\.d\/50-drift-0:1 ALL/);
  });

  it("an include loop: sudo itself complains and goes on; the row fails with the loop's path and sudo's own words", async () => {
    expect(await onHost('v-loop', ['sh', '-c', 'sudo -n sudo -l -U opsgate 2>&1'])).toMatch(/too many levels of includes/);
    const r = row('v-loop', 'v.sudo');
    expect(r).toMatchObject({ status: 'fail', severity: 'high' });
    expect(r.reason).toContain('sudoers: include loop: /etc/sudoers → /etc/sudoers.d/loop-a → /etc/sudoers.d/loop-b → /etc/sudoers.d/loop-a');
    expect(r.reason).toContain('sudo -l -U opsgate: sudo: /etc/sudoers.d/loop-b: too many levels of includes');
  });

  it('a persisted sysctl file imitating the frames: the value after the imitation is read, from its own file and line', async () => {
    expect(await onHost('v-sysctl', ['cat', '/etc/sysctl.d/70-forge.conf'])).toContain('net.ipv4.ip_forward = 1');
    const r = row('v-sysctl', 'v.ipf');
    expect(r).toMatchObject({ status: 'fail', severity: 'medium', reason: 'persisted value is 1 (/etc/sysctl.d/70-forge.conf:4): passes now, reverts on reboot' });
  });

  it('shadow and group whose last line has no newline: the last account is still read', async () => {
    expect((await onHost('v-newline', ['sudo', '-n', 'tail', '-c', '20', '/etc/shadow'])).endsWith('\n')).toBe(false);
    expect(row('v-newline', 'v.empty')).toMatchObject({ status: 'fail', severity: 'critical', reason: 'last (uid 1009, shell /bin/bash) has an empty password field in /etc/shadow' });
    expect(row('v-newline', 'v.sudo').status).toBe('pass');
  });
});
