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
 *   while one lives.
 *
 * The same round trip sets up the state directory (`/var/lib/opsgate`, owned by
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

export const HOST_LOCK_SCRIPT = shellText(String.raw`set -u
h=$1 owner=$2 ttl=$3 chg=$4 run=$5
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
[ -e "$s" ] || : > "$s"
exec 8<"$s" || { echo "error cannot open $s"; exit 1; }
if ! flock -x -n 8; then echo "held by processes of an earlier step that are still running ($(cat "$s.owner" 2>/dev/null || echo unknown))"; exit 75; fi
flock -u 8; exec 8<&-
# A process of an earlier step that closed the descriptor (a detached daemon) still carries the host's steps token
# in its environment (step-runner.ts). Reading other users' environments takes root: sudo -n when we may.
t="$D/locks/opsgate-$h.token"
[ -s "$t" ] || od -An -N12 -tx1 /dev/urandom | tr -d ' \n' > "$t" || { echo "error cannot write $t"; exit 1; }
IFS= read -r tok < "$t" || :
scan='grep -lzxF "OPSGATE_HOST_STEPS=$1" /proc/[0-9]*/environ 2>/dev/null | sed -n "s|^/proc/\([0-9]*\)/environ\$|\1|p" | tr "\n" " "'
left=$(sudo -n sh -c "$scan" opsgate-scan "$tok" 2>/dev/null) || left=$(sh -c "$scan" opsgate-scan "$tok")
if [ -n "$left" ]; then echo "held by processes of an earlier step that are still running (pids $left)"; exit 75; fi
printf '%s\n' "$owner" > "$f.owner" 2>/dev/null
echo "dir $D"
if [ -n "$chg" ]; then
  for base in "$D" "%{XDG_STATE_HOME:-$HOME/.local/state}/opsgate"; do
    for m in "$base/runs/$chg"/*/"$h"/*.state; do
      [ -f "$m" ] || continue
      r=%{m#"$base/runs/$chg/"}; r=%{r%%/*}; k=%{m##*/}; k=%{k%.state}
      IFS= read -r l < "$m" || :
      printf 'M\t%s\t%s\t%s\n' "$r" "$k" "$l"
    done
  done
  [ -z "$run" ] || mkdir -p "$D/runs/$chg/$run/$h" "$D/saved/$chg/$h" || { echo "error cannot create $D/runs/$chg/$run/$h"; exit 1; }
fi
echo locked
while line=$(timeout "$ttl" head -n 1) && [ -n "$line" ]; do :; done
rm -f "$f.owner"`);

/** A step marker found on the host: run id, `<phase>.<step>` and its state line (`executing NONCE`, `ended RC NONCE`, `timed_out RC NONCE`, `unconfirmed RC NONCE`). */
export interface HostMarker {
  run: string;
  key: string;
  state: string;
}

export type LockResult = { status: 'locked'; stateDir: string; markers: HostMarker[]; release: () => Promise<void> } | { status: 'held'; owner: string } | { status: 'error'; message: string };

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
    held = holdCommand(session, ['sh', '-c', HOST_LOCK_SCRIPT, 'opsgate-lock', hostId, oneLine(owner), String(ttlSeconds), scope.scope ?? '', scope.run ?? ''], {
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
