/**
 * ssh.config-loaded (`sshd_loaded`): every file the running sshd reads when it (re)loads (its config file, every file that
 * Includes, its host keys and certificates) is unchanged since it last loaded them. Otherwise `sshd -T` judges settings the
 * daemon does not use: PermitRootLogin no written and never reloaded still lets root in. Pure.
 *
 * When did it load? On SIGHUP sshd re-execs itself with the same pid and the same process start time, and its listening
 * socket's inode times are all 0 (measured, OpenSSH 9.2, Linux 6): nothing in /proc moves. What moves is its PidFile,
 * which sshd rewrites after each start and each reload, once it listens again. So:
 * - a PidFile naming the listening daemon: loaded when it was written;
 * - otherwise, files older than the daemon's start were loaded by it; a file changed after the start leaves the answer
 *   unknown: an error, never a pass.
 * "Changed" is the later of mtime and ctime: ctime cannot be set back (cp -p, rsync -t, tar keep an old mtime).
 * A file edited while a reload was reading it (between its read and the PidFile write: milliseconds) is not seen.
 * A time in whole seconds (busybox stat prints `%.9Y` as `%Y`; so does a stat without that precision, and some filesystems
 * keep only seconds) means some time within that second: an edit and a reload within one second cannot be ordered, an
 * error, never a pass (a time stat'ed to the nanosecond is whole by a one-in-a-million chance: an error at worst).
 */
import type { HostFacts } from './facts.ts';
import type { CheckDef, Outcome } from './model.ts';
import type { SshdLoadedFile, SshdRuntime } from './parse-sshd.ts';

/**
 * How much earlier than the computed start a file must have changed to count as loaded by it: file times come from the
 * kernel's coarse clock (up to one tick behind: 10 ms at HZ=100), and /proc/uptime is cut to 10 ms, which can place the
 * computed start up to 10 ms late (the start's own ticks and $T/now's coarse time only place it early). The fleet
 * writes a host's files 30-40 ms before its sshd starts.
 */
const START_MARGIN_MS = 20;

export type SshdLoadState =
  | { state: 'current'; pid: number; loadedAt: number; by: 'pidfile' | 'start' }
  | { state: 'stale'; pid: number; loadedAt: number; pidFile: string; changed: SshdLoadedFile[] }
  | { state: 'unknown'; reason: string };

const iso = (ms: number) => new Date(ms).toISOString();
const SECOND = 1000;
const wholeSecond = (ms: number) => ms % SECOND === 0;
/** The earliest the time could be, and the end of the span it stands for (a whole second: within the next 1000 ms). */
const upTo = (ms: number) => (wholeSecond(ms) ? ms + SECOND : ms);
const changedAt = (f: SshdLoadedFile) => Math.max(f.mtime, f.ctime);
const changedBy = (f: SshdLoadedFile) => Math.max(upTo(f.mtime), upTo(f.ctime));
/** A time as stat gave it: to the second, said so. */
const secondOf = (ms: number) => iso(ms).replace('.000Z', 'Z');
const when = (ms: number) => (wholeSecond(ms) ? `${secondOf(ms)} (to the second)` : iso(ms));
const changes = (files: SshdLoadedFile[]) => files.map((f) => `${f.path} changed ${iso(changedAt(f))}`).join(', ');
const changesWhen = (files: SshdLoadedFile[]) => files.map((f) => `${f.path} changed ${when(changedAt(f))}`).join(', ');
const WHOLE_SECONDS = "this host's stat gives file times in whole seconds (busybox stat, a stat without %.9Y, or a filesystem that keeps seconds)";

export function sshdLoadState(r: SshdRuntime): SshdLoadState {
  if (!r.daemon) return { state: 'unknown', reason: "the probe's session does not descend from a listening sshd, so which daemon serves logins, and what it loaded, is not known" };
  if (!r.configFiles.length) return { state: 'unknown', reason: "sshd's config files could not be stat'ed (the probe runs `stat -c`: GNU coreutils or busybox)" };
  const { pid, startedAt } = r.daemon;
  const files = [...r.configFiles, ...(r.keyFiles ?? [])];
  const pf = r.pidFile;
  if (pf && pf.path !== 'none' && 'mtime' in pf && pf.mtime !== undefined && pf.pid === pid) {
    const loadedAt = pf.mtime;
    // Changed for certain after the PidFile was written, loaded for certain before it; in between (one second): unknown.
    const changed = files.filter((f) => changedAt(f) > loadedAt && changedAt(f) >= upTo(loadedAt));
    if (changed.length) return { state: 'stale', pid, loadedAt, pidFile: pf.path, changed };
    const unsure = files.filter((f) => changedBy(f) > loadedAt);
    if (!unsure.length) return { state: 'current', pid, loadedAt, by: 'pidfile' };
    return {
      state: 'unknown',
      reason: `${changesWhen(unsure)} and the running sshd (pid ${pid}) loaded its configuration ${wholeSecond(loadedAt) ? `${secondOf(loadedAt)} (to the second; its PidFile ${pf.path} written then)` : `${iso(loadedAt)} (its PidFile ${pf.path} written then)`}: which came first cannot be told, as ${WHOLE_SECONDS}; reload sshd again (kill -HUP ${pid}) to judge`,
    };
  }
  const after = files.filter((f) => changedBy(f) > startedAt - START_MARGIN_MS);
  if (!after.length) return { state: 'current', pid, loadedAt: startedAt, by: 'start' };
  // A file after the start only because stat gave its time to the second: said so.
  const inSecond = after.some((f) => changedAt(f) <= startedAt - START_MARGIN_MS);
  const why =
    !pf || pf.path === 'none'
      ? 'PidFile none (without one, sshd leaves no trace of a SIGHUP reload: same pid, same start time)'
      : !('mtime' in pf) || pf.mtime === undefined
        ? `its PidFile ${pf.path} could not be read`
        : `its PidFile ${pf.path} names ${pf.pid === undefined ? 'no pid' : `pid ${pf.pid}`}, not the listening sshd`;
  return {
    state: 'unknown',
    reason: `${inSecond ? `${changesWhen(after)}, after the running sshd (pid ${pid}) started ${iso(startedAt)} (or within that second: ${WHOLE_SECONDS})` : `${changes(after)}, after the running sshd (pid ${pid}) started ${iso(startedAt)}`}, and whether it reloaded since cannot be told: ${why}; reload it with a PidFile set, or restart it`,
  };
}

export function evaluateSshdLoaded(_c: CheckDef, f: HostFacts): Outcome {
  const expected = 'the running sshd loaded its config files, every Include and its host keys after their last change';
  if (!f.sshdRuntime.ok) return { status: 'error', expected, observed: '', reason: f.sshdRuntime.reason, evidence: f.sshdRuntime.command };
  const s = sshdLoadState(f.sshdRuntime.value);
  const evidence = "stat -c '%y %z %n' CONFIG INCLUDES HOSTKEYS; stat PIDFILE; /proc/PID/stat (the listening sshd's start)";
  if (s.state === 'unknown') return { status: 'error', expected, observed: '', reason: s.reason, evidence };
  if (s.state === 'current') {
    const how = s.by === 'pidfile' ? 'its PidFile written' : 'it started';
    return { status: 'pass', expected, observed: `sshd (pid ${s.pid}) loaded its configuration ${iso(s.loadedAt)} (${how}); no file changed since`, reason: '', evidence };
  }
  return {
    status: 'fail',
    expected,
    observed: `sshd (pid ${s.pid}) loaded its configuration ${iso(s.loadedAt)}; ${s.changed.length} file${s.changed.length > 1 ? 's' : ''} changed since`,
    reason: `${changes(s.changed)}, after the running sshd (pid ${s.pid}) loaded its configuration ${iso(s.loadedAt)} (its PidFile ${s.pidFile} written then): the settings judged from sshd -T may not be the ones in force; reload sshd (systemctl reload ssh, or kill -HUP ${s.pid})`,
    evidence,
  };
}
