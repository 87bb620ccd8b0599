/**
 * The live network state, for the protected-set guard (step-guard.ts), beside
 * the live firewall (live-firewall.ts) and under the same labels, checksums,
 * timer and restore: what a command changes in the kernel without touching a
 * file, and that cuts opsgate off as surely as a DROP rule — `ip link set
 * eth0 down`, `ip addr flush`, `ip route del default`, `ip rule add …
 * prohibit`, a tc qdisc that drops everything, `sysctl -w
 * net.ipv6.conf.all.disable_ipv6=1`. Shell functions the guard script
 * includes; they use its `$D`. Pure text.
 *
 * One snapshot per label, normalised to one sorted line per item, so that
 * equal state reads equal whatever order the kernel lists it in and whatever
 * traffic and timers move:
 *
 * - `net:links`: each link's admin state (the `UP` flag, not the carrier), MTU
 *   and master;
 * - `net:addresses`: IPv4 and IPv6 addresses with scope, peer, broadcast, label
 *   (lifetimes and DAD states left out; privacy `temporary` addresses, which
 *   rotate, left out);
 * - `net:routes`: every route of every table, IPv4 and IPv6 (`linkdown`,
 *   `expires` left out); routes a routing daemon owns (`proto bird`, `bgp`,
 *   `zebra`, …) are its churn and left out;
 * - `net:rules`: the policy-routing rules, IPv4 and IPv6;
 * - `net:tc`: qdiscs, classes and filters of every link (statistics left out);
 * - `net:sysctl`: `net.ipv4.*`, `net.ipv6.*` and every interface's `conf.*`.
 *
 * Links other software creates and removes on its own — containers' and CNI
 * plugins' (`veth*`, `cali*`, `lxc*`, `cilium_*`, `flannel*`, `cni*`,
 * `docker*`, `br-*`, `kube-ipvs*`, `weave*`) — and everything on them are
 * churn, not guarded: opsgate is never reached through them.
 *
 * Restore (net_restore, the labels in restore.list that differ), in the order
 * one depends on the other: settings, links, addresses, routes, rules, tc.
 * Each from the state as it is then: what the step added is deleted, what it
 * removed is added back (links: admin state, MTU and master put back; a link
 * the step created is left, without the addresses and routes it was given).
 * tc: a link whose tc changed gets its root and ingress qdiscs deleted (the
 * kernel's default returns) and a saved non-default root qdisc re-added with
 * its parameters; classes and filters the host had before are not rebuilt, so
 * such a host reads as not restored. Up to five rounds, then each label is
 * compared with its snapshot again: one that differs (links and settings: one
 * that lost a saved line) makes the restore fail (`revert-failed`).
 */
import { shellText } from './shell-text.ts';

export const NETWORK_LABELS = ['net:sysctl', 'net:links', 'net:addresses', 'net:routes', 'net:rules', 'net:tc'] as const;

export const LIVE_NETWORK_FUNCTIONS = shellText(String.raw`nt_skip='^(veth|cali|lxc|cilium_|flannel|cni|docker|br-|kube-ipvs|weave|vxlan[.]calico)'
nt_devs() { ip -o link show 2>/dev/null | awk -F': ' -v s="$nt_skip" '{ d = $2; sub(/@.*/, "", d); if (d !~ s) print d }'; }
# LABEL: the state now, one sorted line per item, on stdout; non-zero when it cannot be read.
net_snap() {
  case $1 in
  net:links) nt_o=$(ip -o link show) || return 1; printf '%s\n' "$nt_o" | awk -v s="$nt_skip" '{ d = $2; sub(/:$/, "", d); sub(/@.*/, "", d); if (d ~ s) next
      st = ($3 ~ /[<,]UP[,>]/) ? "up" : "down"; mtu = ""; m = "nomaster"
      for (i = 4; i < NF; i++) { if ($i == "mtu") mtu = " mtu " $(i + 1); if ($i == "master") m = "master " $(i + 1) }
      print d " " st mtu " " m }' | sort ;;
  net:addresses) nt_o=$(ip -o addr show) || return 1; printf '%s\n' "$nt_o" | awk -v s="$nt_skip" '{ sub(/\\.*$/, ""); d = $2; sub(/@.*/, "", d); if (d ~ s) next
      f = ($3 == "inet6") ? "-6" : "-4"; n = NF; l = ""
      if (f == "-4") { if ($NF != d) l = " label " $NF; n = NF - 1 }
      o = f " " d " " $4; sec = ""
      for (i = 5; i <= n; i++) {
        if ($i == "peer" || $i == "brd" || $i == "scope" || $i == "metric") { o = o " " $i " " $(i + 1); i++ }
        else if ($i == "temporary") next
        else if ($i == "secondary") sec = " secondary"
        else if ($i == "noprefixroute" || $i == "nodad" || $i == "mngtmpaddr" || $i == "home") o = o " " $i
      }
      print o l sec }' | sort ;;
  net:routes) { ip -4 -o route show table all && ip -6 -o route show table all | sed 's/^/-6 /'; } > "$D/now/routes.raw" || return 1
    awk -v s="$nt_skip" '{ gsub(/\\/, " "); $0 = $0; f = "-4"; o = ""; i = 1; if ($1 == "-6") { f = "-6"; i = 2 }
      for (; i <= NF; i++) {
        w = $i
        if (w ~ /^(linkdown|dead|offload|trap|rt_offload|rt_trap|rt_offload_failed)$/) continue
        if (w == "expires" || w == "error") { i++; continue }
        if (w == "dev" && $(i + 1) ~ s) next
        if (w == "proto" && $(i + 1) !~ /^(kernel|boot|static|dhcp|ra|redirect|unspec)$/) next
        o = o " " w
      }
      print f o }' "$D/now/routes.raw" | sort -u ;;
  net:rules) { ip -4 rule show && ip -6 rule show | sed 's/^/-6 /'; } > "$D/now/rules.raw" || return 1
    awk '{ f = "-4"; if ($1 == "-6") { f = "-6"; sub(/^-6 /, "") } p = $1; sub(/^[0-9]+:[ \t]*/, ""); gsub(/\[[a-z0-9-]*\]|unresolved/, ""); $0 = $0; $1 = $1
      print f " pref " substr(p, 1, length(p) - 1) " " $0 }' "$D/now/rules.raw" | sort ;;
  # One listing of every qdisc; classes and filters only where a qdisc is not the kernel's default (handle 0:), since
  # only those can hold them: one process on a host that shapes nothing.
  net:tc) tc qdisc show > "$D/now/tc.raw" || return 1
    { awk -v s="$nt_skip" '$4 == "dev" && $5 !~ s { print $5 " qdisc " $0 }' "$D/now/tc.raw"
      for d in $(awk -v s="$nt_skip" '$4 == "dev" && $5 !~ s && $3 != "0:" { print $5 }' "$D/now/tc.raw" | sort -u); do
        tc class show dev "$d" 2>/dev/null | sed "s|^|$d class |"
        for p in root ingress egress; do tc filter show dev "$d" "$p" 2>/dev/null | sed "s|^|$d $p |"; done
      done; } | sed -e 's/ refcnt [0-9]*//' -e 's/ direct_packets_stat [0-9]*//' -e 's/ *$//' | sort ;;
  net:sysctl) grep -s . /proc/sys/net/ipv4/* /proc/sys/net/ipv6/* /proc/sys/net/ipv4/conf/*/* /proc/sys/net/ipv6/conf/*/* |
      awk -F: -v s="$nt_skip" '{ n = split($1, p, "/"); if (p[n] ~ /^tcp_available_/ || (p[6] == "conf" && p[7] ~ s)) next; print }' | sort ;;
  *) return 1 ;;
  esac
}
# The labels of the network, added to $fw (fw_add) when the host has the tools.
net_pick() { ! has ip || fw_add net:links net:addresses net:routes net:rules; ! has tc || fw_add net:tc; fw_add net:sysctl; }
# SAVED NOW: the lines of SAVED that NOW has not (what to put back), in SAVED's order.
nt_minus() { awk 'NR == FNR { a[$0] = 1; next } !($0 in a)' "$2" "$1"; }
# One round for LABEL: from the state as it is now, delete what the step added and add back what it removed.
nt_round() {
  nt_s=$D/fw/$1 nt_n=$D/now/$1.r
  net_snap "$1" > "$nt_n" || return 1
  set -f
  case $1 in
  net:sysctl) nt_minus "$nt_s" "$nt_n" | while IFS= read -r l; do printf '%s\n' "%{l#*:}" > "%{l%%:*}"; done ;;
  net:links) nt_minus "$nt_s" "$nt_n" | while read -r d r; do ip link set dev "$d" $r; done ;;
  net:addresses)
    nt_minus "$nt_n" "$nt_s" | while read -r f d a r; do case $r in peer*) set -- $r; ip "$f" addr del "$a" peer "$2" dev "$d" ;; *) ip "$f" addr del "$a" dev "$d" ;; esac; done
    # Primaries before secondaries.
    { nt_minus "$nt_s" "$nt_n" | grep -v ' secondary$'; nt_minus "$nt_s" "$nt_n" | grep ' secondary$'; } | while read -r f d a r; do ip "$f" addr add "$a" %{r% secondary} dev "$d"; done ;;
  net:routes|net:rules) k=%{1#net:}; k=%{k%s}
    nt_minus "$nt_n" "$nt_s" | while read -r f r; do ip "$f" "$k" del $r; done
    nt_minus "$nt_s" "$nt_n" | while read -r f r; do ip "$f" "$k" add $r; done ;;
  net:tc) { nt_minus "$nt_s" "$nt_n"; nt_minus "$nt_n" "$nt_s"; } | while read -r d _; do printf '%s\n' "$d"; done | sort -u | while read -r d; do
      tc qdisc del dev "$d" root; tc qdisc del dev "$d" ingress; tc qdisc del dev "$d" clsact
      # The saved root qdisc, when the kernel's default is not it: put back with its parameters.
      sr=$(grep "^$d qdisc qdisc [^ ]* [^ ]* dev $d root" "$nt_s") && ! net_snap net:tc | grep -qxF -- "$sr" || continue
      set -- $sr; q=$4 h=$5; shift 8; [ "$h" = 0: ] && h= || h="handle $h"
      tc qdisc replace dev "$d" root $h "$q" "$@"
    done ;;
  esac
  set +f
}
# The network labels in restore.list, in dependency order; five rounds at most, then each must read as saved.
net_restore() {
  nt=; for l in @NETWORK_ORDER@; do ! grep -qxF "$l" "$D/restore.list" || nt="$nt $l"; done
  [ -n "$nt" ] || return 0
  nt_r=0 nt_bad=
  while [ "$nt_r" -lt 5 ]; do
    nt_r=$((nt_r + 1)) nt_bad=
    for l in $nt; do nt_round "$l" 2>>"$D/now/net.err"; done
    for l in $nt; do
      net_snap "$l" > "$D/now/$l.r" 2>/dev/null
      case $l in net:links|net:sysctl) [ -z "$(nt_minus "$D/fw/$l" "$D/now/$l.r")" ] ;; *) cmp -s "$D/fw/$l" "$D/now/$l.r" ;; esac || nt_bad="$nt_bad $l"
    done
    [ -n "$nt_bad" ] || break
    sleep 1
  done
  for l in $nt; do case " $nt_bad " in *" $l "*) echo "error: cannot restore $l" ;; *) echo "restored $l" ;; esac; done
  [ -z "$nt_bad" ]
}`).replace('@NETWORK_ORDER@', NETWORK_LABELS.join(' '));
