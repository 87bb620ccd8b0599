/**
 * opsgate converge access against real sshd hosts: exact authorized_keys per
 * account (a departed person's key removed, a new grant's key added, unknown
 * keys removed), sudoers validated with visudo before anything is installed.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { fingerprintOf } from '../../scripts/ssh/host-key.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { generateKeyPair } from '../fleet/keys.ts';
import { makeRepo, type TestRepo } from '../change/harness.ts';

let fleet: RunningFleet;
let repo: TestRepo;
const keys: Record<string, string> = {};

const fp = (pub: string) => fingerprintOf(Buffer.from(pub.split(' ')[1]!, 'base64'));
const person = (id: string, status: 'active' | 'left', pub: string) => ({
  id, name: id, status, ...(status === 'left' ? { left_on: '2026-09-30' } : {}),
  ssh_keys: [{ fingerprint: fp(pub), public_key: pub }],
});
const grant = (id: string, who: string, role: string, groups: string[]) => ({
  id, person: who, role, groups, granted_on: '2026-01-01', expires: '2099-01-01T00:00:00+00:00', justification: 'deploys the web tier', approved_by: 'alice',
});

async function cli(...args: string[]) {
  const stdout = new PassThrough(); const stderr = new PassThrough();
  let out = ''; let err = '';
  stdout.on('data', (d) => { out += String(d); });
  stderr.on('data', (d) => { err += String(d); });
  const code = await runCli(['--root', repo.root, ...args], { env: { PATH: process.env.PATH }, stdout, stderr, cwd: repo.root });
  return { code, out, err };
}
const authorized = (host: string) => readFile(path.join(fleet.dir, host, 'home', 'deploy', '.ssh', 'authorized_keys'), 'utf8');
const sudoersFiles = async (host: string) => (await readdir(path.join(fleet.dir, host, 'etc', 'sudoers.d'))).filter((f) => f.startsWith('opsgate-role-')).sort();

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  const dir = `/tmp/og-cv-keys-${process.pid}`;
  await import('node:fs/promises').then((f) => f.mkdir(dir, { recursive: true }));
  for (const k of ['alice', 'bob', 'carol', 'stranger']) keys[k] = (await generateKeyPair(path.join(dir, k), 'ed25519', `${k}@example`)).publicKey;
  fleet = await startFleet({
    mutates: true,
    hosts: [
      { id: 'cv-1', groups: ['web'], accounts: [{ name: 'deploy', uid: 2001, keys: [keys.alice!, keys.bob!, keys.stranger!] }] },
      { id: 'cv-2', groups: ['web', 'bad'], accounts: [{ name: 'deploy', uid: 2001, keys: [keys.bob!] }] },
    ],
  });
  repo = await makeRepo(fleet);
  await repo.write('inventory/groups/bad.yaml', { id: 'bad', title: 'bad', owners: [] });
  await repo.write('policies/access/people/alice.yaml', person('alice', 'active', keys.alice!));
  await repo.write('policies/access/people/bob.yaml', person('bob', 'left', keys.bob!));
  await repo.write('policies/access/people/carol.yaml', person('carol', 'active', keys.carol!));
  await repo.write('policies/access/roles/deploy.yaml', { id: 'deploy', title: 'web deployer', unix_account: 'deploy', sudo: [{ runas: 'root', commands: ['/usr/bin/systemctl restart nginx'], nopasswd: true }] });
  // visudo rejects sudoedit given with a path: this role's file must never be installed.
  await repo.write('policies/access/roles/editor.yaml', { id: 'editor', title: 'config editor', unix_account: 'deploy', sudo: [{ commands: ['/usr/bin/sudoedit /etc/nginx/nginx.conf'] }] });
  await repo.write('policies/access/grants/alice-deploy.yaml', grant('alice-deploy', 'alice', 'deploy', ['web']));
  await repo.write('policies/access/grants/bob-deploy.yaml', grant('bob-deploy', 'bob', 'deploy', ['web']));
  await repo.write('policies/access/grants/carol-deploy.yaml', grant('carol-deploy', 'carol', 'deploy', ['web']));
  await repo.write('policies/access/grants/carol-editor.yaml', grant('carol-editor', 'carol', 'editor', ['bad']));
  repo.commit('access policy');
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
  await import('node:fs/promises').then((f) => f.rm(`/tmp/og-cv-keys-${process.pid}`, { recursive: true, force: true }));
});

MACHINE.describe('converge access', () => {
  it('--check reports the drift and changes nothing', async () => {
    const before = await authorized('cv-1');
    const r = await cli('converge', 'access', '--check', '--identity', fleet.clientKeyPath);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`cv-1: deploy: undeclared key ${fp(keys.bob!)}`);
    expect(r.out).toContain(`cv-1: deploy: undeclared key ${fp(keys.stranger!)}`);
    expect(r.out).toContain(`cv-1: deploy: missing key ${fp(keys.carol!)}`);
    expect(r.out).toContain('cv-1: sudoers.d/opsgate-role-deploy: missing');
    expect(await authorized('cv-1')).toBe(before);
  }, 60_000);

  it('installs exactly the declared keys and sudoers; a policy failing visudo is never installed', async () => {
    const r = await cli('converge', 'access', '--identity', fleet.clientKeyPath);
    expect(r.code).toBe(1); // cv-2's sudoers policy fails visudo
    const blobs = (text: string) => text.split('\n').filter(Boolean).map((l) => l.split(' ').slice(0, 2).join(' ')).sort();
    const want = [keys.alice!, keys.carol!].map((k) => k.split(' ').slice(0, 2).join(' ')).sort();
    expect(blobs(await authorized('cv-1'))).toEqual(want);
    expect(blobs(await authorized('cv-2'))).toEqual(want);
    expect(await sudoersFiles('cv-1')).toEqual(['opsgate-role-deploy']);
    expect(await readFile(path.join(fleet.dir, 'cv-1', 'etc', 'sudoers.d', 'opsgate-role-deploy'), 'utf8')).toContain('deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx');
    expect(r.out).toMatch(/cv-2: sudoers NOT installed: visudo rejected .*sudoedit/);
    expect(await sudoersFiles('cv-2')).toEqual([]);
    // The live policy on cv-2 still parses, and no staging directory was left behind.
    expect((await readdir(path.join(fleet.dir, 'cv-2', 'etc', 'sudoers.d'))).filter((f) => f.startsWith('.'))).toEqual([]);

    // Evidence: what was about to run on each host, written before it ran, and what it did.
    const recDir = path.join(repo.root, 'records', 'converge', 'access');
    const lines = (await readFile(path.join(recDir, (await readdir(recDir))[0]!), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; host?: string });
    const types = lines.filter((l) => l.host === 'cv-1').map((l) => l.type);
    expect(types).toEqual(['converge.executing', 'converge.done']);
    expect((await cli('records', 'verify')).code).toBe(0);

    const check = await cli('converge', 'access', '--check', '--hosts', 'cv-1', '--identity', fleet.clientKeyPath);
    expect(check.out).toContain('cv-1: in line with the policy');
    expect(check.code).toBe(0);
  }, 60_000);
});
