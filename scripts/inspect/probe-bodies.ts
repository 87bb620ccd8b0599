import { UNIT_SECTION_BODIES, UNIT_SECTION_COMMANDS } from './probe-service-active.ts';

/**
 * The shell bodies of the probe's sections (POSIX sh; the benchmark runs the same bodies
 * through Ansible). Pure data.
 *
 * File content is framed, never trusted: every file a section copies is emitted as
 *   <B> file <label>\n<bytes of the file>\n<B> eof <status>\n
 * where <B> is the per-run random boundary (scripts/inspect/parse-framed.ts). No content can
 * end a file early or start another: it would need <B>, which is made after the content existed.
 *
 * Helpers defined once in the prelude:
 *   $U, $H           the probe's uid (id -u) and the host's name (uname -n)
 *   ogf LABEL PATH   emit one framed file
 *   ogfa LABEL PATH… the same for many files, from one awk
 *   ogshells         cksum of every passwd shell and of the real no-login binaries → $T/shells, and
 *                    the accounts whose shell can start a session (executable, and not byte-identical
 *                    to nologin/false/true/sync, whatever its name) → $T/logins
 *   oglogins         those accounts → $OGL
 */
import { LOGIN_SECTION_BODIES, LOGIN_SECTION_COMMANDS } from './probe-bodies-login.ts';
import { PATCH_SECTION_BODIES, PATCH_SECTION_COMMANDS } from './probe-patch.ts';
import { SSHD_SECTION_BODIES, SSHD_SECTION_COMMANDS } from './probe-bodies-sshd.ts';
import { SERVICE_SECTION_BODIES, SERVICE_SECTION_COMMANDS } from './probe-services.ts';

/**
 * No file is copied past this many bytes (4 MiB): a larger one fails its section, saying so, and the rest of the probe still
 * fits the 16 MiB the client reads (one padded file cut the output and left every check of the host an error).
 */
export const FILE_CAP = 4 * 1024 * 1024;
const CAPPED = (f: string) => `(r == -2 ? ${f} " is larger than ${FILE_CAP} bytes: not read past that" : "cannot read " ${f})`;

export const PROBE_PRELUDE = [
  // The probe's uid and the host's name, once ($U, $H): identity prints them, sudo-list and sudoers use them.
  // Builtins only where /proc answers (a process costs ~1 ms of host CPU).
  'U=; { while read -r k v r; do [ "$k" = Uid: ] && { U=$v; break; }; done < /proc/self/status; } 2>/dev/null; [ -n "$U" ] || U=$(id -u)',
  '{ read -r H < /proc/sys/kernel/hostname; } 2>/dev/null || H=$(uname -n)',
  'ogf() { printf \'%s file %s\\n\' "$B" "$1"; cat -- "$2"; r=$?; printf \'\\n%s eof %d\\n\' "$B" "$r"; return $r; }',
  // ogfa LABEL PATH [LABEL PATH]…: the same frames for many files from one awk (a cat per file cost ~1 ms each); a file the probe
  // may not read goes through ogf, so cat says why (Permission denied). Fails if any file could not be read.
  `ogfa() { n=$(($# / 2)); r0=0; while [ $n -gt 0 ]; do l=$1; p=$2; shift 2; if [ -r "$p" ]; then set -- "$@" "$l" "$p"; else ogf "$l" "$p" || r0=$?; fi; n=$((n - 1)); done
  [ $# -eq 0 ] || awk -v B="$B" 'BEGIN { for (i = 1; i + 1 < ARGC; i += 2) { f = ARGV[i + 1]; printf "%s file %s\\n", B, ARGV[i]; z = 0; while ((r = (getline l < f)) > 0) { if ((z += length(l) + 1) > ${FILE_CAP}) { r = -2; break } print l } close(f); if (r < 0) { bad = 1; print ${CAPPED('f')} > "/dev/stderr" } printf "\\n%s eof %d\\n", B, (r < 0) ? 1 : 0 } exit bad }' "$@" || r0=$?; return $r0; }`,
  // $P: the accounts as getpwnam resolves them. /etc/passwd, unless NSS adds accounts: systemd userdb records (nss-systemd
  // resolves NAME.user in these directories, though \`getent passwd\` does not list them) and, when nsswitch.conf names
  // extrausers for passwd, the local accounts in /var/lib/extrausers (listed by \`getent passwd\`). Directory services (ldap,
  // sss, nis, winbind) are left out: enumerating a directory would judge, and run sudo -l -U for, every account in it. Then
  // $T/passwd: /etc/passwd,
  // then \`<B> nss\` and each account NSS adds that /etc/passwd does not have (the readers skip that line: it has no seven
  // fields). Builtins only when NSS adds none.
  `P=/etc/passwd; set --; for f in /etc/userdb/*.user /run/userdb/*.user /run/host/userdb/*.user /usr/lib/userdb/*.user; do [ -e "$f" ] || continue; n=\${f##*/}; n=\${n%.user}; case "$n" in *[!0-9]*) set -- "$@" "$n";; esac; done
x=; if [ -r /etc/nsswitch.conf ]; then set -f; while read -r k v; do [ "$k" = passwd: ] || continue; for s in $v; do case "$s" in extrausers) x=1;; esac; done; done < /etc/nsswitch.conf; set +f; fi
if [ $# -gt 0 ] || [ -n "$x" ]; then { [ -z "$x" ] || getent passwd; [ $# -eq 0 ] || getent passwd "$@"; } 2>/dev/null | awk -F: -v B="$B" 'NR == FNR { s[$1] = 1; print; next } !s[$1]++ { if (!m++) print B " nss"; print }' /etc/passwd - > "$T/passwd" && P=$T/passwd; fi; set --
# $S: /etc/shadow, then each account NSS added to $P as getspnam returns it (a userdb record can carry an empty password).
S=/etc/shadow; [ "$P" = /etc/passwd ] || { set -- $(awk -F: -v B="$B" 'm { print $1 } $0 == B " nss" { m = 1 }' "$P"); [ $# -eq 0 ] || { getent shadow "$@" 2>/dev/null | awk -F: 'NR == FNR { s[$1] = 1; print; next } !s[$1]++' /etc/shadow - > "$T/shadow" && S=$T/shadow; }; set --; }`,
  // $G: the groups as NSS resolves them. /etc/group, unless NSS adds groups or memberships: then $T/group is /etc/group, \`<B> nss\`
  // and each group NSS adds (systemd userdb NAME.group records by \`getent group NAME\`; every group when nsswitch.conf names
  // extrausers for group), then \`<B> initgroups\` and every account's groups as \`getent initgroups\` gives them: what a login
  // gets (a USER:GROUP.membership file in userdb grants a group /etc/group does not list; a member list in an extrausers or
  // userdb group line grants nothing by itself). $gx is set then.
  `G=/etc/group; gx=; set --; mb=; for f in /etc/userdb/* /run/userdb/* /run/host/userdb/* /usr/lib/userdb/*; do case "$f" in *.membership) [ -e "$f" ] && mb=1;; *.group) [ -e "$f" ] || continue; n=\${f##*/}; n=\${n%.group}; case "$n" in *[!0-9]*) set -- "$@" "$n";; esac;; esac; done
xg=; if [ -r /etc/nsswitch.conf ]; then set -f; while read -r k v; do [ "$k" = group: ] || continue; for s in $v; do case "$s" in extrausers) xg=1;; esac; done; done < /etc/nsswitch.conf; set +f; fi
if [ $# -gt 0 ] || [ -n "$xg" ] || [ -n "$mb" ]; then { cat /etc/group; { [ -z "$xg" ] || getent group; [ $# -eq 0 ] || getent group "$@"; } 2>/dev/null | awk -F: -v B="$B" 'NR == FNR { s[$1] = 1; next } !s[$1]++ { if (!m++) print B " nss"; print }' /etc/group -
  printf '%s initgroups\\n' "$B"; getent initgroups $(awk -F: 'NF >= 7 { print $1 }' "$P") 2>/dev/null; } > "$T/group" && G=$T/group && gx=1; fi; set --`,
  `ogshells() {
  [ -f "$T/shells" ] && return 0
  set --; for b in /usr/sbin/nologin /sbin/nologin /bin/false /usr/bin/false /bin/true /usr/bin/true /bin/sync /usr/bin/sync; do [ -f "$b" ] && set -- "$@" "$b"; done
  nb=$#
  # An empty shell field is /bin/sh: sshd, login and su run that.
  for s in $(awk -F: 'NF >= 7 { s = ($7 == "") ? "/bin/sh" : $7; if (!seen[s]++) print s }' "$P"); do [ -f "$s" ] && [ -x "$s" ] && set -- "$@" "$s"; done
  [ $# -gt 0 ] || { : > "$T/shells"; : > "$T/logins"; : > "$T/logins0"; return 0; }
  cksum -- "$@" 2>/dev/null | awk -v nb="$nb" -v S="$T/shells" -v L="$T/logins" -v P="$P" '{ p = $0; sub(/^[0-9]+ [0-9]+ /, "", p); s = $1 "-" $2; print (NR <= nb ? "nologin" : "shell") "\\t" s "\\t" p > S
    if (NR <= nb) bad[s] = 1; else if (!(s in bad)) ok[p] = 1 }
    END { printf "" > S; printf "" > L; printf "" > (L "0"); while ((getline l < P) > 0) { if (split(l, f, ":") < 7) continue; if (f[7] == "") f[7] = "/bin/sh"; if (f[7] in ok) { print f[1] > L; if (f[3] != "0") print f[1] > (L "0") } } }'
}`,
  // Login accounts (see ogshells) into $OGL, with shell builtins only; \`oglogins 0\`: those whose uid is not 0.
  `oglogins() { ogshells; OGL=; while IFS= read -r u; do OGL="$OGL $u"; done < "$T/logins$1"; }`,
].join('\n');

/** Every file AuthorizedKeysFile names for every account (tokens expanded as sshd does), framed. */
const AUTHORIZED_KEYS = `[ -f "$T/akf" ] || : > "$T/akf"; [ -f "$T/sshd-g" ] || : > "$T/sshd-g"; : > "$T/akl"
# One awk: the global AuthorizedKeysFile (sshd -T), each account's own from its Match contexts (all of them), every token expanded;
# prints the marker with the global value and the list of (account, file) to frame.
awk -v B="$B" -v o="$T/akl" 'FILENAME == ARGV[1] { if ($1 == "authorizedkeysfile" && g == "") g = substr($0, 20); next }
FILENAME == ARGV[2] { i = index($0, "\\t"); if (i) { u = substr($0, 1, i - 1); per[u] = (u in per) ? per[u] " " substr($0, i + 1) : substr($0, i + 1) } next }
FNR == 1 && !started { started = 1; if (g == "") g = ".ssh/authorized_keys .ssh/authorized_keys2"; printf "%s akf %s\\n", B, g }
{ n = split($0, f, ":"); if (n < 7) next; u = f[1]; t = (u in per) ? per[u] : g; m = split(t, toks, " ")
  for (k = 1; k <= m; k++) { s = toks[k]; if (s == "none") continue; out = ""
    while ((i = index(s, "%")) > 0) { c = substr(s, i + 1, 1); out = out substr(s, 1, i - 1); if (c == "h") out = out f[6]; else if (c == "u") out = out u; else if (c == "U") out = out f[3]; else if (c == "%") out = out "%"; else out = out "%" c; s = substr(s, i + 2) }
    out = out s; if (substr(out, 1, 1) != "/") out = f[6] "/" out
    if (!seen[u "\\t" out]++) print u "\\t" out > o } }
END { if (!started) printf "%s akf %s\\n", B, (g == "" ? ".ssh/authorized_keys .ssh/authorized_keys2" : g) }' "$T/sshd-g" "$T/akf" "$P"
set --
while IFS='	' read -r u p || [ -n "$u" ]; do [ -f "$p" ] && { set -- "$@" "$u	$p" "$p"; printf '%s\\t%s\\n' "$u" "$p"; }; done < "$T/akl" > "$T/akx"
ak=0; [ $# -eq 0 ] || ogfa "$@" || ak=$?
# What sshd checks before it reads a keys file: it opens it with the account's own privileges, and under StrictModes walks
# its real path up to the home (owner, write bits). Root only: \`<B> akreal PATH<tab>REAL\` for each file and home (one
# readlink; printed only when every path resolved, so no pair is shifted), \`<B> akstat MODE UID GID<tab>PATH\` for each real
# path and every directory above it (one stat), \`<B> akunread ACCOUNT<tab>PATH\` for a file the account cannot read itself.
if [ "$U" = 0 ] && [ -s "$T/akx" ]; then
  : > "$T/akh"; : > "$T/aku"
  awk -F'\\t' -v P="$P" -v R="$T/akr" -v H="$T/akh" -v W="$T/aku" 'BEGIN { while ((getline l < P) > 0) if (split(l, f, ":") >= 7 && !(f[1] in hm)) { hm[f[1]] = f[6]; ug[f[1]] = f[3] "\\t" f[4] } }
    { print $2 > R; if (($1 in hm) && !sh[$1]++) print hm[$1] > H; if (($1 in ug) && ug[$1] !~ /^0\\t/) print ug[$1] "\\t" $1 "\\t" $2 > W }' "$T/akx"
  while IFS= read -r h; do [ -d "$h" ] && printf '%s\\n' "$h"; done < "$T/akh" >> "$T/akr"
  set --; while IFS= read -r x; do set -- "$@" "$x"; done < "$T/akr"
  readlink -f -- "$@" > "$T/akrl" 2>/dev/null
  : > "$T/akrp"
  awk -v B="$B" -v A="$T/aka" -v RP="$T/akrp" 'NR == FNR { p[++n] = $0; next } { r[++m] = $0 } END { if (m != n) exit; for (i = 1; i <= n; i++) { print B " akreal " p[i] "\\t" r[i]; print p[i] "\\t" r[i] > RP; x = r[i]
    while (x != "" && !s[x]++) { print x > A; if (x == "/") break; sub(/\\/[^\\/]*$/, "", x); if (x == "") x = "/" } } }' "$T/akr" "$T/akrl"
  set --; [ -f "$T/aka" ] && while IFS= read -r x; do set -- "$@" "$x"; done < "$T/aka"
  : > "$T/aks"; : > "$T/akt"
  [ $# -eq 0 ] || stat -L --printf "$B akstat %a %u %g\\t%n\\n" -- "$@" > "$T/aks" 2>/dev/null
  # Only a file the modes do not already show readable (the account owns it or others may read it, and may pass every
  # directory of its real path) is tried as the account (setpriv, two programs per file); a group, an ACL, a symbolic link's
  # own directories: tried too, or counted.
  awk -v W="$T/akt" 'function oct(s,  v, i) { v = 0; for (i = 1; i <= length(s); i++) v = v * 8 + substr(s, i, 1); return v }
    function can(p, u, bit,  m, d) { if (!(p in md)) return 0; m = md[p]; d = (ow[p] == u) ? int(m / 64) % 8 : m % 8; return int(d / bit) % 2 }
    FILENAME == ARGV[1] { print; split($0, a, "\\t"); n = split(a[1], w, " "); md[a[2]] = oct(w[n - 2]); ow[a[2]] = w[n - 1]; next }
    FILENAME == ARGV[2] { split($0, a, "\\t"); rp[a[1]] = a[2]; next }
    { split($0, a, "\\t"); u = a[1]; x = rp[a[4]]; ok = (x != "") && can(x, u, 4); while (ok && x != "/") { sub(/\\/[^\\/]*$/, "", x); if (x == "") x = "/"; ok = can(x, u, 1) } if (!ok) print > W }' "$T/aks" "$T/akrp" "$T/aku"
  if command -v setpriv >/dev/null 2>&1; then
    while IFS='	' read -r i g u p; do r=$(setpriv --reuid="$i" --regid="$g" --init-groups -- sh -c '[ -r "$1" ] && echo y || echo n' sh "$p" 2>/dev/null </dev/null); [ "$r" = n ] && printf '%s akunread %s\\t%s\\n' "$B" "$u" "$p"; done < "$T/akt"
  fi
fi
exit $ak`;

/**
 * sudoers as sudo reads it: /etc/sudoers and every @include/#include/@includedir/#includedir, breadth first, each file once.
 * One awk per level of includes frames that level's files and lists their includes (a cat and an awk per file cost ~2 ms each).
 */
const SUDOERS = `h=\${H%%.*}; NL='
'
printf '%s host %s\\n' "$B" "$h"
q='file	/etc/sudoers'; seen=' '; n=0; rc=0; all=; set -f
# Every file read and every directory it sits in or is read from: stat'ed at the end (who can write what sudo reads).
ogsa() { case "$NL$all$NL" in *"$NL$1$NL"*) ;; *) all="$all\${all:+$NL}$1" ;; esac; }
while [ -n "$q" ]; do
  set --; nq=; IFS=$NL
  for e in $q; do
    IFS=' 	
'
    k=\${e%%"	"*}; p=\${e#*"	"}
    n=$((n + 1)); [ $n -gt 256 ] && break
    case "$seen" in *" $k:$p "*) continue;; esac; seen="$seen$k:$p "
    if [ "$k" = dir ]; then
      ogsa "$p"
      printf '%s dir %s\\n' "$B" "$p"
      set +f; for g in "$p"/*; do [ -e "$g" ] || continue; printf '%s\\n' "\${g##*/}"; case "\${g##*/}" in *.*|*~) continue;; esac; [ -f "$g" ] && nq="$nq\${nq:+$NL}file	$g"; done; set -f
      printf '%s eod\\n' "$B"
    elif [ -r "$p" ] && [ -f "$p" ]; then set -- "$@" "$p"; ogsa "$p"; ogsa "\${p%/*}"
    elif [ -f "$p" ]; then ogf "$p" "$p" || rc=$?; ogsa "$p"; ogsa "\${p%/*}"
    else printf '%s missing %s\\n' "$B" "$p"; fi
  done
  IFS=' 	
'
  if [ $# -gt 0 ]; then
    : > "$T/inc"
    awk -v B="$B" -v h="$h" -v o="$T/inc" 'BEGIN { for (i = 1; i < ARGC; i++) { f = ARGV[i]; d = f; sub(/\\/[^\\/]*$/, "", d); printf "%s file %s\\n", B, f; z = 0
      while ((r = (getline l < f)) > 0) { if ((z += length(l) + 1) > ${FILE_CAP}) { r = -2; break } print l
        if (match(l, /^[[:space:]]*[@#]include(dir)?[[:space:]]+/)) { k = (substr(l, RSTART, RLENGTH) ~ /includedir/) ? "dir" : "file"; v = substr(l, RLENGTH + 1); sub(/[[:space:]]+$/, "", v); if (v ~ /^".*"$/) v = substr(v, 2, length(v) - 2); gsub(/%h/, h, v); if (substr(v, 1, 1) != "/") v = d "/" v; print k "\\t" v > o } }
      close(f); if (r < 0) { bad = 1; print ${CAPPED('f')} > "/dev/stderr" } printf "\\n%s eof %d\\n", B, (r < 0) ? 1 : 0 } close(o); exit bad }' "$@" || rc=$?
    while IFS= read -r x; do nq="$nq\${nq:+$NL}$x"; done < "$T/inc"
  fi
  q=$nq
done
IFS=$NL; set -- $all; IFS=' 	
'
[ $# -eq 0 ] || stat -L --printf "$B stat %a %u %g %U %G %F\\t%n\\n" -- "$@" 2>/dev/null
exit $rc`;

/** sudo's own answer for every login account. */
const SUDO_LIST = `[ "$U" = 0 ] || { echo 'sudo -l -U must be run as root' >&2; exit 4; }
rc=0
# uid 0 already holds everything sudo could grant it: what sudo lists for it changes nothing (a second uid-0 account fails
# the accounts check), so each uid-0 account's sudo -l -U (~4 ms) is not run.
oglogins 0
for u in $OGL; do printf '%s user %s\\n' "$B" "$u"; sudo -n -l -U "$u" 2>&1 </dev/null; r=$?; printf '\\n%s eou %d\\n' "$B" "$r"; [ $r -ne 0 ] && [ $r -ne 1 ] && rc=$r; done
exit $rc`;

/** Every passwd shell: executable, byte-identical to a real no-login binary or not; and /etc/shells. */
const SHELLS = `ogshells; set -- "$T/shells"; [ -f /etc/shells ] && set -- "$@" /etc/shells
awk -v B="$B" 'BEGIN { while ((getline l < ARGV[1]) > 0) print l; if (ARGC > 2) { printf "%s file /etc/shells\\n", B; while ((r = (getline l < ARGV[2])) > 0) print l; printf "\\n%s eof %d\\n", B, (r < 0) ? 1 : 0 } exit }' "$@"`;

/**
 * Installed packages: name, version, dpkg's status abbreviation. On dpkg systems the status file is read by one awk
 * (dpkg-query costs about twice the CPU) when it is all dpkg-query would read: no entries pending in updates/.
 */
const PACKAGES = `if command -v dpkg-query >/dev/null 2>&1; then
  set -- /var/lib/dpkg/updates/*
  if [ -r /var/lib/dpkg/status ] && [ ! -e "$1" ]; then
    # Line by line, only the three fields read (a paragraph-mode awk splitting every line cost 1.3 ms more).
    awk 'function out() { if (p != "" && split(s, w, " ") == 3 && w[3] != "not-installed") {
        a = (w[1] == "install") ? "i" : (w[1] == "hold") ? "h" : (w[1] == "deinstall") ? "r" : (w[1] == "purge") ? "p" : "u"
        b = (w[3] == "installed") ? "i" : (w[3] == "config-files") ? "c" : (w[3] == "half-installed") ? "H" : (w[3] == "unpacked") ? "U" : (w[3] == "half-configured") ? "F" : (w[3] == "triggers-awaited") ? "W" : (w[3] == "triggers-pending") ? "t" : "n"
        print p "\\t" v "\\t" a b ((w[2] == "reinstreq") ? "R" : " ") } p = ""; v = ""; s = "" }
    !/^([PSV]|$)/ { next }
    /^Package: / { p = substr($0, 10); next }
    /^Status: / { s = substr($0, 9); next }
    /^Version: / { v = substr($0, 10); next }
    $0 == "" { out() }
    END { out() }' /var/lib/dpkg/status
  else dpkg-query -W -f '\${Package}\\t\${Version}\\t\${db:Status-Abbrev}\\n'; fi
elif command -v rpm >/dev/null 2>&1; then rpm -qa --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\tii \\n'; else echo 'no package manager' >&2; exit 3; fi`;

/**
 * Which of those files count, for a shell loop over $f: regular files, and links to /dev/null, which systemd-sysctl reads as a
 * mask (an empty file of that name: the same name in a later directory is not read at boot). Skipped as "not a regular file",
 * a mask left the vendor file it hides to be judged as persisted.
 */
export const SYSCTL_FILE_TEST = '{ [ -f "$f" ] || [ "$f" -ef /dev/null ]; }';

/**
 * Sets $sa to the program that applies persisted sysctls at boot, framed first as `@boot $sa` (from /dev/null): systemd-sysctl
 * when systemd is the init (/sbin/init is systemd; a host without /sbin/init but with systemd-sysctl counts as systemd), else
 * procps' `sysctl --system`. systemd-sysctl never reads /etc/sysctl.conf itself (scripts/inspect/parse-sysctl.ts). Builtins only.
 */
export const SYSCTL_BOOT_READER =
  'if [ -e /sbin/init ] && ! { [ /sbin/init -ef /lib/systemd/systemd ] || [ /sbin/init -ef /usr/lib/systemd/systemd ]; }; then sa=procps; elif [ -x /lib/systemd/systemd-sysctl ] || [ -x /usr/lib/systemd/systemd-sysctl ]; then sa=systemd-sysctl; else sa=procps; fi';

/** The files systemd-sysctl reads, in its order (and /etc/sysctl.conf, which only procps reads itself). */
export const SYSCTL_PERSISTED_GLOBS = '/etc/sysctl.conf /etc/sysctl.d/*.conf /run/sysctl.d/*.conf /usr/local/lib/sysctl.d/*.conf /usr/lib/sysctl.d/*.conf /lib/sysctl.d/*.conf';

export const SECTION_BODIES: Record<string, string> = {
  ...UNIT_SECTION_BODIES,
  identity: `printf '%s\\n%s\\n' "$U" "$H"`,
  'os-release': 'cat /etc/os-release',
  ...SSHD_SECTION_BODIES,
  listen: `if command -v ss >/dev/null 2>&1; then echo '#ss'; ss -Hlntu; else for f in tcp tcp6 udp udp6; do [ -r /proc/net/$f ] && { echo "#proc $f"; cat /proc/net/$f; }; done; true; fi`,
  'login-defs': "grep -Ev '^[[:space:]]*(#|$)' /etc/login.defs",
  passwd: 'cat "$P"',
  group: 'cat "$G"',
  shadow: `awk -F: '{ s = $2; st = (s == "") ? "empty" : ((s ~ /^[!*]/) ? "locked" : "set"); print $1 ":" st ":" $3 ":" $4 ":" $5 ":" $6 ":" $7 ":" $8 ":" ((st == "locked") ? substr(s, 1, 1) : "") }' "$S"`,
  shells: SHELLS,
  ...LOGIN_SECTION_BODIES,
  'authorized-keys': AUTHORIZED_KEYS,
  sudoers: SUDOERS,
  'sudo-list': SUDO_LIST,
  packages: PACKAGES,
  'sysctl-persisted': `${SYSCTL_BOOT_READER}; set -- "@boot $sa" /dev/null; for f in ${SYSCTL_PERSISTED_GLOBS}; do ${SYSCTL_FILE_TEST} && set -- "$@" "$f" "$f"; done; ogfa "$@"`,
  // Blocks, then inodes (a file system out of inodes takes no new file); the worse status of the two.
  disk: "df -P -k -T; a=$?; echo '#inodes'; df -P -i -T; b=$?; [ $a -ge $b ] && exit $a; exit $b",
  memory: 'cat /proc/meminfo',
  load: 'cat /proc/loadavg; getconf _NPROCESSORS_ONLN',
  ...PATCH_SECTION_BODIES,
  ...SERVICE_SECTION_BODIES,
};

/**
 * Sections that only read files: one awk prints all of them, with the markers sec/fin would print (a process per
 * section cost ~1.5 ms each). `defs` drops comments and blank lines, `shadow` keeps state and aging (never the hash),
 * `load` adds the online CPUs as getconf _NPROCESSORS_ONLN counts them. A file the probe may not read is left to the
 * section's own body, so its error says why. (listen stays with ss: /proc/net/tcp walks every socket of the machine,
 * whatever the namespace, and cost 8 ms where ss cost 4.)
 */
export const FILE_SECTIONS: Record<string, { mode: 'copy' | 'defs' | 'shadow' | 'load'; path: string }> = {
  'os-release': { mode: 'copy', path: '/etc/os-release' },
  'login-defs': { mode: 'defs', path: '/etc/login.defs' },
  passwd: { mode: 'copy', path: '"$P"' },
  group: { mode: 'copy', path: '"$G"' },
  shadow: { mode: 'shadow', path: '"$S"' },
  memory: { mode: 'copy', path: '/proc/meminfo' },
  load: { mode: 'load', path: '/proc/loadavg' },
};

/**
 * The awk's arguments are, per section: NAME MODE COUNT ARG…; besides the modes above, `identity` ($U and $H, no ARG),
 * `sysctl` (ARGs are keys: the
 * running value of each, read in one read as sysctl does), `framed` (ARGs are LABEL PATH pairs, each framed as ogf
 * frames a file) and `shells` (ARGs: ogshells' list, then /etc/shells framed).
 */
export const FILE_SECTIONS_AWK = `function frame(label, f,  r, l, z) { printf "%s file %s\\n", B, label; while ((r = (getline l < f)) > 0) { if ((z += length(l) + 1) > ${FILE_CAP}) { r = -2; break } print l } close(f); printf "\\n%s eof %d\\n", B, (r < 0) ? 1 : 0; if (r < 0) { rc = 1; err = err ${CAPPED('f')} "\\n" } }
BEGIN { i = 1; while (i + 2 < ARGC) { n = ARGV[i]; m = ARGV[i + 1]; k = ARGV[i + 2] + 0; a = i + 3; i = a + k; f = ARGV[a]; printf "%s begin %s\\n", B, n; fflush(); rc = 0; err = ""
  if (m == "identity") { print U; print H }
  else if (m == "sysctl") { for (j = a; j < a + k; j++) { key = ARGV[j]; p = key; gsub(/\\./, "/", p); v = ""; f = "/proc/sys/" p; r = (getline v < f); close(f); if (r < 0) print key " unavailable"; else { gsub(/\\t/, " ", v); print key " = " v } } }
  else if (m == "framed") { for (j = a; j + 1 < a + k; j += 2) frame(ARGV[j], ARGV[j + 1]) }
  else if (m == "shells") { while ((getline l < f) > 0) print l; close(f); if (k > 1) frame(ARGV[a + 1], ARGV[a + 1]) }
  else { z = 0
    while ((r = (getline l < f)) > 0) {
      if ((z += length(l) + 1) > ${FILE_CAP}) { r = -2; break }
      if (m == "defs") { if (l ~ /^[[:space:]]*#/ || l ~ /^[[:space:]]*$/) continue }
      else if (m == "shadow") { split(l, q, ":"); st = (q[2] == "") ? "empty" : ((q[2] ~ /^[!*]/) ? "locked" : "set"); l = q[1] ":" st ":" q[3] ":" q[4] ":" q[5] ":" q[6] ":" q[7] ":" q[8] ":" ((st == "locked") ? substr(q[2], 1, 1) : "") }
      print l }
    close(f)
    if (r < 0) { rc = 2; err = ${CAPPED('f')} }
    else if (m == "load") { c = 0; o = "/sys/devices/system/cpu/online"; if ((getline l < o) > 0) { nn = split(l, pp, ","); for (j = 1; j <= nn; j++) c += (split(pp[j], q, "-") == 2) ? q[2] - q[1] + 1 : 1 } close(o)
      if (!c) { while ((getline l < "/proc/stat") > 0) if (l ~ /^cpu[0-9]/) c++; close("/proc/stat") } print c }
  }
  printf "\\n%s stderr %s\\n%s\\n%s end %s %d\\n", B, n, err, B, n, rc } }`;

/** The evidence command shown for each section (what an operator can run by hand). */
export const SECTION_COMMANDS: Record<string, string> = {
  ...UNIT_SECTION_COMMANDS,
  identity: 'id -u; uname -n',
  'os-release': 'cat /etc/os-release',
  ...SSHD_SECTION_COMMANDS,
  listen: 'ss -Hlntu (or /proc/net/{tcp,tcp6,udp,udp6})',
  'login-defs': "grep -Ev '^[[:space:]]*(#|$)' /etc/login.defs",
  passwd: 'cat /etc/passwd',
  group: 'cat /etc/group',
  shadow: 'awk -F: (state and aging fields of /etc/shadow, never the hash)',
  shells: 'cksum SHELL… /usr/sbin/nologin /bin/false…; cat /etc/shells',
  ...LOGIN_SECTION_COMMANDS,
  'authorized-keys': 'sshd -T (authorizedkeysfile, per account: sshd -T -C user=USER,…); cat each expanded file',
  sudoers: 'cat /etc/sudoers and every file it includes (@include, @includedir)',
  'sudo-list': 'sudo -l -U ACCOUNT (every login account whose uid is not 0)',
  packages: "dpkg-query -W -f '${Package}\\t${Version}\\t${db:Status-Abbrev}\\n' (read from /var/lib/dpkg/status; or rpm -qa)",
  files: 'stat -c "%a %U %G %F %n" PATH…; getfacl -s -p PATH…',
  'sysctl-running': 'cat /proc/sys/KEY…',
  'sysctl-persisted': 'cat /etc/sysctl.conf /etc/sysctl.d/*.conf /run/sysctl.d/*.conf /usr/lib/sysctl.d/*.conf',
  disk: 'df -P -k -T; df -P -i -T',
  memory: 'cat /proc/meminfo',
  load: 'cat /proc/loadavg; getconf _NPROCESSORS_ONLN',
  ...PATCH_SECTION_COMMANDS,
  ...SERVICE_SECTION_COMMANDS,
};
