/**
 * The host-side step runner: every remote action of apply and converge runs
 * under it (ARCHITECTURE.md, "Safe execution"). One constant POSIX sh script,
 * its data in "$1"…, the command after `--`:
 *
 * - the step holds the host's steps lock (shared flock on fd 9), inherited by
 *   every process it starts, and starts with the host's steps token in its
 *   environment (`OPSGATE_HOST_STEPS`): the host stays locked while any
 *   process that holds the descriptor or carries the token lives — a daemon
 *   the step detached that closed every descriptor it inherited still carries
 *   its environment;
 * - a non-idempotent step first writes its marker `<run dir>/<phase>.<step>.state`
 *   (`executing NONCE`), and the final state when it ends — even when the
 *   controller is gone by then;
 * - the command runs in its own session and process group (setsid) under
 *   timeout(1), which on expiry sends TERM to the whole group and KILL after
 *   the grace period; the runner then KILLs what is left of the group and
 *   waits until the group is empty. A process that left the group (its own
 *   `setsid`, a double fork) is still found: every process of the step
 *   inherits an open descriptor of the step's tree file `<key>.tree`, and the
 *   runner KILLs whoever still holds it. Only when neither the group nor a
 *   holder is left does it report `timed_out`; a step that will not die is
 *   reported `unconfirmed`. A process that left the group and closed every
 *   descriptor is still found by its environment (`OPSGATE_STEP=NONCE.KEY`),
 *   and one that also replaced its environment by the step's cgroup
 *   (step-cgroup.ts), which the runner enters before the command starts.
 *   (One a service manager started lives in the manager's cgroup.);
 * - the command's output goes to files on the host, so the step never depends
 *   on our connection (no SIGPIPE when the controller dies) and nothing it
 *   prints after the runner has reported can reach us. The runner copies the
 *   files to its own stdout/stderr and empties them; when that copy fails
 *   (connection gone) they keep the output for an operator;
 * - the last stderr line is the trailer `OPSGATE-STEP NONCE STATE RC`.
 *
 * With `sudo`, the runner itself runs as root (`sudo -n -- sh -c RUNNER …`),
 * so it can signal a root-owned process group. Pure: argv rendering and
 * trailer parsing; the script is constant text.
 */
import { shellText } from './shell-text.ts';
import { GUARD_SCRIPT, guardId } from './step-guard.ts';

export const STEP_RUNNER_SCRIPT = shellText(String.raw`set -u
trap '' PIPE
n=$1 d=$2 k=$3 t=$4 g=$5 m=$6 s=$7 v=$8 gi=$9 gs=%{10} gx=%{11} gt=%{12} cg=%{13} lh=%{14}
shift 15
# Where a step keeps what it must put back (render-command.ts UPLOAD_SCRIPT): the host's own state directory, never next to the file.
[ -z "$v" ] || export OPSGATE_SAVE_DIR="$v"
umask 077
fail() { printf '\nOPSGATE-STEP %s error 125 %s\n' "$n" "$1" >&2; exit 125; }
exec 9<"$s" || fail "cannot open the steps lock $s"
flock -s -w 30 9 || fail "cannot take the steps lock $s"
# Still this run's host lock (host-lock.ts): a holder whose connection went silent past its TTL lost it, and another run
# may hold it now. Read while we hold the steps lock: a new holder writes its word before it checks that lock.
if [ -n "$lh" ]; then
  IFS= read -r cur < "%{s%.steps}.lock.holder" 2>/dev/null || cur=
  [ "$cur" = "$lh" ] || fail "the host lock is no longer this run's: the host let it go (its connection was silent longer than the lock's TTL) and another run may hold it; the step did not start"
fi
out="$d/$k.out" err="$d/$k.err" st="$d/$k.state" tr="$d/$k.tree"
: > "$tr" || fail "cannot write $tr"
# Every process of the step, wherever it moves, unless it closes what it inherited.
# ... and every process that started with the step's environment, even one that closed every descriptor.
tree() { { find /proc/[0-9]*/fd -maxdepth 1 -lname "$tr" 2>/dev/null | sed -n 's|^/proc/\([0-9]*\)/fd/.*|\1|p'; grep -lzxF "OPSGATE_STEP=$n.$k" /proc/[0-9]*/environ 2>/dev/null | sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p'; } | sort -u; }
# The host's steps token (host-lock.ts): a process whose environment carries it keeps the host locked.
tok=; [ ! -r "%{s%.steps}.token" ] || IFS= read -r tok < "%{s%.steps}.token" || :
# The protected-set guard (step-guard.ts): armed before the step, checked after it; held open (fd 6) until the check.
guard() { if [ "$gx" = sudo ]; then sudo -n sh -c "$gt" og-guard "$@" "$gt"; else sh -c "$gt" og-guard "$@" "$gt"; fi; }
gl="$d/$k.guard"
if [ -n "$gi" ]; then
  exec 6>"$gl" && flock -x 6 || fail "cannot take the guard lock $gl"
  # A command that names sudo where sudo -n is refused cannot raise its privileges: nothing to guard.
  if [ "$gx" = sudo ] && ! sudo -n true 2>/dev/null; then gi=; else
    ga=$(guard arm "$gi" "$gs" "$gl" 2>&1) || :
    case $ga in armed*) ;; *) fail "cannot arm the dead-man timer: $(printf '%s' "$ga" | tr '\n' ' ')" ;; esac
  fi
fi
# The step's own cgroup (step-cgroup.ts), entered before the command starts, so all it starts is born inside and cannot
# leave. The host lock's root helper moves us into a fresh one; the kernel's /proc/self/cgroup says when.
cs=
if [ -n "$cg" ]; then
  { exec 4<>"%{s%.steps}.cgq" && printf '%s\n' "$$" >&4 && exec 4>&-; } 2>/dev/null || fail "cannot ask for the step's cgroup"
  b=%{cg##*/} i=0
  while :; do
    while IFS= read -r l; do case $l in "0::"*"/opsgate/$b/"*) cs="$cg/%{l##*/}" ;; esac; done < /proc/self/cgroup
    [ -n "$cs" ] && break
    i=$((i + 1))
    [ "$i" -gt 2300 ] && fail "the host lock's helper did not move the step into a cgroup below $cg"
    [ "$i" -lt 300 ] || sleep 0.005
  done
elif [ ! -e "%{s%.steps}.scan" ]; then
  # No cgroup: the next lock also looks for the steps token.
  : > "%{s%.steps}.scan" 2>/dev/null
fi
# A root runner's marker belongs to the login account (sudo names it): the next host lock lists it as that account.
if [ "$m" = 1 ]; then printf 'executing %s\n' "$n" > "$st" || fail "cannot write the marker $st"; [ -z "%{SUDO_UID:-}" ] || chown "$SUDO_UID" "$st" 2>/dev/null || :; fi
read -r t0 _ < /proc/uptime 2>/dev/null || t0=
exec 3<&0
( trap - PIPE; export OPSGATE_STEP="$n.$k"; [ -z "$tok" ] || export OPSGATE_HOST_STEPS="$tok"; exec setsid timeout -s TERM -k "$g" "$t" "$@" ) <&3 >"$out" 2>"$err" 8<"$tr" 6>&- &
p=$!
exec 3<&- 0</dev/null
wait "$p" 2>/dev/null; rc=$?
state=ended
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
  read -r t1 _ < /proc/uptime 2>/dev/null || t1=
  if [ -z "$t0" ] || [ -z "$t1" ] || [ $(( %{t1%.*} - %{t0%.*} )) -ge "$t" ]; then
    state=timed_out
    i=0
    while :; do
      left=$(tree)
      # ... and whatever is left in the step's cgroup but the runner itself.
      [ -z "$cs" ] || while read -r q; do [ "$q" = "$$" ] || left="$left $q"; done < "$cs/cgroup.procs"
      # wait reaped $p: its number names our group only while the group has members. Once it is empty the
      # number may be handed to a new process (and its group); a live /proc/$p is someone else, never signalled.
      grp=; [ -e "/proc/$p" ] || ! kill -0 "-$p" 2>/dev/null || grp=1
      [ -n "$grp" ] || [ -n "$left" ] || break
      [ -z "$grp" ] || kill -KILL "-$p" 2>/dev/null
      for q in $left; do kill -KILL "$q" 2>/dev/null; done
      i=$((i + 1)); [ "$i" -gt 50 ] && { state=unconfirmed; break; }
      sleep 0.1
    done
  fi
fi
gc=
if [ -n "$gi" ]; then gc=$(guard check "$gi" - - 2>/dev/null | tr '\n' ' ') || :; gc=%{gc% }; [ -n "$gc" ] || gc='error no answer'; exec 6>&-; fi
if [ "$m" = 1 ]; then printf '%s %s %s\n' "$state" "$rc" "$n" > "$st"; fi
if [ -s "$out" ]; then cat "$out" && : > "$out"; fi
if [ -s "$err" ]; then cat "$err" >&2 && : > "$err"; fi
[ -z "$gi" ] || printf '\nOPSGATE-GUARD %s %s %s\n' "$n" "$gi" "$gc" >&2
printf '\nOPSGATE-STEP %s %s %s\n' "$n" "$state" "$rc" >&2
exit "$rc"`);

export type RunnerState = 'ended' | 'timed_out' | 'unconfirmed' | 'error';

export interface RemoteStep {
  /** The command, without sudo. */
  argv: readonly string[];
  sudo: boolean;
  timeoutSeconds: number;
  /** Seconds between TERM and KILL (default 5). */
  graceSeconds?: number;
  /** Write a marker (non-idempotent steps). */
  marker: boolean;
  /** `<phase>.<step>`: the file name of the marker and output files. */
  key: string;
  /** Run under the protected-set guard (step-guard.ts): `root` when the runner is root, `sudo` when the command raises its own privileges. */
  guard?: 'root' | 'sudo';
}

export interface RunnerContext {
  /** The run's directory on the host (host-lock.ts runDirOf). */
  runDir: string;
  /** The steps lock file (host-lock.ts stepsLockOf). */
  stepsLock: string;
  /** Per-run random token: the trailer must carry it. */
  nonce: string;
  /**
   * Where uploads keep the previous content of the files they replace (host-lock.ts savedDirOf), exported to
   * the step as OPSGATE_SAVE_DIR. In opsgate's state directory on the host, so a copy never lands in a
   * directory a daemon reads (or that several test hosts share), and stale copies of another change or
   * repository are never restored.
   */
  saveDir?: string;
  /** The host's cgroup (step-cgroup.ts, from the host lock): every step runs in its own cgroup below it. */
  cgroup?: string;
  /** The host lock's word for this holding (host-lock.ts `holder`): the runner refuses to start once the host shows another. */
  lockHolder?: string;
  /** The login account's uid as the host reported it (host-lock.ts): 0 makes every step a root step (step-guard.ts loginIsRoot). */
  loginUid?: number;
  /** The protected-set guard (step-guard.ts): guard directory prefix on the host and the seconds opsgate has to confirm a change. */
  guard?: { prefix: string; seconds: number; loginRoot?: boolean };
}

/** The argv sent over SSH for one step. */
export function renderRemoteStep(step: RemoteStep, ctx: RunnerContext): string[] {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(step.key)) throw new Error(`step key '${step.key}' is not a safe file name`);
  const runner = [
    'sh',
    '-c',
    STEP_RUNNER_SCRIPT,
    'opsgate-step',
    ctx.nonce,
    ctx.runDir,
    step.key,
    String(step.timeoutSeconds),
    String(step.graceSeconds ?? 5),
    step.marker ? '1' : '0',
    ctx.stepsLock,
    ctx.saveDir ?? '',
    ...(step.guard && ctx.guard ? [guardId(ctx.guard.prefix, step.key), String(ctx.guard.seconds), step.guard, GUARD_SCRIPT] : ['', '', '', '']),
    ctx.cgroup ?? '',
    ctx.lockHolder ?? '',
    '--',
    ...step.argv,
  ];
  return step.sudo ? ['sudo', '-n', '--', ...runner] : runner;
}

/** How long the controller waits for the runner before it gives up on confirming anything (seconds). */
export function controllerDeadlineSeconds(step: Pick<RemoteStep, 'timeoutSeconds' | 'graceSeconds'>): number {
  return step.timeoutSeconds + (step.graceSeconds ?? 5) + 30;
}

/** Splits the runner's trailer off stderr. Without a trailer (runner killed, connection lost) the state is undefined. */
export function parseRunnerTrailer(stderr: string, nonce: string): { stderr: string; state?: RunnerState; code?: number; message?: string } {
  const tag = `\nOPSGATE-STEP ${nonce} `;
  const at = stderr.lastIndexOf(tag);
  if (at < 0) return { stderr };
  const line = stderr.slice(at + tag.length).replace(/\n$/, '');
  const m = /^(ended|timed_out|unconfirmed|error) (\d+)(?: (.*))?$/.exec(line);
  if (!m || line.includes('\n')) return { stderr };
  return { stderr: stderr.slice(0, at), state: m[1] as RunnerState, code: Number(m[2]), ...(m[3] ? { message: m[3] } : {}) };
}
