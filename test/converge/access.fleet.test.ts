/**
 * opsgate converge access against real sshd hosts: exact authorized_keys per
 * account (a departed person's key removed, a new grant's key added, unknown
 * keys removed); all or nothing per host (a sudoers set visudo rejects means
 * no key is written either); the login account never managed; every file sudo
 * reads in /etc/sudoers.d managed; a sudoers.d change that takes the login
 * account's sudo away reverted by the host itself.
 */
import { lstat, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fingerprintOf } from '../../scripts/ssh/host-key.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { generateKeyPair } from '../fleet/keys.ts';
import { makeRepo, type TestRepo } from '../change/harness.ts';
import { cliIn } from '../change/fleet-helpers.ts';
import { ALLOW_LOGIN } from './access-fixtures.ts';

let fleet: RunningFleet;
let repo: TestRepo;
const keys: Record<string, string> = {};

const fp = (pub: string) => fingerprintOf(Buffer.from(pub.split(' ')[1]!, 'base64'));
const person = (id: string, status: 'active' | 'left', pub: string) => ({
  id,
  name: id,
  status,
  ...(status === 'left' ? { left_on: '2026-09-30' } : {}),
  ssh_keys: [{ fingerprint: fp(pub), public_key: pub }],
});
const grant = (id: string, who: string, role: string, groups: string[]) => ({
  id,
  person: who,
  role,
  groups,
  granted_on: '2026-01-01',
  expires: '2099-01-01T00:00:00+00:00',
  justification: 'deploys the web tier',
  approved_by: 'alice',
});

const cli = (root: string, ...args: string[]) => cliIn(root, {}, ...args, '--identity', fleet.clientKeyPath);
const authorized = (host: string, account = 'deploy') => readFile(path.join(fleet.dir, host, 'home', account, '.ssh', 'authorized_keys'), 'utf8');
const sudoersD = (host: string) => path.join(fleet.dir, host, 'etc', 'sudoers.d');
const sudoersFiles = async (host: string) => (await readdir(sudoersD(host))).filter((f) => f.startsWith('opsgate-role-')).sort();
const blobs = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ').slice(0, 2).join(' '))
    .sort();

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  const dir = `/tmp/og-cv-keys-${process.pid}`;
  await import('node:fs/promises').then((f) => f.mkdir(dir, { recursive: true }));
  for (const k of ['alice', 'bob', 'carol', 'stranger']) keys[k] = (await generateKeyPair(path.join(dir, k), 'ed25519', `${k}@example`)).publicKey;
  fleet = await startFleet({
    mutates: true,
    hosts: [
      { id: 'cv-1', groups: ['web'], accounts: [{ name: 'deploy', uid: 2001, keys: [keys.alice!, keys.bob!, keys.stranger!] }], sudoers: ['deploy ALL=(ALL) NOPASSWD: ALL'] },
      { id: 'cv-2', groups: ['web', 'bad'], accounts: [{ name: 'deploy', uid: 2001, keys: [keys.bob!] }] },
      { id: 'cv-3', groups: ['login'] },
      { id: 'cv-4', groups: ['alias'], accounts: [{ name: 'twin', uid: 1990, keys: [] }] },
      // The login account's only sudo rule sits in a file of opsgate's own namespace that no role declares.
      { id: 'cv-5', groups: ['web'], accounts: [{ name: 'deploy', uid: 2001, keys: [keys.bob!] }], noSudo: true, sudoersFiles: { 'opsgate-role-legacy': 'opsgate ALL=(root) NOPASSWD: ALL\n' } },
      // Rules in every other file sudo reads: /etc/sudoers itself (the login account's only sudo rule is there),
      // a directory it includes, a User_Alias, a group the managed account is in.
      {
        id: 'cv-6',
        groups: ['main'],
        noSudo: true,
        accounts: [{ name: 'deploy', uid: 2001, keys: [], groups: ['sudo'] }],
        sudoersMain: ['opsgate ALL=(root) NOPASSWD: ALL', 'deploy   ALL = (ALL)  NOPASSWD:ALL', 'User_Alias WEBOPS = deploy', 'WEBOPS ALL=(ALL) ALL', '@includedir /etc/sudoers.d/extra'],
        sudoersFiles: { 'extra/50-legacy': 'deploy ALL=(ALL) NOPASSWD: /bin/sh\n', 'extra/keep.bak': 'deploy ALL=(ALL) ALL\n' },
      },
      // The managed account's own home holds a link (it owns the directory, so it can plant one): ~/.ssh -> /etc/ssh,
      // ~/.ssh/authorized_keys -> /etc/shadow.
      { id: 'cv-7', groups: ['lnk'], accounts: [{ name: 'deploy', uid: 2001, keys: [keys.bob!] }] },
      { id: 'cv-8', groups: ['lnk'], accounts: [{ name: 'deploy', uid: 2001, keys: [keys.bob!] }] },
      // A sudoers file to rewrite (it grants deploy a rule the policy lacks) reached through a link.
      {
        id: 'cv-9',
        groups: ['lnk'],
        accounts: [{ name: 'deploy', uid: 2001, keys: [keys.bob!] }],
        sudoersMain: ['@include /etc/sudoers.d/extra/team'],
        sudoersFiles: { 'extra/real': 'deploy ALL=(ALL) NOPASSWD: ALL\n' },
      },
      // A link further up the keys' path: the managed account's home is a link to another account's home.
      {
        id: 'cv-10',
        groups: ['lnk'],
        accounts: [
          { name: 'deploy', uid: 2001, keys: [keys.bob!] },
          { name: 'victim', uid: 2002, keys: [keys.stranger!] },
        ],
      },
    ],
  });
  const dotSsh = (h: string) => path.join(fleet.dir, h, 'home', 'deploy', '.ssh');
  await rm(dotSsh('cv-7'), { recursive: true, force: true });
  await symlink('/etc/ssh', dotSsh('cv-7'));
  await rm(path.join(dotSsh('cv-8'), 'authorized_keys'));
  await symlink('/etc/shadow', path.join(dotSsh('cv-8'), 'authorized_keys'));
  await symlink('real', path.join(fleet.dir, 'cv-9', 'etc', 'sudoers.d', 'extra', 'team'));
  await rm(path.join(fleet.dir, 'cv-10', 'home', 'deploy'), { recursive: true, force: true });
  await symlink('/home/victim', path.join(fleet.dir, 'cv-10', 'home', 'deploy'));
  repo = await makeRepo(fleet);
  await repo.write('inventory/groups/lnk.yaml', { id: 'lnk', title: 'lnk', owners: [] });
  for (const g of ['bad', 'login', 'alias']) await repo.write(`inventory/groups/${g}.yaml`, { id: g, title: g, owners: [] });
  await repo.write('policies/baselines/access.yaml', ALLOW_LOGIN);
  await repo.write('policies/access/people/alice.yaml', person('alice', 'active', keys.alice!));
  await repo.write('policies/access/people/bob.yaml', person('bob', 'left', keys.bob!));
  await repo.write('policies/access/people/carol.yaml', person('carol', 'active', keys.carol!));
  await repo.write('policies/access/roles/deploy.yaml', {
    id: 'deploy',
    title: 'web deployer',
    unix_account: 'deploy',
    sudo: [{ runas: 'root', commands: ['/usr/bin/systemctl restart nginx'], nopasswd: true }],
  });
  // visudo rejects sudoedit given with a path: this role's file must never be installed.
  await repo.write('policies/access/roles/editor.yaml', { id: 'editor', title: 'config editor', unix_account: 'deploy', sudo: [{ commands: ['/usr/bin/sudoedit /etc/nginx/nginx.conf'] }] });
  await repo.write('policies/access/grants/alice-deploy.yaml', grant('alice-deploy', 'alice', 'deploy', ['web']));
  await repo.write('policies/access/grants/bob-deploy.yaml', grant('bob-deploy', 'bob', 'deploy', ['web']));
  await repo.write('policies/access/grants/carol-deploy.yaml', grant('carol-deploy', 'carol', 'deploy', ['web']));
  await repo.write('policies/access/grants/carol-editor.yaml', grant('carol-editor', 'carol', 'editor', ['bad']));
  await repo.write('policies/access/grants/carol-deploy-lnk.yaml', grant('carol-deploy-lnk', 'carol', 'deploy', ['lnk']));
  repo.commit('access policy');
  // A file sudo does not read (its name has a dot) is left alone.
  await writeFile(path.join(sudoersD('cv-1'), 'old.bak'), 'deploy ALL=(ALL) NOPASSWD: ALL\n', { mode: 0o440 });
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
  await import('node:fs/promises').then((f) => f.rm(`/tmp/og-cv-keys-${process.pid}`, { recursive: true, force: true }));
});

MACHINE.describe('converge access', () => {
  it("manages every file sudo reads for the managed accounts; the login account's own rule is reported, never touched", async () => {
    const own = await makeRepo(fleet);
    try {
      await own.write('inventory/groups/main.yaml', { id: 'main', title: 'main', owners: [] });
      await own.write('policies/access/people/alice.yaml', person('alice', 'active', keys.alice!));
      await own.write('policies/access/roles/deploy.yaml', {
        id: 'deploy',
        title: 'web deployer',
        unix_account: 'deploy',
        sudo: [{ runas: 'root', commands: ['/usr/bin/systemctl restart nginx'], nopasswd: true }],
      });
      await own.write('policies/access/grants/alice-deploy.yaml', grant('alice-deploy', 'alice', 'deploy', ['main']));
      own.commit('access policy without an allow list');
      const main = path.join(fleet.dir, 'cv-6', 'etc', 'sudoers');
      const before = await readFile(main, 'utf8');
      const extra = path.join(sudoersD('cv-6'), 'extra');

      const check = await cli(own.root, 'converge', 'access', '--check', '--hosts', 'cv-6');
      expect(check.code).toBe(1);
      expect(check.out).toMatch(/cv-6: \/etc\/sudoers:\d+: rule not in the access policy: deploy +ALL = \(ALL\) +NOPASSWD:ALL/);
      expect(check.out).toMatch(/cv-6: \/etc\/sudoers:\d+: rule not in the access policy: WEBOPS ALL=\(ALL\) ALL/);
      expect(check.out).toContain('cv-6: /etc/sudoers.d/extra/50-legacy:1: rule not in the access policy: deploy ALL=(ALL) NOPASSWD: /bin/sh');
      expect(check.out).toMatch(/cv-6: needs a person: \/etc\/sudoers:\d+: grants the login account .*opsgate ALL=\(root\) NOPASSWD: ALL/);
      expect(check.out).toMatch(/cv-6: needs a person: \/etc\/sudoers:\d+: grants a managed account through a group .*%sudo/);
      expect(check.out).not.toContain('keep.bak');
      expect(check.out).not.toMatch(/root\s+ALL=\(ALL:ALL\) ALL/);
      expect(await readFile(main, 'utf8')).toBe(before);

      const r = await cli(own.root, 'converge', 'access', '--hosts', 'cv-6');
      expect(r.code, r.out).toBe(1); // the login rule and the group rule need a person
      expect(r.out).not.toMatch(/reverted|sudoers NOT installed/);
      const after = await readFile(main, 'utf8');
      expect(after).toContain('\nopsgate ALL=(root) NOPASSWD: ALL\n');
      expect(after).toContain('\n%sudo\tALL=(ALL:ALL) ALL\n');
      expect(after).toContain('\n# opsgate: not in the access policy: deploy   ALL = (ALL)  NOPASSWD:ALL\n');
      expect(after).toContain('\n# opsgate: not in the access policy: WEBOPS ALL=(ALL) ALL\n');
      expect(after).toContain('\nUser_Alias WEBOPS = deploy\n');
      expect(after.split('\n').filter((l) => !l.startsWith('# opsgate:'))).toEqual(before.split('\n').filter((l) => !/^(deploy|WEBOPS) /.test(l)));
      expect((await stat(main)).mode & 0o777).toBe(0o440);
      expect(await readFile(path.join(extra, '50-legacy'), 'utf8')).toBe('# opsgate: not in the access policy: deploy ALL=(ALL) NOPASSWD: /bin/sh\n');
      expect(await readFile(path.join(extra, 'keep.bak'), 'utf8')).toBe('deploy ALL=(ALL) ALL\n');
      // Converged: only what needs a person is left, and opsgate still has its sudo there.
      const again = await cli(own.root, 'converge', 'access', '--check', '--hosts', 'cv-6');
      expect(again.out).not.toContain('rule not in the access policy');
      expect(again.out).toContain('cv-6: needs a person: /etc/sudoers');
      expect(again.out).not.toMatch(/unreachable|sudo: a password/);
    } finally {
      await own.cleanup();
    }
  }, 120_000);

  it('--check reports the drift, including a hand-added sudo rule, and changes nothing', async () => {
    const before = await authorized('cv-1');
    const r = await cli(repo.root, 'converge', 'access', '--check', '--hosts', 'cv-1');
    expect(r.code).toBe(1);
    expect(r.out).toContain(`cv-1: deploy: undeclared key ${fp(keys.bob!)}`);
    expect(r.out).toContain(`cv-1: deploy: undeclared key ${fp(keys.stranger!)}`);
    expect(r.out).toContain(`cv-1: deploy: missing key ${fp(keys.carol!)}`);
    expect(r.out).toContain('cv-1: sudoers.d/opsgate-role-deploy: missing');
    expect(r.out).toContain('cv-1: sudoers.d/50-drift-0:1: rule not in the access policy: deploy ALL=(ALL) NOPASSWD: ALL');
    expect(r.out).not.toContain('old.bak');
    expect(r.out).not.toContain('sudoers.d/opsgate:');
    expect(await authorized('cv-1')).toBe(before);
  }, 60_000);

  it('installs exactly the declared keys and sudoers and comments out the hand-added rule; all or nothing per host', async () => {
    const cv2Before = await authorized('cv-2');
    const r = await cli(repo.root, 'converge', 'access', '--hosts', 'cv-1,cv-2');
    expect(r.code).toBe(1); // cv-2's sudoers policy fails visudo
    const want = [keys.alice!, keys.carol!].map((k) => k.split(' ').slice(0, 2).join(' ')).sort();
    expect(blobs(await authorized('cv-1'))).toEqual(want);
    expect(await sudoersFiles('cv-1')).toEqual(['opsgate-role-deploy']);
    expect(await readFile(path.join(sudoersD('cv-1'), 'opsgate-role-deploy'), 'utf8')).toContain('deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx');
    expect(await readFile(path.join(sudoersD('cv-1'), '50-drift-0'), 'utf8')).toBe('# opsgate: not in the access policy: deploy ALL=(ALL) NOPASSWD: ALL\n');
    expect(await readFile(path.join(sudoersD('cv-1'), 'opsgate'), 'utf8')).toBe('opsgate ALL=(root) NOPASSWD: ALL\n');
    expect(await readFile(path.join(sudoersD('cv-1'), 'old.bak'), 'utf8')).toBe('deploy ALL=(ALL) NOPASSWD: ALL\n');
    expect(r.out).toMatch(/cv-1: .*confirm|cv-1: installed sudoers\.d\/opsgate-role-deploy/);
    // cv-2: visudo rejected the assembled set, so its keys were not rewritten either.
    expect(r.out).toMatch(/cv-2: sudoers NOT installed: visudo rejected .*sudoedit/);
    expect(await authorized('cv-2')).toBe(cv2Before);
    expect(await sudoersFiles('cv-2')).toEqual([]);
    expect((await readdir(sudoersD('cv-2'))).filter((f) => f.startsWith('.'))).toEqual([]);

    // Evidence: what was about to run on each host, written before it ran, and what it did.
    const recDir = path.join(repo.root, 'records', 'converge', 'access');
    const lines = (await readFile(path.join(recDir, (await readdir(recDir))[0]!), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; host?: string; outcome?: string });
    expect(lines.filter((l) => l.host === 'cv-1').map((l) => l.type)).toEqual(['converge.executing', 'converge.done']);
    expect(lines.find((l) => l.type === 'converge.done' && l.host === 'cv-2')).toMatchObject({ outcome: 'failed' });
    expect((await cliIn(repo.root, {}, 'records', 'verify')).code).toBe(0);

    const check = await cli(repo.root, 'converge', 'access', '--check', '--hosts', 'cv-1');
    expect(check.out).toContain('cv-1: in line with the policy');
    expect(check.code).toBe(0);
  }, 90_000);

  it('never manages the login account: refused before connecting by name, and on the host by uid', async () => {
    const loginKeys = await authorized('cv-3', 'opsgate');
    const own = await makeRepo(fleet);
    try {
      for (const g of ['login', 'alias']) await own.write(`inventory/groups/${g}.yaml`, { id: g, title: g, owners: [] });
      await own.write('policies/baselines/access.yaml', ALLOW_LOGIN);
      await own.write('policies/access/people/carol.yaml', person('carol', 'active', keys.carol!));
      // A role whose account is the one opsgate logs in with; on cv-4, an account that shares its uid.
      await own.write('policies/access/roles/ops.yaml', { id: 'ops', title: 'ops', unix_account: 'opsgate' });
      await own.write('policies/access/grants/carol-ops.yaml', grant('carol-ops', 'carol', 'ops', ['login']));
      own.commit('a policy that would manage the login account');
      const r = await cli(own.root, 'converge', 'access', '--hosts', 'cv-3');
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/cv-3: error: access\.manages-login-account/);
      expect(await authorized('cv-3', 'opsgate')).toBe(loginKeys);

      await own.write('policies/access/roles/ops.yaml', { id: 'ops', title: 'ops', unix_account: 'twin' });
      own.commit('the same, through an account with the login uid');
      const twin = await cli(own.root, 'converge', 'access', '--hosts', 'cv-4');
      expect(twin.code).toBe(1);
      expect(twin.out).toMatch(/cv-4: twin is the account opsgate logs in with .*refused/);
      expect(await authorized('cv-4', 'opsgate')).toBe(loginKeys);
      // opsgate can still log in there.
      expect((await cli(own.root, 'converge', 'access', '--check', '--hosts', 'cv-4')).out).not.toMatch(/unreachable|: auth:/);
    } finally {
      await own.cleanup();
    }
  }, 90_000);

  it("a sudoers.d change that takes away the login account's sudo is reverted by the host itself", async () => {
    // A repository whose policy does not allow the login account's own rule.
    const strict = await makeRepo(fleet);
    try {
      await strict.write('policies/access/roles/deploy.yaml', { id: 'deploy', title: 'web deployer', unix_account: 'deploy' });
      strict.commit('strict access policy');
      const before = await readFile(path.join(sudoersD('cv-5'), 'opsgate-role-legacy'), 'utf8');
      const r = await cli(strict.root, 'converge', 'access', '--hosts', 'cv-5', '--confirm-seconds', '5');
      expect(r.code).toBe(1);
      expect(r.out).toContain('cv-5: reverted');
      expect(await readFile(path.join(sudoersD('cv-5'), 'opsgate-role-legacy'), 'utf8')).toBe(before);
      // And opsgate can use sudo there again.
      const again = await cli(strict.root, 'converge', 'access', '--check', '--hosts', 'cv-5');
      expect(again.out).toContain('cv-5: sudoers.d/opsgate-role-legacy: not declared');
    } finally {
      await strict.cleanup();
    }
  }, 120_000);
});

MACHINE.describe('converge access through links the account planted', () => {
  it.each([
    ['cv-7', '/home/deploy/.ssh is a symbolic link to /etc/ssh'],
    ['cv-8', '/home/deploy/.ssh/authorized_keys is a symbolic link to /etc/shadow'],
  ])(
    '%s: never reads or writes keys through a link the account planted; refuses, records it, installs nothing',
    async (host, reason) => {
      const etc = path.join(fleet.dir, host, 'etc');
      const before = { shadow: await readFile(path.join(etc, 'shadow'), 'utf8'), sshdir: await stat('/etc/ssh'), sudoers: await readdir(path.join(etc, 'sudoers.d')) };
      for (const mode of ['--check', '']) {
        const r = await cli(repo.root, 'converge', 'access', ...(mode ? [mode] : []), '--hosts', host);
        expect(r.code, r.out).toBe(1);
        expect(r.out).toContain(`${host}: deploy: keys refused: ${reason}`);
        // Nothing of the file behind the link reaches the output (shadow's lines were listed as keys to remove).
        expect(r.out).not.toMatch(/root:|opsgate:|\$y\$/);
      }
      expect(await readFile(path.join(etc, 'shadow'), 'utf8')).toBe(before.shadow);
      const sshdir = await stat('/etc/ssh');
      expect([sshdir.uid, sshdir.gid, sshdir.mode]).toEqual([before.sshdir.uid, before.sshdir.gid, before.sshdir.mode]);
      expect((await readdir('/etc/ssh')).filter((f) => f.includes('authorized_keys'))).toEqual([]);
      expect(await readdir(path.join(etc, 'sudoers.d'))).toEqual(before.sudoers);
      expect((await lstat(host === 'cv-7' ? path.join(fleet.dir, host, 'home', 'deploy', '.ssh') : path.join(fleet.dir, host, 'home', 'deploy', '.ssh', 'authorized_keys'))).isSymbolicLink()).toBe(
        true,
      );
      const recDir = path.join(repo.root, 'records', 'converge', 'access');
      const text = (await Promise.all((await readdir(recDir)).map((f) => readFile(path.join(recDir, f), 'utf8')))).join('');
      expect(text).not.toMatch(/root:\*|\$y\$/);
    },
    90_000,
  );

  it("cv-10: a link anywhere on the keys' path (the home itself) is refused too; the other account's keys stay", async () => {
    const victim = path.join(fleet.dir, 'cv-10', 'home', 'victim', '.ssh');
    const before = { keys: await readFile(path.join(victim, 'authorized_keys'), 'utf8'), dir: await stat(victim), file: await stat(path.join(victim, 'authorized_keys')) };
    for (const mode of ['--check', '']) {
      const r = await cli(repo.root, 'converge', 'access', ...(mode ? [mode] : []), '--hosts', 'cv-10');
      expect(r.code, r.out).toBe(1);
      expect(r.out).toContain('cv-10: deploy: keys refused: /home/deploy is a symbolic link to /home/victim');
      // The other account's keys are never read as the managed account's.
      expect(r.out).not.toContain('stranger@example');
    }
    expect(await readFile(path.join(victim, 'authorized_keys'), 'utf8')).toBe(before.keys);
    const [dir, file] = [await stat(victim), await stat(path.join(victim, 'authorized_keys'))];
    expect([dir.uid, dir.mode, file.uid, file.mode, file.ino]).toEqual([before.dir.uid, before.dir.mode, before.file.uid, before.file.mode, before.file.ino]);
  }, 90_000);

  it('cv-9: never rewrites a sudoers file through a link; refuses and installs nothing', async () => {
    const extra = path.join(fleet.dir, 'cv-9', 'etc', 'sudoers.d', 'extra');
    const before = { real: await readFile(path.join(extra, 'real'), 'utf8'), keys: await authorized('cv-9') };
    const r = await cli(repo.root, 'converge', 'access', '--hosts', 'cv-9');
    expect(r.code, r.out).toBe(1);
    // The reason names the link itself: with the whole path checked, it may be a directory above the file.
    expect(r.out).toContain('cv-9: error: refused to rewrite /etc/sudoers.d/extra/team: /etc/sudoers.d/extra/team is a symbolic link to real');
    expect((await lstat(path.join(extra, 'team'))).isSymbolicLink()).toBe(true);
    expect(await readFile(path.join(extra, 'real'), 'utf8')).toBe(before.real);
    expect(await authorized('cv-9')).toBe(before.keys);
  }, 90_000);
});
