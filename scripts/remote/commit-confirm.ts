/**
 * Commit-confirmation of changes that can cut opsgate off a host (sshd, PAM,
 * the login account's sudo rules, the firewall): ARCHITECTURE.md, "Never lock
 * ourselves out".
 *
 * 1. arm (root, over the open connection): copy the files about to change to
 *    `/var/lib/opsgate/confirm/<id>/`, write a restore script, and start a
 *    detached dead-man timer (its own session, no tie to our connection) that
 *    restores the copies and reloads after `seconds` unless confirmed;
 * 2. the change runs;
 * 3. confirm over a FRESH connection (new transport, key exchange and
 *    authentication, then `sudo -n`): only that cancels the timer. If it
 *    cannot be done, the host restores itself; the controller waits until the
 *    host reports `reverted`.
 *
 * The timer and the confirmation take the same flock, so a confirmation that
 * comes too late is told so instead of racing the restore. Edge.
 */
import { SshError } from '../model/errors.ts';
import { connectHost } from '../ssh/session.ts';
import type { ConnectOptions, HostSession, SshTarget } from '../ssh/types.ts';
import { shellText } from './shell-text.ts';

export type ReloadKind = 'sshd';

export const CONFIRM_BASE = '/var/lib/opsgate/confirm';

/**
 * sshd as the guard and the timers see it (shell functions; they use `$D`). The listening daemon is found by what it
 * listens on, whatever the port (a step may have moved it), and how it was started is noted at arm
 * (`$D/sshd.argv`), so that a daemon the step made exit (a configuration it cannot start with, then a reload; a
 * plain kill) is started again the same way. `sshd:listen` is what it listens on, one sorted line per socket.
 */
export const SSHD_FUNCTIONS = String.raw`og_sshd_pid() { ss -Htlnp 2>/dev/null | sed -n 's/.*"sshd",pid=\([0-9]*\).*/\1/p' | head -n 1; }
# sshd rewrites its process title ("sshd: /usr/sbin/sshd -D -f FILE [listener] 0 of 10-100 startups"): the argv is read
# back from it, one word a line, the program by its absolute path.
og_sshd_note() {
  og_p=$(og_sshd_pid); [ -n "$og_p" ] || return 0
  tr '\0' '\n' < "/proc/$og_p/cmdline" 2>/dev/null | sed -e '/^$/d' -e '1s/^sshd: //' -e '1s/ \[listener\].*$//' > "$D/sshd.title" || return 0
  [ "$(wc -l < "$D/sshd.title")" -ne 1 ] || { tr ' ' '\n' < "$D/sshd.title" | sed -e '/^$/d' > "$D/sshd.argv.new" && mv -f "$D/sshd.argv.new" "$D/sshd.title"; }
  og_x=$(readlink "/proc/$og_p/exe" 2>/dev/null)
  awk -v x="$og_x" 'NR == 1 && $0 !~ /^\// && x != "" { $0 = x } { print }' "$D/sshd.title" > "$D/sshd.argv"
  # Under systemd, the unit it runs as (its cgroup's last part), whatever it is called: restarted by name if it dies.
  [ ! -d /run/systemd/system ] || sed -n 's|^[0-9]*:[^:]*:.*/\([^/]*\.service\)$|\1|p' "/proc/$og_p/cgroup" 2>/dev/null | head -n 1 > "$D/sshd.unit"
}
og_sshd_listen() { ss -Htlnp 2>/dev/null | awk '/"sshd",pid=/ { print $4 }' | sort -u; }
og_sshd_reload() {
  og_p=$(og_sshd_pid) og_u=
  [ ! -s "$D/sshd.unit" ] || IFS= read -r og_u < "$D/sshd.unit"
  if [ -n "$og_u" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    if [ -n "$og_p" ]; then systemctl reload "$og_u" 2>/dev/null || kill -HUP "$og_p"; else systemctl reset-failed "$og_u" 2>/dev/null; systemctl restart "$og_u"; fi
  elif [ -n "$og_p" ]; then kill -HUP "$og_p"
  elif [ -s "$D/sshd.argv" ]; then tr '\n' '\0' < "$D/sshd.argv" | xargs -0 setsid -f > /dev/null 2>&1
  elif [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    # No sshd listened at arm (socket activation: systemd listens): a running one reloads, a socket starts a new one.
    systemctl try-reload-or-restart ssh 2>/dev/null || systemctl try-reload-or-restart sshd 2>/dev/null || :
  else return 1; fi
}`;

/** Puts the running sshd on the restored files: HUP where it listens now, or start it again as it was started. */
export const RELOAD_SSHD = `${SSHD_FUNCTIONS}
og_sshd_reload`;

/** Root script: `sh -s -- ID SECONDS RELOADS FILE...` (RELOADS: comma list or '-'). Prints `armed PID` or `error …`. */
export const ARM_SCRIPT = shellText(String.raw`set -u
umask 022
PATH=/usr/sbin:/usr/bin:/sbin:/bin
id=$1 secs=$2 reloads=$3; shift 3
D=/var/lib/opsgate/confirm/$id
rm -rf -- "$D" && mkdir -p "$D/files" || { echo "error cannot create $D"; exit 1; }
@SSHD_FUNCTIONS@
og_sshd_note
i=0
for f in "$@"; do
  i=$((i + 1))
  if [ -d "$f" ]; then cp -a -- "$f" "$D/files/$i" || { echo "error cannot save $f"; exit 1; }; printf '%s\t%s\tdir\n' "$i" "$f"
  elif [ -e "$f" ]; then cp -p -- "$f" "$D/files/$i" || { echo "error cannot save $f"; exit 1; }; printf '%s\t%s\tfile\n' "$i" "$f"
  else printf '%s\t%s\tabsent\n' "$i" "$f"; fi
done > "$D/list"
{
  echo 'set -u; PATH=/usr/sbin:/usr/bin:/sbin:/bin'
  printf 'D=%s\n' "$D"
  cat <<'EOF_RESTORE'
tab=$(printf '\t')
while IFS=$tab read -r i f kind; do
  case $kind in
    dir) find "$f" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} + 2>/dev/null; cp -a -- "$D/files/$i/." "$f/" ;;
    file) cat -- "$D/files/$i" > "$f"; chmod --reference="$D/files/$i" -- "$f"; chown --reference="$D/files/$i" -- "$f" ;;
    absent) rm -rf -- "$f" ;;
  esac
done < "$D/list"
EOF_RESTORE
  case ",$reloads," in *,sshd,*) cat <<'EOF_SSHD'
@RELOAD_SSHD@
EOF_SSHD
  esac
} > "$D/restore.sh"
cat > "$D/timer.sh" <<'EOF_TIMER'
D=$1; sleep "$2"
exec 7>"$D/lock"; flock -x 7
[ -e "$D/confirmed" ] && exit 0
sh "$D/restore.sh" > "$D/restore.log" 2>&1
echo reverted > "$D/state.new" && mv -f "$D/state.new" "$D/state"
EOF_TIMER
setsid sh "$D/timer.sh" "$D" "$secs" < /dev/null > /dev/null 2>&1 9<&- 8<&- 7<&- &
echo "$!" > "$D/timer.pid"
echo "armed $!"`)
  .replace('@SSHD_FUNCTIONS@', () => SSHD_FUNCTIONS)
  .replace('@RELOAD_SSHD@', () => RELOAD_SSHD);

/** Root script: `sh -s -- ID`, run over a fresh connection. Prints `confirmed`, or `too-late STATE`. */
export const CONFIRM_SCRIPT = shellText(String.raw`set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
D=/var/lib/opsgate/confirm/$1
[ -d "$D" ] || { echo "error no armed change $1"; exit 1; }
exec 7>"$D/lock"; flock -x 7
if [ -e "$D/state" ]; then echo "too-late $(cat "$D/state")"; exit 1; fi
: > "$D/confirmed"
# The room the protected-set guard reserved for its restore is not needed any more.
rm -f -- "$D/reserve.check" "$D/reserve.restore"
# Only the timer's own group (this ARM_SCRIPT's timer.sh or step-guard.ts's guard.sh timer): after a reboot or a kill its
# number may name another process's group.
pid=$(cat "$D/timer.pid" 2>/dev/null) && tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | grep -qxF -e "$D/timer.sh" -e "$D/guard.sh" && kill -TERM "-$pid" 2>/dev/null
echo confirmed`);

/** Anyone may read whether the host reverted: `sh -s -- ID` prints the state (`reverted`, `revert-failed`) or `pending`. */
export const STATE_SCRIPT = shellText(String.raw`D=/var/lib/opsgate/confirm/$1
if [ -e "$D/state" ]; then cat "$D/state"; elif [ -e "$D/confirmed" ]; then echo confirmed; else echo pending; fi`);

export function confirmId(scope: string, run: string, host: string): string {
  const id = `${scope}-${run}-${host}`;
  if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new Error(`confirmation id '${id}' is not a safe file name`);
  return id;
}

export async function armConfirmation(
  session: HostSession,
  o: { id: string; seconds: number; reload: readonly ReloadKind[]; files: readonly string[] },
): Promise<{ ok: true; pid: number } | { ok: false; why: string }> {
  for (const f of o.files) if (!f.startsWith('/') || /[\n\t]/.test(f)) return { ok: false, why: `'${f}' is not an absolute path` };
  try {
    const r = await session.exec(['sudo', '-n', '--', 'sh', '-s', '--', o.id, String(o.seconds), o.reload.join(',') || '-', ...o.files], { stdin: ARM_SCRIPT, timeoutMs: 60_000 });
    const m = /^armed (\d+)$/m.exec(r.stdout);
    if (r.code === 0 && m) return { ok: true, pid: Number(m[1]) };
    return { ok: false, why: (r.stdout + r.stderr).trim().slice(0, 300) || `exit ${r.code}` };
  } catch (e) {
    return { ok: false, why: e instanceof Error ? e.message : String(e) };
  }
}

/** How long a failed fresh connection is retried: a third of the confirm window, between 2 and 10 seconds, so the host's timer still has the last word. */
export function confirmRetrySeconds(confirmSeconds: number): number {
  return Math.min(10, Math.max(2, Math.floor(confirmSeconds / 3)));
}

/** The protected-set guard's timer could not put a live firewall ruleset back (step-guard.ts): a person looks. */
const REVERT_FAILED = `the host's timer could not restore everything it saved (revert-failed; its log: ${CONFIRM_BASE}/<id>/restore.log)`;

/** Failures before a session exists, which a daemon re-executing on reload produces for a moment. */
const TRANSIENT_PHASES = new Set<string>(['connect', 'proxy', 'timeout']);

export interface ConfirmResult {
  confirmed: boolean;
  /** The host reported that it restored the files (only when not confirmed). */
  reverted: boolean;
  why: string;
  /** Milliseconds the fresh connection and its confirmation took. */
  confirmMs: number;
}

/**
 * Confirms over a brand-new connection. When that fails, polls (fresh connections, `sleep` between) until the
 * host reports `reverted` or `waitSeconds` pass.
 */
export async function confirmFresh(
  target: SshTarget,
  options: ConnectOptions,
  id: string,
  o: { waitSeconds: number; retrySeconds?: number; sleep?: (ms: number) => Promise<void>; now?: () => number },
): Promise<ConfirmResult> {
  const now = o.now ?? (() => Date.now());
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const t0 = now();
  let why: string;
  // A reloading sshd re-executes itself and briefly stops listening, so a connection that is refused or
  // dropped before the handshake is retried for a few seconds. A host key or authentication failure is
  // not: that is the lock-out the timer exists for.
  const retryUntil = t0 + (o.retrySeconds ?? 0) * 1000;
  for (let attempt = 1; ; attempt++) {
    let fresh: HostSession | undefined;
    let transient = false;
    try {
      fresh = await connectHost(target, { ...options, connectTimeoutMs: options.connectTimeoutMs ?? 15_000 });
      const r = await fresh.exec(['sudo', '-n', '--', 'sh', '-s', '--', id], { stdin: CONFIRM_SCRIPT, timeoutMs: 30_000 });
      if (r.code === 0 && /^confirmed$/m.test(r.stdout)) return { confirmed: true, reverted: false, why: '', confirmMs: now() - t0 };
      why = `the confirmation over a fresh connection failed: ${(r.stdout + r.stderr).trim().slice(0, 300) || `exit ${r.code}`}`;
      if (/^too-late reverted/m.test(r.stdout)) return { confirmed: false, reverted: true, why, confirmMs: now() - t0 };
      if (/^too-late revert-failed/m.test(r.stdout)) return { confirmed: false, reverted: false, why: `${why}: ${REVERT_FAILED}`, confirmMs: now() - t0 };
    } catch (e) {
      transient = e instanceof SshError && TRANSIENT_PHASES.has(e.phase);
      why = `a fresh connection failed${attempt > 1 ? ` (attempt ${attempt})` : ''}: ${e instanceof SshError ? `${e.phase}: ${e.message}` : e instanceof Error ? e.message : String(e)}`;
    } finally {
      await fresh?.close().catch(() => {});
    }
    if (!transient || now() >= retryUntil) break;
    await sleep(500);
  }
  const confirmMs = now() - t0;
  // Not confirmed: the host restores itself when its timer fires; wait until it says so.
  const deadline = now() + o.waitSeconds * 1000;
  while (now() < deadline) {
    await sleep(1000);
    let s: HostSession | undefined;
    try {
      s = await connectHost(target, { ...options, connectTimeoutMs: 10_000 });
      const r = await s.exec(['sh', '-s', '--', id], { stdin: STATE_SCRIPT, timeoutMs: 15_000 });
      if (/^reverted$/m.test(r.stdout)) return { confirmed: false, reverted: true, why, confirmMs };
      if (/^revert-failed$/m.test(r.stdout)) return { confirmed: false, reverted: false, why: `${why}; ${REVERT_FAILED}`, confirmMs };
    } catch {
      /* still locked out, or reloading: try again */
    } finally {
      await s?.close().catch(() => {});
    }
  }
  return { confirmed: false, reverted: false, why: `${why}; the host did not report a revert within ${o.waitSeconds} s`, confirmMs };
}

/**
 * `og_arm ID SECONDS RELOADS FILE...` for root scripts that decide on the host whether they are about to
 * change something lockout-sensitive (converge): it arms the dead-man timer and prints
 * `OG<TAB>confirm-armed<TAB>ID`, which the controller answers with confirmFresh. Returns non-zero
 * when it could not arm (the caller must then change nothing).
 */
export const ARM_FUNCTION = `og_arm() {
  og_armed=$(sh -s -- "$@" <<'OPSGATE_ARM_EOF'
${ARM_SCRIPT}
OPSGATE_ARM_EOF
) || { printf 'OG\\terror\\tcannot arm the dead-man timer: %s\\n' "$og_armed"; return 1; }
  case $og_armed in armed*) printf 'OG\\tconfirm-armed\\t%s\\n' "$1" ;; *) printf 'OG\\terror\\tcannot arm the dead-man timer: %s\\n' "$og_armed"; return 1 ;; esac
}`;

/** Ids of the dead-man timers a converge script armed (its `OG confirm-armed` lines). Pure. */
export function armedIds(stdout: string): string[] {
  return [...stdout.matchAll(/^OG\tconfirm-armed\t([A-Za-z0-9._-]+)$/gm)].map((m) => m[1]!);
}
