import { quoteArg } from '../ssh/quote.ts';

/**
 * Builds the one POSIX sh script sent to a host in a single exec. Pure.
 *
 * Output format, per section:
 *   <B> begin <name>\n <stdout> \n<B> stderr <name>\n <stderr, ≤4 KiB> \n<B> end <name> <exit status>\n
 * where <B> is a random boundary the caller passes in (so host output cannot forge a section).
 * Password hashes never leave the host: shadow is reduced to a state (set|locked|empty) plus aging fields.
 */
export type SectionName =
  | 'identity' | 'os-release' | 'sshd' | 'listen' | 'login-defs' | 'passwd' | 'group' | 'shadow'
  | 'authorized-keys' | 'sudoers' | 'packages' | 'files' | 'sysctl-running' | 'sysctl-persisted'
  | 'disk' | 'memory' | 'load' | `restic:${string}`;

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
}

/** The evidence command shown for each section (what an operator can run by hand). */
export const SECTION_COMMANDS: Record<string, string> = {
  identity: 'id -u; uname -n',
  'os-release': 'cat /etc/os-release',
  sshd: 'sshd -T',
  listen: 'ss -Hlntu (or /proc/net/{tcp,tcp6,udp,udp6})',
  'login-defs': "grep -Ev '^[[:space:]]*(#|$)' /etc/login.defs",
  passwd: 'cat /etc/passwd',
  group: 'cat /etc/group',
  shadow: 'awk -F: (state and aging fields of /etc/shadow, never the hash)',
  'authorized-keys': 'cat ~USER/.ssh/authorized_keys for every account',
  sudoers: 'cat /etc/sudoers /etc/sudoers.d/*',
  packages: "dpkg-query -W -f '${Package}\\t${Version}\\t${db:Status-Abbrev}\\n' (or rpm -qa)",
  files: 'stat -c "%a %U %G %F %n" PATH…',
  'sysctl-running': 'cat /proc/sys/KEY…',
  'sysctl-persisted': 'cat /etc/sysctl.conf /etc/sysctl.d/*.conf /run/sysctl.d/*.conf /usr/lib/sysctl.d/*.conf',
  disk: 'df -P -k -T',
  memory: 'cat /proc/meminfo',
  load: 'cat /proc/loadavg; getconf _NPROCESSORS_ONLN',
};

export function sectionCommand(name: string): string {
  return name.startsWith('restic:') ? 'restic -r REPOSITORY --no-lock --no-cache snapshots --json' : (SECTION_COMMANDS[name] ?? name);
}

/** The shell body of each fixed section (the benchmark runs the same bodies through Ansible). */
export const SECTION_BODIES: Record<string, string> = {
  identity: 'id -u; uname -n',
  'os-release': 'cat /etc/os-release',
  sshd: 'sshd -T',
  listen: `if command -v ss >/dev/null 2>&1; then echo '#ss'; ss -Hlntu; else for f in tcp tcp6 udp udp6; do [ -r /proc/net/$f ] && { echo "#proc $f"; cat /proc/net/$f; }; done; true; fi`,
  'login-defs': "grep -Ev '^[[:space:]]*(#|$)' /etc/login.defs",
  passwd: 'cat /etc/passwd',
  group: 'cat /etc/group',
  shadow: `awk -F: '{ s = $2; st = (s == "") ? "empty" : ((s ~ /^[!*]/) ? "locked" : "set"); print $1 ":" st ":" $3 ":" $4 ":" $5 ":" $6 ":" $7 ":" $8 }' /etc/shadow`,
  'authorized-keys': `rc=0; while IFS=: read -r u _ _ _ _ h _; do for f in "$h/.ssh/authorized_keys" "$h/.ssh/authorized_keys2"; do if [ -f "$f" ]; then printf '#file %s %s\\n' "$u" "$f"; cat "$f" || rc=$?; echo; fi; done; done < /etc/passwd; exit $rc`,
  sudoers: `set --; for f in /etc/sudoers /etc/sudoers.d/*; do [ -f "$f" ] && set -- "$@" "$f"; done; [ $# -eq 0 ] || awk 'FNR == 1 { print "#file " FILENAME } { print }' "$@"`,
  packages: `if command -v dpkg-query >/dev/null 2>&1; then dpkg-query -W -f '\${Package}\\t\${Version}\\t\${db:Status-Abbrev}\\n'; elif command -v rpm >/dev/null 2>&1; then rpm -qa --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\tii \\n'; else echo 'no package manager' >&2; exit 3; fi`,
  'sysctl-persisted': `set --; for f in /etc/sysctl.conf /etc/sysctl.d/*.conf /run/sysctl.d/*.conf /usr/local/lib/sysctl.d/*.conf /usr/lib/sysctl.d/*.conf /lib/sysctl.d/*.conf; do [ -f "$f" ] && set -- "$@" "$f"; done; [ $# -eq 0 ] || awk 'FNR == 1 { print "#file " FILENAME } { print }' "$@"`,
  disk: 'df -P -k -T',
  memory: 'cat /proc/meminfo',
  load: 'cat /proc/loadavg; getconf _NPROCESSORS_ONLN',
};

const SYSCTL_KEY = /^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$/;

export function buildProbeScript(req: ProbeRequest): string {
  if (!/^[A-Za-z0-9_-]{16,}$/.test(req.boundary)) throw new TypeError('probe boundary must be ≥16 characters of [A-Za-z0-9_-]');
  const out: string[] = [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH; LC_ALL=C; export LC_ALL',
    `B=${req.boundary}`,
    'T=$(mktemp -d) || exit 90',
    'trap \'rm -rf "$T"\' EXIT',
    'sec() { printf \'%s begin %s\\n\' "$B" "$1"; }',
    'fin() { rc=$?; printf \'\\n%s stderr %s\\n\' "$B" "$1"; [ -s "$T/e" ] && head -c 4096 "$T/e"; printf \'\\n%s end %s %d\\n\' "$B" "$1" "$rc"; }',
  ];
  const add = (name: string, body: string) => out.push(`sec ${quoteArg(name)}; ( ${body}\n) 2>"$T/e"; fin ${quoteArg(name)}`);
  for (const [name, body] of Object.entries(SECTION_BODIES)) if (!req.sections || req.sections.includes(name)) add(name, body);
  if (req.files.length > 0) {
    const paths = req.files.map((f) => {
      if (!f.startsWith('/')) throw new TypeError(`file path '${f}' is not absolute`);
      return quoteArg(f);
    });
    add('files', `for f in ${paths.join(' ')}; do stat -c '%a %U %G %F %n' -- "$f" 2>/dev/null || printf 'missing - - - %s\\n' "$f"; done`);
  }
  if (req.sysctlKeys.length > 0) {
    const keys = req.sysctlKeys.filter((k) => SYSCTL_KEY.test(k)).map(quoteArg);
    add('sysctl-running', `for k in ${keys.join(' ')}; do p=/proc/sys/$(printf '%s' "$k" | tr . /); if [ -r "$p" ]; then printf '%s = %s\\n' "$k" "$(tr '\\t' ' ' < "$p")"; else printf '%s unavailable\\n' "$k"; fi; done`);
  }
  for (const r of req.restic) {
    add(`restic:${r.policy}`, `RESTIC_PASSWORD=${quoteArg(r.password)}; export RESTIC_PASSWORD; restic -r ${quoteArg(r.repository)} --no-lock --no-cache snapshots --json`);
  }
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
  return `if command -v timeout >/dev/null 2>&1; then W="timeout -k 1 ${t}"; else W=; fi; `
    + `if [ "$USER" != root ] && command -v sudo >/dev/null 2>&1; then sudo -n $W sh -s 2>/dev/null; rc=$?; [ $rc -ne 1 ] && exit $rc; fi; exec $W sh -s`;
}

/** Exit status of `timeout` when it stopped the probe. */
export const PROBE_TIMED_OUT = 124;

/** The section the probe was in when its output stopped. */
export function lastSectionBegun(output: string, boundary: string): string | undefined {
  const all = [...output.matchAll(new RegExp(`^${boundary} begin (\\S+)$`, 'gm'))];
  return all[all.length - 1]?.[1];
}
