/**
 * Never lock ourselves out through sshd itself, beyond a file that refuses the login: a root step that moves sshd to
 * another port and reloads it, reloads it with a configuration it cannot start with (the daemon exits), stops it
 * without touching a file, gives the login account a shell that refuses logins, or moves its authorized_keys away.
 * Each host is a real sshd in its own namespaces (no systemd: the daemon is the process the guard must HUP or start
 * again itself). The host must put itself back, sshd listening as before, and opsgate must run a change there again.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { cliIn, count, counting, hostProcesses, records } from './fleet-helpers.ts';
import { changeDoc, makeRepo, type TestRepo } from './harness.ts';
import { execFileSync } from 'node:child_process';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const HOSTS = ['sd-port', 'sd-broken', 'sd-stop', 'sd-shell', 'sd-keys', 'sd-pubkey', 'sd-akf', 'sd-incl'];
let fleet: RunningFleet;
let repo: TestRepo;
const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, '--identity', fleet.clientKeyPath);
const etcFile = (host: string, f: string) => path.join(fleet.dir, host, 'etc', f);
/** The sshd of this host's namespace, whatever port it listens on now. */
const SSHD_PID = `$(ss -Htlnp | sed -n 's/.*"sshd",pid=\\([0-9]*\\).*/\\1/p' | head -n 1)`;
/** Rewrites FILE in place through sed (the fleet's files are bind mounts: no rename onto them). */
const inPlace = (file: string, sed: string) => `c=$(sed -e ${sed} ${file}) && printf '%s\\n' "$c" > ${file}`;
/** What the host's namespace listens on (sorted). */
const listening = (host: string) =>
  execFileSync('ip', ['netns', 'exec', fleet.namespaceOf(host), 'ss', '-Htln'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[3])
    .filter(Boolean)
    .sort();

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({
    mutates: true,
    hosts: HOSTS.map((id) =>
      id === 'sd-akf' ? { id, sshd: { extra: ['AuthorizedKeysFile /home/keys/%u .ssh/authorized_keys'] } } : id === 'sd-incl' ? { id, sshd: { extra: ['Include /home/sshd-site.conf'] } } : { id },
    ),
  });
  // sd-akf: the login's key lives where sshd_config's AuthorizedKeysFile says (the host's own /home), not in ~/.ssh.
  await mkdir(path.join(fleet.dir, 'sd-akf', 'home', 'keys'), { recursive: true, mode: 0o755 });
  await writeFile(path.join(fleet.dir, 'sd-akf', 'home', 'keys', 'opsgate'), fleet.clientPublicKey + '\n', { mode: 0o644 });
  await writeFile(path.join(fleet.dir, 'sd-akf', 'home', 'opsgate', '.ssh', 'authorized_keys'), '');
  // sd-incl: sshd_config includes a file outside /etc/ssh.
  await writeFile(path.join(fleet.dir, 'sd-incl', 'home', 'sshd-site.conf'), '# site settings\n', { mode: 0o600 });
  repo = await makeRepo(fleet);
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

async function expectLockedOutAndBack(host: string, pr: number, command: string, changed: string[]): Promise<void> {
  const files = ['ssh/sshd_config', 'passwd'];
  const before = await Promise.all(files.map((f) => readFile(etcFile(host, f), 'utf8')));
  const keys = path.join(fleet.dir, host, 'home', 'opsgate', '.ssh', 'authorized_keys');
  const keysBefore = await readFile(keys, 'utf8');
  const listenBefore = listening(host);
  const change = `CHG-2026-0${pr}`;
  await repo.mergeChange(changeDoc(change, { targets: { hosts: [host] }, steps: [{ id: 'cut', kind: 'run', sudo: true, idempotent: true, argv: ['sh', '-c', command] }] }), pr);
  const r = await cli('apply', change, '--confirm-seconds', '5');
  expect(r.code, r.out + r.err + JSON.stringify((await records(repo, change)).filter((e) => e.type === 'step.done'))).toBe(1);
  const ev = await records(repo, change);
  expect(ev.find((e) => e.type === 'step.done' && e.step === 'cut')).toMatchObject({ outcome: 'succeeded', protected: { changed: expect.arrayContaining(changed) } });
  expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host, confirmed: false, reverted: true });
  expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host, outcome: 'reverted' });
  expect(await Promise.all(files.map((f) => readFile(etcFile(host, f), 'utf8')))).toEqual(before);
  expect(await readFile(keys, 'utf8')).toBe(keysBefore);
  expect(listening(host)).toEqual(listenBefore);
  expect(hostProcesses(fleet, host, 'guard.sh')).toEqual([]);
  const next = `CHG-2026-0${pr + 1}`;
  await repo.mergeChange(changeDoc(next, { targets: { hosts: [host] }, steps: [counting(`after-${pr}`)] }), pr + 1);
  const after = await cli('apply', next);
  expect(after.code, after.out + after.err).toBe(0);
  expect(await count(fleet, host, `after-${pr}`)).toBe(1);
}

MACHINE.describe('sshd itself under the protected-set guard', () => {
  it('ListenAddress moved to another port and sshd reloaded: the host puts the file back and reloads the daemon where it listens now', async () => {
    await expectLockedOutAndBack('sd-port', 401, `${inPlace('/etc/ssh/sshd_config', "'s/^ListenAddress 127.0.0.1:22$/ListenAddress 127.0.0.1:2222/'")} && kill -HUP ${SSHD_PID}`, [
      '/etc/ssh/sshd_config',
    ]);
  }, 180_000);

  it('a configuration sshd cannot start with, then a reload: the daemon exits; the host puts the file back and starts it again', async () => {
    await expectLockedOutAndBack('sd-broken', 403, `${inPlace('/etc/ssh/sshd_config', "'1i NoSuchKeyword yes'")} && kill -HUP ${SSHD_PID}`, ['/etc/ssh/sshd_config']);
  }, 180_000);

  it('sshd stopped without touching a file: seen, and the host starts it again', async () => {
    await expectLockedOutAndBack('sd-stop', 405, `kill -TERM ${SSHD_PID}`, ['sshd:listen']);
  }, 180_000);

  it("the login account's shell set to nologin: the host puts /etc/passwd back", async () => {
    await expectLockedOutAndBack('sd-shell', 407, inPlace('/etc/passwd', "'s|^opsgate:\\(.*\\):/bin/sh$|opsgate:\\1:/usr/sbin/nologin|'"), ['/etc/passwd']);
  }, 180_000);

  it("the login account's authorized_keys moved away: the host puts it back", async () => {
    await expectLockedOutAndBack('sd-keys', 409, 'mv /home/opsgate/.ssh/authorized_keys /home/opsgate/.ssh/moved', ['/home/opsgate/.ssh/authorized_keys']);
  }, 180_000);

  it('PubkeyAuthentication no and AuthorizedKeysFile elsewhere, then a reload: the host puts the file back and reloads', async () => {
    await expectLockedOutAndBack('sd-pubkey', 411, `${inPlace('/etc/ssh/sshd_config', "'1i AuthorizedKeysFile /nonexistent' -e '1i PubkeyAuthentication no'")} && kill -HUP ${SSHD_PID}`, [
      '/etc/ssh/sshd_config',
    ]);
  }, 180_000);

  it("the login's key file that sshd_config's AuthorizedKeysFile names (outside ~/.ssh) removed: the host puts it back", async () => {
    const keys = path.join(fleet.dir, 'sd-akf', 'home', 'keys', 'opsgate');
    const before = await readFile(keys, 'utf8');
    await expectLockedOutAndBack('sd-akf', 413, 'rm /home/keys/opsgate', ['/home/keys/opsgate']);
    expect(await readFile(keys, 'utf8')).toBe(before);
  }, 180_000);

  it('a file sshd_config includes from outside /etc/ssh, edited to refuse the login, then a reload: the host puts it back', async () => {
    const site = path.join(fleet.dir, 'sd-incl', 'home', 'sshd-site.conf');
    const before = await readFile(site, 'utf8');
    await expectLockedOutAndBack('sd-incl', 415, `printf 'DenyUsers opsgate\\n' >> /home/sshd-site.conf && kill -HUP ${SSHD_PID}`, ['/home/sshd-site.conf']);
    expect(await readFile(site, 'utf8')).toBe(before);
  }, 180_000);
});
