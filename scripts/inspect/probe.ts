import { quoteArg } from '../ssh/quote.ts';
import { listenProcsBody } from './probe-services.ts';
import { buildVersionsBody, type VersionRequest } from './probe-patch.ts';
import { FILE_SECTIONS, FILE_SECTIONS_AWK, PROBE_PRELUDE, SECTION_BODIES, SECTION_COMMANDS, SYSCTL_BOOT_READER, SYSCTL_FILE_TEST, SYSCTL_PERSISTED_GLOBS } from './probe-bodies.ts';

/**
 * Builds the one POSIX sh script sent to a host in a single exec. Pure.
 *
 * Output format, per section:
 *   <B> begin <name>\n <stdout> \n<B> stderr <name>\n <stderr, ≤4 KiB> \n<B> end <name> <exit status>\n
 * where <B> is a random boundary the caller passes in (so host output cannot forge a section).
 * Password hashes never leave the host: shadow is reduced to a state (set|locked|empty) plus aging fields.
 */
export type SectionName =
  | 'identity'
  | 'os-release'
  | 'sshd'
  | 'units'
  | 'listen'
  | 'login-defs'
  | 'passwd'
  | 'group'
  | 'shadow'
  | 'authorized-keys'
  | 'sudoers'
  | 'packages'
  | 'files'
  | 'sysctl-running'
  | 'sysctl-persisted'
  | 'disk'
  | 'memory'
  | 'load'
  | 'updates'
  | 'reboot'
  | 'ntp'
  | 'log-retention'
  | 'listen-procs'
  | 'versions'
  | `restic:${string}`;

export interface ProbeRequest {
  boundary: string;
  /** Fixed sections to gather (default: all); the checks in scope decide (see probeNeeds). */
  sections?: string[];
  /** Paths whose metadata file_mode checks need. */
  files: string[];
  /** sysctl keys whose running values sysctl checks need. */
  sysctlKeys: string[];
  /** restic repositories of this host; the password is exported only inside that section's subshell. */
  restic: Array<{ policy: string; repository: string; password: string }>;
  /** TCP ports listening_service checks name: their listeners' processes, and a connection to each from the host. */
  ports?: number[];
  /** Package minimums the host compares with its own comparator (package_version checks). */
  versions?: VersionRequest[];
}

export { SECTION_BODIES, SECTION_COMMANDS } from './probe-bodies.ts';

export function sectionCommand(name: string): string {
  return name.startsWith('restic:') ? 'restic -r REPOSITORY --no-lock --no-cache snapshots --json' : (SECTION_COMMANDS[name] ?? name);
}

const SYSCTL_KEY = /^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$/;

export function buildProbeScript(req: ProbeRequest): string {
  if (!/^[A-Za-z0-9_-]{16,}$/.test(req.boundary)) throw new TypeError('probe boundary must be ≥16 characters of [A-Za-z0-9_-]');
  const out: string[] = [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH; LC_ALL=C; export LC_ALL',
    `B=${req.boundary}`,
    // The session's umask as probeCommand passed it (never a command: only digits are kept).
    'OGUM=$(printf \'%s\' "${1:-}" | tr -cd 0-7)',
    'T=$(mktemp -d) || exit 90',
    'trap \'rm -rf "$T"\' EXIT',
    // dash runs the EXIT trap on `exit`, never on a signal: stopped by timeout (TERM) or a lost
    // session (HUP), the probe would leave $T in the host's /tmp. These turn the signal into an exit.
    "trap 'exit 143' TERM; trap 'exit 129' HUP; trap 'exit 130' INT",
    'sec() { printf \'%s begin %s\\n\' "$B" "$1"; }',
    'fin() { rc=$?; printf \'\\n%s stderr %s\\n\' "$B" "$1"; [ -s "$T/e" ] && head -c 4096 "$T/e"; printf \'\\n%s end %s %d\\n\' "$B" "$1" "$rc"; }',
    PROBE_PRELUDE,
  ];
  const add = (name: string, body: string) => out.push(`sec ${quoteArg(name)}; ( ${body}\n) 2>"$T/e"; fin ${quoteArg(name)}`);
  const wanted = (name: string) => !req.sections || req.sections.includes(name);
  const fallback = (name: string, body: string) => `sec ${quoteArg(name)}; ( ${body}\n) 2>"$T/e"; fin ${quoteArg(name)}`;
  // Every section that only reads files goes to one awk (see FILE_SECTIONS_AWK); one the probe may not read runs its own body.
  const inAwk = new Set<string>();
  const simple = Object.entries(FILE_SECTIONS).filter(([name]) => wanted(name));
  const keys = req.sysctlKeys.filter((k) => SYSCTL_KEY.test(k)).map(quoteArg);
  if (simple.length > 0 || keys.length > 0 || wanted('sysctl-persisted') || wanted('shells') || wanted('identity')) {
    out.push('set --');
    if (wanted('identity')) {
      inAwk.add('identity');
      out.push('set -- identity identity 0');
    }
    for (const [name, f] of simple) {
      inAwk.add(name);
      out.push(`if [ -r ${f.path} ]; then set -- "$@" ${quoteArg(name)} ${f.mode} 1 ${f.path}; else ${fallback(name, SECTION_BODIES[name]!)}; fi`);
    }
    if (keys.length > 0) {
      inAwk.add('sysctl-running');
      out.push(`set -- "$@" sysctl-running sysctl ${keys.length} ${keys.join(' ')}`);
    }
    if (wanted('sysctl-persisted')) {
      inAwk.add('sysctl-persisted');
      // Framed in the awk when every file is readable; otherwise the section's body (cat says why a file cannot be read).
      out.push(
        `c=2; ok=1; for f in ${SYSCTL_PERSISTED_GLOBS}; do ${SYSCTL_FILE_TEST} || continue; [ -r "$f" ] || ok=; c=$((c + 2)); done; ${SYSCTL_BOOT_READER}` +
          `\nif [ -n "$ok" ]; then set -- "$@" sysctl-persisted framed $c "@boot $sa" /dev/null; for f in ${SYSCTL_PERSISTED_GLOBS}; do ${SYSCTL_FILE_TEST} && set -- "$@" "$f" "$f"; done; else ${fallback('sysctl-persisted', SECTION_BODIES['sysctl-persisted']!)}; fi`,
      );
    }
    if (wanted('shells')) {
      inAwk.add('shells');
      out.push(`ogshells 2>/dev/null; if [ -r /etc/shells ] && [ -f /etc/shells ]; then set -- "$@" shells shells 2 "$T/shells" /etc/shells; else set -- "$@" shells shells 1 "$T/shells"; fi`);
    }
    out.push(`[ $# -eq 0 ] || awk -v B="$B" -v U="$U" -v H="$H" '${FILE_SECTIONS_AWK}' "$@"`);
  }
  for (const [name, body] of Object.entries(SECTION_BODIES)) if (wanted(name) && !inAwk.has(name)) add(name, body);
  if (req.files.length > 0) {
    const paths = req.files.map((f) => {
      if (!f.startsWith('/')) throw new TypeError(`file path '${f}' is not absolute`);
      return quoteArg(f);
    });
    // POSIX ACLs: getfacl -s prints only files with entries beyond the mode bits; without getfacl, ls -ld shows a '+'.
    // One stat for every path (a process per path cost ~1 ms each), following links: what the system enforces on every open
    // is the mode of the file a link resolves to. A path that cannot be stat'ed although it exists gets no line and its check
    // says it was not in the probe.
    add(
      'files',
      `for f in ${paths.join(' ')}; do [ -e "$f" ] || [ -L "$f" ] || printf 'missing - - - %s\\n' "$f"; done; stat -L -c '%a %U %G %F %n' -- ${paths.join(' ')} 2>/dev/null; ` +
        // A link: where it resolves (readlink -m), whether that exists, and every component on the way (namei -l).
        `for f in ${paths.join(' ')}; do [ -L "$f" ] || continue; printf '%s link %s\\n' "$B" "$f"; [ -e "$f" ] && e=1 || e=0; printf '%s %s\\n' "$e" "$(readlink -m -- "$f")"; namei -l -- "$f" 2>/dev/null; done; ` +
        `if command -v getfacl >/dev/null 2>&1; then printf '%s acl\\n' "$B"; getfacl -s -p -- ${paths.join(' ')} 2>/dev/null; else printf '%s noacl\\n' "$B"; ls -ldL -- ${paths.join(' ')} 2>/dev/null; fi; true`,
    );
  }
  if (req.ports?.length) add('listen-procs', listenProcsBody(req.ports));
  if (req.versions?.length && wanted('versions')) add('versions', buildVersionsBody(req.versions));
  for (const r of req.restic) {
    add(`restic:${r.policy}`, `RESTIC_PASSWORD=${quoteArg(r.password)}; export RESTIC_PASSWORD; restic -r ${quoteArg(r.repository)} --no-lock --no-cache snapshots --json`);
  }
  // The probe's own CPU and its children's (utime stime cutime cstime, in USER_HZ ticks) as the host counted it.
  out.push('read -r s < /proc/$$/stat 2>/dev/null && printf \'%s cpu %s\\n\' "$B" "${s##*) }"');
  out.push('exit 0');
  return out.join('\n') + '\n';
}

/**
 * The command that runs the script (sent on stdin): escalate with `sudo -n` when the
 * login is not root and passwordless sudo is allowed; otherwise run as the login and let
 * the sections that need privileges report their own permission errors. A refused
 * `sudo -n` exits 1 before reading stdin, so the script is still there for the fallback;
 * the script itself always ends with `exit 0`.
 *
 * `timeout` (coreutils) stops the whole probe on the host itself, process group and all,
 * shortly before the client gives up, so a hanging command is not left running there and
 * the output names the section that hung (exit status 124).
 */
export function probeCommand(hostTimeoutSeconds: number): string {
  const t = Math.max(1, Math.floor(hostTimeoutSeconds));
  // timeout runs inside sudo so its process group holds every command of the probe.
  return (
    `if command -v timeout >/dev/null 2>&1; then W="timeout -k 1 ${t}"; else W=; fi; ` +
    // The umask this SSH session got (sshd's, or what PAM's session stack set) is taken here: sudo would change it.
    `M=$(umask); ` +
    `if [ "$USER" != root ] && command -v sudo >/dev/null 2>&1; then sudo -n $W sh -s "$M" 2>/dev/null; rc=$?; [ $rc -ne 1 ] && exit $rc; fi; exec $W sh -s "$M"`
  );
}

/** Exit status of `timeout` when it stopped the probe. */
export const PROBE_TIMED_OUT = 124;

/** Host-side CPU of the probe (own + children), in ms, from the `<B> cpu` line /proc/$$/stat gave; undefined if absent. */
export function probeCpuMs(output: string, boundary: string): number | undefined {
  const m = new RegExp(`^${boundary} cpu (.*)$`, 'm').exec(output);
  const f = m?.[1]!.trim().split(/\s+/).map(Number);
  // Fields after "pid (comm)": state is [0]; utime, stime, cutime, cstime are [11]..[14]; /proc counts in 1/100 s.
  if (!f || f.length < 15 || f.slice(11, 15).some((x) => !Number.isFinite(x))) return undefined;
  return (f[11]! + f[12]! + f[13]! + f[14]!) * 10;
}

/** The section the probe was in when its output stopped. */
export function lastSectionBegun(output: string, boundary: string): string | undefined {
  const all = [...output.matchAll(new RegExp(`^${boundary} begin (\\S+)$`, 'gm'))];
  return all[all.length - 1]?.[1];
}
