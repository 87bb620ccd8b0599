/**
 * The shell bodies of the probe's sections (POSIX sh; the benchmark runs the same bodies
 * through Ansible). Pure data.
 *
 * File content is framed, never trusted: every file a section copies is emitted as
 *   <B> file <label>\n<bytes of the file>\n<B> eof <cat status>\n
 * where <B> is the per-run random boundary (scripts/inspect/parse-framed.ts). No content can
 * end a file early or start another: it would need <B>, which is made after the content existed.
 *
 * Helpers defined once in the prelude:
 *   ogf LABEL PATH   emit one framed file
 *   ogshells         cksum of every passwd shell and of the real no-login binaries → $T/shells
 *   oglogins         accounts whose shell can start a session (executable, and not byte-identical
 *                    to nologin/false/true/sync, whatever its name) → $T/logins
 */
export const PROBE_PRELUDE = [
  'ogf() { printf \'%s file %s\\n\' "$B" "$1"; cat -- "$2"; r=$?; printf \'\\n%s eof %d\\n\' "$B" "$r"; return $r; }',
  `ogshells() {
  [ -f "$T/shells" ] && return 0
  set --; for b in /usr/sbin/nologin /sbin/nologin /bin/false /usr/bin/false /bin/true /usr/bin/true /bin/sync /usr/bin/sync; do [ -f "$b" ] && set -- "$@" "$b"; done
  nb=$#
  for s in $(awk -F: 'NF >= 7 && $7 != "" && !seen[$7]++ { print $7 }' /etc/passwd); do [ -f "$s" ] && [ -x "$s" ] && set -- "$@" "$s"; done
  cksum -- "$@" 2>/dev/null | awk -v nb="$nb" '{ p = $0; sub(/^[0-9]+ [0-9]+ /, "", p); print (NR <= nb ? "nologin" : "shell") "\\t" $1 "-" $2 "\\t" p }' > "$T/shells"
}`,
  `oglogins() {
  [ -f "$T/logins" ] || { ogshells; awk -F'\\t' 'FILENAME == ARGV[1] { if ($1 == "nologin") bad[$2] = 1; else if (!($2 in bad)) ok[$3] = 1; next } { split($0, f, ":"); if (f[7] in ok) print f[1] }' "$T/shells" /etc/passwd > "$T/logins"; }
  cat "$T/logins"
}`,
].join('\n');

/** sshd: the daemon's own config file (its -f), `sshd -T`, config files with mtimes, the daemon's start, and Match contexts. */
const SSHD = `d=; st=; p=$$; i=0
while [ "$p" -gt 1 ] && [ $i -lt 64 ]; do read -r c < /proc/$p/comm || break; read -r s < /proc/$p/stat || break; s=\${s##*) }; set -- $s; case "$c" in sshd*) d=$p; st=\${20};; esac; p=$2; i=$((i+1)); done
cf=/etc/ssh/sshd_config
if [ -n "$d" ]; then x=$(tr '\\0' '\\n' < /proc/$d/cmdline 2>/dev/null | awk 'f { print; exit } $0 == "-f" { f = 1 }'); [ -n "$x" ] && cf=$x; fi
sshd -T -f "$cf" > "$T/sshd-g" || exit $?
cat "$T/sshd-g"
cfgs=$cf; l=$cf; n=0
while [ -n "$l" ] && [ $n -lt 8 ]; do nx=; for inc in $(awk 'tolower($1) == "include" { for (i = 2; i <= NF; i++) print $i }' $l 2>/dev/null); do case "$inc" in /*) ;; *) inc=/etc/ssh/$inc;; esac; for g in $inc; do [ -f "$g" ] && { nx="$nx $g"; cfgs="$cfgs $g"; }; done; done; l=$nx; n=$((n+1)); done
[ -n "$d" ] && printf '%s daemon %s %s %s %s\\n' "$B" "$d" "$st" "$(getconf CLK_TCK 2>/dev/null || echo 100)" "$(awk '$1 == "btime" { print $2 }' /proc/stat)"
stat -c "$B cfg %Y %n" -- $cfgs
: > "$T/akf"
if grep -qiE '^[[:space:]]*match[[:space:]]' $cfgs 2>/dev/null; then
  addrs="203.0.113.10 $(awk 'tolower($1) == "match" { for (i = 2; i < NF; i++) if (tolower($i) == "address") { n = split($(i + 1), a, ","); for (k = 1; k <= n; k++) { x = a[k]; if (substr(x, 1, 1) == "!") continue; sub(/\\/.*/, "", x); gsub(/[*?]/, "1", x); print x } } }' $cfgs | awk '!s[$0]++')"
  for u in $(oglogins); do first=1; for a in $addrs; do
    printf '%s ctx user=%s,host=%s,addr=%s\\n' "$B" "$u" "$a" "$a"
    sshd -T -f "$cf" -C "user=$u,host=$a,addr=$a" > "$T/c" 2>&1; r=$?
    awk 'NR == FNR { g[$0] = 1; next } !($0 in g)' "$T/sshd-g" "$T/c"
    [ $first = 1 ] && awk -v u="$u" '$1 == "authorizedkeysfile" { $1 = ""; print u "\\t" substr($0, 2) }' "$T/c" >> "$T/akf"
    first=0
    printf '%s eoc %d\\n' "$B" "$r"
  done; done
fi`;

/** Every file AuthorizedKeysFile names for every account (tokens expanded as sshd does), framed. */
const AUTHORIZED_KEYS = `[ -f "$T/akf" ] || : > "$T/akf"
g=$(awk '$1 == "authorizedkeysfile" { $1 = ""; print substr($0, 2); exit }' "$T/sshd-g" 2>/dev/null)
[ -n "$g" ] || g='.ssh/authorized_keys .ssh/authorized_keys2'
printf '%s akf %s\\n' "$B" "$g"
awk -v g="$g" 'FILENAME == ARGV[1] { i = index($0, "\\t"); if (i) per[substr($0, 1, i - 1)] = substr($0, i + 1); next }
{ n = split($0, f, ":"); if (n < 7) next; u = f[1]; t = (u in per) ? per[u] : g; m = split(t, toks, " ")
  for (k = 1; k <= m; k++) { s = toks[k]; if (s == "none") continue; out = ""
    while ((i = index(s, "%")) > 0) { c = substr(s, i + 1, 1); out = out substr(s, 1, i - 1); if (c == "h") out = out f[6]; else if (c == "u") out = out u; else if (c == "U") out = out f[3]; else if (c == "%") out = out "%"; else out = out "%" c; s = substr(s, i + 2) }
    out = out s; if (substr(out, 1, 1) != "/") out = f[6] "/" out
    if (!seen[u "\\t" out]++) print u "\\t" out } }' "$T/akf" /etc/passwd > "$T/akl"
rc=0
while IFS='	' read -r u p || [ -n "$u" ]; do [ -f "$p" ] && { ogf "$u	$p" "$p" || rc=$?; }; done < "$T/akl"
exit $rc`;

/** sudoers as sudo reads it: /etc/sudoers and every @include/#include/@includedir/#includedir, breadth first, each file once. */
const SUDOERS = `h=$(uname -n); h=\${h%%.*}; NL='
'
printf '%s host %s\\n' "$B" "$h"
q='file	/etc/sudoers'; seen=' '; n=0; rc=0
while [ -n "$q" ]; do
  e=\${q%%"$NL"*}; if [ "$e" = "$q" ]; then q=; else q=\${q#*"$NL"}; fi
  k=\${e%%"	"*}; p=\${e#*"	"}
  n=$((n + 1)); [ $n -gt 256 ] && break
  case "$seen" in *" $k:$p "*) continue;; esac; seen="$seen$k:$p "
  if [ "$k" = dir ]; then
    printf '%s dir %s\\n' "$B" "$p"
    for g in "$p"/*; do [ -e "$g" ] || continue; printf '%s\\n' "\${g##*/}"; case "\${g##*/}" in *.*|*~) continue;; esac; [ -f "$g" ] && q="$q\${q:+$NL}file	$g"; done
    printf '%s eod\\n' "$B"
    continue
  fi
  [ -f "$p" ] || { printf '%s missing %s\\n' "$B" "$p"; continue; }
  ogf "$p" "$p" || rc=$?
  x=$(awk -v d="\${p%/*}" -v h="$h" 'match($0, /^[[:space:]]*[@#]include(dir)?[[:space:]]+/) { k = (substr($0, RSTART, RLENGTH) ~ /includedir/) ? "dir" : "file"; v = substr($0, RLENGTH + 1); sub(/[[:space:]]+$/, "", v); if (v ~ /^".*"$/) v = substr(v, 2, length(v) - 2); gsub(/%h/, h, v); if (substr(v, 1, 1) != "/") v = d "/" v; print k "\\t" v }' "$p")
  [ -n "$x" ] && q="$q\${q:+$NL}$x"
done
exit $rc`;

/** sudo's own answer for every login account. */
const SUDO_LIST = `[ "$(id -u)" = 0 ] || { echo 'sudo -l -U must be run as root' >&2; exit 4; }
rc=0
for u in $(oglogins); do printf '%s user %s\\n' "$B" "$u"; sudo -n -l -U "$u" 2>&1; r=$?; printf '\\n%s eou %d\\n' "$B" "$r"; [ $r -ne 0 ] && [ $r -ne 1 ] && rc=$r; done
exit $rc`;

/** Every passwd shell: executable, byte-identical to a real no-login binary or not; and /etc/shells. */
const SHELLS = `ogshells; cat "$T/shells"; [ -f /etc/shells ] && ogf /etc/shells /etc/shells; true`;

export const SECTION_BODIES: Record<string, string> = {
  identity: 'id -u; uname -n',
  'os-release': 'cat /etc/os-release',
  sshd: SSHD,
  listen: `if command -v ss >/dev/null 2>&1; then echo '#ss'; ss -Hlntu; else for f in tcp tcp6 udp udp6; do [ -r /proc/net/$f ] && { echo "#proc $f"; cat /proc/net/$f; }; done; true; fi`,
  'login-defs': "grep -Ev '^[[:space:]]*(#|$)' /etc/login.defs",
  passwd: 'cat /etc/passwd',
  group: 'cat /etc/group',
  shadow: `awk -F: '{ s = $2; st = (s == "") ? "empty" : ((s ~ /^[!*]/) ? "locked" : "set"); print $1 ":" st ":" $3 ":" $4 ":" $5 ":" $6 ":" $7 ":" $8 }' /etc/shadow`,
  shells: SHELLS,
  'authorized-keys': AUTHORIZED_KEYS,
  sudoers: SUDOERS,
  'sudo-list': SUDO_LIST,
  packages: `if command -v dpkg-query >/dev/null 2>&1; then dpkg-query -W -f '\${Package}\\t\${Version}\\t\${db:Status-Abbrev}\\n'; elif command -v rpm >/dev/null 2>&1; then rpm -qa --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\tii \\n'; else echo 'no package manager' >&2; exit 3; fi`,
  'sysctl-persisted': `rc=0; for f in /etc/sysctl.conf /etc/sysctl.d/*.conf /run/sysctl.d/*.conf /usr/local/lib/sysctl.d/*.conf /usr/lib/sysctl.d/*.conf /lib/sysctl.d/*.conf; do [ -f "$f" ] && { ogf "$f" "$f" || rc=$?; }; done; exit $rc`,
  disk: 'df -P -k -T',
  memory: 'cat /proc/meminfo',
  load: 'cat /proc/loadavg; getconf _NPROCESSORS_ONLN',
};

/** The evidence command shown for each section (what an operator can run by hand). */
export const SECTION_COMMANDS: Record<string, string> = {
  identity: 'id -u; uname -n',
  'os-release': 'cat /etc/os-release',
  sshd: 'sshd -T -f CONFIG (the running daemon\'s -f)',
  listen: 'ss -Hlntu (or /proc/net/{tcp,tcp6,udp,udp6})',
  'login-defs': "grep -Ev '^[[:space:]]*(#|$)' /etc/login.defs",
  passwd: 'cat /etc/passwd',
  group: 'cat /etc/group',
  shadow: 'awk -F: (state and aging fields of /etc/shadow, never the hash)',
  shells: 'cksum SHELL… /usr/sbin/nologin /bin/false…; cat /etc/shells',
  'authorized-keys': 'sshd -T (authorizedkeysfile, per account: sshd -T -C user=USER,…); cat each expanded file',
  sudoers: 'cat /etc/sudoers and every file it includes (@include, @includedir)',
  'sudo-list': 'sudo -l -U ACCOUNT (every login account)',
  packages: "dpkg-query -W -f '${Package}\\t${Version}\\t${db:Status-Abbrev}\\n' (or rpm -qa)",
  files: 'stat -c "%a %U %G %F %n" PATH…; getfacl -s -p PATH…',
  'sysctl-running': 'cat /proc/sys/KEY…',
  'sysctl-persisted': 'cat /etc/sysctl.conf /etc/sysctl.d/*.conf /run/sysctl.d/*.conf /usr/lib/sysctl.d/*.conf',
  disk: 'df -P -k -T',
  memory: 'cat /proc/meminfo',
  load: 'cat /proc/loadavg; getconf _NPROCESSORS_ONLN',
};
