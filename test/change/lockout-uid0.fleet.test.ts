/**
 * The protected-set guard is decided by the host: a login account with uid 0 under another name (`toor`) runs every
 * step as root, whatever the inventory calls it. An unmarked step (no `sudo: true`, no sudo in its command) that
 * locks opsgate out through sshd_config is reverted by the host itself, and opsgate connects again afterwards. The
 * account lives in the host's own /etc/passwd and /home (its mount namespace), never the machine's.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { cliIn, counting, hostProcesses, records } from './fleet-helpers.ts';
import { changeDoc, makeRepo, type TestRepo } from './harness.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let repo: TestRepo;
const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, '--identity', fleet.clientKeyPath);
const HOST = 'u0-toor';
const PLAIN = 'u0-plain';
const sshdConfig = (host: string) => path.join(fleet.dir, host, 'etc', 'ssh', 'sshd_config');
const runs = async (host: string, user: string, name: string) => (await readFile(path.join(fleet.dir, host, 'home', user, `count-${name}`), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
// HUP the sshd that listens in this host's network namespace (not every sshd on the machine).
const HUP_SSHD = `kill -HUP "$(ss -Htlnp 'sport = :22' | sed -n 's/.*"sshd",pid=\\([0-9]*\\).*/\\1/p' | head -n 1)"`;

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({
    mutates: true,
    hosts: [{ id: HOST, login: { name: 'toor', uid: 0 }, sshd: { permitRootLogin: 'prohibit-password' } }, { id: PLAIN }],
  });
  repo = await makeRepo(fleet);
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

MACHINE.describe('root login under another name', () => {
  it('an unmarked step of a uid-0 login that breaks sshd_config is reverted by the host; opsgate connects again', async () => {
    expect(fleet.hosts.find((h) => h.id === HOST)!.user).toBe('toor');
    const before = await readFile(sshdConfig(HOST), 'utf8');
    await repo.mergeChange(
      changeDoc('CHG-2026-0321', {
        targets: { hosts: [HOST] },
        steps: [
          {
            id: 'lock-down',
            kind: 'run',
            idempotent: true,
            // In place (the host's sshd_config is a bind mount), then reload: valid for sshd, fatal for toor.
            argv: ['sh', '-c', `id -u && c=$(sed -e '1i AllowUsers nobody' /etc/ssh/sshd_config) && printf '%s\\n' "$c" > /etc/ssh/sshd_config && ${HUP_SSHD}`],
          },
        ],
      }),
      321,
    );
    const r = await cli('apply', 'CHG-2026-0321', '--confirm-seconds', '5');
    const ev = await records(repo, 'CHG-2026-0321');
    expect(ev.find((e) => e.type === 'step.done' && e.step === 'lock-down')).toMatchObject({ outcome: 'succeeded', stdout: '0\n', protected: { changed: ['/etc/ssh/sshd_config'] } });
    expect(ev.find((e) => e.type === 'confirm.armed')).toMatchObject({ host: HOST, ok: true, by: 'lock-down', guard: 'protected-set' });
    expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host: HOST, confirmed: false, reverted: true });
    expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host: HOST, outcome: 'reverted' });
    expect(r.code, r.out + r.err).toBe(1);
    expect(await readFile(sshdConfig(HOST), 'utf8')).toBe(before);
    expect(hostProcesses(fleet, HOST, 'guard.sh')).toEqual([]);
    // A new connection works again: another change runs there, as toor.
    await repo.mergeChange(changeDoc('CHG-2026-0322', { targets: { hosts: [HOST] }, steps: [counting('after')] }), 322);
    const after = await cli('apply', 'CHG-2026-0322');
    expect(after.code, after.out + after.err).toBe(0);
    expect(await runs(HOST, 'toor', 'after')).toBe(1);
  }, 180_000);

  it('an unmarked step of a non-root login is not guarded (the host says uid 1990)', async () => {
    await repo.mergeChange(changeDoc('CHG-2026-0323', { targets: { hosts: [PLAIN] }, steps: [counting('plain')] }), 323);
    const r = await cli('apply', 'CHG-2026-0323');
    expect(r.code, r.out + r.err).toBe(0);
    const done = (await records(repo, 'CHG-2026-0323')).find((e) => e.type === 'step.done' && e.step === 'plain');
    expect(done).toMatchObject({ outcome: 'succeeded' });
    expect(done).not.toHaveProperty('protected');
    expect(await runs(PLAIN, 'opsgate', 'plain')).toBe(1);
  }, 120_000);
});
