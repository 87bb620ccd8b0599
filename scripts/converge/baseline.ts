/**
 * Baseline remediation: failing inspection rows of typed checks → the settings
 * that fix them → one root sh script per host. Pure.
 *
 * Automatic for: sshd_option (a managed block at the top of sshd_config —
 * sshd takes the first value — validated with `sshd -t` before it replaces the
 * file, then a reload of the daemon that listens, on whatever port, by its own
 * systemd unit or a HUP), sysctl (running value and a persisted drop-in; lines
 * that persist another value are commented out), file_mode (mode bits beyond
 * the maximum removed, owner/group set). Everything else is reported as manual,
 * with the check's own remediation text.
 *
 * Every file the script would write or re-mode is checked first, all of them before anything changes: a path
 * with a symbolic link on the way, a file that is not a regular file, or one whose inode has another name (a
 * hard link) is refused (`OG refused CHECK: PATH is …`) and nothing at all is changed on the host: a write,
 * chmod or chown through such a name changes another file (/etc/shadow behind a link named login.defs).
 */
import { createHash } from 'node:crypto';
import type { CheckDef, InspectionRow } from '../inspect/model.ts';
import { ARM_FUNCTION, SSHD_FUNCTIONS } from '../remote/commit-confirm.ts';
import { LINK_SAFETY_FUNCTION } from '../remote/link-safety.ts';

export interface BaselineRemediation {
  host: string;
  sshd: Array<{ check: string; keyword: string; value: string }>;
  sysctl: Array<{ check: string; key: string; value: string }>;
  files: Array<{ check: string; path: string; maxMode: string; owner?: string; group?: string }>;
  manual: Array<{ check: string; title: string; remediation: string }>;
}

/** OpenSSH keyword spelling for the lower-case names `sshd -T` prints. */
const SSHD_KEYWORDS: Record<string, string> = {
  permitrootlogin: 'PermitRootLogin',
  passwordauthentication: 'PasswordAuthentication',
  permitemptypasswords: 'PermitEmptyPasswords',
  maxauthtries: 'MaxAuthTries',
  logingracetime: 'LoginGraceTime',
  clientaliveinterval: 'ClientAliveInterval',
  clientalivecountmax: 'ClientAliveCountMax',
  x11forwarding: 'X11Forwarding',
  hostbasedauthentication: 'HostbasedAuthentication',
  ignorerhosts: 'IgnoreRhosts',
  permituserenvironment: 'PermitUserEnvironment',
  kbdinteractiveauthentication: 'KbdInteractiveAuthentication',
  allowtcpforwarding: 'AllowTcpForwarding',
  allowagentforwarding: 'AllowAgentForwarding',
  maxsessions: 'MaxSessions',
  maxstartups: 'MaxStartups',
  loglevel: 'LogLevel',
  usedns: 'UseDNS',
  banner: 'Banner',
  ciphers: 'Ciphers',
  macs: 'MACs',
  kexalgorithms: 'KexAlgorithms',
  pubkeyauthentication: 'PubkeyAuthentication',
  gssapiauthentication: 'GSSAPIAuthentication',
  permittunnel: 'PermitTunnel',
  strictmodes: 'StrictModes',
};

const SAFE_VALUE = /^[A-Za-z0-9@._,:+-]+$/;

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];
}

/** The value that satisfies an sshd_option check, or undefined when no single value is implied (not_in, excludes). */
export function targetSshdValue(params: Record<string, unknown>, observed: string | undefined): string | undefined {
  if (params.equals !== undefined) return String(params.equals);
  if (params.in !== undefined) return list(params.in)[0];
  const obs = Number(observed);
  if (params.max !== undefined && !(obs <= Number(params.max))) return String(params.max);
  if (params.min !== undefined && !(obs >= Number(params.min))) return String(params.min);
  return undefined;
}

export function planBaselineRemediation(host: string, rows: readonly InspectionRow[], checks: ReadonlyMap<string, CheckDef>): BaselineRemediation {
  const r: BaselineRemediation = { host, sshd: [], sysctl: [], files: [], manual: [] };
  for (const row of rows) {
    if (row.status !== 'fail') continue;
    const c = checks.get(row.check);
    if (!c) continue;
    const manual = () => r.manual.push({ check: c.id, title: c.title, remediation: c.remediation });
    if (c.type === 'sshd_option') {
      const option = String(c.params.option ?? '').toLowerCase();
      const keyword = SSHD_KEYWORDS[option];
      const observed = /^\S+\s+(.*)$/.exec(row.observed)?.[1];
      const value = targetSshdValue(c.params, observed);
      if (!keyword || value === undefined || !SAFE_VALUE.test(value)) {
        manual();
        continue;
      }
      r.sshd.push({ check: c.id, keyword, value });
    } else if (c.type === 'sysctl') {
      const key = String(c.params.key ?? '');
      const value = String(c.params.value ?? '').trim();
      if (!/^[a-z0-9_][a-z0-9_.-]*$/.test(key) || !/^[A-Za-z0-9 ._:-]+$/.test(value)) {
        manual();
        continue;
      }
      r.sysctl.push({ check: c.id, key, value });
    } else if (c.type === 'file_mode') {
      const path = String(c.params.path ?? '');
      const maxMode = String(c.params.max_mode ?? '0777');
      if (!/^\/[A-Za-z0-9._/-]+$/.test(path) || !/^0?[0-7]{3,4}$/.test(maxMode)) {
        manual();
        continue;
      }
      const f: BaselineRemediation['files'][number] = { check: c.id, path, maxMode };
      const owner = list(c.params.owner)[0];
      const group = list(c.params.group)[0];
      if (owner && /^[a-z_][a-z0-9_-]*$/.test(owner)) f.owner = owner;
      if (group && /^[a-z_][a-z0-9_-]*$/.test(group)) f.group = group;
      r.files.push(f);
    } else manual();
  }
  return r;
}

function heredoc(content: string): string {
  const delim = `OPSGATE_EOF_${createHash('sha256').update(content).digest('hex').slice(0, 20)}`;
  return `<<'${delim}'\n${content}${content.endsWith('\n') || content === '' ? '' : '\n'}${delim}`;
}

const PRELUDE = String.raw`set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
rc=0
T=$(mktemp -d) || exit 90
trap 'rm -rf "$T"' EXIT
refused=0
# A path converge would change, for a check: refused (reported, and the script changes nothing more) when og_unsafe
# (link-safety.ts) says so.
og_may() {
  why=$(og_unsafe "$2") || return 0
  printf 'OG\trefused\t%s: %s\n' "$1" "$why"; refused=1; rc=1; return 1
}
DROPIN=/etc/sysctl.d/99-opsgate-baseline.conf
# The sysctl files other than the drop-in that persist KEY: those og_sysctl comments the key out of. A link whose
# target is itself one of the files edited by its own name (Debian's /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf)
# is skipped: that file is edited as itself, never through the link.
og_sysctl_files() {
  kre=$(printf '%s' "$1" | sed 's/\./\\./g')
  for f in /etc/sysctl.conf /etc/sysctl.d/*.conf; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    [ "$f" = "$DROPIN" ] && continue
    if [ -L "$f" ] && [ "$f" != /etc/sysctl.conf ]; then
      t=$(readlink -f -- "$f") || t=
      case $t in
        /etc/sysctl.d/*/*) ;;
        /etc/sysctl.conf|/etc/sysctl.d/*.conf) [ -f "$t" ] && ! og_unsafe "$t" >/dev/null && continue ;;
      esac
    fi
    grep -Eq "^[[:space:]]*$kre[[:space:]]*=" "$f" 2>/dev/null && printf '%s\n' "$f"
  done
}
# Every file og_sysctl would change for KEY: those it edits, then the drop-in it writes.
og_may_sysctl() {
  og_sysctl_files "$2" > "$T/files"
  while IFS= read -r f; do og_may "$1" "$f" || :; done < "$T/files"
  og_may "$1" "$DROPIN" || :
}
# Replace a file's content: rename when possible (atomic), else rewrite in place (a bind-mounted file cannot be renamed over).
og_install() { mv -f "$1" "$2" 2>/dev/null || { cat "$1" > "$2" && rm -f "$1"; }; }
og_sshd() {
  cat > "$T/set"
  cfg=/etc/ssh/sshd_config
  {
    echo '# opsgate baseline: managed settings (sshd uses the first value it reads)'
    cat "$T/set"
    echo '# end opsgate baseline'
    sed '/^# opsgate baseline: managed/,/^# end opsgate baseline$/d' "$cfg" |
      awk -v setf="$T/set" 'BEGIN { while ((getline l < setf) > 0) { split(l, a, " "); k[tolower(a[1])] = 1 } }
        tolower($1) == "match" { inmatch = 1 }
        { if (!inmatch && (tolower($1) in k)) { print "# opsgate: " $0; next } print }'
  } > "$T/sshd_config"
  if ! out=$(sshd -t -f "$T/sshd_config" 2>&1); then
    printf 'OG\tsshd-invalid\t%s\n' "$(printf '%s' "$out" | tr '\t\n' '  ')"; rc=1; return 0
  fi
  if cmp -s "$T/sshd_config" "$cfg"; then return 0; fi
  og_may "$CHECKS" "$cfg" || return 0
  cp -p "$cfg" "$T/prev"
  chmod --reference="$cfg" "$T/sshd_config" 2>/dev/null
  # Commit-confirmed: the host puts the old file back and reloads unless a fresh connection confirms.
  og_arm "$CID" "$CSECS" sshd "$cfg" || { rc=1; return 0; }
  # The daemon that listens, on whatever port, and how it runs (its systemd unit, whatever it is called; its argv),
  # noted before the file changes: it is that daemon that must load the new file, not one found on port 22 or by name.
  D=$T/sshd-state; mkdir -p "$D" && og_sshd_note
  og_install "$T/sshd_config" "$cfg" || { printf 'OG\terror\tcannot write %s\n' "$cfg"; rc=1; return 0; }
  while IFS= read -r l; do printf 'OG\tsshd-set\t%s\n' "$l"; done < "$T/set"
  og_sshd_reload && printf 'OG\tsshd-reloaded\n' || { printf 'OG\terror\tsshd reload failed\n'; rc=1; }
}
og_sysctl() {
  c=$1 k=$2 v=$3 kre=$(printf '%s' "$2" | sed 's/\./\\./g')
  og_sysctl_files "$k" > "$T/files"
  while IFS= read -r f; do
    og_may "$c" "$f" || continue
    sed -E "s/^([[:space:]]*$kre[[:space:]]*=.*)$/# opsgate: \1/" "$f" > "$T/s" && cat "$T/s" > "$f"
  done < "$T/files"
  d=$DROPIN
  og_may "$c" "$d" || return 0
  { [ -f "$d" ] && grep -Ev "^[[:space:]]*$kre[[:space:]]*=" "$d"; printf '%s = %s\n' "$k" "$v"; } > "$T/d"
  og_install "$T/d" "$d" && chmod 0644 "$d"
  if sysctl -q -w "$k=$v"; then printf 'OG\tsysctl-set\t%s = %s\n' "$k" "$v"; else printf 'OG\terror\tsysctl -w %s failed\n' "$k"; rc=1; fi
}
og_mode() {
  c=$1 p=$2 max=$3 owner=$4 group=$5
  og_may "$c" "$p" || return 0
  [ -e "$p" ] || return 0
  cur=$(stat -c %a "$p") || { rc=1; return 0; }
  new=$(printf '%o' $(( 0$cur & 0$max )))
  [ "$new" = "$cur" ] || { chmod "$new" "$p" && printf 'OG\tmode-set\t%s %s\n' "$p" "$new"; } || rc=1
  [ -z "$owner" ] || chown "$owner" "$p" || rc=1
  [ -z "$group" ] || chgrp "$group" "$p" || rc=1
}
`;

export interface BaselineScriptOptions {
  /** Dead-man timer armed before sshd_config is replaced. */
  confirm: { id: string; seconds: number };
}

export function renderBaselineScript(r: BaselineRemediation, o: BaselineScriptOptions = { confirm: { id: `baseline-${r.host}`, seconds: 120 } }): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  if (!/^[A-Za-z0-9._-]+$/.test(o.confirm.id)) throw new Error(`confirmation id '${o.confirm.id}' is not safe`);
  const sshdChecks = [...new Set(r.sshd.map((s) => s.check))].join(',');
  const parts = [`CID=${q(o.confirm.id)} CSECS=${Math.max(5, Math.floor(o.confirm.seconds))} CHECKS=${q(sshdChecks)}`, PRELUDE, LINK_SAFETY_FUNCTION, SSHD_FUNCTIONS, ARM_FUNCTION];
  // Every path is checked twice, and both are needed. Here, before anything: one path refused and nothing at all is
  // changed on the host (the writers run one after another; a refusal found only by a later one would come after the
  // earlier ones had written). In og_sshd, og_sysctl and og_mode, right before each write: that is what keeps a link
  // planted since (sshd -t, the dead-man timer and the earlier writes all run in between) from being written through,
  // and og_sysctl lists its files afresh there.
  if (r.sshd.length > 0) parts.push(`og_may "$CHECKS" /etc/ssh/sshd_config || :`);
  for (const s of r.sysctl) parts.push(`og_may_sysctl ${q(s.check)} ${q(s.key)}`);
  for (const f of r.files) parts.push(`og_may ${q(f.check)} ${q(f.path)} || :`);
  parts.push(`if [ "$refused" != 0 ]; then printf 'OG\tnothing-changed\n'; exit 1; fi`);
  if (r.sshd.length > 0) parts.push(`og_sshd ${heredoc(r.sshd.map((s) => `${s.keyword} ${s.value}\n`).join(''))}`);
  for (const s of r.sysctl) parts.push(`og_sysctl ${q(s.check)} ${q(s.key)} ${q(s.value)}`);
  for (const f of r.files) parts.push(`og_mode ${q(f.check)} ${q(f.path)} ${q(f.maxMode.replace(/^0?/, ''))} ${q(f.owner ?? '')} ${q(f.group ?? '')}`);
  parts.push('exit $rc');
  return parts.join('\n') + '\n';
}

export function parseBaselineOutput(stdout: string): Array<{ type: string; detail: string }> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('OG\t'))
    .map((l) => {
      const [, type = '', ...rest] = l.split('\t');
      return { type, detail: rest.join('\t') };
    });
}

/**
 * For a change's `converge baseline` step, planned before anything is inspected: every typed remediation of
 * the checks that apply to the host, as fixed settings. The script is idempotent on the host (an sshd block
 * already in place is left alone, a mode already within the maximum is not touched). Pure.
 */
export function planStaticBaseline(host: string, checks: readonly CheckDef[]): BaselineRemediation {
  const rows = checks.map((c) => ({ check: c.id, status: 'fail', observed: '' }) as unknown as InspectionRow);
  const r = planBaselineRemediation(host, rows, new Map(checks.map((c) => [c.id, c])));
  return { ...r, manual: [] };
}

/** The sshd settings a remediation would write, for sshd-safety.ts. */
export function sshdSettingsOf(r: BaselineRemediation): Array<{ check: string; keyword: string; value: string }> {
  return r.sshd;
}
