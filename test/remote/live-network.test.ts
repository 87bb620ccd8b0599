/**
 * The protected-set guard and the live network state (scripts/remote/live-network.ts): the real guard script, run as
 * root in a network namespace of its own — loopback and a veth link `up0` (10.20.0.2/24, fd00:20::2/64, a default
 * route through 10.20.0.1, as the controller's way in) — and a mount namespace whose /var/lib is a tmpfs. Each case
 * arms the guard with a zero-second window, changes the network as a step would (no file touched), checks, and lets
 * the dead-man timer go: the timer, not the test, restores. The test compares the kernel's own listings, sorted,
 * before and after. Nothing leaves the namespaces; the timer is stopped by its PID if it is still there.
 */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { GUARD_SCRIPT } from '../../scripts/remote/step-guard.ts';
import { requireMachine } from '../helpers/needs.ts';
import { PRIVATE_ETC } from './private-etc.ts';

const MACHINE = requireMachine(['root', 'namespaces', 'unshare', 'ip']);

const SETUP = `ip link add up0 type veth peer name up1
sysctl -qw net.ipv6.conf.up0.accept_dad=0 net.ipv6.conf.up1.accept_dad=0
ip link set up1 up; ip link set up0 up
ip addr add 10.20.0.2/24 dev up0; ip addr add 10.20.0.1/24 dev up1; ip -6 addr add fd00:20::2/64 dev up0
ip route add default via 10.20.0.1
ip route add 198.51.100.0/24 via 10.20.0.1 table 100; ip rule add pref 1000 from 10.20.0.2 lookup 100
# The kernel gives both ends their link-local addresses, and ends their tentative state (and adds their local routes),
# once it has seen the carrier come up: the network is settled only then.
i=0; until { [ "$(ip -6 -o addr show scope link | grep -c ' up[01] ')" = 2 ] && [ -z "$(ip -6 addr show tentative)" ]; } || [ "$i" -gt 400 ]; do sleep 0.05; i=$((i + 1)); done`;

/** The network as the kernel lists it, sorted (order is no change), without counters and carrier states. */
const STATE = `{ ip -o link show | sed -e 's/state [A-Z]* //' -e 's/NO-CARRIER,//' -e 's/,LOWER_UP//' -e 's/ *link\\/.*//'
ip -o addr show | sed 's/\\\\ .*//'; ip route show table all; ip -6 route show table all; ip rule; ip -6 rule
tc qdisc show | sed 's/ refcnt [0-9]*//'; tc class show dev up0; tc filter show dev up0
grep -s . /proc/sys/net/ipv4/conf/*/* /proc/sys/net/ipv6/conf/*/* /proc/sys/net/ipv4/ip_forward; } 2>/dev/null | sort`;

/** Runs SETUP, arms the guard, runs STEP, checks, releases the timer and waits for its state. */
function scenario(step: string, o: { secs?: number } = {}): Record<string, string> {
  const script = String.raw`set -u
mount -t tmpfs none /var/lib && mkdir -p /var/lib/opsgate/confirm
${PRIVATE_ETC}
ip link set lo up
guard() { sh -c "$G" og-guard "$@" "$G"; }
D=/var/lib/opsgate/confirm/case
${SETUP}
state() { ${STATE}; }
before=$(state)
: > /var/lib/hold; exec 6>/var/lib/hold; flock -x 6
echo "arm: $(guard arm case ${o.secs ?? 0} /var/lib/hold 2>&1)"
echo "net:$(ls "$D/fw" 2>/dev/null | grep '^net:' | tr '\n' ' ')"
${step}
echo "check: $(guard check case - - 2>&1)"
exec 6>&-
i=0; while [ -d "$D" ] && [ ! -e "$D/state" ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
echo "state: $(cat "$D/state" 2>/dev/null || echo none)"
echo "dir: $([ -d "$D" ] && echo kept || echo removed)"
after=$(state)
[ "$before" = "$after" ] && echo 'same: yes' || { echo 'same: no'; t=$(mktemp -d); printf '%s\n' "$before" > "$t/b"; printf '%s\n' "$after" > "$t/a"; echo "diff: $(diff "$t/b" "$t/a" | grep '^[<>]' | tr '\n' ';')"; rm -rf "$t"; }
echo "log: $(tr '\n' ';' < "$D/restore.log" 2>/dev/null)"
p=$(cat "$D/timer.pid" 2>/dev/null) && kill -KILL "-$p" 2>/dev/null
exit 0`;
  const out = execFileSync('unshare', ['--net', '--mount', '--propagation', 'private', 'sh', '-c', script], {
    encoding: 'utf8',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', G: GUARD_SCRIPT },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const r: Record<string, string> = {};
  for (const l of out.split('\n')) {
    const m = /^([a-z-]+): ?(.*)$/.exec(l);
    if (m) r[m[1]!] = m[2]!.trim();
  }
  return r;
}

/** The step changed exactly LABELS, and the host put everything back by itself. */
function expectReverted(r: Record<string, string>, labels: string): void {
  expect(r.arm).toMatch(/^armed \d+$/);
  expect(r.check?.split(' | ')[0]).toBe(`changed ${labels}`);
  expect(r.state, r.log).toBe('reverted');
  expect(r.same, r.diff).toBe('yes');
}

MACHINE.describe('protected-set guard: the live network', () => {
  it('arms a snapshot of links, addresses, routes, rules, tc and settings', () => {
    const r = scenario('true');
    expect(r.net).toBe('net:addresses net:links net:routes net:rules net:sysctl net:tc');
    expect(r.check).toBe('unchanged');
    expect(r.dir).toBe('removed');
  }, 90_000);

  it('ip link set down of the way in is seen; the timer brings the link up and puts its routes back', () => {
    // IPv6 takes the link's addresses down with it.
    expectReverted(scenario('ip link set up0 down'), 'net:addresses net:links net:routes');
  }, 90_000);

  it('ip addr flush of the address opsgate connects to is seen, and the addresses and their routes come back', () => {
    expectReverted(scenario('ip addr flush dev up0'), 'net:addresses net:routes');
  }, 90_000);

  it('ip route del default, and a replace through another gateway, are put back', () => {
    const r = scenario('ip route del default');
    expectReverted(r, 'net:routes');
    // What changed, line by line: the route that went.
    expect(r.check).toMatch(/^changed net:routes \| net:routes --4 default via 10\.20\.0\.1 dev up[01]$/);
    expectReverted(scenario('ip route replace default via 10.20.0.9 dev up0 onlink; ip route add blackhole 10.20.0.1/32'), 'net:routes');
  }, 90_000);

  it('ip rule add … prohibit, and the local table moved behind it, are put back', () => {
    expectReverted(scenario('ip rule add pref 10 prohibit; ip rule del pref 0; ip rule add pref 20 lookup local'), 'net:rules');
  }, 90_000);

  it('a qdisc that drops everything, and a tc filter steering port 22 into a dead class, are deleted again', () => {
    expectReverted(scenario('tc qdisc replace dev up0 root pfifo limit 0'), 'net:tc');
    expectReverted(
      scenario(`tc qdisc add dev up0 root handle 1: htb default 10 && tc class add dev up0 parent 1: classid 1:10 htb rate 10gbit &&
tc class add dev up0 parent 1: classid 1:22 htb rate 8bit && tc qdisc add dev up0 parent 1:22 pfifo limit 0 &&
tc filter add dev up0 parent 1: protocol ip prio 1 u32 match ip dport 22 0xffff flowid 1:22`),
      'net:tc',
    );
  }, 90_000);

  it('sysctls (arp_ignore, rp_filter; disable_ipv6, which takes the IPv6 addresses with it) are put back, then what they took', () => {
    expectReverted(scenario('sysctl -qw net.ipv4.conf.all.arp_ignore=8 net.ipv4.conf.up0.rp_filter=1 net.ipv4.ip_forward=1'), 'net:sysctl');
    expectReverted(scenario('sysctl -qw net.ipv6.conf.all.disable_ipv6=1'), 'net:addresses net:routes net:sysctl');
  }, 90_000);

  it('a link the step deleted cannot be made again: the timer puts back what it can and says revert-failed', () => {
    const r = scenario('ip link del up0');
    expect(r.check?.split(' | ')[0]).toBe('changed net:addresses net:links net:routes net:sysctl net:tc');
    expect(r.state).toBe('revert-failed');
    expect(r.log).toContain('error: cannot restore net:links');
  }, 90_000);

  it("containers' links and what is on them are churn: a veth pair with its address and route is no change", () => {
    const r = scenario('ip link add veth9 type veth peer name veth9p; ip link set veth9 up; ip addr add 172.17.0.1/16 dev veth9; ip neigh flush all');
    expect(r.check).toBe('unchanged');
    expect(r.dir).toBe('removed');
  }, 90_000);
});
