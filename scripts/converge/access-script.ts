/**
 * The POSIX sh script that converges (or, with mode check, only compares) one
 * host's access policy. Pure: policy in, script text out. The script runs as
 * root (`sudo -n sh -s`); data travels in quoted here-documents whose
 * delimiter never occurs in the data, never on a command line.
 *
 * Output protocol, one line each, tab-separated, prefixed `OG`:
 *   OG keys-add ACCOUNT LINE | OG keys-remove ACCOUNT LINE | OG keys-written ACCOUNT
 *   OG account-missing ACCOUNT | OG sudoers-drift NAME add|remove|differs
 *   OG sudoers-invalid MESSAGE | OG sudoers-written NAME | OG sudoers-removed NAME
 */
import { createHash } from 'node:crypto';
import { quoteArg } from '../ssh/quote.ts';
import { SUDOERS_PREFIX, type AccessPolicy } from './access.ts';

export type ConvergeMode = 'apply' | 'check';

function heredoc(content: string): string {
  const delim = `OPSGATE_EOF_${createHash('sha256').update(content).digest('hex').slice(0, 20)}`;
  if (content.split('\n').includes(delim)) throw new Error('here-document delimiter occurs in the data');
  return `<<'${delim}'\n${content}${content.endsWith('\n') || content === '' ? '' : '\n'}${delim}`;
}

const PRELUDE = String.raw`set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
rc=0
T=$(mktemp -d) || exit 90
STAGE=
trap 'rm -rf "$T"; [ -z "$STAGE" ] || rm -rf "$STAGE"' EXIT
og_keys() {
  acct=$1; cat > "$T/want"
  if ! entry=$(getent passwd "$acct"); then
    if [ -s "$T/want" ]; then printf 'OG\taccount-missing\t%s\n' "$acct"; rc=1; fi
    return 0
  fi
  home=$(printf '%s' "$entry" | cut -d: -f6); uid=$(printf '%s' "$entry" | cut -d: -f3); gid=$(printf '%s' "$entry" | cut -d: -f4)
  f="$home/.ssh/authorized_keys"
  if [ -f "$f" ]; then grep -v '^[[:space:]]*$' "$f" | grep -v '^[[:space:]]*#' > "$T/have" || :; else : > "$T/have"; fi
  sort -u "$T/want" > "$T/w"; sort -u "$T/have" > "$T/h"
  comm -13 "$T/h" "$T/w" | while IFS= read -r l; do printf 'OG\tkeys-add\t%s\t%s\n' "$acct" "$l"; done
  comm -23 "$T/h" "$T/w" | while IFS= read -r l; do printf 'OG\tkeys-remove\t%s\t%s\n' "$acct" "$l"; done
  [ "$MODE" = apply ] || return 0
  if [ -f "$f" ] && cmp -s "$T/want" "$f"; then return 0; fi
  if [ ! -f "$f" ] && [ ! -s "$T/want" ]; then return 0; fi
  mkdir -p "$home/.ssh" && chown "$uid:$gid" "$home/.ssh" && chmod 700 "$home/.ssh" || { rc=1; return 0; }
  n=$(mktemp "$home/.ssh/.authorized_keys.opsgate.XXXXXX") || { rc=1; return 0; }
  cat "$T/want" > "$n" && chown "$uid:$gid" "$n" && chmod 600 "$n" && mv -f "$n" "$f" && printf 'OG\tkeys-written\t%s\n' "$acct" || { rm -f "$n"; rc=1; }
}
SD=/etc/sudoers.d
mkdir -p "$T/sudo"
og_sudo() { cat > "$T/sudo/$1"; }
`;

const SUDOERS_PART = String.raw`
for f in "$T"/sudo/* "$SD"/@PREFIX@*; do
  [ -e "$f" ] || continue
  b=$(basename "$f")
  if [ ! -e "$T/sudo/$b" ]; then printf 'OG\tsudoers-drift\t%s\tremove\n' "$b"
  elif [ ! -e "$SD/$b" ]; then printf 'OG\tsudoers-drift\t%s\tadd\n' "$b"
  elif ! cmp -s "$T/sudo/$b" "$SD/$b"; then printf 'OG\tsudoers-drift\t%s\tdiffers\n' "$b"; fi
done | sort -u
if [ "$MODE" = apply ]; then
  command -v visudo >/dev/null 2>&1 || { printf 'OG\tsudoers-invalid\tvisudo is not installed: nothing installed\n'; exit 1; }
  grep -Eq '^[[:space:]]*[@#]includedir[[:space:]]+/etc/sudoers\.d[[:space:]]*$' /etc/sudoers || { printf 'OG\tsudoers-invalid\t/etc/sudoers does not include /etc/sudoers.d: nothing installed\n'; exit 1; }
  # Assemble the whole policy as it would be after the change, next to the live one (same filesystem, so the move is atomic).
  STAGE=$(mktemp -d "$SD/.opsgate-stage.XXXXXX") || exit 91
  mkdir "$STAGE/d"
  for f in "$SD"/*; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    case $b in @PREFIX@*|*.*|*~) continue ;; esac
    cp -p "$f" "$STAGE/d/$b"
  done
  for f in "$T"/sudo/*; do [ -e "$f" ] || continue; cp "$f" "$STAGE/d/"; done
  chown root:root "$STAGE/d"/* 2>/dev/null; chmod 0440 "$STAGE/d"/* 2>/dev/null
  sed -E "s|^([[:space:]]*[@#]includedir[[:space:]]+)/etc/sudoers\.d[[:space:]]*$|\1$STAGE/d|" /etc/sudoers > "$STAGE/sudoers"
  chmod 0440 "$STAGE/sudoers"
  if ! out=$(visudo -c -f "$STAGE/sudoers" 2>&1); then
    printf 'OG\tsudoers-invalid\t%s\n' "$(printf '%s' "$out" | sed "s|$STAGE/d/|/etc/sudoers.d/|g" | tr '\t\n' '  ')"
    exit 1
  fi
  for f in "$T"/sudo/*; do
    [ -e "$f" ] || continue
    b=$(basename "$f")
    if [ -e "$SD/$b" ] && cmp -s "$f" "$SD/$b"; then continue; fi
    mv -f "$STAGE/d/$b" "$SD/$b" && printf 'OG\tsudoers-written\t%s\n' "$b" || rc=1
  done
  for f in "$SD"/@PREFIX@*; do
    [ -e "$f" ] || continue
    b=$(basename "$f")
    [ -e "$T/sudo/$b" ] || { rm -f "$f" && printf 'OG\tsudoers-removed\t%s\n' "$b"; }
  done
  visudo -c >/dev/null 2>&1 || { printf 'OG\tsudoers-invalid\tthe live policy fails visudo -c after the change\n'; rc=1; }
fi
exit $rc
`;

export function renderAccessScript(policy: AccessPolicy, mode: ConvergeMode): string {
  const parts = [PRELUDE, `MODE=${mode}`];
  for (const a of policy.accounts) parts.push(`og_keys ${quoteArg(a.account)} ${heredoc(a.content)}`);
  for (const s of policy.sudoers) {
    if (!/^[a-z0-9-]+$/.test(s.name)) throw new Error(`sudoers file name '${s.name}' is not safe`);
    parts.push(`og_sudo ${quoteArg(s.name)} ${heredoc(s.content)}`);
  }
  parts.push(SUDOERS_PART.replaceAll("@PREFIX@", SUDOERS_PREFIX));
  return parts.join('\n');
}

export type AccessReportLine =
  | { type: 'keys-add' | 'keys-remove'; account: string; line: string }
  | { type: 'keys-written' | 'account-missing'; account: string }
  | { type: 'sudoers-drift'; name: string; what: string }
  | { type: 'sudoers-invalid'; message: string }
  | { type: 'sudoers-written' | 'sudoers-removed'; name: string };

/** Parses the script's OG lines; other lines are ignored. Pure. */
export function parseAccessOutput(stdout: string): AccessReportLine[] {
  const out: AccessReportLine[] = [];
  for (const raw of stdout.split('\n')) {
    const f = raw.split('\t');
    if (f[0] !== 'OG' || !f[1]) continue;
    const [, type, a = '', b = ''] = f;
    if (type === 'keys-add' || type === 'keys-remove') out.push({ type, account: a, line: f.slice(3).join('\t') });
    else if (type === 'keys-written' || type === 'account-missing') out.push({ type, account: a });
    else if (type === 'sudoers-drift') out.push({ type, name: a, what: b });
    else if (type === 'sudoers-invalid') out.push({ type, message: f.slice(2).join('\t') });
    else if (type === 'sudoers-written' || type === 'sudoers-removed') out.push({ type, name: a });
  }
  return out;
}
