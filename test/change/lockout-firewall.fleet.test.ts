/**
 * Never lock ourselves out through the live firewall: a root step that loads a rule with a command (no file changes)
 * is seen by the protected-set guard (scripts/remote/live-firewall.ts). A rule that drops only NEW ssh connections
 * leaves the step's own session alive and every fresh one dead — the confirmation included — so the host's dead-man
 * timer restores the saved ruleset and opsgate connects again. Rules are loaded in each fleet host's own network
 * namespace (real sshd, real iptables and nft); nothing reaches the machine's own rules. A rule that drops the step's
 * own session too holds its report back until the timer has restored the ruleset: opsgate then learns it was too late.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { cliIn, counting, hostProcesses, records } from './fleet-helpers.ts';
import { changeDoc, makeRepo, type TestRepo } from './harness.ts';

const MACHINE = requireMachine(NEEDS.firewall);
let fleet: RunningFleet;
let repo: TestRepo;
const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, '--identity', fleet.clientKeyPath);
const TOOR = { login: { name: 'toor', uid: 0 }, sshd: { permitRootLogin: 'prohibit-password' as const } };
/** Runs a command in a fleet host's network namespace (its own firewall). */
const inHost = (host: string, argv: string[], input?: string) => execFileSync('ip', ['netns', 'exec', fleet.namespaceOf(host), ...argv], { encoding: 'utf8', ...(input ? { input } : {}) });
const ruleset = (host: string) => inHost(host, ['nft', '-s', 'list', 'ruleset']);
/** What the host had before: a counted ssh rule, so the ssh traffic of every step moves a counter. */
const BEFORE = `table inet site {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 22 counter accept
  }
}
`;
const DROP_NEW_SSH = 'iptables -I INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -j DROP';

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({ mutates: true, hosts: [{ id: 'fw-ipt' }, { id: 'fw-nft', ...TOOR }, { id: 'fw-plain', ...TOOR }, { id: 'fw-keep' }, { id: 'fw-all' }] });
  repo = await makeRepo(fleet);
  for (const h of ['fw-ipt', 'fw-nft', 'fw-plain', 'fw-keep', 'fw-all']) inHost(h, ['nft', '-f', '-'], BEFORE);
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

/** After a revert: the host's ruleset is what it was, no timer is left, and a new change runs there. */
async function connectsAgain(host: string, user: string, before: string, change: string, pr: number): Promise<void> {
  expect(ruleset(host)).toBe(before);
  expect(hostProcesses(fleet, host, 'guard.sh')).toEqual([]);
  await repo.mergeChange(changeDoc(change, { targets: { hosts: [host] }, steps: [counting('after')] }), pr);
  const after = await cli('apply', change);
  expect(after.code, after.out + after.err).toBe(0);
  const runs = await readFile(path.join(fleet.dir, host, 'home', user, 'count-after'), 'utf8');
  expect(runs.split('\n').filter(Boolean)).toHaveLength(1);
}

MACHINE.describe('the live firewall under the protected-set guard', () => {
  it('a sudo step that drops NEW ssh connections with iptables is reverted by the host; opsgate connects again', async () => {
    const host = 'fw-ipt';
    const before = ruleset(host);
    await repo.mergeChange(
      changeDoc('CHG-2026-0341', { targets: { hosts: [host] }, steps: [{ id: 'drop-new-ssh', kind: 'run', sudo: true, idempotent: true, argv: ['sh', '-c', DROP_NEW_SSH] }] }),
      341,
    );
    const r = await cli('apply', 'CHG-2026-0341', '--confirm-seconds', '5');
    expect(r.code, r.out + r.err).toBe(1);
    const ev = await records(repo, 'CHG-2026-0341');
    // The step's own session survived its rule: it reported, and the guard named the ruleset.
    expect(ev.find((e) => e.type === 'step.done' && e.step === 'drop-new-ssh')).toMatchObject({ outcome: 'succeeded', protected: { changed: ['nft:ruleset'] } });
    expect(ev.find((e) => e.type === 'confirm.armed')).toMatchObject({ host, ok: true, by: 'drop-new-ssh', guard: 'protected-set', changed: ['nft:ruleset'] });
    expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host, confirmed: false, reverted: true });
    expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host, outcome: 'reverted' });
    await connectsAgain(host, 'opsgate', before, 'CHG-2026-0342', 342);
  }, 180_000);

  it('an unmarked nft step of a uid-0 login that drops NEW ssh connections is reverted; opsgate connects again', async () => {
    const host = 'fw-nft';
    const before = ruleset(host);
    await repo.mergeChange(
      changeDoc('CHG-2026-0343', {
        targets: { hosts: [host] },
        steps: [
          {
            id: 'nft-drop-new',
            kind: 'run',
            idempotent: true,
            argv: ['sh', '-c', `nft add table inet lock && nft add chain inet lock input '{ type filter hook input priority -10; }' && nft add rule inet lock input tcp dport 22 ct state new drop`],
          },
        ],
      }),
      343,
    );
    const r = await cli('apply', 'CHG-2026-0343', '--confirm-seconds', '5');
    expect(r.code, r.out + r.err).toBe(1);
    const ev = await records(repo, 'CHG-2026-0343');
    expect(ev.find((e) => e.type === 'step.done' && e.step === 'nft-drop-new')).toMatchObject({ outcome: 'succeeded', protected: { changed: ['nft:ruleset'] } });
    expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host, confirmed: false, reverted: true });
    expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host, outcome: 'reverted' });
    await connectsAgain(host, 'toor', before, 'CHG-2026-0344', 344);
  }, 180_000);

  it("a sudo step that drops ALL inbound traffic (policy DROP: the step's own session too) is reverted by the host; opsgate connects again", async () => {
    const host = 'fw-all';
    const before = ruleset(host);
    await repo.mergeChange(
      changeDoc('CHG-2026-0347', { targets: { hosts: [host] }, steps: [{ id: 'drop-all', kind: 'run', sudo: true, idempotent: true, argv: ['sh', '-c', 'iptables -P INPUT DROP'] }] }),
      347,
    );
    const r = await cli('apply', 'CHG-2026-0347', '--confirm-seconds', '5');
    expect(r.code, r.out + r.err).toBe(1);
    const ev = await records(repo, 'CHG-2026-0347');
    // Its report reached opsgate only once the host had put the ruleset back (TCP retransmits): too late to confirm.
    expect(ev.find((e) => e.type === 'step.done' && e.step === 'drop-all')).toMatchObject({ outcome: 'succeeded', protected: { changed: ['nft:ruleset'] } });
    expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host, confirmed: false, reverted: true });
    expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host, outcome: 'reverted' });
    await connectsAgain(host, 'opsgate', before, 'CHG-2026-0348', 348);
  }, 240_000);

  it('an unmarked step of a uid-0 login that leaves the ruleset alone (its counters move) adds no confirmation round trip', async () => {
    const host = 'fw-plain';
    const before = ruleset(host);
    // The step itself opens an ssh connection on the host, through the counted rule, while the guard is armed.
    const step = counting('plain', { idempotent: true, argv: ['sh', '-c', 'echo ran >> "$HOME/count-plain" && nc -z -w 5 127.0.0.1 22'] });
    await repo.mergeChange(changeDoc('CHG-2026-0345', { targets: { hosts: [host] }, steps: [step] }), 345);
    const r = await cli('apply', 'CHG-2026-0345');
    expect(r.code, r.out + r.err).toBe(0);
    const ev = await records(repo, 'CHG-2026-0345');
    expect(ev.find((e) => e.type === 'step.done' && e.step === 'plain')).toMatchObject({ outcome: 'succeeded', protected: 'unchanged' });
    expect(ev.filter((e) => String(e.type).startsWith('confirm.'))).toEqual([]);
    expect(hostProcesses(fleet, host, 'guard.sh')).toEqual([]);
    expect(inHost(host, ['nft', 'list', 'ruleset'])).not.toMatch(/counter packets 0 /);
    expect(ruleset(host)).toBe(before);
  }, 180_000);

  it('a script that changes the ruleset through sudo but leaves ssh reachable is confirmed over a fresh connection and kept', async () => {
    const host = 'fw-keep';
    await repo.mergeChange(
      changeDoc('CHG-2026-0346', {
        targets: { hosts: [host] },
        steps: [{ id: 'open-8080', kind: 'run', idempotent: true, argv: ['sh', '-c', 'sudo -n iptables -A INPUT -p tcp --dport 8080 -j ACCEPT'] }],
      }),
      346,
    );
    const r = await cli('apply', 'CHG-2026-0346', '--confirm-seconds', '30');
    expect(r.code, r.out + r.err).toBe(0);
    const ev = await records(repo, 'CHG-2026-0346');
    expect(ev.find((e) => e.type === 'confirm.armed')).toMatchObject({ host, by: 'open-8080', changed: ['nft:ruleset'] });
    expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host, confirmed: true, confirm_ms: expect.any(Number) });
    expect(hostProcesses(fleet, host, 'guard.sh')).toEqual([]);
    expect(inHost(host, ['iptables-save'])).toContain('-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT');
  }, 180_000);
});
