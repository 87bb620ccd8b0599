/**
 * One writer per host. Two flock(1) files in opsgate's state directory on the
 * host (ARCHITECTURE.md, "Safe execution"):
 *
 * - `locks/opsgate-<host>.lock`: held exclusively by a remote process that
 *   lives as long as our channel (this file). It is given up when we close the
 *   channel, when the connection drops, or when our heartbeat stops for
 *   `ttlSeconds`.
 * - `locks/opsgate-<host>.steps`: held *shared* by every step the step runner
 *   starts, inherited by the step's whole process tree. A controller that dies
 *   frees the first lock, but the second stays held until the orphaned step and
 *   everything it started are gone; a new holder checks it before it says
 *   `locked`. So stale-lock recovery happens only when that tree is gone.
 * - `locks/opsgate-<host>.token`: a random token every step carries in its
 *   environment. A daemon a step detached may close every descriptor it
 *   inherited (and so free the steps lock), but it keeps its environment: a
 *   new holder also finds every process that carries the token (as root
 *   through `sudo -n` when allowed, else its own processes) and says `held`
 *   while one lives — only where no cgroup could be used (below);
 * - the host's cgroup (step-cgroup.ts): every step runs in its own cgroup, and
 *   a new holder says `held` while any is populated. No process leaves its
 *   cgroup without root, whatever descriptors or environment it drops.
 *
 * The same round trip reports the login's uid (`id -u`: root under any name is
 * uid 0), sets up the state directory (`/var/lib/opsgate`, owned by
 * the login user; `$HOME/.local/state/opsgate` when neither it nor `sudo -n`
 * can create it) and lists the step markers an earlier run left for this
 * change on this host (see step-runner.ts). Edge.
 *
 * The host id is part of every path because test-fleet hosts share /var/lib;
 * on a real host it is one more directory level.
 */
import { holdCommand, type HeldCommand } from '../ssh/hold.ts';
import type { HostSession } from '../ssh/types.ts';
import { shellText } from './shell-text.ts';
import { CGROUP_SCRIPT } from './step-cgroup.ts';

export const HOST_LOCK_SCRIPT = shellText(String.raw`set -u
h=$1 owner=$2 ttl=$3 chg=$4 run=$5 cgs=$6
og_dir() { [ -d "$1/runs" ] && [ -w "$1/runs" ] && [ -d "$1/locks" ] && [ -w "$1/locks" ]; }
D=/var/lib/opsgate
if ! og_dir "$D"; then
  { mkdir -p "$D/runs" "$D/locks" 2>/dev/null && og_dir "$D"; } ||
  { sudo -n install -d -o "$(id -u)" -g "$(id -g)" -m 0755 "$D" "$D/runs" "$D/locks" 2>/dev/null && og_dir "$D"; } ||
  D="%{XDG_STATE_HOME:-$HOME/.local/state}/opsgate"
  mkdir -p "$D/runs" "$D/locks" || { echo "error cannot create the state directory $D"; exit 1; }
fi
command -v flock >/dev/null 2>&1 || { echo "error flock (util-linux) is not installed"; exit 1; }
f="$D/locks/opsgate-$h.lock" s="$D/locks/opsgate-$h.steps"
exec 9>>"$f" || { echo "error cannot open $f"; exit 1; }
if ! flock -n 9; then echo "held $(cat "$f.owner" 2>/dev/null || echo by an unknown process)"; exit 75; fi
# This holding's own word, written before anything else is looked at: a step runner sent by an earlier holder (whose
# connection went silent past the TTL, so the host let its lock go) finds another word here and refuses to start.
hn=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n') && [ -n "$hn" ] && printf '%s\n' "$hn" > "$f.holder" || { echo "error cannot write $f.holder"; exit 1; }
[ -e "$s" ] || : > "$s"
exec 8<"$s" || { echo "error cannot open $s"; exit 1; }
if ! flock -x -n 8; then echo "held by processes of an earlier step that are still running ($(cat "$s.owner" 2>/dev/null || echo unknown))"; exit 75; fi
flock -u 8; exec 8<&-
# What an earlier step left running: its cgroup (step-cgroup.ts), as root directly or through sudo -n. Without root or
# cgroup2, a process that closed the descriptor (a detached daemon) is still found by the host's steps token in its
# environment (step-runner.ts), among our own processes.
t="$D/locks/opsgate-$h.token" q="$D/locks/opsgate-$h.cgq" fb="$D/locks/opsgate-$h.scan"
[ -s "$t" ] || od -An -N12 -tx1 /dev/urandom | tr -d ' \n' > "$t" || { echo "error cannot write $t"; exit 1; }
IFS= read -r tok < "$t" || :
[ -p "$q" ] || { rm -f "$q" && mkfifo -m 600 "$q"; } || { echo "error cannot create $q"; exit 1; }
uid=$(id -u)
if [ "$uid" = 0 ]; then r=$(sh -c "$cgs" og-cg "$h-$tok" "$uid" "$q" "$tok" "$$" "$fb"); else r=$(sudo -n sh -c "$cgs" og-cg "$h-$tok" "$uid" "$q" "$tok" "$$" "$fb" 2>/dev/null) || r=; fi
case $r in
  held*) echo "held by processes of an earlier step that are still running (pids %{r#held })"; exit 75 ;;
  cg\ *) cgp=%{r#cg } ;;
  *)
    cgp=
    left=$(grep -lzxF "OPSGATE_HOST_STEPS=$tok" /proc/[0-9]*/environ 2>/dev/null | sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p' | tr '\n' ' ')
    if [ -n "$left" ]; then echo "held by processes of an earlier step that are still running (pids $left)"; exit 75; fi ;;
esac
printf '%s\n' "$owner" > "$f.owner" 2>/dev/null
echo "dir $D"
echo "holder $hn"
# Who the login really is (uid 0 under any name is root): apply's protected-set guard decides on it (step-guard.ts).
echo "uid $uid"
[ -z "$cgp" ] || echo "cg $cgp"
if [ -n "$chg" ]; then
  for base in "$D" "%{XDG_STATE_HOME:-$HOME/.local/state}/opsgate"; do
    for m in "$base/runs/$chg"/*/"$h"/*.state; do
      [ -f "$m" ] || continue
      r=%{m#"$base/runs/$chg/"}; r=%{r%%/*}; k=%{m##*/}; k=%{k%.state}
      # One it cannot read (a root runner's, before markers were handed to the login account) is still listed: in doubt.
      l=unreadable; IFS= read -r l < "$m" 2>/dev/null || :
      printf 'M\t%s\t%s\t%s\n' "$r" "$k" "$l"
    done
  done
  [ -z "$run" ] || mkdir -p "$D/runs/$chg/$run/$h" "$D/saved/$chg/$h" || { echo "error cannot create $D/runs/$chg/$run/$h"; exit 1; }
fi
echo locked
while line=$(timeout "$ttl" head -n 1) && [ -n "$line" ]; do :; done
rm -f "$f.owner" "$f.holder"
# The cgroup helper ends with us.
[ -z "$cgp" ] || { exec 4<>"$q" && echo quit >&4; }`);

/** A step marker found on the host: run id, `<phase>.<step>` and its state line (`executing NONCE`, `ended RC NONCE`, `timed_out RC NONCE`, `unconfirmed RC NONCE`). */
export interface HostMarker {
  run: string;
  key: string;
  state: string;
}

export type LockResult =
  | {
      status: 'locked';
      stateDir: string;
      markers: HostMarker[];
      release: () => Promise<void>;
      /** The host's cgroup its steps enter (step-cgroup.ts); absent: flock and token only. */ cgroup?: string;
      /** The login account's uid as the host reports it (`id -u`); absent when the answer did not carry one. */
      uid?: number;
      /** This holding's word on the host (`<lock>.holder`): the step runner starts only while the host still shows it (RunnerContext.lockHolder). */
      holder?: string;
    }
  | { status: 'held'; owner: string }
  | { status: 'error'; message: string };

export interface LockScope {
  /** Change id (or `converge-access`, `converge-baseline`): markers of this scope are listed. */
  scope?: string;
  /** The run: its marker directory is created. */
  run?: string;
}

/** Where a run's step files live on a host, below the state directory the lock reported. */
export function runDirOf(stateDir: string, scope: string, run: string, host: string): string {
  return `${stateDir}/runs/${scope}/${run}/${host}`;
}

/** Where a scope's uploads keep the previous content of what they replace on a host (kept across runs: a retry restores the original). */
export function savedDirOf(stateDir: string, scope: string, host: string): string {
  return `${stateDir}/saved/${scope}/${host}`;
}

/** The shared-lock file every step holds for as long as its process tree lives. */
export function stepsLockOf(stateDir: string, host: string): string {
  return `${stateDir}/locks/opsgate-${host}.steps`;
}

const oneLine = (t: string) => t.replace(/[\r\n\t]/g, ' ');

export async function acquireHostLock(session: HostSession, hostId: string, owner: string, ttlSeconds = 30, scope: LockScope = {}): Promise<LockResult> {
  let held: HeldCommand;
  try {
    held = holdCommand(session, ['sh', '-c', HOST_LOCK_SCRIPT, 'opsgate-lock', hostId, oneLine(owner), String(ttlSeconds), scope.scope ?? '', scope.run ?? '', CGROUP_SCRIPT], {
      until: /^(locked|held .*|error .*)$/,
    });
  } catch (e) {
    return { status: 'error', message: e instanceof Error ? e.message : String(e) };
  }
  const first = await held.ready.catch((e: unknown) => ({ line: '', lines: [] as string[], exited: null, output: e instanceof Error ? e.message : String(e) }));
  if (first.line === 'locked') {
    const beat = setInterval(() => held.write('hb\n'), Math.max(1000, (ttlSeconds * 1000) / 3));
    beat.unref();
    const stateDir = first.lines.find((l) => l.startsWith('dir '))?.slice(4) ?? '';
    const cgroup = first.lines.find((l) => l.startsWith('cg '))?.slice(3);
    const uidLine = first.lines.find((l) => /^uid \d{1,10}$/.test(l));
    const holder = first.lines.find((l) => /^holder [0-9a-f]{24}$/.test(l))?.slice(7);
    const markers = first.lines
      .filter((l) => l.startsWith('M\t'))
      .map((l) => {
        const [, run = '', key = '', ...state] = l.split('\t');
        return { run, key, state: state.join('\t') };
      });
    return {
      status: 'locked',
      stateDir,
      markers,
      ...(cgroup ? { cgroup } : {}),
      ...(uidLine ? { uid: Number(uidLine.slice(4)) } : {}),
      ...(holder ? { holder } : {}),
      release: async () => {
        clearInterval(beat);
        await held.close();
      },
    };
  }
  await held.close();
  if (first.line.startsWith('held ')) return { status: 'held', owner: first.line.slice(5) };
  return { status: 'error', message: (first.line.startsWith('error ') ? first.line.slice(6) : first.output.trim().slice(0, 300)) || 'the lock command ended without an answer' };
}
