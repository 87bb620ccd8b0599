/**
 * The live firewall, for the protected-set guard (step-guard.ts): what a
 * command loads into the kernel (`iptables -I …`, `nft add …`) without
 * touching a file. Shell functions the guard script includes; they use its
 * `$D` (the guard's directory). Pure text.
 *
 * One snapshot per backend the host has, each a file named by its label (the
 * name the guard reports, like a file's path):
 *
 * - `nft:ruleset`: `nft -s list ruleset` (stateless: counters, quotas and set
 *   timeouts that traffic moves are left out), everything in nf_tables,
 *   including what iptables-nft, ebtables-nft and firewalld put there;
 * - `iptables-nft:ruleset`, `ip6tables-nft:ruleset`: `iptables-nft-save` where
 *   there is no `nft`, and beside it where the ruleset holds iptables-nft's
 *   compat matches or targets (`xt match recent`), whose options nft neither
 *   shows nor loads back;
 * - `iptables-legacy:ruleset`, `ip6tables-legacy:ruleset`: the legacy backend
 *   (`iptables-legacy-save`, or a pre-1.8 `iptables-save`), read only when the
 *   kernel holds one of its tables (`/proc/net/ip_tables_names`), else empty.
 *
 * iptables saves are compared without their dates and counters. `arm` picks the
 * labels (fw_pick) and keeps the snapshots in `$D/fw`; `check` and `restore`
 * take the same labels again (fw_sums). A backend whose listing fails at arm is
 * not guarded; one that fails afterwards reads as changed.
 *
 * Chains and tables other software owns and rewrites on its own — kube-proxy's
 * (`KUBE-*`, table `kube-proxy`), Docker's (`DOCKER*`, not `DOCKER-USER`, the
 * administrator's), fail2ban's (`f2b-*`, table `f2b-table`), CNI plugins'
 * (`CILIUM*`, `cali-*`, `FLANNEL*`, `WEAVE*`, `CNI-*`) — are left out of the
 * comparison (fw_cksum compares `DIR.cmp`, the snapshots without them), so
 * their churn during a step costs no confirmation round trip, and a restore
 * keeps them as they are then (fw_nsplice, fw_isplice: the saved ruleset with
 * their chains taken from the current one). The jumps into them, in the
 * host's own chains, are compared and restored like any rule.
 *
 * Restore (fw_restore): nf_tables in one `nft -f` transaction (`flush ruleset`,
 * then the saved ruleset); with compat rules, nft loads all but iptables-nft's
 * own tables and `iptables-nft-restore` loads those; iptables backends through
 * `*-restore` (one transaction per table), emptying tables that did not exist.
 */
import { shellText } from './shell-text.ts';

export const LIVE_FIREWALL_FUNCTIONS = shellText(String.raw`has() { command -v "$1" >/dev/null 2>&1; }
# The legacy backend's tools: suffixed since iptables 1.8; before that, plain iptables-save is legacy.
if has iptables-legacy-save; then x4=iptables-legacy x6=ip6tables-legacy; elif has iptables-save && ! has iptables-nft-save; then x4=iptables x6=ip6tables; else x4= x6=; fi
fw_x() { o=$("$1-save" 2>/dev/null) || return 1; printf '%s\n' "$o" | sed -e '/^#/d' -e 's/ \[[0-9]*:[0-9]*\]$//'; }
# LABEL: the backend's rules now, on stdout; non-zero when they cannot be read.
fw_snap() {
  case $1 in
  nft:ruleset) o=$(nft -s list ruleset 2>/dev/null) || return 1; [ -z "$o" ] || printf '%s\n' "$o" ;;
  iptables-nft:ruleset) fw_x iptables-nft ;;
  ip6tables-nft:ruleset) fw_x ip6tables-nft ;;
  iptables-legacy:ruleset) ! { read -r _ < /proc/net/ip_tables_names; } 2>/dev/null || fw_x "$x4" ;;
  ip6tables-legacy:ruleset) ! { read -r _ < /proc/net/ip6_tables_names; } 2>/dev/null || fw_x "$x6" ;;
  net:*) net_snap "$1" 2>/dev/null ;;
  sshd:*) og_sshd_snap ;;
  *) return 1 ;;
  esac
}
fw_add() { for l; do if fw_snap "$l" > "$D/fw/$l"; then fw="$fw $l"; else rm -f -- "$D/fw/$l"; fi; done; }
# arm: the backends this host has, snapshotted into $D/fw; their labels in $fw (fw_list's order).
fw_pick() {
  fw=
  if has nft && fw_snap nft:ruleset > "$D/fw/nft:ruleset"; then
    fw=nft:ruleset
    case $o in *'xt match '*|*'xt target '*) ! has iptables-nft-save || fw_add iptables-nft:ruleset ip6tables-nft:ruleset ;; esac
  else
    rm -f -- "$D/fw/nft:ruleset"
    ! has iptables-nft-save || fw_add iptables-nft:ruleset ip6tables-nft:ruleset
  fi
  [ -z "$x4" ] || fw_add iptables-legacy:ruleset ip6tables-legacy:ruleset
  net_pick
  fw_list
}
# The labels arm picked (what $D/fw holds), in one order for arm, check and restore, in $fw.
fw_list() { fw=; for f in "$D"/fw/*; do [ ! -e "$f" ] || fw="$fw %{f##*/}"; done; }
# check, restore: the labels arm picked, snapshotted again into directory $1.
fw_sums() {
  fw_list
  for l in $fw; do fw_snap "$l" > "$1/$l" || echo "opsgate: cannot list $l" > "$1/$l"; done
}
# Chains and tables other software owns and rewrites on its own (kube-proxy, Docker, fail2ban, CNI plugins): their churn
# is no change, and a restore keeps them as they are then. DOCKER-USER is the administrator's.
fw_oc='^(KUBE-|DOCKER|CILIUM|cali-|f2b-|fail2ban-|FLANNEL|WEAVE|CNI-)' fw_ot='^(kube-proxy|f2b-table|cilium|calico)$'
# SAVED NOW: the nft listing SAVED with the chains and tables others own as NOW has them (NOW /dev/null: without them).
fw_nsplice() {
  awk -v now="$2" -v oc="$fw_oc" -v ot="$fw_ot" 'function own(c) { return c ~ oc && c != "DOCKER-USER" }
    function at(l) { if (l ~ /^table /) { split(l, w, " "); t = l; tw = (w[3] ~ ot); ch = 0 } else if (l ~ /^\tchain /) { split(l, w, " "); ch = !tw && own(w[2]) } }
    BEGIN { while ((getline l < now) > 0) { if (l == "") continue; at(l); if (tw) { if (!(t in T)) O[++n] = t; T[t] = T[t] l "\n" } else if (ch) C[t] = C[t] l "\n"; if (l == "\t}") ch = 0 }
      t = ""; tw = 0; ch = 0 }
    /^$/ { next } { at($0) } tw { next } ch { if ($0 == "\t}") ch = 0; next }
    $0 == "}" { printf "%s", C[t]; done[t] = 1 } { print }
    END { for (k in C) if (!(k in done)) printf "%s\n%s}\n", k, C[k]; for (i = 1; i <= n; i++) printf "%s", T[O[i]] }' "$1"
}
# SAVED NOW: the same for an iptables save; a table only NOW has is emptied but for the chains others own.
fw_isplice() {
  awk -v now="$2" -v oc="$fw_oc" 'function own(c) { return c ~ oc && c != "DOCKER-USER" }
    BEGIN { while ((getline l < now) > 0) { split(l, w, " ")
        if (l ~ /^\*/) { t = l; if (!(t in seen)) { seen[t] = 1; O[++n] = t } }
        else if (l ~ /^:/ && own(substr(w[1], 2))) D[t] = D[t] l "\n"; else if (l ~ /^-A / && own(w[2])) R[t] = R[t] l "\n"
        else if (l ~ /^:/ && w[2] != "-") P[t] = P[t] w[1] " ACCEPT\n" } }
    /^\*/ { t = $0; had[t] = 1; d = 0; print; next }
    /^:/ { if (!own(substr($1, 2))) print; next }
    !d { printf "%s", D[t]; d = 1 }
    /^-A / && own($2) { next }
    /^COMMIT/ { printf "%s", R[t] } { print }
    END { for (i = 1; i <= n; i++) if (!(O[i] in had)) printf "%s\n%s%s%sCOMMIT\n", O[i], P[O[i]], D[O[i]], R[O[i]] }' "$1"
}
# DIR FILE...: checksums of FILEs and of the labels in $fw as compared (rulesets without what others own, in DIR.cmp).
fw_cksum() {
  fw_w=$1 fw_n=; shift; mkdir -p "$fw_w.cmp" || return 1
  for l in $fw; do
    case $l in net:*|sshd:*) fw_n="$fw_n $l"; continue ;; nft:*) fw_nsplice "$fw_w/$l" /dev/null ;; *) fw_isplice "$fw_w/$l" /dev/null ;; esac > "$fw_w.cmp/$l"
    set -- "$@" "$l"
  done
  [ "$#" -eq 0 ] || (cd "$fw_w.cmp" && cksum -- "$@") || return 1
  [ -z "$fw_n" ] || (cd "$fw_w" && cksum -- $fw_n)
}
# RESTORE SAVED NOW: loads SAVED, and empties the tables NOW has that SAVED has not (the step made them). The input is
# written whole before the tool reads it: a half-written one must never reach it.
fw_xrestore() { fw_isplice "$2" "$3" > "$D/now/restore.in" && "$1" < "$D/now/restore.in"; }
fw_nft_restore() {
  S=$D/fw N=$D/now
  if [ ! -e "$S/nft:ruleset" ]; then
    fw_xrestore iptables-nft-restore "$S/iptables-nft:ruleset" "$N/iptables-nft:ruleset" && fw_xrestore ip6tables-nft-restore "$S/ip6tables-nft:ruleset" "$N/ip6tables-nft:ruleset"
  elif [ -e "$S/iptables-nft:ruleset" ]; then
    # Compat rules: nft loads everything but iptables-nft's own tables, then iptables-nft-restore loads those.
    fw_nsplice "$S/nft:ruleset" "$N/nft:ruleset" > "$D/now/nft.in" || return 1
    { echo 'flush ruleset' && awk 'FILENAME != ARGV[3] { if (/^\*/) own["table " (FILENAME == ARGV[1] ? "ip " : "ip6 ") substr($0, 2) " {"] = 1; next }
        /^table / { skip = ($0 in own) } !skip' "$S/iptables-nft:ruleset" "$S/ip6tables-nft:ruleset" "$D/now/nft.in"; } > "$D/now/restore.in" &&
      nft -f "$D/now/restore.in" && fw_xrestore iptables-nft-restore "$S/iptables-nft:ruleset" "$N/iptables-nft:ruleset" &&
      fw_xrestore ip6tables-nft-restore "$S/ip6tables-nft:ruleset" "$N/ip6tables-nft:ruleset"
  else
    { echo 'flush ruleset' && fw_nsplice "$S/nft:ruleset" "$N/nft:ruleset"; } > "$D/now/restore.in" && nft -f "$D/now/restore.in"
  fi
}
# The labels in restore.list that differ: puts their backends back. Non-zero when one could not be.
fw_restore() {
  nf= l4= l6= bad=0
  while IFS= read -r f; do
    case $f in nft:*|iptables-nft:*|ip6tables-nft:*) nf=1 ;; iptables-legacy:*) l4=1 ;; ip6tables-legacy:*) l6=1 ;; esac
  done < "$D/restore.list"
  # The network first (live-network.ts): links, addresses and routes, then the rules that filter what they carry.
  net_restore || bad=1
  if [ -n "$nf" ]; then if fw_nft_restore; then echo "restored the nf_tables ruleset"; else echo "error: cannot restore the nf_tables ruleset"; bad=1; fi; fi
  if [ -n "$l4" ]; then if fw_xrestore "$x4-restore" "$D/fw/iptables-legacy:ruleset" "$D/now/iptables-legacy:ruleset"; then echo "restored the legacy iptables ruleset"; else echo "error: cannot restore the legacy iptables ruleset"; bad=1; fi; fi
  if [ -n "$l6" ]; then if fw_xrestore "$x6-restore" "$D/fw/ip6tables-legacy:ruleset" "$D/now/ip6tables-legacy:ruleset"; then echo "restored the legacy ip6tables ruleset"; else echo "error: cannot restore the legacy ip6tables ruleset"; bad=1; fi; fi
  return "$bad"
}`);
