/**
 * Probe sections of the service checks (ntp_sync, log_retention, listening_service),
 * added to the probe's section bodies (scripts/inspect/probe-bodies.ts). Read-only on
 * the host. Every tool's output and every copied file is framed by the run's boundary
 * ($B), so nothing a daemon prints or a file holds can pose as another part. Pure data.
 *
 * ntp:           `<B> tool NAME` … `<B> rc STATUS` for chronyc, ntpq, timedatectl and the
 *                kernel's own clock state (adjtimex(2), read by perl or python3; modes 0 reads only)
 * log-retention: `<B> journald` facts lines, journald.conf and its drop-ins framed;
 *                `<B> logrotate` facts lines, logrotate.conf and what it includes framed
 * listen-procs:  built per run from the ports the checks name (listenProcsBody)
 */

/** adjtimex(2) with modes 0 (read only): its return is the clock state (5 = TIME_ERROR, unsynchronised). x86_64 159; the generic table 171; 32-bit x86, arm, ppc, s390 124. */
const ADJTIMEX_PERL =
  'my %n = (x86_64 => 159, aarch64 => 171, riscv64 => 171, loongarch64 => 171, i386 => 124, i486 => 124, i586 => 124, i686 => 124, armv7l => 124, armv6l => 124, ppc64le => 124, ppc64 => 124, ppc => 124, s390x => 124);' +
  ' my $s = $n{$ARGV[0]}; defined $s or die "no adjtimex system call number known for $ARGV[0]\\n"; my $b = "\\0" x 512; my $r = syscall($s, $b); $r < 0 and die "adjtimex: $!\\n";' +
  ' my ($m, $o, $f, $me, $ee, $st) = unpack("I x![l!] l! l! l! l! i", $b); print "state=$r status=$st maxerror=$me esterror=$ee\\n";';
const ADJTIMEX_PYTHON =
  'import ctypes, struct; b = ctypes.create_string_buffer(512); r = ctypes.CDLL(None, use_errno=True).adjtimex(b)\n' +
  'if r < 0: raise SystemExit("adjtimex: errno %d" % ctypes.get_errno())\n' +
  'm, o, f, me, ee, st = struct.unpack_from("@Illlli", b.raw); print("state=%d status=%d maxerror=%d esterror=%d" % (r, st, me, ee))';

const NTP = `ogt() { printf '%s tool %s\\n' "$B" "$1"; shift; if command -v "$1" >/dev/null 2>&1; then "$@" 2>&1; r=$?; else r=127; fi; printf '\\n%s rc %d\\n' "$B" "$r"; }
# chronyc without chronyd's socket would wait on UDP retries; a missing socket is itself the answer.
if ! command -v chronyc >/dev/null 2>&1 || [ -S /run/chrony/chronyd.sock ] || [ -S /var/run/chrony/chronyd.sock ]; then ogt chronyc chronyc -n tracking
else printf '%s tool chronyc\\nno chronyd control socket (/run/chrony/chronyd.sock): chronyd is not running\\n%s rc 1\\n' "$B" "$B"; fi
ogt ntpq ntpq -n -c 'rv 0 leap,stratum,offset,refid'
ogt timedatectl timedatectl show
if command -v perl >/dev/null 2>&1; then ogt adjtimex perl -e '${ADJTIMEX_PERL}' "$(uname -m)"; else ogt adjtimex python3 -c '${ADJTIMEX_PYTHON}'; fi
true`;

/** journald.conf and its drop-ins in every directory systemd reads them from; the parser applies systemd's precedence. */
const JOURNALD_FILES =
  '/etc/systemd/journald.conf /usr/lib/systemd/journald.conf /etc/systemd/journald.conf.d/*.conf /run/systemd/journald.conf.d/*.conf /usr/local/lib/systemd/journald.conf.d/*.conf /usr/lib/systemd/journald.conf.d/*.conf';

const LOG_RETENTION = `printf '%s journald\\n' "$B"
j=/var/log/journal
if [ -d $j ]; then echo 'persistent-dir yes'; du -sk $j 2>/dev/null | awk '{ print "usage-kb", $1 }'; df -Pk $j 2>/dev/null | awk 'NR == 2 { print "fs-kb", $2 }'
  command -v journalctl >/dev/null 2>&1 && journalctl -D $j -q --no-pager -o short-unix 2>/dev/null | awk 'NR == 1 { print "oldest", $1; exit }'
else echo 'persistent-dir no'; fi
set --; for f in ${JOURNALD_FILES}; do [ -f "$f" ] && set -- "$@" "$f" "$f"; done
r=0; [ $# -eq 0 ] || ogfa "$@" || r=$?
printf '%s logrotate\\n' "$B"
command -v logrotate >/dev/null 2>&1 && echo 'installed yes' || echo 'installed no'
# logrotate reads logrotate.conf and what it includes there (a directory: its files); deeper includes are named by the parser.
set --; c=/etc/logrotate.conf
if [ -f $c ]; then set -- $c $c; for i in $(awk 'tolower($1) == "include" { print $2 }' $c 2>/dev/null); do
  if [ -d "$i" ]; then for f in "$i"/*; do [ -f "$f" ] && set -- "$@" "$f" "$f"; done; elif [ -f "$i" ]; then set -- "$@" "$i" "$i"; fi; done; fi
[ $# -eq 0 ] || ogfa "$@" || r=$?
exit $r`;

export const SERVICE_SECTION_BODIES: Record<string, string> = {
  ntp: NTP,
  'log-retention': LOG_RETENTION,
};

export const SERVICE_SECTION_COMMANDS: Record<string, string> = {
  ntp: "chronyc -n tracking; ntpq -n -c 'rv 0 leap,stratum,offset,refid'; timedatectl show; adjtimex(2) (perl syscall)",
  'log-retention': 'cat /etc/systemd/journald.conf{,.d/*.conf}; du -sk /var/log/journal; journalctl -D /var/log/journal -o short-unix | head -1; cat /etc/logrotate.conf and its includes',
  'listen-procs': 'ss -Hltnp; /proc/PID/stat; a connection to each port from the host (bash /dev/tcp or nc -z)',
};

/**
 * listen-procs: every TCP listener with its processes (ss -p needs root to name another user's), the state and
 * executable of each listening process, and one connection from the host itself to each port the checks name: to the
 * address the first listener on that port is bound to (a wildcard as the loopback of its family). Ports are integers.
 */
export function listenProcsBody(ports: readonly number[]): string {
  const list = [...new Set(ports)].filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
  return `ss -Hltnp > "$T/ls"; r=$?; printf '%s ss %d\\n' "$B" "$r"; cat "$T/ls"
tw=; command -v timeout >/dev/null 2>&1 && tw='timeout 5'
for p in ${list.join(' ') || '0'}; do [ "$p" = 0 ] && continue
  a=$(awk -v p=":$p" '{ l = $4; if (substr(l, length(l) - length(p) + 1) == p) { a = substr(l, 1, length(l) - length(p)); gsub(/[][]/, "", a); sub(/%.*/, "", a); if (a == "0.0.0.0" || a == "*") a = "127.0.0.1"; else if (a == "::") a = "::1"; print a; exit } }' "$T/ls")
  if [ -z "$a" ]; then printf '%s connect %s - - -\\n' "$B" "$p"; continue; fi
  if command -v bash >/dev/null 2>&1; then $tw bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$a" "$p" 2>/dev/null; c=$?; v=bash
  elif command -v nc >/dev/null 2>&1; then $tw nc -z -w 5 "$a" "$p" 2>/dev/null; c=$?; v=nc; else c=-; v=none; fi
  printf '%s connect %s %s %s %s\\n' "$B" "$p" "$a" "$c" "$v"
done
for pid in $(awk '{ while (match($0, /pid=[0-9]+/)) { print substr($0, RSTART + 4, RLENGTH - 4); $0 = substr($0, RSTART + RLENGTH) } }' "$T/ls" | sort -un); do
  s=; { read -r s < /proc/$pid/stat; } 2>/dev/null; s=\${s##*) }; printf '%s proc %s %s %s\\n' "$B" "$pid" "\${s%% *}" "$(readlink /proc/$pid/exe 2>/dev/null)"
done
exit $r`;
}
