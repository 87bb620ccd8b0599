/**
 * IPv6 end to end: a host whose inventory address is IPv6 (`fd00::2`), reached as a remote host is — from a client
 * namespace of this test's own over a veth link, through the proxy command's `%h`/`%p` — with sshd listening on
 * `[::]:22`. A plain apply runs there; a root step that deletes the IPv6 default route the controller comes back by,
 * deletes the host's IPv6 address, or loads an ip6tables DROP on port 22 cuts opsgate off, and the host must put
 * itself back (the restored address goes through duplicate address detection again) and opsgate must connect again.
 * No address has `nodad`: the host is a host as the kernel makes it.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { cliIn, counting, records, waitFor } from './fleet-helpers.ts';
import { changeDoc, makeRepo, type TestRepo } from './harness.ts';

const MACHINE = requireMachine(NEEDS.firewall);
const HOST = 'v6';
let fleet: RunningFleet;
let repo: TestRepo;
let hostNs = '';
const cli = (...args: string[]) => cliIn(repo.root, {}, ...args, '--identity', fleet.clientKeyPath);
const CLIENT = () => `${fleet.tag}-cli6`;
const sh = (ns: string, script: string) => execFileSync('ip', ['netns', 'exec', ns, 'sh', '-ec', script], { encoding: 'utf8' });
/** The host's network as the kernel lists it (sorted: order is no change). */
const network = () =>
  sh(hostNs, 'ip -o link show | sed "s/state [A-Z]* //"; ip -o addr show; ip route show table all; ip -6 route show table all; ip -6 rule; nft -s list ruleset').split('\n').sort().join('\n');
/** No address of the host is still tentative (duplicate address detection done): polled, never slept for. */
const settled = () => waitFor(() => sh(hostNs, 'ip -6 -o addr show tentative') === '', 'IPv6 duplicate address detection on the host', 30);
const hostProcesses = (needle: string) =>
  execFileSync('ip', ['netns', 'pids', hostNs], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .filter((p) => {
      try {
        return execFileSync('cat', [`/proc/${p}/cmdline`], { encoding: 'utf8' }).includes(needle);
      } catch {
        return false;
      }
    });

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({ mutates: true, hosts: [{ id: HOST, sshd: { extra: ['ListenAddress [::]:22'] } }] });
  const h = fleet.hosts.find((x) => x.id === HOST)!;
  hostNs = fleet.namespaceOf(HOST);
  execFileSync('ip', ['netns', 'add', CLIENT()]);
  execFileSync('ip', ['link', 'add', 'hv6', 'netns', hostNs, 'type', 'veth', 'peer', 'name', 'cv6', 'netns', CLIENT()]);
  // The client's own address is on another prefix: the host answers it only through its IPv6 default route.
  sh(CLIENT(), 'ip link set lo up; ip link set cv6 up; ip -6 addr add fd00::1/64 dev cv6 nodad; ip -6 addr add 2001:db8:77::10/128 dev cv6 nodad');
  sh(hostNs, 'ip link set hv6 up; ip -6 addr add fd00::2/64 dev hv6; ip -6 route add default via fd00::1 dev hv6');
  await settled();
  // Written as known_hosts and URLs write it: the socket and the proxy command's %h take it bare.
  h.address = '[fd00::2]';
  h.port = 22;
  h.proxy_command = ['ip', 'netns', 'exec', CLIENT(), 'nc', '-s', '2001:db8:77::10', '%h', '%p'];
  repo = await makeRepo(fleet);
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
  // The client namespace holds no process once the fleet's connections are gone: deleting it takes the veth with it.
  if (fleet) execFileSync('ip', ['netns', 'del', CLIENT()], { stdio: 'ignore' });
});

let pr = 420;
/** A change of one counting step runs on the host: opsgate reaches it over IPv6. */
async function appliesOnce(): Promise<void> {
  const change = `CHG-2026-0${++pr}`;
  await repo.mergeChange(changeDoc(change, { targets: { hosts: [HOST] }, steps: [counting(`v6-${pr}`)] }), pr);
  const r = await cli('apply', change);
  expect(r.code, r.out + r.err).toBe(0);
  const runs = await readFile(path.join(fleet.dir, HOST, 'home', 'opsgate', `count-v6-${pr}`), 'utf8');
  expect(runs.split('\n').filter(Boolean)).toHaveLength(1);
}

async function expectCutOffAndBack(command: string, changed: string[]): Promise<void> {
  const before = network();
  const change = `CHG-2026-0${++pr}`;
  await repo.mergeChange(changeDoc(change, { targets: { hosts: [HOST] }, steps: [{ id: 'cut', kind: 'run', sudo: true, idempotent: true, argv: ['sh', '-c', command] }] }), pr);
  const r = await cli('apply', change, '--confirm-seconds', '5');
  expect(r.code, r.out + r.err).toBe(1);
  const ev = await records(repo, change);
  expect(ev.find((e) => e.type === 'step.done' && e.step === 'cut')).toMatchObject({ outcome: 'succeeded', protected: { changed: expect.arrayContaining(changed) } });
  expect(ev.find((e) => e.type === 'confirm.done')).toMatchObject({ host: HOST, confirmed: false, reverted: true });
  expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host: HOST, outcome: 'reverted' });
  expect(hostProcesses('guard.sh')).toEqual([]);
  await appliesOnce();
  await settled();
  expect(network()).toBe(before);
}

MACHINE.describe('a host reached over IPv6', () => {
  it('a plain apply runs there; the records name the host', async () => {
    await appliesOnce();
    const ev = await records(repo, `CHG-2026-0${pr}`);
    expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host: HOST, outcome: 'succeeded' });
  }, 120_000);

  it('ip -6 route del default (the way back to the controller) is reverted by the host; opsgate connects again', async () => {
    await expectCutOffAndBack('ip -6 route del default', ['net:routes']);
  }, 240_000);

  it("ip -6 addr del of the host's address is reverted (the address comes back through DAD); opsgate connects again", async () => {
    await expectCutOffAndBack('ip -6 addr del fd00::2/64 dev hv6', ['net:addresses']);
  }, 240_000);

  it('an ip6tables DROP of new connections to port 22 is reverted; opsgate connects again', async () => {
    await expectCutOffAndBack('ip6tables -I INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -j DROP', ['nft:ruleset']);
  }, 240_000);

  it('net.ipv6.conf.all.disable_ipv6=1 is reverted, then what it took (addresses, routes); opsgate connects again', async () => {
    await expectCutOffAndBack('sysctl -qw net.ipv6.conf.all.disable_ipv6=1', ['net:sysctl']);
  }, 240_000);
});
