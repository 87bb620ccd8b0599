/**
 * SIGKILL of the controller between a step that changed what can lock opsgate out and its confirmation. The step
 * succeeded and is recorded so; the host's dead-man timer is armed and nobody confirms. A resume must neither skip
 * that confirmation (the host reverts later, and the records would claim a change that is no longer in effect) nor
 * run the step again: it confirms over a fresh connection now while the timer still waits, and when the host has
 * already put everything back, the host is `reverted` and the steps after it never run. Counters on the hosts and
 * sshd_config itself are the ground truth.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { cliIn, count, counting, hostProcesses, records, spawnDriver, waitFor } from './fleet-helpers.ts';
import { changeDoc, makeRepo, type TestRepo } from './harness.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let repo: TestRepo;
const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, '--identity', fleet.clientKeyPath);
const sshdConfig = (host: string) => path.join(fleet.dir, host, 'etc', 'ssh', 'sshd_config');
/** A root step that changes sshd_config harmlessly (and counts its runs): guarded, so confirmed or reverted. */
const noting = (name: string) => ({ id: name, kind: 'run', sudo: true, argv: ['sh', '-c', `printf '# opsgate ${name}\\n' >> /etc/ssh/sshd_config && echo ran >> /home/opsgate/count-${name}`] });
/** The states the host's timers wrote (reverted, revert-failed). */
const hostStates = async (host: string) => {
  const dir = path.join(fleet.dir, host, 'var-lib-opsgate', 'confirm');
  const out: string[] = [];
  for (const d of await readdir(dir).catch(() => [])) {
    const s = await readFile(path.join(dir, d, 'state'), 'utf8').catch(() => '');
    if (s) out.push(s.trim());
  }
  return out;
};

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({ mutates: true, hosts: [{ id: 'kc-soon' }, { id: 'kc-late' }] });
  repo = await makeRepo(fleet);
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

async function crashAtArmed(host: string, change: string, pr: number, confirmSeconds: number): Promise<string> {
  const before = await readFile(sshdConfig(host), 'utf8');
  await repo.mergeChange(changeDoc(change, { targets: { hosts: [host] }, steps: [counting('s1'), noting('g'), counting('s3')] }), pr);
  const d = spawnDriver(repo.root, change, fleet.clientKeyPath, 'confirm.armed', 'never', '--confirm-seconds', String(confirmSeconds));
  const e = await d.exited;
  d.kill();
  expect(e.signal, d.output()).toBe('SIGKILL');
  expect((await records(repo, change)).find((x) => x.type === 'step.done' && x.step === 'g')).toMatchObject({ outcome: 'succeeded' });
  return before;
}

MACHINE.describe('SIGKILL between a guarded step and its confirmation', () => {
  it('resume while the timer still waits: confirms over a fresh connection, keeps the change, runs the rest once', async () => {
    const host = 'kc-soon';
    const before = await crashAtArmed(host, 'CHG-2026-0601', 601, 600);
    const r = await cli('apply', 'CHG-2026-0601', '--resume');
    expect(r.code, r.out + r.err + JSON.stringify(await records(repo, 'CHG-2026-0601'), null, 1)).toBe(0);
    const ev = await records(repo, 'CHG-2026-0601');
    expect(ev.filter((e) => e.type === 'confirm.done')).toMatchObject([{ host, confirmed: true }]);
    expect(ev.at(-1)).toMatchObject({ type: 'run.done', outcome: 'succeeded' });
    for (const s of ['s1', 'g', 's3']) expect(await count(fleet, host, s), s).toBe(1);
    expect(await readFile(sshdConfig(host), 'utf8')).toBe(`${before}# opsgate g\n`);
    expect(hostProcesses(fleet, host, 'guard.sh')).toEqual([]);
  }, 180_000);

  it('resume after the host reverted: the host is reverted, the step is not run again, the steps after it never run', async () => {
    const host = 'kc-late';
    const before = await crashAtArmed(host, 'CHG-2026-0603', 603, 3);
    await waitFor(async () => (await hostStates(host)).includes('reverted'), 'the host reverting the unconfirmed change', 120);
    expect(await readFile(sshdConfig(host), 'utf8')).toBe(before);
    const r = await cli('apply', 'CHG-2026-0603', '--resume');
    expect(r.code, r.out + r.err).toBe(1);
    const ev = await records(repo, 'CHG-2026-0603');
    expect(ev.filter((e) => e.type === 'confirm.done')).toMatchObject([{ host, confirmed: false, reverted: true }]);
    expect(ev.filter((e) => e.type === 'host.done').at(-1)).toMatchObject({ host, outcome: 'reverted' });
    expect(await count(fleet, host, 'g')).toBe(1);
    expect(await count(fleet, host, 's3')).toBe(0);
    expect(await readFile(sshdConfig(host), 'utf8')).toBe(before);
  }, 180_000);
});
