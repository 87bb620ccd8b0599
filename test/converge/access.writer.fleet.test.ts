/**
 * Who writes an account's authorized_keys, on real sshd hosts. The account itself (setpriv, else runuser), or root
 * only where nobody else can move anything on the way to the keys. Hosts here lack setpriv (runuser is used), lack
 * both (refused before anything is written), have a home whose parent another account can rename entries in (root
 * must not write there), or keys that are a hard link to a root-owned file outside /etc. A tool is hidden from the
 * host by an empty, non-executable file bind-mounted over it in the host's own mount namespace (`files`).
 */
import { chmod, chown, link, lstat, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { generateKeyPair } from '../fleet/keys.ts';
import { makeRepo, type TestRepo } from '../change/harness.ts';
import { cliIn } from '../change/fleet-helpers.ts';
import { writeBobAccess } from './access-fixtures.ts';

let fleet: RunningFleet;
let repo: TestRepo;
let pub = '';
const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const tmp = `/tmp/og-aw-${process.pid}`;
const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, '--identity', fleet.clientKeyPath);
const homes = (host: string) => path.join(fleet.dir, host, 'home');
const own = async (p: string) => {
  const st = await lstat(p);
  return [st.uid, st.gid, (st.mode & 0o7777).toString(8)];
};
const NO_SETPRIV = { '/usr/bin/setpriv': '' };
const NO_RUNUSER = { '/usr/sbin/runuser': '' };
const deploy = { name: 'deploy', uid: 2001, keys: [] };
const svc = { name: 'svc', uid: 2003, keys: [] };
const SECRET_MARK = 'opsgate-root-only-7f3a9c';
const SECRET = `root:$6$${SECRET_MARK}$hash:19000:0:99999:7:::\n${SECRET_MARK} second line\n`;

beforeAll(async () => {
  if (!MACHINE.runs) return;
  await mkdir(tmp, { recursive: true });
  pub = (await generateKeyPair(path.join(tmp, 'bob'), 'ed25519', 'bob@example')).publicKey;
  fleet = await startFleet({
    mutates: true,
    hosts: [
      { id: 'aw-runuser', groups: ['aw'], accounts: [deploy, svc], files: NO_SETPRIV },
      { id: 'aw-neither', groups: ['aw'], accounts: [deploy, svc], files: { ...NO_SETPRIV, ...NO_RUNUSER } },
      { id: 'aw-parent', groups: ['aw'], accounts: [deploy, svc] },
      { id: 'aw-open', groups: ['aw'], accounts: [deploy, svc] },
      { id: 'aw-hardlink', groups: ['aw'], accounts: [deploy, svc] },
      // deploy's keys are a root-only file bind-mounted over them: a regular file with one name, no link on the path.
      { id: 'aw-bind', groups: ['aw'], accounts: [deploy, svc], files: { '/home/deploy/.ssh/authorized_keys': SECRET } },
    ],
  });
  // svc's home is root's alone (keys managed by root): root itself writes there, when nobody else can move it. On the
  // other hosts each account owns its home.
  for (const h of ['aw-neither', 'aw-parent']) {
    await rm(path.join(homes(h), 'svc', '.ssh'), { recursive: true, force: true });
    await chown(path.join(homes(h), 'svc'), 0, 0);
    await chmod(path.join(homes(h), 'svc'), 0o755);
  }
  repo = await makeRepo(fleet);
  await writeBobAccess(repo, { pub, group: 'aw', accounts: ['deploy', 'svc'] });
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
  await rm(tmp, { recursive: true, force: true });
});

MACHINE.describe('converge access: who writes the keys', () => {
  it('aw-runuser: without setpriv the keys are written as the account through runuser', async () => {
    const r = await cli('converge', 'access', '--hosts', 'aw-runuser');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('aw-runuser: wrote ~deploy/.ssh/authorized_keys');
    const home = path.join(homes('aw-runuser'), 'deploy');
    expect(await own(path.join(home, '.ssh'))).toEqual([2001, 2001, '700']);
    expect(await own(path.join(home, '.ssh', 'authorized_keys'))).toEqual([2001, 2001, '600']);
    expect(await readFile(path.join(home, '.ssh', 'authorized_keys'), 'utf8')).toContain(pub.split(' ')[1]);
  }, 60_000);

  it('aw-neither: with neither setpriv nor runuser the host is refused, located and actionable, and nothing is written', async () => {
    const keysBefore = await readFile(path.join(homes('aw-neither'), 'deploy', '.ssh', 'authorized_keys'), 'utf8');
    const r = await cli('converge', 'access', '--hosts', 'aw-neither');
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('aw-neither: deploy: keys refused: neither setpriv nor runuser is installed');
    expect(r.out).toContain('install util-linux');
    expect(r.out).toContain('nothing installed');
    // Nothing written: not deploy's keys, not svc's (root could have written those), no sudoers file.
    expect(await readFile(path.join(homes('aw-neither'), 'deploy', '.ssh', 'authorized_keys'), 'utf8')).toBe(keysBefore);
    expect(await readdir(path.join(homes('aw-neither'), 'svc'))).toEqual([]);
    expect(r.out).not.toMatch(/aw-neither: wrote/);
  }, 60_000);

  it("aw-parent: root does not write in a root-owned home when another account could rename it (the home's parent)", async () => {
    const parent = homes('aw-parent');
    const svcHome = path.join(parent, 'svc');
    // /home writable by everyone, no sticky bit: anyone may rename /home/svc away and put a link to /root there.
    await chmod(parent, 0o777);
    const open = await cli('converge', 'access', '--hosts', 'aw-parent');
    expect(open.code, open.out).toBe(1);
    expect(open.out).toContain('aw-parent: svc: keys refused: /home is writable by others without the sticky bit (mode 777)');
    expect(await readdir(svcHome)).toEqual([]);
    // /home owned by another account: it may rename anything in it.
    await chmod(parent, 0o755);
    await chown(parent, 2001, 2001);
    const owned = await cli('converge', 'access', '--hosts', 'aw-parent');
    expect(owned.code, owned.out).toBe(1);
    expect(owned.out).toContain('aw-parent: svc: keys refused: /home is owned by uid 2001');
    expect(await readdir(svcHome)).toEqual([]);
    // Sticky and root's: only root may rename root's home; root writes.
    await chown(parent, 0, 0);
    await chmod(parent, 0o1777);
    const sticky = await cli('converge', 'access', '--hosts', 'aw-parent');
    expect(sticky.code, sticky.out).toBe(0);
    expect(sticky.out).toContain('aw-parent: wrote ~svc/.ssh/authorized_keys');
    expect(await own(path.join(svcHome, '.ssh', 'authorized_keys'))).toEqual([2003, 2003, '600']);
    await chmod(parent, 0o755);
  }, 90_000);

  it('aw-open: a home the account owns under an open /home is still written, as the account (nothing beyond its own rights)', async () => {
    await chmod(homes('aw-open'), 0o777);
    try {
      const r = await cli('converge', 'access', '--hosts', 'aw-open');
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain('aw-open: wrote ~deploy/.ssh/authorized_keys');
      expect(await own(path.join(homes('aw-open'), 'deploy', '.ssh', 'authorized_keys'))).toEqual([2001, 2001, '600']);
    } finally {
      await chmod(homes('aw-open'), 0o755);
    }
  }, 60_000);

  it('aw-hardlink: keys that are a hard link to root-owned files in and outside /etc are refused; the reason says where it looked', async () => {
    const secret = path.join(fleet.dir, 'aw-hardlink', 'var-lib-opsgate', 'root-only');
    const inEtc = path.join(fleet.dir, 'aw-hardlink', 'etc-opsgate', 'root-only');
    await writeFile(secret, 'root data\n', { mode: 0o600 });
    const keys = path.join(homes('aw-hardlink'), 'deploy', '.ssh', 'authorized_keys');
    await rm(keys);
    await link(secret, keys);
    // The other name is outside /etc (the host's /var/lib/opsgate): refused all the same, by the link count.
    const r = await cli('converge', 'access', '--hosts', 'aw-hardlink');
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('aw-hardlink: deploy: keys refused: /home/deploy/.ssh/authorized_keys has 2 hard links; nothing installed');
    // One name in /etc, one outside: the reason does not pass the /etc one off as the only other.
    await link(secret, inEtc);
    const r2 = await cli('converge', 'access', '--hosts', 'aw-hardlink');
    expect(r2.code, r2.out).toBe(1);
    expect(r2.out).toContain('aw-hardlink: deploy: keys refused: /home/deploy/.ssh/authorized_keys has 3 hard links (also /etc/opsgate/root-only; 2 other names in all, only /etc was searched)');
    expect(await readFile(secret, 'utf8')).toBe('root data\n');
    expect(await own(secret)).toEqual([0, 0, '600']);
    await rm(inEtc);
  }, 60_000);

  it("aw-bind: keys that are a root-only file (bind-mounted, no link at all) are read as the account: the file's text appears nowhere", async () => {
    // The source of the bind mount, root's alone: deploy cannot read it, root can.
    const src = path.join(fleet.dir, 'aw-bind', 'files', '0');
    await chmod(src, 0o600);
    const keys = path.join(homes('aw-bind'), 'deploy', '.ssh', 'authorized_keys');
    for (const mode of ['check', 'apply'] as const) {
      const r = await cli('converge', 'access', '--hosts', 'aw-bind', ...(mode === 'check' ? ['--check'] : []));
      expect(r.code, r.out).toBe(1);
      expect(r.out + r.err).not.toContain(SECRET_MARK);
      expect(r.out).toContain('aw-bind: deploy: keys refused: cannot read /home/deploy/.ssh/authorized_keys as deploy');
    }
    const recDir = path.join(repo.root, 'records');
    const seen: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else if ((await readFile(p, 'utf8')).includes(SECRET_MARK)) seen.push(p);
      }
    };
    await walk(recDir);
    expect(seen).toEqual([]);
    expect(await readFile(src, 'utf8')).toBe(SECRET);
    expect(await own(src)).toEqual([0, 0, '600']);
    expect((await readFile(keys, 'utf8').catch(() => '')).includes(pub.split(' ')[1]!)).toBe(false);
  }, 90_000);
});
