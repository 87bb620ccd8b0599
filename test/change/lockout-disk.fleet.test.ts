/**
 * Never lock ourselves out through a full disk: a root step that fills the disk opsgate's guard keeps its state on
 * and breaks sshd in the same breath. The guard must still see the change and the host's timer must still put
 * sshd_config back, reload sshd and say `reverted` — although nothing can be written there any more — and opsgate
 * must connect again once the disk has room. A disk already too full for the guard's own state refuses the step
 * before it runs, saying why. /var/lib/opsgate is a small tmpfs in the host's own mount namespace
 * (fleet spec `stateDiskKb`): the machine's disk is never filled.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { cliIn, count, counting, hostProcesses, records } from './fleet-helpers.ts';
import { changeDoc, makeRepo, type TestRepo } from './harness.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let repo: TestRepo;
const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, '--identity', fleet.clientKeyPath);
const sshdConfig = (host: string) => path.join(fleet.dir, host, 'etc', 'ssh', 'sshd_config');
const SSHD_PID = `$(ss -Htlnp | sed -n 's/.*"sshd",pid=\\([0-9]*\\).*/\\1/p' | head -n 1)`;
/** Runs a command in the host's mount namespace (where its /var/lib/opsgate tmpfs is), through its sshd's. */
function inHostMounts(host: string, script: string): string {
  const ns = fleet.namespaceOf(host);
  const pid = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .find((p) => {
      try {
        return readFileSyncSafe(`/proc/${p}/comm`) === 'sshd';
      } catch {
        return false;
      }
    })!;
  return execFileSync('nsenter', ['-t', pid, '-m', '--', 'sh', '-c', script], { encoding: 'utf8' });
}
const readFileSyncSafe = (f: string) => execFileSync('cat', [f], { encoding: 'utf8' }).trim();

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({
    mutates: true,
    hosts: [
      { id: 'dk-fill', stateDiskKb: 2048 },
      { id: 'dk-full', stateDiskKb: 2048 },
    ],
  });
  repo = await makeRepo(fleet);
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

MACHINE.describe('a full disk under the protected-set guard', () => {
  it('a step that fills the state disk and locks opsgate out of sshd is still reverted by the host; opsgate connects again', async () => {
    const host = 'dk-fill';
    const before = await readFile(sshdConfig(host), 'utf8');
    const lockOut = `c=$(sed -e '1i DenyUsers opsgate' /etc/ssh/sshd_config) && printf '%s\\n' "$c" > /etc/ssh/sshd_config && kill -HUP ${SSHD_PID}`;
    await repo.mergeChange(
      changeDoc('CHG-2026-0701', {
        targets: { hosts: [host] },
        steps: [{ id: 'fill', kind: 'run', sudo: true, idempotent: true, argv: ['sh', '-c', `dd if=/dev/zero of=/var/lib/opsgate/fill bs=4k 2>/dev/null; ${lockOut}`] }],
      }),
      701,
    );
    const r = await cli('apply', 'CHG-2026-0701', '--confirm-seconds', '5');
    expect(r.code, r.out + r.err + JSON.stringify((await records(repo, 'CHG-2026-0701')).slice(3))).toBe(1);
    const ev = await records(repo, 'CHG-2026-0701');
    expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host, confirmed: false, reverted: true });
    expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host, outcome: 'reverted' });
    expect(await readFile(sshdConfig(host), 'utf8')).toBe(before);
    expect(hostProcesses(fleet, host, 'guard.sh')).toEqual([]);
    // The disk gets room again (the step's own file); opsgate runs a change there.
    inHostMounts(host, 'rm -f /var/lib/opsgate/fill');
    await repo.mergeChange(changeDoc('CHG-2026-0702', { targets: { hosts: [host] }, steps: [counting('after-fill')] }), 702);
    const after = await cli('apply', 'CHG-2026-0702');
    expect(after.code, after.out + after.err).toBe(0);
    expect(await count(fleet, host, 'after-fill')).toBe(1);
    // A confirmed or reverted guard leaves no reserved space behind.
    expect(inHostMounts(host, 'find /var/lib/opsgate/confirm -name "reserve*"')).toBe('');
  }, 180_000);

  it('a disk already too full for the guard: the root step is refused before it runs, saying so', async () => {
    const host = 'dk-full';
    // Leave a little room: the host lock still works, the guard's copies and reserve do not fit.
    inHostMounts(host, 'dd if=/dev/zero of=/var/lib/opsgate/fill bs=4k 2>/dev/null; rm -f /var/lib/opsgate/fill; dd if=/dev/zero of=/var/lib/opsgate/fill bs=1k count=1900 2>/dev/null; :');
    await repo.mergeChange(
      changeDoc('CHG-2026-0703', { targets: { hosts: [host] }, steps: [{ id: 'root-step', kind: 'run', sudo: true, argv: ['sh', '-c', 'echo ran >> /home/opsgate/count-root-step'] }] }),
      703,
    );
    const r = await cli('apply', 'CHG-2026-0703');
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out + r.err).toMatch(/cannot arm the dead-man timer: .*(full|space)/);
    expect(await count(fleet, host, 'root-step')).toBe(0);
  }, 180_000);
});
