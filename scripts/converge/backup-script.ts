/**
 * The POSIX sh script that converges (or, in check mode, only compares) the
 * backup jobs of one host. Pure: rendered policies in, script text out. It
 * runs as root (`sudo -n sh -s`, under the step runner and the host lock);
 * every file arrives base64-encoded as an argument of a shell function, so
 * nothing of it is on a process's command line, and secrets never are.
 *
 * All or nothing per host. First everything is checked: restic is installed;
 * each calendar expression passes `systemd-analyze calendar` and the units
 * `systemd-analyze verify` (where systemd-analyze exists, on systemd and cron
 * hosts alike); each repository opens with the staged environment and
 * password (`restic --no-cache cat config`), or is missing and the policy says
 * `init: true`. Only then, in apply mode: missing repositories are created,
 * every changed file is written to a temporary name in its own directory,
 * and when all are written they are renamed into place; files of policies
 * that no longer apply (or schedules that went away) are removed; on systemd
 * the daemon is reloaded and each timer enabled (and restarted when it
 * changed). Any problem before the renames: nothing is written.
 *
 * systemd when it is PID 1 (/run/systemd/system exists), cron otherwise.
 *
 * Output, one tab-separated line each, prefixed `OG`:
 *   init systemd|cron | cron-daemon NAME|none | restic-missing
 *   file POLICY ROLE PATH same|differs|missing|unknown MODE OWNER
 *   have POLICY PATH BASE64        (installed content of a differing file without secrets)
 *   env POLICY NAME differs|missing|extra
 *   timer POLICY UNIT ENABLED ACTIVE | unit-result POLICY UNIT RESULT EXECMAINSTATUS EXITED-AT(UTC)|-
 *   last-run POLICY STATE TIME KIND RC
 *   repo POLICY ok|missing|password|error MESSAGE | repo-initialised POLICY
 *   calendar-invalid POLICY EXPR MESSAGE | unit-invalid MESSAGE
 *   stale PATH | written POLICY ROLE PATH | removed PATH
 *   reloaded | timer-enabled UNIT | timer-restarted UNIT
 *   nothing-installed | error MESSAGE
 */
import { shellText } from '../remote/shell-text.ts';
import { quoteArg } from '../ssh/quote.ts';
import { BACKUP_ETC, BACKUP_STATE, CRON_DIR, UNIT_DIR, UNIT_PREFIX, cronPath, envPath, passwordPath, runPath, unitName, type RenderedPolicy } from './backup-render.ts';
import { SCHEDULE_KINDS } from './backup-validate.ts';

export type BackupMode = 'apply' | 'check';

export interface BackupScriptOptions {
  mode: BackupMode;
  /** Policies in scope: their files that are not declared (any more) are removed. `all`: every opsgate-backup file. */
  scope: 'all' | readonly string[];
}

const PRELUDE = shellText(String.raw`set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 077
fail=0
tab=$(printf '\t')
T=$(mktemp -d) || exit 90
NEW=
trap 'rm -rf "$T"; for n in $NEW; do rm -f "$n"; done' EXIT
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then INIT=systemd; else INIT=cron; fi
printf 'OG\tinit\t%s\n' "$INIT"
if [ "$INIT" = cron ]; then
  d=none; for c in cron crond busybox; do command -v "$c" >/dev/null 2>&1 && { d=$c; break; }; done
  printf 'OG\tcron-daemon\t%s\n' "$d"
fi
: > "$T/files"; : > "$T/policies"; : > "$T/timers"; : > "$T/calendars"; : > "$T/scope"; : > "$T/paths"
i=0
og_file() {
  i=$((i + 1))
  printf '%s' "$7" | base64 -d > "$T/f$i" || { printf 'OG\terror\tcannot decode the staged %s\n' "$3"; fail=1; return 0; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$1" "$2" "$3" "$4" "$5" "$6" >> "$T/files"
  case $2 in service|timer) [ "$INIT" = systemd ] || return 0 ;; cron) [ "$INIT" = cron ] || return 0 ;; esac
  printf '%s\n' "$3" >> "$T/paths"
}
og_policy() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$T/policies"; }
og_timer() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$T/timers"; }
og_calendar() { printf '%s\t%s\n' "$1" "$2" >> "$T/calendars"; }
og_scope() { printf '%s\n' "$1" >> "$T/scope"; }
`);

const CHECKS = shellText(String.raw`
command -v restic >/dev/null 2>&1 || { printf 'OG\trestic-missing\n'; fail=1; }
if command -v systemd-analyze >/dev/null 2>&1; then
  while IFS=$tab read -r pol expr; do
    out=$(systemd-analyze calendar "$expr" 2>&1) || { printf 'OG\tcalendar-invalid\t%s\t%s\t%s\n' "$pol" "$expr" "$(printf '%s' "$out" | tr '\t\n' '  ' | cut -c1-300)"; fail=1; }
  done < "$T/calendars"
  mkdir "$T/units"
  while IFS=$tab read -r n pol role path mode secret compare; do
    case $role in service|timer) cp "$T/f$n" "$T/units/%{path##*/}" ;; esac
  done < "$T/files"
  if ls "$T/units" | grep -q .; then
    out=$(cd "$T/units" && systemd-analyze verify --man=no ./* 2>&1); rc=$?
    out=$(printf '%s\n' "$out" | grep -v '^$' | sed "s|$T/units/||g")
    if [ "$rc" != 0 ] || [ -n "$out" ]; then printf 'OG\tunit-invalid\t%s\n' "$(printf '%s' "$out" | tr '\t\n' '  ' | cut -c1-500)"; fail=1; fi
  fi
fi
# Repositories: opened with the staged environment and password, no cache, no lock.
while IFS=$tab read -r pol envn pwn init; do
  [ "$pwn" != - ] || { printf 'OG\trepo\t%s\tunknown\tthe runner has no password for it\n' "$pol"; continue; }
  command -v restic >/dev/null 2>&1 || continue
  ( set -a; . "$T/f$envn"; set +a; RESTIC_PASSWORD_FILE="$T/f$pwn"; export RESTIC_PASSWORD_FILE; exec restic --no-cache cat config ) > /dev/null 2> "$T/repo.err"
  rc=$?
  if [ "$rc" = 0 ]; then st=ok
  elif grep -qi 'wrong password' "$T/repo.err"; then st=password
  elif grep -qi 'Is there a repository at the following location\|does not exist\|unable to open config file' "$T/repo.err"; then st=missing
  else st=error; fi
  printf 'OG\trepo\t%s\t%s\t%s\n' "$pol" "$st" "$(grep -v '^$' "$T/repo.err" | head -n 2 | tr '\t\n' '  ' | cut -c1-300)"
  case $st in ok) ;; missing) if [ "$init" = 1 ]; then printf '%s\t%s\t%s\n' "$pol" "$envn" "$pwn" >> "$T/init"; else fail=1; fi ;; *) fail=1 ;; esac
done < "$T/policies"
: > "$T/install"
while IFS=$tab read -r n pol role path mode secret compare; do
  case $role in service|timer) [ "$INIT" = systemd ] || continue ;; cron) [ "$INIT" = cron ] || continue ;; esac
  if [ ! -e "$path" ]; then st=missing have=- own=-
  else
    have=$(stat -c %a "$path"); own=$(stat -c %u:%g "$path")
    if [ "$compare" = skip ]; then st=unknown; elif cmp -s "$T/f$n" "$path"; then st=same; else st=differs; fi
  fi
  printf 'OG\tfile\t%s\t%s\t%s\t%s\t%s\t%s\n' "$pol" "$role" "$path" "$st" "$have" "$own"
  if [ "$st" = differs ] && [ "$secret" = 0 ]; then printf 'OG\thave\t%s\t%s\t%s\n' "$pol" "$path" "$(head -c 65536 "$path" | base64 -w0)"; fi
  if [ "$role" = env ] && [ "$st" != missing ]; then
    sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' "$T/f$n" | while IFS= read -r v; do
      b=$(grep "^$v=" "$path") || { printf 'OG\tenv\t%s\t%s\tmissing\n' "$pol" "$v"; continue; }
      [ "$(grep "^$v=" "$T/f$n")" = "$b" ] || printf 'OG\tenv\t%s\t%s\tdiffers\n' "$pol" "$v"
    done
    sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' "$path" | while IFS= read -r v; do grep -q "^$v=" "$T/f$n" || printf 'OG\tenv\t%s\t%s\textra\n' "$pol" "$v"; done
  fi
  if [ "$st" = missing ] || [ "$st" = differs ] || [ "$have" != "$mode" ] || [ "$own" != 0:0 ]; then
    [ "$st" = unknown ] || printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$pol" "$role" "$path" "$mode" >> "$T/install"
  fi
done < "$T/files"
: > "$T/stale"
for f in @ETC@/* @CRON@/@PREFIX@* @UNITS@/@PREFIX@*; do
  [ -f "$f" ] || continue
  case $f in @UNITS@/*) [ "$INIT" = systemd ] || continue ;; esac
  grep -qxF "$f" "$T/paths" && continue
  [ "$ALL" = 1 ] || grep -qxF "$f" "$T/scope" || continue
  printf 'OG\tstale\t%s\n' "$f"; printf '%s\n' "$f" >> "$T/stale"
done
while IFS=$tab read -r pol unit service; do
  [ "$INIT" = systemd ] || continue
  en=$(systemctl is-enabled "$unit" 2>/dev/null) || :; act=$(systemctl is-active "$unit" 2>/dev/null) || :
  printf 'OG\ttimer\t%s\t%s\t%s\t%s\n' "$pol" "$unit" "%{en:-unknown}" "%{act:-unknown}"
  # The service's last run as systemd saw it: Result, the main process's exit status, when it ended (UTC).
  sh=$(systemctl show --timestamp=utc -p Result -p ExecMainStatus -p ExecMainExitTimestamp "$service" 2>/dev/null) || :
  r=$(printf '%s\n' "$sh" | sed -n 's/^Result=//p'); st=$(printf '%s\n' "$sh" | sed -n 's/^ExecMainStatus=//p'); at=$(printf '%s\n' "$sh" | sed -n 's/^ExecMainExitTimestamp=//p')
  printf 'OG\tunit-result\t%s\t%s\t%s\t%s\t%s\n' "$pol" "$service" "%{r:-unknown}" "%{st:--}" "%{at:--}"
done < "$T/timers"
while IFS=$tab read -r pol envn pwn; do
  [ -f "@STATE@/$pol.status" ] && IFS= read -r l < "@STATE@/$pol.status" && printf 'OG\tlast-run\t%s\t%s\n' "$pol" "$l"
done < "$T/policies"
[ "$MODE" = apply ] || exit $fail
if [ "$fail" != 0 ]; then printf 'OG\tnothing-installed\n'; exit 1; fi
`);

const INSTALL = shellText(String.raw`
# Everything checked: create missing repositories the policy allows, then write.
if [ -s "$T/init" ]; then
  while IFS=$tab read -r pol envn pwn; do
    if ( set -a; . "$T/f$envn"; set +a; RESTIC_PASSWORD_FILE="$T/f$pwn"; export RESTIC_PASSWORD_FILE; exec restic --no-cache init ) > /dev/null 2> "$T/init.err"; then
      printf 'OG\trepo-initialised\t%s\n' "$pol"
    # Another host of the same policy may have created it a moment ago: then it opens now.
    elif ( set -a; . "$T/f$envn"; set +a; RESTIC_PASSWORD_FILE="$T/f$pwn"; export RESTIC_PASSWORD_FILE; exec restic --no-cache cat config ) > /dev/null 2>&1; then :
    else printf 'OG\terror\trestic init of %s failed: %s\n' "$pol" "$(head -n 2 "$T/init.err" | tr '\t\n' '  ' | cut -c1-300)"; fail=1; fi
  done < "$T/init"
  if [ "$fail" != 0 ]; then printf 'OG\tnothing-installed\n'; exit 1; fi
fi
if [ -s "$T/install" ]; then
  install -d -m 0700 -o 0 -g 0 @ETC@ @STATE@ && mkdir -p @CRON@ || { printf 'OG\terror\tcannot create @ETC@ or @STATE@\n'; printf 'OG\tnothing-installed\n'; exit 1; }
  [ "$INIT" != systemd ] || mkdir -p @UNITS@
fi
: > "$T/moves"
while IFS=$tab read -r n pol role path mode; do
  n2=$(mktemp "%{path%/*}/.opsgate.XXXXXX") || { fail=1; break; }
  NEW="$NEW $n2"
  cat "$T/f$n" > "$n2" && chmod "$mode" "$n2" && chown 0:0 "$n2" || { fail=1; break; }
  printf '%s\t%s\t%s\t%s\n' "$n2" "$pol" "$role" "$path" >> "$T/moves"
done < "$T/install"
if [ "$fail" != 0 ]; then printf 'OG\terror\tcannot stage the files next to their targets\n'; printf 'OG\tnothing-installed\n'; exit 1; fi
units=0
while IFS=$tab read -r n2 pol role path; do
  if mv -f "$n2" "$path"; then printf 'OG\twritten\t%s\t%s\t%s\n' "$pol" "$role" "$path"; case $role in service|timer) units=1 ;; esac
  else printf 'OG\terror\tcannot move %s into place\n' "$path"; fail=1; fi
done < "$T/moves"
NEW=
while IFS= read -r f; do
  case $f in @UNITS@/*.timer) systemctl disable --now "%{f##*/}" >/dev/null 2>&1 || : ;; esac
  case $f in @UNITS@/*) units=1 ;; esac
  rm -f "$f" && printf 'OG\tremoved\t%s\n' "$f" || fail=1
done < "$T/stale"
if [ "$INIT" = systemd ]; then
  if [ "$units" = 1 ]; then systemctl daemon-reload && printf 'OG\treloaded\n' || { printf 'OG\terror\tsystemctl daemon-reload failed\n'; fail=1; }; fi
  while IFS=$tab read -r pol unit service; do
    if [ "$(systemctl is-enabled "$unit" 2>/dev/null)" != enabled ] || [ "$(systemctl is-active "$unit" 2>/dev/null)" != active ]; then
      systemctl enable --now "$unit" >/dev/null 2>&1 && printf 'OG\ttimer-enabled\t%s\n' "$unit" || { printf 'OG\terror\tcannot enable %s\n' "$unit"; fail=1; }
    elif grep -q "$tab@UNITS@/$unit\$" "$T/moves"; then
      systemctl restart "$unit" && printf 'OG\ttimer-restarted\t%s\n' "$unit" || fail=1
    fi
  done < "$T/timers"
fi
exit $fail
`);

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export function renderBackupScript(policies: readonly RenderedPolicy[], o: BackupScriptOptions): string {
  const parts = [`MODE=${o.mode} ALL=${o.scope === 'all' ? 1 : 0}`, PRELUDE];
  for (const p of policies) {
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(p.policy)) throw new Error(`policy id '${p.policy}' is not safe`);
    let envN = 0;
    let pwN = 0;
    for (const f of [...p.common, ...p.systemd, ...p.cron]) {
      const compare = f.unknown ? 'skip' : 'yes';
      parts.push(`og_file ${quoteArg(p.policy)} ${f.role} ${quoteArg(f.path)} ${f.mode} ${f.secret ? 1 : 0} ${compare} ${b64(f.content)}`);
      // og_file numbers files from 1 in this order.
      const n = parts.filter((x) => x.startsWith('og_file ')).length;
      if (f.role === 'env') envN = n;
      if (f.role === 'password') pwN = n;
    }
    parts.push(`og_policy ${quoteArg(p.policy)} ${envN} ${p.common.some((f) => f.role === 'password' && f.unknown) ? '-' : pwN} ${p.init ? 1 : 0}`);
    for (const s of p.schedules) {
      parts.push(`og_timer ${quoteArg(p.policy)} ${quoteArg(unitName(p.policy, s.kind, 'timer'))} ${quoteArg(unitName(p.policy, s.kind, 'service'))}`);
      for (const c of s.onCalendar) parts.push(`og_calendar ${quoteArg(p.policy)} ${quoteArg(c)}`);
    }
  }
  if (o.scope !== 'all') {
    for (const id of o.scope) {
      for (const path of [
        envPath(id),
        passwordPath(id),
        runPath(id),
        cronPath(id),
        ...SCHEDULE_KINDS.flatMap((k) => [`${UNIT_DIR}/${unitName(id, k, 'service')}`, `${UNIT_DIR}/${unitName(id, k, 'timer')}`]),
      ])
        parts.push(`og_scope ${quoteArg(path)}`);
    }
  }
  const fill = (t: string) => t.replaceAll('@ETC@', BACKUP_ETC).replaceAll('@STATE@', BACKUP_STATE).replaceAll('@CRON@', CRON_DIR).replaceAll('@UNITS@', UNIT_DIR).replaceAll('@PREFIX@', UNIT_PREFIX);
  parts.push(fill(CHECKS));
  if (o.mode === 'apply') parts.push(fill(INSTALL));
  return parts.join('\n') + '\n';
}
