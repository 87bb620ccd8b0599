/**
 * The protected-set guard and the live firewall (scripts/remote/live-firewall.ts): the real guard script, run as
 * root in a network namespace of its own (its own, empty rulesets) and a mount namespace whose /var/lib is a tmpfs,
 * against real iptables (nf_tables and legacy backends) and nft. Each case arms the guard with a zero-second window,
 * changes the rules as a step would, checks, and lets the dead-man timer go (its hold lock released): the timer,
 * not the test, restores. Nothing leaves the namespaces; the timer is stopped by its PID if it is still there.
 */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { GUARD_SCRIPT } from '../../scripts/remote/step-guard.ts';
import { requireMachine } from '../helpers/needs.ts';
import { PRIVATE_ETC } from './private-etc.ts';

const MACHINE = requireMachine(['root', 'namespaces', 'unshare', 'nc', 'iptables', 'nftables']);

/** The rules a host had before the step: a counted ssh rule in nft, so traffic moves counters. */
const BEFORE = `nft add table inet pre
nft add chain inet pre input '{ type filter hook input priority 0; policy accept; }'
nft add rule inet pre input tcp dport 22 counter accept`;

/**
 * Runs SETUP, arms the guard, runs STEP, checks, releases the timer and waits for its state. Prints `check: …`,
 * `state: …`, `nft-same: yes|no`, `ipt-same: yes|no` (iptables-nft-save without dates), `legacy: …`, `fw: labels`.
 */
function scenario(setup: string, step: string, o: { hide?: string; hideNft?: boolean; between?: string; after?: string } = {}): Record<string, string> {
  const script = String.raw`set -u
mount -t tmpfs none /var/lib && mkdir -p /var/lib/opsgate/confirm
${PRIVATE_ETC}
ip link set lo up
${o.hide ? `mount -t tmpfs none ${o.hide}` : ''}
${o.hideNft ? 'mount --bind /dev/null /usr/sbin/nft' : ''}
guard() { sh -c "$G" og-guard "$@" "$G"; }
D=/var/lib/opsgate/confirm/case
ipt() { iptables-nft-save 2>/dev/null | grep -v '^#'; }
${setup}
before=$(nft -s list ruleset 2>/dev/null) b4=$(ipt)
: > /var/lib/hold; exec 6>/var/lib/hold; flock -x 6
echo "arm: $(guard arm case 0 /var/lib/hold 2>&1)"
echo "fw:$(ls "$D/fw" 2>/dev/null | grep -v '^net:' | tr '\n' ' ')"
${o.between ?? ''}
${step}
nc -z -w 1 127.0.0.1 22 2>/dev/null
echo "check: $(guard check case - - 2>&1)"
exec 6>&-
i=0; while [ -d "$D" ] && [ ! -e "$D/state" ] && [ "$i" -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
echo "state: $(cat "$D/state" 2>/dev/null || echo none)"
echo "dir: $([ -d "$D" ] && echo kept || echo removed)"
[ "$before" = "$(nft -s list ruleset 2>/dev/null)" ] && echo 'nft-same: yes' || echo 'nft-same: no'
[ "$b4" = "$(ipt)" ] && echo 'ipt-same: yes' || echo 'ipt-same: no'
echo "ipt-rules: $(iptables-nft-save 2>/dev/null | grep -c '^-A') $(iptables-nft-save 2>/dev/null | grep -c '^-A.*DROP')"
echo "tables: $(nft list tables 2>/dev/null | tr '\n' ' ')"
echo "legacy: $(iptables-legacy-save 2>/dev/null | grep -c '^-A')"
echo "log: $(tr '\n' ';' < "$D/restore.log" 2>/dev/null)"
${o.after ?? ''}
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

/** Chains and a table other software owns (Docker, fail2ban, kube-proxy) beside the host's own rules. */
const OWNED = `${BEFORE}
iptables -N DOCKER; iptables -N DOCKER-USER; iptables -A FORWARD -j DOCKER-USER; iptables -A FORWARD -j DOCKER
iptables -N f2b-sshd; iptables -A f2b-sshd -j RETURN; iptables -I INPUT -p tcp --dport 22 -j f2b-sshd
iptables -t nat -N KUBE-SERVICES; iptables -t nat -A PREROUTING -j KUBE-SERVICES
nft add table inet f2b-table; nft add set inet f2b-table addr-set-sshd '{ type ipv4_addr; }'
nft add chain inet f2b-table f2b-chain '{ type filter hook input priority -1; }'; nft add rule inet f2b-table f2b-chain ip saddr @addr-set-sshd drop`;
/** What they do on their own while a step runs: a ban, a new service and its chain, a container's port, a set element. */
const CHURN = `iptables -I f2b-sshd -s 192.0.2.7 -j DROP; iptables -t nat -N KUBE-SVC-ABC; iptables -t nat -A KUBE-SVC-ABC -j RETURN
iptables -t nat -A KUBE-SERVICES -d 10.96.0.1 -p tcp --dport 443 -j KUBE-SVC-ABC; iptables -A DOCKER -d 172.17.0.2 -p tcp --dport 80 -j ACCEPT
nft add element inet f2b-table addr-set-sshd '{ 192.0.2.8 }'`;
const KEPT = `echo "kept: ban=$(iptables -S f2b-sshd | grep -c 192.0.2.7) kube=$(iptables -t nat -S KUBE-SERVICES | grep -c 10.96.0.1) svc=$(iptables -t nat -S KUBE-SVC-ABC | grep -c RETURN) docker=$(iptables -S DOCKER | grep -c 172.17.0.2) element=$(nft list set inet f2b-table addr-set-sshd | grep -c 192.0.2.8)"`;

MACHINE.describe('protected-set guard: the live firewall', () => {
  it('a rule that drops new ssh connections (iptables, nf_tables backend) is seen, and the timer restores the ruleset', () => {
    const r = scenario(BEFORE, 'iptables -I INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -j DROP');
    expect(r.arm).toMatch(/^armed \d+$/);
    expect(r.fw).toBe('ip6tables-legacy:ruleset iptables-legacy:ruleset nft:ruleset');
    expect(r.check).toBe('changed nft:ruleset');
    expect(r.state).toBe('reverted');
    expect(r['nft-same']).toBe('yes');
  }, 90_000);

  it('the nft variant, and a table the step adds, are restored in one transaction', () => {
    const r = scenario(
      BEFORE,
      `nft insert rule inet pre input tcp dport 22 ct state new drop
nft add table ip6 lockout; nft add chain ip6 lockout in '{ type filter hook input priority -5; policy drop; }'`,
    );
    expect(r.check).toBe('changed nft:ruleset');
    expect(r.state).toBe('reverted');
    expect(r['nft-same']).toBe('yes');
  }, 90_000);

  it('traffic that moves counters is not a change: unchanged, the timer disarmed and the copy removed', () => {
    const r = scenario(`${BEFORE}\niptables -A INPUT -p tcp --dport 22 -j ACCEPT\niptables-legacy -A INPUT -p tcp --dport 22 -j ACCEPT`, 'nc -z -w 1 127.0.0.1 22; iptables -L -n -v > /dev/null');
    expect(r.fw).toBe('ip6tables-legacy:ruleset iptables-legacy:ruleset nft:ruleset');
    expect(r.check).toBe('unchanged');
    expect(r.state).toBe('none');
    expect(r.dir).toBe('removed');
  }, 90_000);

  it("an option nft cannot show (an iptables-nft compat match's hitcount) is seen through iptables-nft-save and put back", () => {
    const r = scenario(
      `${BEFORE}\niptables -A INPUT -p tcp --dport 22 -m recent --name ssh --update --seconds 60 --hitcount 4 -j DROP`,
      'iptables -R INPUT 1 -p tcp --dport 22 -m recent --name ssh --update --seconds 60 --hitcount 1 -j DROP',
    );
    expect(r.fw).toBe('ip6tables-legacy:ruleset ip6tables-nft:ruleset iptables-legacy:ruleset iptables-nft:ruleset nft:ruleset');
    expect(r.check).toBe('changed iptables-nft:ruleset');
    expect(r.state).toBe('reverted');
    expect(r['ipt-same']).toBe('yes');
  }, 90_000);

  it('the legacy backend: a DROP loaded with iptables-legacy on a host that had no legacy table is emptied again', () => {
    const r = scenario(BEFORE, 'iptables-legacy -I INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -j DROP; ip6tables-legacy -I INPUT -p tcp --dport 22 -j DROP');
    expect(r.check).toBe('changed ip6tables-legacy:ruleset iptables-legacy:ruleset');
    expect(r.state).toBe('reverted');
    expect(r.legacy).toBe('0');
    expect(r['nft-same']).toBe('yes');
  }, 90_000);

  it('a saved ruleset that does not load fails atomically: the live rules are not flushed, and the host says revert-failed', () => {
    const r = scenario(BEFORE, 'iptables -I INPUT -p tcp --dport 22 -j ACCEPT', { between: 'echo "table inet pre { chain input { nonsense; } }" >> "$D/fw/nft:ruleset"' });
    expect(r.check).toBe('changed nft:ruleset');
    expect(r.state).toBe('revert-failed');
    expect(r.log).toContain('error: cannot restore the nf_tables ruleset');
    // Not reverted, and not flushed either: the step's rule and the host's own are both still there.
    expect(r['nft-same']).toBe('no');
    expect(r.tables).toBe('table inet pre table ip filter');
  }, 90_000);

  it('without nft, iptables-nft-save guards nf_tables: a DROP and a table the step adds are put back (the table emptied)', () => {
    const r = scenario(
      'iptables -A INPUT -p tcp --dport 22 -j ACCEPT',
      'iptables -I INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -j DROP; iptables -t mangle -A PREROUTING -p tcp --dport 22 -j DROP',
      {
        hideNft: true,
      },
    );
    expect(r.fw).toBe('ip6tables-legacy:ruleset ip6tables-nft:ruleset iptables-legacy:ruleset iptables-nft:ruleset');
    expect(r.check).toBe('changed iptables-nft:ruleset');
    expect(r.state).toBe('reverted');
    // One rule again (the host's ACCEPT), no DROP anywhere.
    expect(r['ipt-rules']).toBe('1 0');
  }, 90_000);

  it('chains and tables kube-proxy, Docker and fail2ban own and rewrite during a step are no change: no confirmation round trip', () => {
    const r = scenario(OWNED, CHURN);
    expect(r.fw).toBe('ip6tables-legacy:ruleset iptables-legacy:ruleset nft:ruleset');
    expect(r.check).toBe('unchanged');
    expect(r.dir).toBe('removed');
  }, 90_000);

  it('a DROP loaded beside that churn is seen and put back, and the timer keeps the owned chains as they are then', () => {
    const r = scenario(OWNED, `${CHURN}\niptables -I INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -j DROP`, { after: KEPT });
    expect(r.check).toBe('changed nft:ruleset');
    expect(r.state, r.log).toBe('reverted');
    // Nine rules, and one DROP: fail2ban's ban, not the step's.
    expect(r['ipt-rules']).toBe('9 1');
    // The ban fail2ban made, kube-proxy's new service and chain, Docker's port and the set's element are all still there.
    expect(r.kept).toBe('ban=1 kube=1 svc=1 docker=1 element=1');
  }, 90_000);

  it("the legacy backend: kube-proxy's chains are kept as they are then while the step's DROP is taken out", () => {
    const r = scenario(
      `${BEFORE}\niptables-legacy -t nat -N KUBE-SERVICES; iptables-legacy -t nat -A PREROUTING -j KUBE-SERVICES; iptables-legacy -A INPUT -p tcp --dport 22 -j ACCEPT`,
      'iptables-legacy -t nat -A KUBE-SERVICES -d 10.96.0.1 -j RETURN; iptables-legacy -I INPUT -p tcp --dport 22 -j DROP',
      { after: 'echo "kept: kube=$(iptables-legacy -t nat -S KUBE-SERVICES | grep -c 10.96.0.1) drop=$(iptables-legacy -S INPUT | grep -c DROP)"' },
    );
    expect(r.check).toBe('changed iptables-legacy:ruleset');
    expect(r.state, r.log).toBe('reverted');
    expect(r.kept).toBe('kube=1 drop=0');
  }, 90_000);

  it('a restore whose saved copies are gone deletes nothing (every protected file would read as added): revert-failed', () => {
    const r = scenario(BEFORE, 'iptables -I INPUT -p tcp --dport 22 -j DROP', {
      between: 'rm -f "$D/files.tar" "$D/sums"',
      after: 'echo "etc: $(for f in /etc/passwd /etc/group /etc/nsswitch.conf; do [ -e "$f" ] && printf kept || printf gone; done)"',
    });
    expect(r.state).toBe('revert-failed');
    expect(r.log).toContain('the saved state is gone');
    expect(r.etc).toBe('keptkeptkept');
  }, 90_000);

  it('ebtables and arptables (nf_tables backend) rules that drop ARP are in the nft ruleset: seen, and put back', () => {
    const r = scenario(BEFORE, 'ebtables -A INPUT -p ARP -j DROP; arptables -A INPUT -j DROP');
    expect(r.check).toBe('changed nft:ruleset');
    expect(r.state, r.log).toBe('reverted');
    expect(r['nft-same']).toBe('yes');
    expect(r.tables).toBe('table inet pre');
  }, 90_000);

  it("DOCKER-USER is the administrator's chain, not Docker's: a DROP in it is seen and put back", () => {
    const r = scenario(OWNED, 'iptables -I DOCKER-USER -j DROP');
    expect(r.check).toBe('changed nft:ruleset');
    expect(r.state).toBe('reverted');
    expect(r['ipt-rules']).toBe('5 0');
  }, 90_000);

  it('a host without nft or iptables is not guarded for live rules, and says nothing about them', () => {
    const r = scenario('', 'true', { hide: '/usr/sbin' });
    expect(r.arm).toMatch(/^armed \d+$/);
    expect(r.fw).toBe('');
    expect(r.check).toBe('unchanged');
  }, 90_000);
});
