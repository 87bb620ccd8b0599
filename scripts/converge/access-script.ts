/**
 * The POSIX sh script that converges (or, with mode check, only compares) one
 * host's access policy. Pure: policy in, script text out. It runs as root
 * (`sudo -n sh -s`, under the step runner); data travels in quoted
 * here-documents whose delimiter never occurs in the data (ARCHITECTURE.md,
 * "Never lock ourselves out").
 *
 * All or nothing per host: first everything is rendered and validated — each
 * account's authorized_keys (ssh-keygen -l), the whole sudoers set as it would
 * be after the change, assembled next to the live one and checked with
 * `visudo -c` — and only then written, each file to a temporary name and
 * renamed. Any problem: nothing is written.
 *
 * The login account (the inventory user, the account sudo was called from, or
 * any account whose uid or authorized_keys file is the same) is never
 * managed: a policy that would is refused on the host too.
 *
 * All of /etc/sudoers.d is managed, with sudo's own file-name rules (names
 * containing '.' or ending in '~' are not read by sudo and are left alone):
 * `opsgate-role-*` files are exactly the rendered ones; in any other file a
 * user specification or include that the allow list does not name is drift,
 * and converge comments it out (`Defaults` and aliases grant nothing alone and
 * stay). Every other file sudo reads — /etc/sudoers and the files and
 * directories it includes, followed as sudo does — is managed for the managed
 * accounts: a rule not on the allow list that names one is commented out the
 * same way; one that reaches it only through a group or ALL is reported for a
 * person. A rule that grants the login account is never commented out, in any
 * file: it is reported. A change to any sudoers file is commit-confirmed: the
 * dead-man timer is armed (for sudoers.d and every other file about to change)
 * before anything is installed.
 *
 * Output protocol, one line each, tab-separated, prefixed `OG`:
 *   OG keys-add ACCOUNT LINE | OG keys-remove ACCOUNT LINE | OG keys-written ACCOUNT
 *   OG account-missing ACCOUNT | OG login-account-refused ACCOUNT | OG keys-invalid ACCOUNT | OG keys-refused ACCOUNT REASON
 *   OG sudoers-drift NAME add|remove|differs | OG sudoers-rule NAME LINE TEXT
 *   OG sudoers-login-rule NAME LINE TEXT | OG sudoers-group-rule NAME LINE TEXT (NAME: a sudoers.d file name, or an absolute path)
 *   OG sudoers-invalid MESSAGE | OG sudoers-written NAME | OG sudoers-removed NAME
 *   OG confirm-armed ID | OG nothing-installed | OG error MESSAGE
 */
import { createHash } from 'node:crypto';
import { ARM_FUNCTION } from '../remote/commit-confirm.ts';
import { LINK_SAFETY_FUNCTION } from '../remote/link-safety.ts';
import { KEYS_WRITER_FUNCTIONS } from './access-keys-writer.ts';
import { shellText } from '../remote/shell-text.ts';
import { quoteArg } from '../ssh/quote.ts';
import { keyBlobOf, SUDOERS_PREFIX, type AccessPolicy } from './access.ts';

export type ConvergeMode = 'apply' | 'check';

export interface AccessScriptOptions {
  /** The inventory login user of the host: never managed. */
  loginUser: string;
  /** Canonical sudoers lines the policy allows in unmanaged files (sudoers-allow.ts). */
  allowed: readonly string[];
  /** Dead-man timer for a sudoers.d change: id and seconds. */
  confirm: { id: string; seconds: number };
}

function heredoc(content: string): string {
  const delim = `OPSGATE_EOF_${createHash('sha256').update(content).digest('hex').slice(0, 20)}`;
  if (content.split('\n').includes(delim)) throw new Error('here-document delimiter occurs in the data');
  return `<<'${delim}'\n${content}${content.endsWith('\n') || content === '' ? '' : '\n'}${delim}`;
}

const PRELUDE = shellText(String.raw`set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
umask 077
fail=0
T=$(mktemp -d) || exit 90
STAGE=
trap 'rm -rf "$T"; [ -z "$STAGE" ] || rm -rf "$STAGE"' EXIT
lent=$(getent passwd "$LOGIN") || lent=
luid=$(printf '%s' "$lent" | cut -d: -f3); lhome=$(printf '%s' "$lent" | cut -d: -f6)
lkeys="$lhome/.ssh/authorized_keys"
: > "$T/install"; : > "$T/managed"
og_keys() {
  acct=$1; cat > "$T/want.$acct"; printf '%s\n' "$acct" >> "$T/managed"
  if ! entry=$(getent passwd "$acct"); then
    if [ -s "$T/want.$acct" ]; then printf 'OG\taccount-missing\t%s\n' "$acct"; fail=1; fi
    return 0
  fi
  home=$(printf '%s' "$entry" | cut -d: -f6); uid=$(printf '%s' "$entry" | cut -d: -f3); gid=$(printf '%s' "$entry" | cut -d: -f4)
  f="$home/.ssh/authorized_keys"
  if [ "$acct" = "$LOGIN" ] || [ "$acct" = "%{SUDO_USER:-}" ] || [ "$uid" = "$luid" ] || { [ -e "$f" ] && [ -e "$lkeys" ] && [ "$f" -ef "$lkeys" ]; }; then
    printf 'OG\tlogin-account-refused\t%s\n' "$acct"; fail=1; return 0
  fi
  # The account owns its home, so it can put a link where its keys go: read or write nothing through one (a link to
  # /etc/shadow would list shadow's lines as keys; ~/.ssh -> /etc/ssh would be chowned to the account).
  if why=$(og_keys_unsafe "$home"); then printf 'OG\tkeys-refused\t%s\t%s\n' "$acct" "$why"; fail=1; return 0; fi
  if [ ! -e "$f" ] && [ ! -s "$T/want.$acct" ]; then return 0; fi
  # Who would read and write (access-keys-writer.ts) and whether it may: refused here, before anything is read or
  # installed. The keys are then read by that one, never by root for the account.
  if why=$(og_keys_refusal "$acct" "$home"); then printf 'OG\tkeys-refused\t%s\t%s\n' "$acct" "$why"; fail=1; return 0; fi
  # A FIFO, an endless or huge source (swapped in after the check) is refused, not waited for or read whole.
  og_keys_get "$acct" "$home" "$uid" "$gid" > "$T/cur"; rc=$?
  if why=$(og_keys_read_refusal "$rc" "$f" "$acct" "$home" "$T/cur"); then printf 'OG\tkeys-refused\t%s\t%s\n' "$acct" "$why"; fail=1; return 0; fi
  grep -v '^[[:space:]]*$' "$T/cur" | grep -v '^[[:space:]]*#' > "$T/have" || :
  sort -u "$T/want.$acct" > "$T/w"; sort -u "$T/have" > "$T/h"
  comm -13 "$T/h" "$T/w" | while IFS= read -r l; do printf 'OG\tkeys-add\t%s\t%s\n' "$acct" "$l"; done
  comm -23 "$T/h" "$T/w" | while IFS= read -r l; do printf 'OG\tkeys-remove\t%s\t%s\n' "$acct" "$l"; done
  if [ "$rc" = 0 ] && cmp -s "$T/want.$acct" "$T/cur"; then return 0; fi
  if [ "$rc" = 3 ] && [ ! -s "$T/want.$acct" ]; then return 0; fi
  if [ -s "$T/want.$acct" ] && command -v ssh-keygen >/dev/null 2>&1 && ! ssh-keygen -l -f "$T/want.$acct" >/dev/null 2>&1; then
    printf 'OG\tkeys-invalid\t%s\n' "$acct"; fail=1; return 0
  fi
  printf '%s\t%s\t%s\t%s\n' "$acct" "$home" "$uid" "$gid" >> "$T/install"
}
SD=/etc/sudoers.d
mkdir -p "$T/sudo"
og_sudo() { cat > "$T/sudo/$1"; }
og_allow() { cat > "$T/allowed"; }
`);

/**
 * The sudoers filter, one source file at a time. A user specification (or, in /etc/sudoers.d, an include) that
 * the allow list does not name is classified by whom its user list grants — names, `#uid`, `%group`, `%#gid`,
 * `ALL` and User_Alias expanded (ids and aliases from the file `idf`):
 * - it grants the login account: kept as it is, reported `sudoers-login-rule` (never destroyed, in any file);
 * - in /etc/sudoers.d (mode d), or it names a managed account: commented out, reported `sudoers-rule`;
 * - it grants a managed account only through a group or ALL (mode main): kept, reported `sudoers-group-rule`
 *   (commenting out `%sudo` would take sudo from everyone else in it: a person takes the account out of the group);
 * - anything else (mode main: the distribution's and other accounts' rules) is not opsgate's business.
 * With `stagedf`, the same text goes there with every include directive pointed at its staged copy (`mapf`).
 */
const FILTER_AWK = String.raw`function canon(s) { gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); gsub(/ ?= ?/, "=", s); gsub(/ ?, ?/, ",", s); gsub(/ ?: ?/, ":", s); gsub(/ ?\( ?/, "(", s); gsub(/ ?\) ?/, ")", s); return s }
function visit(x, depth,   m, i, parts) {
  gsub(/^[ \t"]+|[ \t"]+$/, "", x)
  if (x == "" || x ~ /^!/) return
  if ((x in alias) && depth < 8) { m = split(alias[x], parts, ","); for (i = 1; i <= m; i++) visit(parts[i], depth + 1); return }
  if (x == "ALL") { gl = 1; gg = gg " ALL"; return }
  if (x in login) gl = 1
  if (x in managed) gm = gm " " managed[x]
  if (x in mgroup) gg = gg " " x
}
function emit(line,   p, ap, pre) {
  print line
  if (stagedf == "") return
  if (match(line, /^[ \t]*[@#]include(dir)?[ \t]+/)) {
    pre = substr(line, 1, RLENGTH); p = substr(line, RLENGTH + 1); sub(/[ \t]+$/, "", p)
    ap = (p ~ /^\//) ? p : dir "/" p
    if (ap in map) { print pre map[ap] > stagedf; return }
  }
  print line > stagedf
}
BEGIN {
  while ((getline l < allowf) > 0) ok[l] = 1
  while ((getline l < idf) > 0) {
    split(l, f, "\t")
    if (f[1] == "L") login[f[2]] = 1
    else if (f[1] == "M" && f[2] ~ /^%/) mgroup[f[2]] = 1
    else if (f[1] == "M") managed[f[2]] = f[3]
    else if (f[1] == "A") alias[f[2]] = f[3]
  }
  if (mapf != "") while ((getline l < mapf) > 0) { split(l, f, "\t"); map[f[1]] = f[2] }
  n = 0; buf = ""
}
{
  if (n == 0) start = FNR
  raw[++n] = $0
  if ($0 ~ /\\$/) { buf = buf substr($0, 1, length($0) - 1) " "; next }
  t = buf $0; buf = ""; sub(/^[ \t]+/, "", t)
  inc = (t ~ /^[@#]include/)
  spec = !(t == "" || (t ~ /^#/ && !inc) || t ~ /^Defaults/ || t ~ /^(User|Runas|Host|Cmnd|Cmd)_Alias[ \t]/ || (inc && mode != "d"))
  what = ""
  if (spec && !(canon(t) in ok)) {
    gl = 0; gm = ""; gg = ""
    if (!inc) { u = t; gsub(/[ \t]*,[ \t]*/, ",", u); split(u, w, /[ \t]+/); m = split(w[1], it, ","); for (i = 1; i <= m; i++) visit(it[i], 0) }
    if (gl) what = "sudoers-login-rule"
    else if (mode == "d" || gm != "") what = "sudoers-rule"
    else if (gg != "") what = "sudoers-group-rule"
  }
  if (what == "sudoers-rule") { for (i = 1; i <= n; i++) emit("# opsgate: not in the access policy: " raw[i]) }
  else for (i = 1; i <= n; i++) emit(raw[i])
  if (what != "") { gsub(/\t/, " ", t); printf "OG\t%s\t%s\t%d\t%s\n", what, name, start, t >> drift }
  n = 0
}
END { for (i = 1; i <= n; i++) emit(raw[i]) }`;

/** User_Alias definitions of every source, as `A<TAB>NAME<TAB>member,member` lines. */
const ALIAS_AWK = String.raw`{ if ($0 ~ /\\$/) { buf = buf substr($0, 1, length($0) - 1) " "; next } t = buf $0; buf = ""; sub(/^[ \t]+/, "", t)
  if (t !~ /^User_Alias[ \t]/) next
  sub(/^User_Alias[ \t]+/, "", t); m = split(t, defs, ":")
  for (i = 1; i <= m; i++) { e = index(defs[i], "="); if (!e) continue; a = substr(defs[i], 1, e - 1); v = substr(defs[i], e + 1); gsub(/[ \t]/, "", a); gsub(/[ \t]/, "", v); print "A\t" a "\t" v } }`;

const SUDOERS_PART = shellText(String.raw`
command -v visudo >/dev/null 2>&1 || { printf 'OG\tsudoers-invalid\tvisudo is not installed\n'; fail=1; }
grep -Eq '^[[:space:]]*[@#]includedir[[:space:]]+/etc/sudoers\.d[[:space:]]*$' /etc/sudoers || { printf 'OG\tsudoers-invalid\t/etc/sudoers does not include /etc/sudoers.d\n'; fail=1; }
[ -f "$T/allowed" ] || : > "$T/allowed"
tab=$(printf '\t')
# The whole policy as it would be after the change, next to the live one (same filesystem, so each move is atomic).
STAGE=$(mktemp -d "$SD/.opsgate-stage.XXXXXX") || exit 91
mkdir "$STAGE/d" "$STAGE/s"
: > "$T/sudo-changes"; : > "$T/drift"
# Every file sudo reads besides /etc/sudoers.d: /etc/sudoers and what it includes (files, other directories with
# sudo's name rules), followed as sudo does (a relative path is relative to the including file). path<TAB>staged.
printf '/etc/sudoers\t%s\n' "$STAGE/sudoers" > "$T/srcs"
printf '%s\t%s\n' "$SD" "$STAGE/d" > "$T/map"
i=1 j=0
while [ "$i" -le 64 ] && f=$(sed -n "%{i}p" "$T/srcs" | cut -f1) && [ -n "$f" ]; do
  d=$(dirname -- "$f")
  sed -n -E 's/^[[:space:]]*[@#]include(dir)?[[:space:]]+([^[:space:]]+)[[:space:]]*$/x\1 \2/p' "$f" 2>/dev/null > "$T/incs"
  while read -r kind p; do
    case $p in /*) ;; *) p="$d/$p" ;; esac
    if [ "$kind" = xdir ]; then
      [ "$p" != "$SD" ] && [ -d "$p" ] || continue
      cut -f1 "$T/map" | grep -Fxq -- "$p" && continue
      j=$((j + 1)); mkdir -p "$STAGE/dir$j"; printf '%s\t%s\n' "$p" "$STAGE/dir$j" >> "$T/map"
      for g in "$p"/*; do
        [ -f "$g" ] || continue
        b=%{g##*/}; case $b in *.*|*~) continue ;; esac
        cut -f1 "$T/srcs" | grep -Fxq -- "$g" || printf '%s\t%s\n' "$g" "$STAGE/dir$j/$b" >> "$T/srcs"
      done
    elif [ -f "$p" ]; then
      cut -f1 "$T/srcs" | grep -Fxq -- "$p" || { j=$((j + 1)); printf '%s\t%s\n' "$p" "$STAGE/s/$j" >> "$T/srcs"; }
    fi
  done < "$T/incs"
  i=$((i + 1))
done
cat "$T/srcs" >> "$T/map"
# Who is who: the login account (its rules are never destroyed) and the managed accounts, by name, uid and groups.
og_who() {
  printf '%s\t%s\t%s\n' "$1" "$2" "$2"
  e=$(getent passwd "$2") || return 0
  printf '%s\t#%s\t%s\n' "$1" "$(printf '%s' "$e" | cut -d: -f3)" "$2"
  for g in $(id -Gn -- "$2" 2>/dev/null); do printf '%s\t%%%s\t%s\n' "$1" "$g" "$2"; done
  for g in $(id -G -- "$2" 2>/dev/null); do printf '%s\t%%#%s\t%s\n' "$1" "$g" "$2"; done
}
{
  og_who L "$LOGIN"; [ -z "%{SUDO_USER:-}" ] || og_who L "$SUDO_USER"
  while IFS= read -r a; do og_who M "$a"; done < "$T/managed"
  { cut -f1 "$T/srcs"; for f in "$SD"/*; do b=%{f##*/}; case $b in *.*|*~) ;; *) printf '%s\n' "$f" ;; esac; done; } |
    while IFS= read -r f; do [ -f "$f" ] && cat -- "$f"; done | awk '@ALIAS@'
} > "$T/ids"
while IFS=$tab read -r f st; do
  awk -v mode=main -v allowf="$T/allowed" -v idf="$T/ids" -v drift="$T/drift" -v name="$f" -v dir="$(dirname -- "$f")" -v stagedf="$st" -v mapf="$T/map" '@FILTER@' "$f" > "$st.new"
  cmp -s "$st.new" "$f" || printf 'main\t%s\t%s\n' "$f" "$st.new" >> "$T/sudo-changes"
done < "$T/srcs"
for f in "$SD"/*; do
  [ -f "$f" ] || continue
  b=%{f##*/}
  case $b in *.*|*~) continue ;; @PREFIX@*) continue ;; esac
  awk -v mode=d -v allowf="$T/allowed" -v idf="$T/ids" -v drift="$T/drift" -v name="$b" -v stagedf= -v mapf= '@FILTER@' "$f" > "$STAGE/d/$b"
  cmp -s "$STAGE/d/$b" "$f" || printf 'write\t%s\n' "$b" >> "$T/sudo-changes"
done
for f in "$T"/sudo/*; do
  [ -e "$f" ] || continue
  b=%{f##*/}
  cp "$f" "$STAGE/d/$b"
  if [ ! -e "$SD/$b" ]; then printf 'OG\tsudoers-drift\t%s\tadd\n' "$b"; printf 'write\t%s\n' "$b" >> "$T/sudo-changes"
  elif ! cmp -s "$f" "$SD/$b"; then printf 'OG\tsudoers-drift\t%s\tdiffers\n' "$b"; printf 'write\t%s\n' "$b" >> "$T/sudo-changes"; fi
done
for f in "$SD"/@PREFIX@*; do
  [ -e "$f" ] || continue
  b=%{f##*/}
  [ -e "$T/sudo/$b" ] || { printf 'OG\tsudoers-drift\t%s\tremove\n' "$b"; printf 'remove\t%s\n' "$b" >> "$T/sudo-changes"; }
done
cat "$T/drift"
chown -R root:root "$STAGE" 2>/dev/null; find "$STAGE" -type f -exec chmod 0440 {} + 2>/dev/null
if [ -s "$T/sudo-changes" ] && ! out=$(visudo -c -f "$STAGE/sudoers" 2>&1); then
  printf 'OG\tsudoers-invalid\t%s\n' "$(printf '%s' "$out" | sed -e "s|$STAGE/d/|/etc/sudoers.d/|g" -e "s|$STAGE/sudoers|/etc/sudoers|g" | tr '\t\n' '  ')"
  fail=1
fi
[ "$MODE" = apply ] || exit $fail
# A sudoers file to write must be that file itself (og_unsafe, link-safety.ts): no link anywhere on its path, never
# one name of an inode with others (a write or rename there changes, or leaves behind, another file). Refused before
# anything is installed.
while IFS=$tab read -r what f st; do
  case $what in main) p=$f ;; write) p="$SD/$f" ;; *) continue ;; esac
  if why=$(og_unsafe "$p"); then printf 'OG\terror\trefused to rewrite %s: %s\n' "$p" "$why"; fail=1; fi
done < "$T/sudo-changes"
if [ "$fail" != 0 ]; then printf 'OG\tnothing-installed\n'; exit 1; fi
# Everything is valid: arm the dead-man timer for a change to any sudoers file, then install.
if [ -s "$T/sudo-changes" ]; then
  set -- /etc/sudoers.d
  while IFS=$tab read -r what f st; do [ "$what" != main ] || set -- "$@" "$f"; done < "$T/sudo-changes"
  og_arm "$CID" "$CSECS" - "$@" || exit 1
fi
while IFS="$(printf '\t')" read -r acct home uid gid; do
  # Checked again just before writing (a clear refusal for a link the account planted since), but a check cannot
  # hold until the writes: the account owns its home, so it can swap ~/.ssh for a link to /root/.ssh between the two.
  # og_keys_put makes that swap harmless: the writes run with the account's own privileges whenever a non-root
  # account could change the path.
  if ! og_keys_unsafe "$home" >/dev/null && og_keys_put "$acct" "$home" "$uid" "$gid" < "$T/want.$acct"; then printf 'OG\tkeys-written\t%s\n' "$acct"
  else printf 'OG\terror\tcannot write the keys of %s\n' "$acct"; fail=1; fi
done < "$T/install"
while IFS=$tab read -r what b st; do
  if [ "$what" = write ]; then mv -f "$STAGE/d/$b" "$SD/$b" && printf 'OG\tsudoers-written\t%s\n' "$b" || fail=1
  elif [ "$what" = main ]; then
    # Beside the file and renamed over it; in place when it is a mount point. Owner and mode stay the file's.
    n=$(mktemp "$(dirname -- "$b")/.opsgate-sudoers.XXXXXX") && cat "$st" > "$n" && chown --reference="$b" "$n" && chmod --reference="$b" "$n" &&
    { mv -f "$n" "$b" 2>/dev/null || { cat "$n" > "$b" && rm -f "$n"; }; } && printf 'OG\tsudoers-written\t%s\n' "$b" || { rm -f "$n"; printf 'OG\terror\tcannot write %s\n' "$b"; fail=1; }
  else rm -f "$SD/$b" && printf 'OG\tsudoers-removed\t%s\n' "$b" || fail=1; fi
done < "$T/sudo-changes"
visudo -c >/dev/null 2>&1 || { printf 'OG\tsudoers-invalid\tthe live policy fails visudo -c after the change\n'; fail=1; }
exit $fail
`);

export function renderAccessScript(policy: AccessPolicy, mode: ConvergeMode, o: AccessScriptOptions): string {
  if (!/^[a-z_][a-z0-9_-]*$/.test(o.loginUser)) throw new Error(`login user '${o.loginUser}' is not a safe account name`);
  if (!/^[A-Za-z0-9._-]+$/.test(o.confirm.id)) throw new Error(`confirmation id '${o.confirm.id}' is not safe`);
  const parts = [
    `MODE=${mode} LOGIN=${quoteArg(o.loginUser)} CID=${quoteArg(o.confirm.id)} CSECS=${Math.max(5, Math.floor(o.confirm.seconds))}`,
    LINK_SAFETY_FUNCTION,
    KEYS_WRITER_FUNCTIONS,
    PRELUDE,
    ARM_FUNCTION,
  ];
  for (const a of policy.accounts) {
    if (!/^[a-z_][a-z0-9_-]*$/.test(a.account)) throw new Error(`account name '${a.account}' is not safe`);
    parts.push(`og_keys ${quoteArg(a.account)} ${heredoc(a.content)}`);
  }
  for (const s of policy.sudoers) {
    if (!/^[a-z0-9-]+$/.test(s.name)) throw new Error(`sudoers file name '${s.name}' is not safe`);
    parts.push(`og_sudo ${quoteArg(s.name)} ${heredoc(s.content)}`);
  }
  parts.push(`og_allow ${heredoc(o.allowed.map((l) => `${l}\n`).join(''))}`);
  const q = (awk: string) => awk.replace(/'/g, `'\\''`);
  parts.push(
    SUDOERS_PART.replaceAll('@PREFIX@', SUDOERS_PREFIX)
      .replaceAll('@FILTER@', () => q(FILTER_AWK))
      .replace('@ALIAS@', () => q(ALIAS_AWK)),
  );
  return parts.join('\n');
}

export type AccessReportLine =
  | { type: 'keys-add' | 'keys-remove'; account: string; line: string }
  | { type: 'keys-written' | 'account-missing' | 'login-account-refused' | 'keys-invalid'; account: string }
  | { type: 'keys-refused'; account: string; reason: string }
  | { type: 'sudoers-drift'; name: string; what: string }
  | { type: 'sudoers-rule' | 'sudoers-login-rule' | 'sudoers-group-rule'; name: string; line: number; text: string }
  | { type: 'sudoers-invalid' | 'error'; message: string }
  | { type: 'sudoers-written' | 'sudoers-removed'; name: string }
  | { type: 'confirm-armed'; id: string }
  | { type: 'nothing-installed' };

/**
 * A removed authorized_keys line as the report and records/ keep it: a public key line as it is (its fingerprint and
 * comment say which key went), anything else only by its length. The host read it from a file the account controls:
 * were that ever another file's text (a link to /etc/shadow), it would not reach the repository.
 */
function removedLine(line: string): string {
  return keyBlobOf(line) ? line : `(not-a-public-key-line,${line.length}-characters)`;
}

/** Parses the script's OG lines; other lines are ignored. Pure. */
export function parseAccessOutput(stdout: string): AccessReportLine[] {
  const out: AccessReportLine[] = [];
  for (const raw of stdout.split('\n')) {
    const f = raw.split('\t');
    if (f[0] !== 'OG' || !f[1]) continue;
    const [, type, a = '', b = ''] = f;
    if (type === 'keys-add') out.push({ type, account: a, line: f.slice(3).join('\t') });
    else if (type === 'keys-remove') out.push({ type, account: a, line: removedLine(f.slice(3).join('\t')) });
    else if (type === 'keys-written' || type === 'account-missing' || type === 'login-account-refused' || type === 'keys-invalid') out.push({ type, account: a });
    else if (type === 'keys-refused') out.push({ type, account: a, reason: f.slice(3).join('\t') });
    else if (type === 'sudoers-drift') out.push({ type, name: a, what: b });
    else if (type === 'sudoers-rule' || type === 'sudoers-login-rule' || type === 'sudoers-group-rule') out.push({ type, name: a, line: Number(b), text: f.slice(4).join('\t') });
    else if (type === 'sudoers-invalid' || type === 'error') out.push({ type, message: f.slice(2).join('\t') });
    else if (type === 'sudoers-written' || type === 'sudoers-removed') out.push({ type, name: a });
    else if (type === 'confirm-armed') out.push({ type, id: a });
    else if (type === 'nothing-installed') out.push({ type });
  }
  return out;
}

/** Report lines that mean the host differs from the policy. */
export function isAccessDrift(l: AccessReportLine): boolean {
  return l.type === 'keys-add' || l.type === 'keys-remove' || l.type === 'sudoers-drift' || l.type === 'sudoers-rule' || l.type === 'account-missing' || isAccessAttention(l);
}

/** Report lines converge does not fix by itself: a rule that grants the login account, or a managed account through a group. */
export function isAccessAttention(l: AccessReportLine): l is { type: 'sudoers-login-rule' | 'sudoers-group-rule'; name: string; line: number; text: string } {
  return l.type === 'sudoers-login-rule' || l.type === 'sudoers-group-rule';
}

/** Report lines that mean the converge failed on the host (nothing, or not everything, was installed). */
export function isAccessFailure(l: AccessReportLine): boolean {
  return (
    l.type === 'sudoers-invalid' ||
    l.type === 'account-missing' ||
    l.type === 'login-account-refused' ||
    l.type === 'keys-invalid' ||
    l.type === 'keys-refused' ||
    l.type === 'error' ||
    l.type === 'nothing-installed'
  );
}
