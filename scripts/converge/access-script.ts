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
 * stay). A change to sudoers.d is commit-confirmed: the dead-man timer is
 * armed before anything is installed.
 *
 * Output protocol, one line each, tab-separated, prefixed `OG`:
 *   OG keys-add ACCOUNT LINE | OG keys-remove ACCOUNT LINE | OG keys-written ACCOUNT
 *   OG account-missing ACCOUNT | OG login-account-refused ACCOUNT | OG keys-invalid ACCOUNT
 *   OG sudoers-drift NAME add|remove|differs | OG sudoers-rule NAME LINE TEXT
 *   OG sudoers-invalid MESSAGE | OG sudoers-written NAME | OG sudoers-removed NAME
 *   OG confirm-armed ID | OG nothing-installed | OG error MESSAGE
 */
import { createHash } from 'node:crypto';
import { ARM_FUNCTION } from '../remote/commit-confirm.ts';
import { shellText } from '../remote/shell-text.ts';
import { quoteArg } from '../ssh/quote.ts';
import { SUDOERS_PREFIX, type AccessPolicy } from './access.ts';

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
: > "$T/install"
og_keys() {
  acct=$1; cat > "$T/want.$acct"
  if ! entry=$(getent passwd "$acct"); then
    if [ -s "$T/want.$acct" ]; then printf 'OG\taccount-missing\t%s\n' "$acct"; fail=1; fi
    return 0
  fi
  home=$(printf '%s' "$entry" | cut -d: -f6); uid=$(printf '%s' "$entry" | cut -d: -f3); gid=$(printf '%s' "$entry" | cut -d: -f4)
  f="$home/.ssh/authorized_keys"
  if [ "$acct" = "$LOGIN" ] || [ "$acct" = "%{SUDO_USER:-}" ] || [ "$uid" = "$luid" ] || { [ -e "$f" ] && [ -e "$lkeys" ] && [ "$f" -ef "$lkeys" ]; }; then
    printf 'OG\tlogin-account-refused\t%s\n' "$acct"; fail=1; return 0
  fi
  if [ -f "$f" ]; then grep -v '^[[:space:]]*$' "$f" | grep -v '^[[:space:]]*#' > "$T/have" || :; else : > "$T/have"; fi
  sort -u "$T/want.$acct" > "$T/w"; sort -u "$T/have" > "$T/h"
  comm -13 "$T/h" "$T/w" | while IFS= read -r l; do printf 'OG\tkeys-add\t%s\t%s\n' "$acct" "$l"; done
  comm -23 "$T/h" "$T/w" | while IFS= read -r l; do printf 'OG\tkeys-remove\t%s\t%s\n' "$acct" "$l"; done
  if [ -f "$f" ] && cmp -s "$T/want.$acct" "$f"; then return 0; fi
  if [ ! -f "$f" ] && [ ! -s "$T/want.$acct" ]; then return 0; fi
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

/** Comments out user specifications and includes not on the allow list; prints drift to the file named by `drift`. */
const FILTER_AWK = String.raw`function canon(s) { gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); gsub(/ ?= ?/, "=", s); gsub(/ ?, ?/, ",", s); gsub(/ ?: ?/, ":", s); gsub(/ ?\( ?/, "(", s); gsub(/ ?\) ?/, ")", s); return s }
BEGIN { while ((getline l < allowf) > 0) ok[l] = 1; n = 0; buf = "" }
{
  if (n == 0) start = FNR
  raw[++n] = $0
  if ($0 ~ /\\$/) { buf = buf substr($0, 1, length($0) - 1) " "; next }
  t = buf $0; buf = ""; sub(/^[ \t]+/, "", t)
  spec = !(t == "" || (t ~ /^#/ && t !~ /^#include/) || t ~ /^Defaults/ || t ~ /^(User|Runas|Host|Cmnd|Cmd)_Alias[ \t]/)
  if (spec && !(canon(t) in ok)) {
    for (i = 1; i <= n; i++) print "# opsgate: not in the access policy: " raw[i]
    gsub(/\t/, " ", t); printf "OG\tsudoers-rule\t%s\t%d\t%s\n", name, start, t >> drift
  } else for (i = 1; i <= n; i++) print raw[i]
  n = 0
}
END { for (i = 1; i <= n; i++) print raw[i] }`;

const SUDOERS_PART = shellText(String.raw`
command -v visudo >/dev/null 2>&1 || { printf 'OG\tsudoers-invalid\tvisudo is not installed\n'; fail=1; }
grep -Eq '^[[:space:]]*[@#]includedir[[:space:]]+/etc/sudoers\.d[[:space:]]*$' /etc/sudoers || { printf 'OG\tsudoers-invalid\t/etc/sudoers does not include /etc/sudoers.d\n'; fail=1; }
[ -f "$T/allowed" ] || : > "$T/allowed"
# The whole policy as it would be after the change, next to the live one (same filesystem, so each move is atomic).
STAGE=$(mktemp -d "$SD/.opsgate-stage.XXXXXX") || exit 91
mkdir "$STAGE/d"
: > "$T/sudo-changes"; : > "$T/drift"
for f in "$SD"/*; do
  [ -f "$f" ] || continue
  b=%{f##*/}
  case $b in *.*|*~) continue ;; @PREFIX@*) continue ;; esac
  awk -v allowf="$T/allowed" -v drift="$T/drift" -v name="$b" '@FILTER@' "$f" > "$STAGE/d/$b"
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
chown root:root "$STAGE/d"/* 2>/dev/null; chmod 0440 "$STAGE/d"/* 2>/dev/null
sed -E "s|^([[:space:]]*[@#]includedir[[:space:]]+)/etc/sudoers\.d[[:space:]]*$|\1$STAGE/d|" /etc/sudoers > "$STAGE/sudoers"
chmod 0440 "$STAGE/sudoers"
if [ -s "$T/sudo-changes" ] && ! out=$(visudo -c -f "$STAGE/sudoers" 2>&1); then
  printf 'OG\tsudoers-invalid\t%s\n' "$(printf '%s' "$out" | sed "s|$STAGE/d/|/etc/sudoers.d/|g" | tr '\t\n' '  ')"
  fail=1
fi
[ "$MODE" = apply ] || exit $fail
if [ "$fail" != 0 ]; then printf 'OG\tnothing-installed\n'; exit 1; fi
# Everything is valid: arm the dead-man timer for a sudoers.d change, then install.
if [ -s "$T/sudo-changes" ]; then og_arm "$CID" "$CSECS" - /etc/sudoers.d || exit 1; fi
while IFS="$(printf '\t')" read -r acct home uid gid; do
  mkdir -p "$home/.ssh" && chown "$uid:$gid" "$home/.ssh" && chmod 700 "$home/.ssh" &&
  n=$(mktemp "$home/.ssh/.authorized_keys.opsgate.XXXXXX") &&
  cat "$T/want.$acct" > "$n" && chown "$uid:$gid" "$n" && chmod 600 "$n" && mv -f "$n" "$home/.ssh/authorized_keys" &&
  printf 'OG\tkeys-written\t%s\n' "$acct" || { rm -f "$n"; printf 'OG\terror\tcannot write the keys of %s\n' "$acct"; fail=1; }
done < "$T/install"
while IFS="$(printf '\t')" read -r what b; do
  if [ "$what" = write ]; then mv -f "$STAGE/d/$b" "$SD/$b" && printf 'OG\tsudoers-written\t%s\n' "$b" || fail=1
  else rm -f "$SD/$b" && printf 'OG\tsudoers-removed\t%s\n' "$b" || fail=1; fi
done < "$T/sudo-changes"
visudo -c >/dev/null 2>&1 || { printf 'OG\tsudoers-invalid\tthe live policy fails visudo -c after the change\n'; fail=1; }
exit $fail
`);

export function renderAccessScript(policy: AccessPolicy, mode: ConvergeMode, o: AccessScriptOptions): string {
  if (!/^[a-z_][a-z0-9_-]*$/.test(o.loginUser)) throw new Error(`login user '${o.loginUser}' is not a safe account name`);
  if (!/^[A-Za-z0-9._-]+$/.test(o.confirm.id)) throw new Error(`confirmation id '${o.confirm.id}' is not safe`);
  const parts = [`MODE=${mode} LOGIN=${quoteArg(o.loginUser)} CID=${quoteArg(o.confirm.id)} CSECS=${Math.max(5, Math.floor(o.confirm.seconds))}`, PRELUDE, ARM_FUNCTION];
  for (const a of policy.accounts) {
    if (!/^[a-z_][a-z0-9_-]*$/.test(a.account)) throw new Error(`account name '${a.account}' is not safe`);
    parts.push(`og_keys ${quoteArg(a.account)} ${heredoc(a.content)}`);
  }
  for (const s of policy.sudoers) {
    if (!/^[a-z0-9-]+$/.test(s.name)) throw new Error(`sudoers file name '${s.name}' is not safe`);
    parts.push(`og_sudo ${quoteArg(s.name)} ${heredoc(s.content)}`);
  }
  parts.push(`og_allow ${heredoc(o.allowed.map((l) => `${l}\n`).join(''))}`);
  parts.push(SUDOERS_PART.replaceAll('@PREFIX@', SUDOERS_PREFIX).replace('@FILTER@', () => FILTER_AWK.replace(/'/g, `'\\''`)));
  return parts.join('\n');
}

export type AccessReportLine =
  | { type: 'keys-add' | 'keys-remove'; account: string; line: string }
  | { type: 'keys-written' | 'account-missing' | 'login-account-refused' | 'keys-invalid'; account: string }
  | { type: 'sudoers-drift'; name: string; what: string }
  | { type: 'sudoers-rule'; name: string; line: number; text: string }
  | { type: 'sudoers-invalid' | 'error'; message: string }
  | { type: 'sudoers-written' | 'sudoers-removed'; name: string }
  | { type: 'confirm-armed'; id: string }
  | { type: 'nothing-installed' };

/** Parses the script's OG lines; other lines are ignored. Pure. */
export function parseAccessOutput(stdout: string): AccessReportLine[] {
  const out: AccessReportLine[] = [];
  for (const raw of stdout.split('\n')) {
    const f = raw.split('\t');
    if (f[0] !== 'OG' || !f[1]) continue;
    const [, type, a = '', b = ''] = f;
    if (type === 'keys-add' || type === 'keys-remove') out.push({ type, account: a, line: f.slice(3).join('\t') });
    else if (type === 'keys-written' || type === 'account-missing' || type === 'login-account-refused' || type === 'keys-invalid') out.push({ type, account: a });
    else if (type === 'sudoers-drift') out.push({ type, name: a, what: b });
    else if (type === 'sudoers-rule') out.push({ type, name: a, line: Number(b), text: f.slice(4).join('\t') });
    else if (type === 'sudoers-invalid' || type === 'error') out.push({ type, message: f.slice(2).join('\t') });
    else if (type === 'sudoers-written' || type === 'sudoers-removed') out.push({ type, name: a });
    else if (type === 'confirm-armed') out.push({ type, id: a });
    else if (type === 'nothing-installed') out.push({ type });
  }
  return out;
}

/** Report lines that mean the host differs from the policy. */
export function isAccessDrift(l: AccessReportLine): boolean {
  return l.type === 'keys-add' || l.type === 'keys-remove' || l.type === 'sudoers-drift' || l.type === 'sudoers-rule' || l.type === 'account-missing';
}

/** Report lines that mean the converge failed on the host (nothing, or not everything, was installed). */
export function isAccessFailure(l: AccessReportLine): boolean {
  return l.type === 'sudoers-invalid' || l.type === 'account-missing' || l.type === 'login-account-refused' || l.type === 'keys-invalid' || l.type === 'error' || l.type === 'nothing-installed';
}
