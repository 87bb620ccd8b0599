/**
 * Never lock ourselves out through the network itself: a root step that takes down the link opsgate comes in by,
 * flushes its address, empties the routes it needs, puts a prohibit rule in front of them or a qdisc that drops every
 * packet — no file touched, no firewall rule — is seen by the protected-set guard (scripts/remote/live-network.ts).
 * Each fleet host is a real sshd in its own network namespace, reached over that namespace's loopback, so each step
 * really cuts opsgate off, the step's own session included: its report reaches opsgate only once the host's dead-man
 * timer has put the network back (TCP retransmits), too late to confirm, and a new change runs there again. A
 * change that leaves ssh reachable is confirmed over a fresh connection, kept, and the records name what changed.
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
const HOSTS = ['net-link', 'net-addr', 'net-rule', 'net-tc', 'net-keep', 'net-route'];
let fleet: RunningFleet;
let repo: TestRepo;
const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, '--identity', fleet.clientKeyPath);
/** Runs a command in a fleet host's network namespace. */
const inHost = (host: string, argv: string[]) => execFileSync('ip', ['netns', 'exec', fleet.namespaceOf(host), ...argv], { encoding: 'utf8' });
/** The host's network as the kernel lists it (sorted: order is no change). */
const network = (host: string) =>
  inHost(host, ['sh', '-c', 'ip -o link show | sed "s/state [A-Z]* //"; ip -o addr show; ip route show table all; ip -6 route show table all; ip rule; tc qdisc show']).split('\n').sort().join('\n');

/**
 * net-route is reached as a remote host is: from a client namespace of this test's own, over a veth link, from an
 * address (192.0.2.10) the host reaches only through its default route via 10.77.0.1; the host's sshd listens on
 * loopback, so its own nat table forwards 10.77.0.2:22 there.
 */
const CLIENT = () => `${fleet.tag}-cli`;
function routeHost(): void {
  const ns = fleet.namespaceOf('net-route');
  const sh = (n: string, script: string) => execFileSync('ip', ['netns', 'exec', n, 'sh', '-ec', script]);
  execFileSync('ip', ['netns', 'add', CLIENT()]);
  execFileSync('ip', ['link', 'add', 'hv0', 'netns', ns, 'type', 'veth', 'peer', 'name', 'cv0', 'netns', CLIENT()]);
  sh(CLIENT(), 'ip link set lo up; ip link set cv0 up; ip addr add 10.77.0.1/24 dev cv0; ip addr add 192.0.2.10/32 dev cv0');
  sh(
    ns,
    `ip link set hv0 up; ip addr add 10.77.0.2/24 dev hv0; ip route add default via 10.77.0.1
sysctl -qw net.ipv4.conf.hv0.route_localnet=1
nft add table ip edge; nft add chain ip edge pre '{ type nat hook prerouting priority -100; }'; nft add rule ip edge pre ip daddr 10.77.0.2 tcp dport 22 dnat to 127.0.0.1`,
  );
  const h = fleet.hosts.find((x) => x.id === 'net-route')!;
  h.proxy_command = ['ip', 'netns', 'exec', CLIENT(), 'nc', '-s', '192.0.2.10', '10.77.0.2', '22'];
}

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({ mutates: true, hosts: HOSTS.map((id) => ({ id })) });
  routeHost();
  repo = await makeRepo(fleet);
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
  // The client namespace holds no process once the fleet's connections are gone: deleting it takes the veth with it.
  if (fleet) execFileSync('ip', ['netns', 'del', CLIENT()], { stdio: 'ignore' });
});

/** A sudo step that cuts the host off; the host must put itself back and opsgate must run a change there again. */
async function expectCutOffAndBack(host: string, change: string, pr: number, command: string, changed: string[]): Promise<void> {
  const before = network(host);
  await repo.mergeChange(changeDoc(change, { targets: { hosts: [host] }, steps: [{ id: 'cut', kind: 'run', sudo: true, idempotent: true, argv: ['sh', '-c', command] }] }), pr);
  const t0 = Date.now();
  const r = await cli('apply', change, '--confirm-seconds', '5');
  const seconds = (Date.now() - t0) / 1000;
  expect(r.code, r.out + r.err).toBe(1);
  const ev = await records(repo, change);
  expect(ev.find((e) => e.type === 'step.done' && e.step === 'cut')).toMatchObject({ outcome: 'succeeded', protected: { changed: expect.arrayContaining(changed) } });
  expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host, confirmed: false, reverted: true });
  expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host, outcome: 'reverted' });
  if (process.env.OG_BENCH_LOG) process.stderr.write(`${host}: cut off and back in ${seconds.toFixed(1)} s\n`);
  // The host put itself back: same network, no timer left, and a new change runs there.
  expect(network(host)).toBe(before);
  expect(hostProcesses(fleet, host, 'guard.sh')).toEqual([]);
  const next = `CHG-2026-0${pr + 1}`;
  await repo.mergeChange(changeDoc(next, { targets: { hosts: [host] }, steps: [counting(`after-${pr}`)] }), pr + 1);
  const after = await cli('apply', next);
  expect(after.code, after.out + after.err).toBe(0);
  const runs = await readFile(path.join(fleet.dir, host, 'home', 'opsgate', `count-after-${pr}`), 'utf8');
  expect(runs.split('\n').filter(Boolean)).toHaveLength(1);
}

MACHINE.describe('the live network under the protected-set guard', () => {
  it('ip link set lo down (the link opsgate comes in by) is reverted by the host; opsgate connects again', async () => {
    await expectCutOffAndBack('net-link', 'CHG-2026-0361', 361, 'ip link set lo down', ['net:links']);
  }, 240_000);

  it('ip addr flush of the address opsgate connects to is reverted by the host; opsgate connects again', async () => {
    await expectCutOffAndBack('net-addr', 'CHG-2026-0363', 363, 'ip addr flush dev lo', ['net:addresses']);
  }, 240_000);

  it('a prohibit rule in front of the local routes is reverted by the host; opsgate connects again', async () => {
    await expectCutOffAndBack('net-rule', 'CHG-2026-0365', 365, 'ip rule add pref 10 prohibit && ip rule del pref 0 && ip rule add pref 20 lookup local', ['net:rules']);
  }, 240_000);

  it('a tc qdisc that drops every packet on the way in is reverted by the host; opsgate connects again', async () => {
    await expectCutOffAndBack('net-tc', 'CHG-2026-0367', 367, 'tc qdisc replace dev lo root pfifo limit 0', ['net:tc']);
  }, 240_000);

  it('ip route del default on a host reached through that route is reverted by the host; opsgate connects again', async () => {
    // What the checks read is the host's own namespace (its default route), not the client's it is reached from.
    expect(network('net-route')).toContain('default via 10.77.0.1 dev hv0');
    await expectCutOffAndBack('net-route', 'CHG-2026-0371', 371, 'ip route del default', ['net:routes']);
  }, 240_000);

  it('ip route replace of that route through a gateway that is not there is reverted too', async () => {
    await expectCutOffAndBack('net-route', 'CHG-2026-0373', 373, 'ip route replace default via 10.77.0.99', ['net:routes']);
  }, 240_000);

  it('a network change that leaves ssh reachable is confirmed over a fresh connection, kept, and named in the records', async () => {
    const host = 'net-keep';
    await repo.mergeChange(
      changeDoc('CHG-2026-0369', {
        targets: { hosts: [host] },
        steps: [{ id: 'route', kind: 'run', idempotent: true, argv: ['sh', '-c', 'sudo -n ip route add blackhole 203.0.113.0/24 && sudo -n sysctl -qw net.ipv4.conf.all.arp_ignore=1'] }],
      }),
      369,
    );
    const r = await cli('apply', 'CHG-2026-0369', '--confirm-seconds', '30');
    expect(r.code, r.out + r.err).toBe(0);
    const ev = await records(repo, 'CHG-2026-0369');
    // What changed, line by line: the route that came, the setting that went from 0 to 1.
    expect(ev.find((e) => e.type === 'step.done' && e.step === 'route')).toMatchObject({
      protected: {
        changed: ['net:routes', 'net:sysctl'],
        lines: ['net:routes +-4 blackhole 203.0.113.0/24', 'net:sysctl +/proc/sys/net/ipv4/conf/all/arp_ignore:1', 'net:sysctl -/proc/sys/net/ipv4/conf/all/arp_ignore:0'],
      },
    });
    expect(ev.find((e) => e.type === 'confirm.armed')).toMatchObject({ host, by: 'route', changed: ['net:routes', 'net:sysctl'] });
    expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host, confirmed: true });
    expect(hostProcesses(fleet, host, 'guard.sh')).toEqual([]);
    expect(inHost(host, ['ip', 'route', 'show', 'type', 'blackhole'])).toContain('blackhole 203.0.113.0/24');
    expect(inHost(host, ['sysctl', '-n', 'net.ipv4.conf.all.arp_ignore']).trim()).toBe('1');
  }, 180_000);
});
