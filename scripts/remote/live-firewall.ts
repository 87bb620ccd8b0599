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
  net:*) net_snap "$1" ;;
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
# RESTORE SAVED NOW: loads SAVED, and empties the tables NOW has that SAVED has not (the step made them). The input is
# written whole before the tool reads it: a half-written one must never reach it.
fw_xrestore() {
  awk 'FILENAME == ARGV[1] { if (/^\*/) had[$0] = 1; print; next }
    /^\*/ { x = !($0 in had); if (x) print; next }
    x && /^:/ && $2 != "-" { print $1 " ACCEPT" }
    x && /^COMMIT/ { print }' "$2" "$3" > "$D/now/restore.in" && "$1" < "$D/now/restore.in"
}
fw_nft_restore() {
  S=$D/fw N=$D/now
  if [ ! -e "$S/nft:ruleset" ]; then
    fw_xrestore iptables-nft-restore "$S/iptables-nft:ruleset" "$N/iptables-nft:ruleset" && fw_xrestore ip6tables-nft-restore "$S/ip6tables-nft:ruleset" "$N/ip6tables-nft:ruleset"
  elif [ -e "$S/iptables-nft:ruleset" ]; then
    # Compat rules: nft loads everything but iptables-nft's own tables, then iptables-nft-restore loads those.
    { echo 'flush ruleset' && awk 'FILENAME != ARGV[3] { if (/^\*/) own["table " (FILENAME == ARGV[1] ? "ip " : "ip6 ") substr($0, 2) " {"] = 1; next }
        /^table / { skip = ($0 in own) } !skip' "$S/iptables-nft:ruleset" "$S/ip6tables-nft:ruleset" "$S/nft:ruleset"; } > "$D/now/restore.in" &&
      nft -f "$D/now/restore.in" && iptables-nft-restore < "$S/iptables-nft:ruleset" && ip6tables-nft-restore < "$S/ip6tables-nft:ruleset"
  else
    { echo 'flush ruleset' && cat -- "$S/nft:ruleset"; } > "$D/now/restore.in" && nft -f "$D/now/restore.in"
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
