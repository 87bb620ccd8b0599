/**
 * Every step in its own cgroup (cgroup v2), so the host lock lives exactly as
 * long as anything a step started (ARCHITECTURE.md, "Safe execution"). A
 * process can close every descriptor it inherited (the steps flock), replace
 * its environment (the steps token) and leave its session and process group
 * (setsid, a double fork), but it cannot leave its cgroup without root: the
 * cgroup is the truthful answer to "is anything of an earlier step still
 * running", on a host without systemd as PID 1 too (no service manager is
 * asked; the directory is created below the cgroup2 mount, and where cgroup2
 * is not mounted — cgroup v1 only, or a mount namespace with a fresh /sys —
 * the kernel's v2 hierarchy is mounted at /run/opsgate/cgroup2, with the
 * options init's mount has: a cgroup2 mount sets them for the whole machine).
 *
 * The host lock's round trip runs CGROUP_SCRIPT as root (directly, or through
 * `sudo -n`): it finds the cgroup2 mount, says `held PIDS` while the host's
 * cgroup `<mount>/opsgate/<host>-<token>` is populated, removes the empty step
 * cgroups of earlier runs, and starts a small root helper that moves a runner
 * (the login user's or root's) into a fresh step cgroup `<host cgroup>/<holder
 * pid>-<n>` on request through a FIFO (the login user may not write the root
 * cgroup's `cgroup.procs`, so it cannot move itself). The helper makes the next
 * step cgroup ahead of time, so a move is one write. The runner enters its step
 * cgroup before it starts the command, so everything the command starts is
 * born inside.
 *
 * Without cgroup2, or without root (`sudo -n` refused), the host falls back to
 * the steps flock and the steps token, and says so in the lock's answer; a run
 * in that mode leaves a mark that makes the next lock scan for the token too.
 * Pure text; edge scripts run on the host.
 */
import { shellText } from './shell-text.ts';

/**
 * Root script: `sh -c CGROUP og-cg NAME UID QUEUE TOKEN HOLDER SCAN` → `cg PATH`, `held PIDS` or `nocg`.
 * NAME: `<host>-<token>`; UID: the login user's, whose runners the helper may move; QUEUE: the helper's FIFO;
 * HOLDER: the lock holder's pid (the helper ends with it); SCAN: a file whose presence asks for the token scan
 * (an earlier run ran without a cgroup here).
 */
export const CGROUP_SCRIPT = shellText(String.raw`set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
name=$1 uid=$2 q=$3 tok=$4 holder=$5 scan=$6
# Processes of a run that had no cgroup are found by the steps token in their environment only.
if [ -e "$scan" ]; then
  left=$(grep -lzxF "OPSGATE_HOST_STEPS=$tok" /proc/[0-9]*/environ 2>/dev/null | sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p' | tr '\n' ' ')
  if [ -n "$left" ]; then echo "held $left"; exit 0; fi
  rm -f "$scan"
fi
cg=
while read -r _ mp fs _; do [ "$fs" = cgroup2 ] && { cg=$mp; break; }; done < /proc/mounts
# Not mounted here (a host with cgroup v1 only, or a mount namespace with a fresh /sys): the kernel's v2 hierarchy
# exists all the same; mount it where opsgate alone looks.
# A cgroup2 mount applies its options to the whole hierarchy, machine-wide: mount with exactly the options init's
# mount has (nsdelegate, memory_recursiveprot, …), never fewer.
if [ -z "$cg" ]; then
  o=
  while read -r _ _ fs opts _; do [ "$fs" = cgroup2 ] && { o=$opts; break; }; done < /proc/1/mounts
  keep=
  for x in $(printf '%s' "$o" | tr ',' ' '); do case $x in nsdelegate | favordynmods | memory_localevents | memory_recursiveprot | memory_hugetlb_accounting | pids_localevents) keep="$keep,$x" ;; esac; done
  mkdir -p /run/opsgate/cgroup2 2>/dev/null && mount -t cgroup2 -o "rw%{keep}" cgroup2 /run/opsgate/cgroup2 2>/dev/null && cg=/run/opsgate/cgroup2
fi
if [ -z "$cg" ] || [ ! -w "$cg/cgroup.procs" ]; then echo nocg; exit 0; fi
C=$cg/opsgate/$name
mkdir -p "$C" 2>/dev/null || { echo nocg; exit 0; }
pop=
while read -r k v; do [ "$k" = populated ] && pop=$v; done < "$C/cgroup.events"
if [ "$pop" = 1 ]; then
  left=$(cat "$C/cgroup.procs" "$C"/*/cgroup.procs 2>/dev/null | tr '\n' ' ')
  echo "held $left"; exit 0
fi
for s in "$C"/*/; do [ -d "$s" ] && rmdir "$s" 2>/dev/null; done
# The helper of an earlier holder that died without telling it.
if [ -s "$q.pid" ] && read -r old < "$q.pid" && grep -qzxF og-cg "/proc/$old/cmdline" 2>/dev/null; then kill "$old" 2>/dev/null; fi
mover() {
  exec 3<>"$q" || exit 1
  # The next step's cgroup is made ahead of its request, so a move is one write to cgroup.procs.
  n=0
  spare() { n=$((n + 1)); sp="$C/$holder-$n"; mkdir -p "$sp" 2>/dev/null; }
  spare
  while read -r pid _ <&3; do
    # The run is over: the empty step cgroups go (a step cgroup something still lives in stays, and keeps the host locked).
    if [ "$pid" = quit ]; then
      for s in "$C"/*/; do [ -d "$s" ] && rmdir "$s" 2>/dev/null; done
      rmdir "$C" 2>/dev/null
      exit 0
    fi
    [ -d "/proc/$holder" ] || exit 0
    case $pid in '' | *[!0-9]*) continue ;; esac
    [ -r "/proc/$pid/status" ] || continue
    u=
    while read -r f a _; do [ "$f" = Uid: ] && {
      u=$a
      break
    }; done < "/proc/$pid/status"
    [ "$u" = "$uid" ] || [ "$u" = 0 ] || continue
    # (The spare is made again if something removed it meanwhile.)
    { echo "$pid" > "$sp/cgroup.procs" || { mkdir -p "$sp" && echo "$pid" > "$sp/cgroup.procs"; }; } 2>/dev/null && spare
  done
}
(mover) < /dev/null > /dev/null 2>&1 4<&- 5<&- 6<&- 7<&- 8<&- 9<&- &
echo "$!" > "$q.pid"
echo "cg $C"`);
