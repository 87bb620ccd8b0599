/**
 * The probe's sshd section, added to the probe's section bodies (scripts/inspect/probe-bodies.ts): POSIX sh, using the
 * prelude's helpers ($B, $T, $P, $gx, oglogins). Parsed by scripts/inspect/parse-sshd.ts. Pure data.
 */

/** sshd: the daemon's own config file (its -f), `sshd -T`, config files with mtimes, the daemon's start, and Match contexts. */
const SSHD = `d=; st=; p=$$; i=0
while [ "$p" -gt 1 ] && [ $i -lt 64 ]; do read -r c < /proc/$p/comm || break; read -r s < /proc/$p/stat || break; s=\${s##*) }; set -- $s; case "$c" in sshd*) d=$p; st=\${20};; esac; p=$2; i=$((i+1)); done
# The daemon's own -f, and its -o and -h options, which sshd -T must be given too. Its arguments are NUL-separated, or,
# once the listener retitled itself ("sshd: /usr/sbin/sshd -D -f FILE [listener] …"), one line split on blanks.
cf=/etc/ssh/sshd_config; so=; NL='
'
if [ -n "$d" ]; then
  # A retitled listener is one line, read by the shell; an original argv is NUL-separated (dash's read drops NULs), so tr.
  x=; { IFS= read -r x < /proc/$d/cmdline; } 2>/dev/null
  case "$x" in *' [listener] '*) IFS=' ';; *) x=$(tr '\\0' '\\n' < /proc/$d/cmdline 2>/dev/null); IFS=$NL;; esac; set -f; set -- $x; IFS=' 	
'; set +f
  while [ $# -gt 0 ]; do case "$1" in
    -f|-o|-h) [ $# -gt 1 ] || break; if [ "$1" = -f ]; then cf=$2; else so="$so$NL$1$NL$2"; fi; shift;;
    -f?*) cf=\${1#-f};; -o?*|-h?*) so="$so$NL$1";; '[listener]') break;;
  esac; shift; done
fi
ogsshd() { IFS=$NL; set -f; sshd -T -f "$cf" $so "$@"; r=$?; IFS=' 	
'; set +f; return $r; }
# With a Match LocalPort line, sshd -T refuses to run without a port: the global view is then that of a connection on a
# port no Match line names.
ogsshd > "$T/sshd-g" 2> "$T/ge"; r=$?
if [ $r -ne 0 ]; then
  grep -q "'lport' not in connection test specification" "$T/ge" || { cat "$T/ge" >&2; exit $r; }
  ogsshd -C lport=65535 > "$T/sshd-g" || exit $?
fi
# One awk prints sshd -T's output and the daemon's start (ticks since boot, ticks per second, boot time), and lists the
# config file's Include arguments and whether it has a Match line; deeper Include levels (at most 8) get one awk each.
# /proc/PID/stat counts in USER_HZ, 100 on every Linux architecture opsgate runs on (getconf would cost a process).
hz=100
# sshd reads \`Keyword=value\` as \`Keyword value\` (strdelim: one '=' between words), so \`Include=FILE\`, \`Match=User x\` and
# \`Match User=x\` are what they say: every awk that reads the config files splits those lines the same way first.
ogeq='
/=/ && tolower($0) ~ /^[[:space:]]*(match|include)[[:space:]=]/ { gsub(/=/, " ") }
'
ogsi="$ogeq"'FILENAME != ARGV[1] && FILENAME != ARGV[2] { k = tolower($1); if (k == "include") for (i = 2; i <= NF; i++) print $i > o; else if (k == "match") { print "%MATCH%" > o; if (tolower($0) ~ /[[:space:]]local(address|port)[[:space:]]/) print "%LOCAL%" > o
  for (i = 2; i <= NF; i++) { c = tolower($i); if (c ~ /^#/) break; if (c == "all") continue; if (c == "rdomain") print "%RDOMAIN%" > o; else if (c !~ /^(user|group|host|address|localaddress|localport)$/) print "%UNK% " FILENAME ":" FNR " " $i > o; i++ } } }'
: > "$T/inc"
awk -v B="$B" -v d="$d" -v st="$st" -v hz="$hz" -v o="$T/inc" "FILENAME == ARGV[1] { print; next } FILENAME == ARGV[2] { if (/^btime /) bt = \\$2; next } $ogsi"' END { if (d != "") printf "%s daemon %s %s %s %s\\n", B, d, st, hz, bt }' "$T/sshd-g" /proc/stat "$cf"
cfgs=$cf; n=0; m=; lm=; rdm=
while [ -s "$T/inc" ] && [ $n -lt 8 ]; do
  l=; while IFS= read -r inc; do case "$inc" in %MATCH%) m=1; continue;; %LOCAL%) lm=1; continue;; %RDOMAIN%) rdm=1; continue;; %UNK%*) printf '%s matchx %s\\n' "$B" "\${inc#%UNK% }"; continue;; /*) ;; *) inc=/etc/ssh/$inc;; esac; for g in $inc; do [ -f "$g" ] && { l="$l $g"; cfgs="$cfgs $g"; }; done; done < "$T/inc"
  : > "$T/inc"; [ -n "$l" ] || break
  awk -v o="$T/inc" "$ogsi" /dev/null /dev/null $l 2>/dev/null; n=$((n+1))
done
# %.9Y: seconds with nanoseconds from GNU stat; busybox stat (and a stat without that precision) prints the seconds alone,
# which ssh.config-loaded reads as "within that second" (never finer); so is $T/now's, which can only place the start early.
stat -c "$B cfg %.9Y %.9Z %n" -- $cfgs
# When the running daemon last read its files (ssh.config-loaded). On SIGHUP sshd re-execs itself: same pid, same start
# time, and its listening socket's inode times are all 0 (measured, OpenSSH 9.2 on Linux 6), so only its PidFile, which
# sshd rewrites once it listens again after each start or reload, tells. Also read at (re)load: the host keys and
# certificates. $T/now's mtime and /proc/uptime, read together, map the start (ticks since boot) to today's clock.
set --; pf=; while read -r k v; do case $k in hostkey|hostcertificate) set -- "$@" "$v";; pidfile) pf=$v;; esac; done < "$T/sshd-g"
[ $# -eq 0 ] || stat -c "$B key %.9Y %.9Z %n" -- "$@" 2>/dev/null
: > "$T/now"; up=; { read -r up x < /proc/uptime; } 2>/dev/null; stat -c "$B clock %.9Y $up" -- "$T/now"
case $pf in none|'') printf '%s pidfile none\n' "$B";; *) pp=; { read -r pp < "$pf"; } 2>/dev/null; printf '%s pidfile %s %s %s\n' "$B" "$(stat -c %.9Y -- "$pf" 2>/dev/null || echo -)" "\${pp:--}" "$pf";; esac
: > "$T/akf"
if [ -n "$m" ]; then
  # Addresses each Match Address names (IPv4 networks in a list with exclusions also by their middle and last address);
  # with UseDNS yes also the names each Match Host names (h=NAME: host=NAME from
  # 203.0.113.10). Without UseDNS sshd matches Host against the address, so names would only be false alarms.
  addrs="203.0.113.10 $(awk "$ogeq"'FILENAME == ARGV[1] { if ($1 == "usedns" && $2 == "yes") dns = 1; next }
    tolower($1) == "match" { for (i = 2; i < NF; i++) { k = tolower($i); if (k != "address" && !(k == "host" && dns)) continue; n = split($(i + 1), a, ","); for (j = 1; j <= n; j++) { x = a[j]; if (substr(x, 1, 1) == "!") continue
      if (k == "address") { if (neg(a, n) && x ~ /^[0-9.]+\\/[0-9]+$/) { split(x, c, "/"); v4(c[1], c[2]) } sub(/\\/.*/, "", x); gsub(/[*?]/, "1", x) } else { gsub(/[*?]/, "x", x); x = "h=" x } if (!s[x]++) print x } } }
    # A list with !exclusions can exclude the first address of a network: its middle and last addresses stand for it too.
    function neg(a, n,  j) { for (j = 1; j <= n; j++) if (substr(a[j], 1, 1) == "!") return 1; return 0 }
    function v4(ip, p,  o, m, z, w, i, y, q) { if (split(ip, o, ".") != 4 || p > 32) return; m = ((o[1] * 256 + o[2]) * 256 + o[3]) * 256 + o[4]; z = 2 ^ (32 - p); m -= m % z
      for (w = 1; w <= 2; w++) { y = (w == 1) ? m + int(z / 2) : m + z - 1; q = ""; for (i = 0; i < 4; i++) { q = (y % 256) (i ? "." : "") q; y = int(y / 256) } if (!s[q]++) print q } }' "$T/sshd-g" $cfgs)"
  # Match LocalAddress/LocalPort: sshd -T -C refuses to run without laddr and lport, so every context also gets the
  # daemon's listening address and port, and the addresses and ports those Match lines name.
  lc=-
  [ -n "$lm" ] && lc=$(awk "$ogeq"'FILENAME == ARGV[1] { if ($1 == "listenaddress") { a = $2; p = a; sub(/:[0-9]+$/, "", a); sub(/^.*:/, "", p); gsub(/[][]/, "", a); if (fa == "") { fa = a; fp = p } x = ",laddr=" a ",lport=" p; if (!s[x]++) print x } next }
    tolower($1) == "match" { for (i = 2; i < NF; i++) { k = tolower($i); if (k != "localaddress" && k != "localport") continue; n = split($(i + 1), v, ","); for (j = 1; j <= n; j++) { x = v[j]; if (substr(x, 1, 1) == "!") continue; sub(/\\/.*/, "", x); gsub(/[*?]/, "1", x); if (k == "localaddress") la[x] = 1; else lp[x] = 1 } } }
    END { for (x in la) { y = ",laddr=" x ",lport=" fp; if (!s[y]++) print y } for (x in lp) { y = ",laddr=" fa ",lport=" x; if (!s[y]++) print y } }' "$T/sshd-g" $cfgs)
  # Match RDomain: sshd -T -C treats the block as not matching when no rdomain is given, while on Linux a connection's
  # rdomain is the device its listening socket is bound to, "" when unbound, which \`RDomain *\` matches. So every context
  # also gets each listener's rdomain ("" for ListenAddress without one) and each name the Match RDomain lines name.
  rd=-
  [ -n "$rdm" ] && rd=$(awk "$ogeq"'FILENAME == ARGV[1] { if ($1 == "listenaddress") { x = ",rdomain=" (($3 == "rdomain") ? $4 : ""); if (!s[x]++) print x } next }
    tolower($1) == "match" { for (i = 2; i < NF; i++) if (tolower($i) == "rdomain") { n = split($(i + 1), v, ","); for (j = 1; j <= n; j++) { x = v[j]; if (substr(x, 1, 1) == "!") continue; gsub(/[*?]/, "x", x); x = ",rdomain=" x; if (!s[x]++) print x } } }' "$T/sshd-g" $cfgs)
  # sshd's match_pattern_list: a list matches when a pattern matches and no !pattern does (-1); * and ? only.
  OGMATCH='function glob(s, p,  re, i, c) { re = "^"; for (i = 1; i <= length(p); i++) { c = substr(p, i, 1); if (c == "*") re = re ".*"; else if (c == "?") re = re "."; else if (c ~ /[A-Za-z0-9_]/) re = re c; else if (c == "\\\\" || c == "^") re = re "\\\\" c; else re = re "[" c "]" } return s ~ (re "$") }
    function plist(s, list,  n, a, i, x, neg, pos) { n = split(list, a, ","); pos = 0; for (i = 1; i <= n; i++) { x = a[i]; neg = (substr(x, 1, 1) == "!"); if (neg) x = substr(x, 2); if (glob(s, x)) { if (neg) return -1; pos = 1 } } return pos }'
  oglogins
  # uid-0 accounts whatever their shell: sshd authenticates root with nologin too (a key opens forwards), and PermitRootLogin
  # in a Match block for it is what lets it in.
  OGL="$OGL $(awk -F: 'NF >= 7 && $3 == 0 { print $1 }' "$P")"
  # Contexts that can differ: accounts only matter through Match User and Match Group, so accounts that every Match line
  # selects or rejects alike share one sshd -T -C run (the first of them stands for the rest), and accounts no Match line
  # can select are the global view and get none. Patterns as sshd matches them (* ?, !negation, comma lists; Group over
  # primary and supplementary groups). Group membership is read from /etc/group only when nsswitch.conf resolves groups
  # from files alone; otherwise each account is its own class.
  ns=/etc/nsswitch.conf; [ -r $ns ] || ns=/dev/null
  awk -v ogl="$OGL" -v o="$T/cls" -v P="$P" -v gx="$gx" "$OGMATCH$ogeq"'
    BEGIN { if (gx) nssx = 1 }
    FILENAME == ARGV[1] { if ($1 == "group:") for (i = 2; i <= NF; i++) if ($i != "files" && $i != "systemd" && $i !~ /^\\[/) nssx = 1; next }
    FILENAME == P { if (split($0, f, ":") >= 7) all[++na] = f[1]; pg[f[1]] = f[4]; next }
    FILENAME == "/etc/group" { split($0, f, ":"); gn[f[3]] = f[1]; n = split(f[4], m, ","); for (i = 1; i <= n; i++) sg[m[i]] = sg[m[i]] "," f[1]; next }
    tolower($1) == "match" { nl++; for (i = 2; i < NF; i++) { k = tolower($i); v = $(i + 1); gsub(/"/, "", v); if (k == "user") { crit[nl] = crit[nl] "\\001u" v } else if (k == "group") { crit[nl] = crit[nl] "\\001g" v; anyg = 1 } } }
    END { nu = split(ogl, us, " "); for (j = 1; j <= na; j++) us[++nu] = all[j]
      for (j = 1; j <= nu; j++) { u = us[j]; if (u in done) continue; done[u] = 1; grp = substr(sg[u], 2); if (u in pg && (pg[u] in gn)) grp = gn[pg[u]] (grp == "" ? "" : "," grp); sig = ""; any = 0
        for (l = 1; l <= nl; l++) { hit = 1; nc = split(substr(crit[l], 2), c, "\\001")
          for (x = 1; x <= nc; x++) { t = substr(c[x], 1, 1); v = substr(c[x], 2)
            if (t == "u" && plist(u, v) != 1) hit = 0
            if (t == "g") { ng = split(grp, gs, ","); found = 0; neg = 0; for (y = 1; y <= ng; y++) { r = plist(gs[y], v); if (r < 0) neg = 1; else if (r > 0) found = 1 } if (neg || !found) hit = 0 } }
          sig = sig hit; if (hit) any = 1 }
        if (!any) continue
        if (anyg && nssx) sig = sig ":" u
        if (!(sig in rep)) { rep[sig] = u; order[++nk] = sig } mem[sig] = mem[sig] " " u }
      for (k = 1; k <= nk; k++) print rep[order[k]] "\\t" substr(mem[order[k]], 2) > o }' $ns "$P" /etc/group $cfgs
  n=0; : > "$T/ctx"
  while IFS='	' read -r u members; do
    for a in $addrs; do for l in $lc; do for rv in $rd; do [ "$l" = - ] && l=; [ "$rv" = - ] && rv=
      case "$a" in h=*) hn=\${a#h=}; ad=203.0.113.10;; *) hn=$a; ad=$a;; esac
      n=$((n + 1)); ogsshd -C "user=$u,host=$hn,addr=$ad$l$rv" > "$T/c$n" 2>&1
      printf '%s\\t%s\\t%s\\t%s\\n' "$n" "$?" "host=$hn,addr=$ad$l$rv" "$members" >> "$T/ctx"
    done; done; done
  done < "$T/cls"
  # One awk prints every context, for every login account it stands for, as the lines that differ from the global view; and
  # for every account each AuthorizedKeysFile any of its contexts names (a Match Address block can name another file for
  # connections from there). Accounts whose shell cannot start a session have contexts for that alone: a key still
  # authenticates them and opens forwards.
  awk -v B="$B" -v T="$T" -v o="$T/akf" -v ogl="$OGL" 'BEGIN { n = split(ogl, x, " "); for (i = 1; i <= n; i++) lg[x[i]] = 1 } FILENAME == ARGV[1] { g[$0] = 1; next }
    { split($0, f, "\\t"); file = T "/c" f[1]; d = ""; ak = ""; while ((getline l < file) > 0) { if (!(l in g)) d = d l "\\n"; if (l ~ /^authorizedkeysfile /) ak = substr(l, 20) } close(file)
      nm = split(f[4], mem, " "); for (j = 1; j <= nm; j++) { if (mem[j] in lg) printf "%s ctx user=%s,%s\\n%s%s eoc %d\\n", B, mem[j], f[3], d, B, f[2]; if (ak != "" && !seen[mem[j] "\\t" ak]++) print mem[j] "\\t" ak > o } }' "$T/sshd-g" "$T/ctx"
fi`;

export const SSHD_SECTION_BODIES: Record<string, string> = {
  sshd: SSHD,
};

/** The evidence command shown for each section (what an operator can run by hand). */
export const SSHD_SECTION_COMMANDS: Record<string, string> = {
  sshd: "sshd -T -f CONFIG (the running daemon's -f)",
};
