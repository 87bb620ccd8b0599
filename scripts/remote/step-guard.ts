/**
 * The protected-set guard of the step runner (ARCHITECTURE.md, "Never lock
 * ourselves out"): a step that runs as root — `sudo: true`, any step of a login
 * whose uid is 0 (loginIsRoot), or a command that
 * raises its own privileges (`sudo`, `su`, `doas`, `pkexec`, `run0` in its argv
 * or script) — can edit sshd's configuration, PAM, sudo rules, accounts or the
 * firewall files whatever its kind. So, on the host, before such a step:
 *
 * 1. `arm`: list the protected set (below), keep its checksums and a copy in
 *    `/var/lib/opsgate/confirm/<id>/`, and start a detached dead-man timer. The
 *    timer first waits until the step runner lets go of its guard lock (the
 *    step ended, or the runner died), then gives opsgate `seconds` to confirm;
 * 2. the step runs;
 * 3. `check`: checksums again. Nothing changed: the runner disarms the timer
 *    itself and removes the copies (no connection needed). Something changed:
 *    the runner reports `changed` with the files, the timer stays armed, and only
 *    a confirmation over a fresh connection (commit-confirm.ts CONFIRM_SCRIPT,
 *    same directory layout) cancels it. Otherwise the timer puts back exactly the
 *    files that differ, removes protected files the step added, reloads sshd when
 *    its files were among them, and records `reverted`.
 *
 * The live firewall too (live-firewall.ts): a rule a command loads (`iptables
 * -I …`, `nft add …`) without touching a file. On arm, a snapshot of each
 * ruleset the host has (nf_tables, legacy iptables); on check, again: a changed
 * one is reported like a file (`nft:ruleset`), and the timer puts the saved
 * ruleset back atomically. A host without any of those tools is not guarded
 * for it. The timer needs no network: it reads and writes local files and the
 * kernel's rules. Pure text; the runner passes it as data.
 */
import { SSHD_FUNCTIONS } from './commit-confirm.ts';
import { LIVE_FIREWALL_FUNCTIONS } from './live-firewall.ts';
import { LIVE_NETWORK_FUNCTIONS } from './live-network.ts';
import { shellText } from './shell-text.ts';

/**
 * `sh -c GUARD og-guard OP ID SECONDS HOLD SELF`: OP arm|check|timer|restore. Prints `armed PID`, `unchanged`,
 * `changed FILE…` (a live ruleset by its label, `nft:ruleset`) or `error …`. The timer records `reverted`, or
 * `revert-failed` when a live ruleset could not be put back.
 */
export const GUARD_SCRIPT = shellText(String.raw`set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
# The state (pending, confirmed, reverted) is readable by the login user; the copies and checksums are root's alone.
umask 022
op=$1 id=$2 secs=%{3:-0} hold=%{4:--} self=%{5:-}
D=/var/lib/opsgate/confirm/$id
nl='
'
# The login account's home: sudo names the account; without sudo it is ours.
u=%{SUDO_USER:-%{USER:-root}} home=
while IFS=: read -r n _ _ _ _ h _; do [ "$n" = "$u" ] && { home=$h; break; }; done < /etc/passwd
# The files sshd_config includes (relative names are below /etc/ssh), beside sshd_config.d/*.
sshd_includes() (
  unset IFS
  [ -r /etc/ssh/sshd_config ] || exit 0
  while read -r k v; do
    case $k in [Ii][Nn][Cc][Ll][Uu][Dd][Ee]) ;; *) continue ;; esac
    set -f
    for p in $v; do
      case $p in /*) ;; *) p=/etc/ssh/$p ;; esac
      set +f
      for f in $p; do case $f in /etc/ssh/sshd_config.d/*) ;; *) [ -f "$f" ] && printf '%s\n' "$f" ;; esac; done
      set -f
    done
    set +f
  done < /etc/ssh/sshd_config
)
protected() (
  # A subshell with the default IFS: its callers split its output on newlines only, but its own reads split words.
  unset IFS
  set +f
  for f in /etc/ssh/sshd_config /etc/ssh/sshd_config.d/* /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub /etc/default/ssh /etc/sysconfig/sshd \
    /etc/pam.conf /etc/pam.d/* /etc/security/*.conf /etc/sudoers /etc/sudoers.d/* \
    /etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/nsswitch.conf /etc/nologin /run/nologin \
    /etc/nftables.conf /etc/nftables.d/* /etc/iptables/* /etc/ufw/*.rules /etc/ufw/ufw.conf /etc/default/ufw /etc/firewalld/*.conf /etc/firewalld/zones/* \
    /etc/hosts.allow /etc/hosts.deny /etc/sysconfig/iptables /etc/sysconfig/ip6tables /etc/sysconfig/nftables.conf \
    "$home/.ssh/authorized_keys" "$home/.ssh/authorized_keys2"; do
    [ -f "$f" ] && printf '%s\n' "$f"
  done
  # The key files AuthorizedKeysFile names for the login account (%h, %u, %U, %%; relative names: below its home).
  for c in /etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf; do
    [ -r "$c" ] || continue
    while read -r k v; do
      case $k in [Aa][Uu][Tt][Hh][Oo][Rr][Ii][Zz][Ee][Dd][Kk][Ee][Yy][Ss][Ff][Ii][Ll][Ee]) ;; *) continue ;; esac
      set -f
      for p in $v; do
        p=$(printf '%s\n' "$p" | sed -e "s|%h|$home|g" -e "s|%u|$u|g" -e "s|%U|$(id -u "$u" 2>/dev/null)|g" -e 's|%%|%|g')
        case $p in /*) ;; *) p=$home/$p ;; esac
        case $p in "$home/.ssh/authorized_keys" | "$home/.ssh/authorized_keys2") continue ;; esac
        [ -f "$p" ] && printf '%s\n' "$p"
      done
      set +f
    done < "$c"
  done
  sshd_includes

)
@SSHD_FUNCTIONS@
# sshd:listen, what sshd listens on. Right after a reload the daemon re-executes and listens again a moment later:
# an empty listing where arm saw one is read again for up to 2 s before it counts.
og_sshd_snap() {
  og_i=0
  while og_o=$(og_sshd_listen); [ -z "$og_o" ] && [ -s "$D/fw/sshd:listen" ] && [ "$og_i" -lt 10 ]; do og_i=$((og_i + 1)); sleep 0.2; done
  [ -z "$og_o" ] || printf '%s\n' "$og_o"
}
@LIVE_FIREWALL@
@LIVE_NETWORK@
# DIR: checksums of the protected files, and of the live rulesets arm picked, snapshotted again into DIR (named by label).
sums() { w=$1; IFS=$nl; set -f; set -- $(protected); set +f; unset IFS; fw_sums "$w"; fw_cksum "$w" "$@"; }
changed() { awk 'function name(l) { sub(/^[0-9]+ [0-9]+ /, "", l); return l } NR == FNR { a[$0] = 1; n[name($0)] = 1; next } { b[$0] = 1; if (!($0 in a)) c[name($0)] = 1 } END { for (l in a) if (!(l in b)) c[name(l)] = 1; for (f in c) print f }' "$1" "$2"; }
case $op in
arm)
  { [ ! -e "$D" ] || rm -rf -- "$D"; } && mkdir -p -m 700 "$D/fw" "$D/now" || { echo "error cannot create $D"; exit 1; }
  IFS=$nl; set -f; set -- $(protected); set +f; unset IFS
  fw_pick
  # sshd itself: what it listens on, and how it was started (to start it again if the step made it exit).
  og_sshd_note; [ -z "$(og_sshd_listen)" ] || { fw_add sshd:listen; fw_list; }
  (umask 077; fw_cksum "$D/fw" "$@" > "$D/sums") || { echo "error cannot read the protected files"; exit 1; }
  [ "$#" -eq 0 ] || (umask 077; tar -cf "$D/files.tar" -- "$@" 2>"$D/tar.err") || { echo "error cannot copy the protected files: $(grep -v 'not recoverable' "$D/tar.err" | tail -n 1)"; rm -rf -- "$D"; exit 1; }
  # Room for the check and for the restore, reserved now and freed by each before it writes: a step that fills this disk
  # must not leave the guard unable to see what it changed, or the timer unable to put it back.
  og_kb=$(( $(du -sk "$D" | cut -f1) * 2 + 256 ))
  for og_r in check restore; do
    dd if=/dev/zero of="$D/reserve.$og_r" bs=1k count="$og_kb" 2>/dev/null || { rm -rf -- "$D"; echo "error no room for the guard's own state in $D ($og_kb KiB twice): the disk is full"; exit 1; }
  done
  printf '%s\n' "$self" > "$D/guard.sh"
  setsid sh "$D/guard.sh" timer "$id" "$secs" "$hold" < /dev/null > /dev/null 2>&1 3<&- 4<&- 5<&- 6<&- 7<&- 8<&- 9<&- &
  echo "$!" > "$D/timer.pid"
  echo "armed $!" ;;
check)
  [ -s "$D/timer.pid" ] || { echo "error no armed guard $id"; exit 1; }
  rm -f -- "$D/reserve.check"
  (umask 077; sums "$D/now" > "$D/sums.after") || { echo "error cannot read the protected files"; exit 1; }
  if cmp -s "$D/sums" "$D/sums.after"; then
    # The timer waits for our guard lock until we are done here: it cannot be restoring now.
    # Only the timer's own group: after a reboot (or a kill) its number may name another process's group.
    : > "$D/confirmed"; read -r tp < "$D/timer.pid" && tr '\0' '\n' < "/proc/$tp/cmdline" 2>/dev/null | grep -qxF "$D/guard.sh" && kill -TERM "-$tp" 2>/dev/null
    rm -rf -- "$D"; echo unchanged
  else
    printf 'changed'; changed "$D/sums" "$D/sums.after" | sort | while IFS= read -r f; do printf ' %s' "$f"; done
    # What changed in the network, line by line (live-network.ts: sorted lines), at most 5 each way per label.
    for f in $(changed "$D/sums" "$D/sums.after" | grep '^net:' | sort); do
      for w in 13:+ 23:-; do comm "-%{w%:*}" "$D/fw/$f" "$D/now/$f" 2>/dev/null | head -n 5 | while IFS= read -r l; do printf ' | %s %s%s' "$f" "%{w#*:}" "$l"; done; done
    done
    echo
  fi ;;
timer)
  # Wait until the step runner lets go of its guard lock (the step ended, or the runner is gone), then give opsgate secs.
  exec 5<"$hold" && flock -x 5; exec 5<&-
  sleep "$secs"
  exec 7>"$D/lock"; flock -x 7
  [ -e "$D/confirmed" ] && exit 0
  if sh "$D/guard.sh" restore "$id" 0 - > "$D/restore.log" 2>&1; then s=reverted; else s=revert-failed; fi
  # Written whole, then renamed: a reader that sees the file (the state script, without the lock) never reads it half-written.
  echo "$s" > "$D/state.new" && mv -f "$D/state.new" "$D/state" ;;
restore)
  rm -f -- "$D/reserve.check" "$D/reserve.restore"
  # Without the saved checksums and copies every protected file would read as one the step added, to be deleted.
  [ -e "$D/sums" ] && { [ -e "$D/files.tar" ] || ! grep -q ' /' "$D/sums"; } || { echo "error: the saved state is gone, nothing restored"; exit 1; }
  (umask 077; sums "$D/now" > "$D/sums.now")
  (umask 077; mkdir -p "$D/files") && { [ ! -e "$D/files.tar" ] || tar -xpf "$D/files.tar" -C "$D/files"; } || { echo "error: cannot unpack the saved copies"; exit 1; }
  changed "$D/sums" "$D/sums.now" > "$D/restore.list"
  reload=
  while IFS= read -r f; do
    case $f in /*) ;; *) continue ;; esac
    if [ -f "$D/files$f" ]; then
      [ -e "$f" ] || cp -p -- "$D/files$f" "$f"
      cat -- "$D/files$f" > "$f"; chmod --reference="$D/files$f" -- "$f"; chown --reference="$D/files$f" -- "$f"
    else rm -f -- "$f"; fi
    echo "restored $f"
    case $f in /etc/ssh/*|*/sshd_config*) reload=1 ;; esac
    # A file sshd_config includes from elsewhere is sshd's configuration too.
    [ -n "$reload" ] || ! sshd_includes | grep -qxF -- "$f" || reload=1
  done < "$D/restore.list"
  # The network and the firewall first: sshd may listen on an address the step took away.
  fw_restore; bad=$?
  ! grep -qxF sshd:listen "$D/restore.list" || reload=1
  if [ -n "$reload" ]; then
    og_sshd_reload || { echo "error: cannot reload or start sshd"; bad=1; }
    # Listening as before (a reload re-executes the daemon; a start takes a moment): up to 10 s, else revert-failed.
    if [ -e "$D/fw/sshd:listen" ]; then
      og_i=0; while [ "$(og_sshd_listen)" != "$(cat "$D/fw/sshd:listen")" ] && [ "$og_i" -lt 50 ]; do og_i=$((og_i + 1)); sleep 0.2; done
      if [ "$og_i" -lt 50 ]; then echo "sshd listens as before"; else echo "error: sshd does not listen as before"; bad=1; fi
    fi
  fi
  # Last: its status is the timer's word (reverted or revert-failed).
  exit "$bad" ;;
*) echo "error unknown guard operation $op"; exit 1 ;;
esac`)
  .replace('@SSHD_FUNCTIONS@', () => SSHD_FUNCTIONS)
  .replace('@LIVE_FIREWALL@', () => LIVE_FIREWALL_FUNCTIONS)
  .replace('@LIVE_NETWORK@', () => LIVE_NETWORK_FUNCTIONS);

/** Words that raise a command's privileges: a step without `sudo` that contains one is guarded too (through `sudo -n`). */
const RAISES = /(^|[\s;&|(`'"=/])(sudo|su|doas|pkexec|run0)(?=$|[\s;&|)`'"])/;

/** Whether a step must run under the guard: as root, or raising its own privileges. Converge scripts and typed lockout-sensitive uploads arm their own timer. Pure. */
export function needsGuard(
  a: { sudo: boolean; kind: string; argv: readonly string[]; confirm?: { files: readonly string[] } },
  script?: string | Buffer,
  loginRoot = false,
): 'root' | 'sudo' | undefined {
  if (a.kind === 'converge' || (a.confirm?.files.length ?? 0) > 0) return undefined;
  if (a.sudo || loginRoot) return 'root';
  if (a.argv.some((w) => RAISES.test(w))) return 'sudo';
  if (script !== undefined && RAISES.test(typeof script === 'string' ? script : script.toString('utf8'))) return 'sudo';
  return undefined;
}

/**
 * Whether the login runs every step as root. The host's own `id -u` decides (host-lock.ts): uid 0 under any name
 * (`toor`, an inventory `user: ops` whose account is uid 0) is root. The inventory's `user: root` can only add the
 * guard, never remove it, and stands alone only when the host did not say. Pure.
 */
export function loginIsRoot(hostUid: number | undefined, inventorySaysRoot: boolean): boolean {
  return hostUid === 0 || inventorySaysRoot;
}

/** The id of a step's guard directory on the host. */
export function guardId(prefix: string, key: string): string {
  return `${prefix}.${key}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** A `changed` guard's detail: the labels, then (` | `-separated) what changed in the network, `net:routes +-4 blackhole …`. Pure. */
export function guardChanges(detail: string): { changed: string[]; lines: string[] } {
  const [labels = '', ...lines] = detail.split(' | ');
  return { changed: labels.split(' ').filter(Boolean), lines: lines.map((l) => l.trim().slice(0, 300)).filter(Boolean) };
}

/** The `OPSGATE-GUARD NONCE …` line the runner prints before its trailer: what the guard found after the step. Pure. */
export function parseGuardLine(stderr: string, nonce: string): { stderr: string; guard?: { state: 'changed' | 'unchanged' | 'error'; id: string; detail: string } } {
  const tag = `\nOPSGATE-GUARD ${nonce} `;
  const at = stderr.lastIndexOf(tag);
  if (at < 0) return { stderr };
  const end = stderr.indexOf('\n', at + tag.length);
  const line = stderr.slice(at + tag.length, end < 0 ? undefined : end);
  const m = /^(\S+) (changed|unchanged|error)(?: (.*))?$/.exec(line);
  if (!m) return { stderr };
  return { stderr: stderr.slice(0, at) + (end < 0 ? '' : stderr.slice(end)), guard: { id: m[1]!, state: m[2] as 'changed', detail: m[3] ?? '' } };
}
