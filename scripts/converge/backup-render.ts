/**
 * What `opsgate converge backup` puts on one host for one backup policy. Pure:
 * policy, host and secrets in; file contents out.
 *
 * - /etc/opsgate/backup/<id>.env (0600): RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE,
 *   RESTIC_CACHE_DIR and the backend credentials the policy names;
 * - /etc/opsgate/backup/<id>.password (0600): the repository password;
 * - /etc/opsgate/backup/<id>.run (0700): the job — pre steps, `restic backup`,
 *   `restic forget --prune`, on a full run `restic check --read-data-subset`,
 *   post steps (always) — each argument list quoted by quoteArgv, each step
 *   under timeout(1); it writes its last outcome to /var/lib/opsgate/backup/<id>.status;
 * - systemd (PID 1): opsgate-backup-<id>.<kind>.service + .timer per schedule
 *   (OnCalendar in the calendar's zone, Persistent=true, RandomizedDelaySec,
 *   Nice, IOSchedulingClass);
 * - otherwise cron: /etc/cron.d/opsgate-backup-<id>, one line per schedule.
 */
import type { BackupPolicyDocument } from '../model/documents.generated.ts';
import { quoteArg, quoteArgv } from '../ssh/quote.ts';
import { displayRepository, FULL_TAG, renderResticEnvFile, resticBackupArgv, resticCheckArgv, resticForgetArgv } from './backup-restic.ts';
import { cronGuard, cronMinuteField, toOnCalendar } from './backup-schedule.ts';
import { parsedSchedules, type ScheduleKind } from './backup-validate.ts';

/** What a full run reads back when verification.read_data_subset is not set. */
export const DEFAULT_FULL_READ_SUBSET = '5%';
export const BACKUP_ETC = '/etc/opsgate/backup';
export const BACKUP_STATE = '/var/lib/opsgate/backup';
export const UNIT_DIR = '/etc/systemd/system';
export const CRON_DIR = '/etc/cron.d';
export const UNIT_PREFIX = 'opsgate-backup-';
const PATH_LINE = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type FileRole = 'env' | 'password' | 'run' | 'service' | 'timer' | 'cron';

export interface ManagedFile {
  path: string;
  /** Octal, as `stat -c %a` prints it. */
  mode: '600' | '644' | '700';
  content: string;
  /** Holds a secret: never recorded, printed or hashed into a record. */
  secret: boolean;
  role: FileRole;
  /** The runner lacks the secret this file holds: its content is a placeholder and it is not compared. */
  unknown?: boolean;
}

export interface BackupTarget {
  host: string;
  policy: BackupPolicyDocument;
  /** The host's repository for this policy (inventory backup_repositories, else the policy's url). */
  repository: string;
  passwordEnv: string;
  /** The calendar's zone: schedules are in it. */
  timezone: string;
}

export interface RenderedPolicy {
  policy: string;
  host: string;
  /** For output and records (user:password in a URL replaced). */
  repository: string;
  init: boolean;
  common: ManagedFile[];
  systemd: ManagedFile[];
  cron: ManagedFile[];
  timers: string[];
  schedules: Array<{ kind: ScheduleKind; cron: string; onCalendar: string[] }>;
  /** Variable names of the environment file, in order. */
  envNames: string[];
  /** The restic command lines the job runs (recorded; no secret in them). */
  commands: { backup: string[]; forget: string[]; check: string[] };
  /** Runner secrets the policy needs that the environment does not hold (their files are placeholders). */
  missingSecrets: string[];
}

export const envPath = (id: string) => `${BACKUP_ETC}/${id}.env`;
export const passwordPath = (id: string) => `${BACKUP_ETC}/${id}.password`;
export const runPath = (id: string) => `${BACKUP_ETC}/${id}.run`;
export const unitName = (id: string, kind: ScheduleKind, type: 'service' | 'timer') => `${UNIT_PREFIX}${id}.${kind}.${type}`;
/** cron skips /etc/cron.d files whose names contain a dot. */
export const cronPath = (id: string) => `${CRON_DIR}/${UNIT_PREFIX}${id.replaceAll('.', '_')}`;
/** A placeholder written where a missing secret would go (check mode compares everything else). */
export const MISSING_SECRET = 'MISSING';

const header = (id: string, host: string, what: string) => `# Managed by opsgate (converge backup) from policies/backup/${id}.yaml for ${host}: ${what}. Local edits are overwritten.`;

export function renderBackup(t: BackupTarget, secret: (name: string) => string | undefined): RenderedPolicy {
  const p = t.policy;
  const id = p.id;
  const missing: string[] = [];
  const need = (name: string) => {
    const v = secret(name);
    if (v === undefined || v === '') {
      missing.push(name);
      return MISSING_SECRET;
    }
    return v;
  };
  const cacheDir = p.repository.cache_dir ?? `/var/cache/opsgate/restic/${id}`;
  const envVars: Array<[string, string]> = [
    ['RESTIC_REPOSITORY', t.repository],
    ['RESTIC_PASSWORD_FILE', passwordPath(id)],
    ['RESTIC_CACHE_DIR', cacheDir],
  ];
  for (const [name, from] of Object.entries(p.repository.credentials ?? {}).sort(([a], [b]) => a.localeCompare(b))) envVars.push([name, from === undefined ? MISSING_SECRET : need(from)]);
  const password = need(t.passwordEnv);
  const envContent = renderResticEnvFile(header(id, t.host, 'restic environment, root only'), envVars);

  const tags = p.tags?.length ? [...p.tags] : [id];
  const excludes = p.exclude ?? [];
  const backup = resticBackupArgv({ host: t.host, paths: p.paths, excludes, tags });
  const fullBackup = p.full?.distinct_copies ? resticBackupArgv({ host: t.host, paths: p.paths, excludes, tags: [...tags, FULL_TAG] }) : backup;
  const forget = resticForgetArgv({ host: t.host, tags, retention: p.retention, groupByTags: Boolean(p.full?.distinct_copies) });
  // One value for backup verify and the full runs (full.read_data_subset is refused by validateBackupPolicy).
  const check = resticCheckArgv(p.verification.read_data_subset ?? DEFAULT_FULL_READ_SUBSET);
  const schedules = parsedSchedules(p);
  const timeout = (p.run?.timeout_minutes ?? 360) * 60;
  const delay = p.run?.randomized_delay_seconds ?? 0;
  const nice = p.run?.nice ?? 10;
  const ioClass = p.run?.io_scheduling_class ?? 'idle';
  const kinds = schedules.map((s) => s.kind);

  const hook = (phase: 'pre' | 'post', h: NonNullable<NonNullable<BackupPolicyDocument['hooks']>['pre']>[number]) => {
    const t0 = String(h.timeout_seconds ?? 600);
    const name = `${phase}:${h.id}`;
    const argv = h.kind === 'run' ? h.argv : ['rm', '-rf', '--', h.path];
    const call = h.kind === 'run' && h.stdout ? `og_step_out ${quoteArg(h.stdout)} ${quoteArg(name)} ${t0} ${quoteArgv(argv)}` : `og_step ${quoteArg(name)} ${t0} ${quoteArgv(argv)}`;
    return phase === 'pre' ? `[ "$rc" = 0 ] && ${call}` : call;
  };
  const guards = schedules.map((s) => `    ${s.kind}) ${cronGuard(s.spec)} ;;`);
  const run = [
    '#!/bin/sh',
    header(id, t.host, `the backup job (${kinds.join(', ')})`),
    '# Every restic snapshot is incremental and deduplicated; a full run also reads part of the stored data back (restic check).',
    'set -u',
    PATH_LINE,
    'umask 077',
    `P=${quoteArg(id)} S=${BACKUP_STATE}`,
    `og_in() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }`,
    "# The cron fallback fires every hour at the schedule's minutes; the schedule's own zone decides the rest.",
    'og_due() {',
    `  set -- $(TZ=${quoteArg(t.timezone)} date '+%M %H %d %m %w')`,
    '  case $KIND in',
    ...guards,
    '    *) return 1 ;;',
    '  esac',
    '}',
    'KIND=${1:-}',
    'if [ "$KIND" = --cron ]; then',
    '  KIND=${2:-}',
    '  og_due || exit 0',
    ...(delay > 0 ? [`  sleep $(( $(od -An -N4 -tu4 /dev/urandom) % ${delay} ))`] : []),
    'fi',
    `case $KIND in ${kinds.join('|')}) ;; *) echo "usage: $0 [--cron] ${kinds.join('|')}" >&2; exit 2 ;; esac`,
    'mkdir -p "$S" && exec 9>>"$S/$P.lock" || exit 1',
    'flock -w 21600 9 || { echo "opsgate backup $P: another run holds $S/$P.lock" >&2; exit 75; }',
    `og_status() { printf '%s\\t%s\\t%s\\t%s\\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$KIND" "$2" > "$S/$P.status.new" && mv -f "$S/$P.status.new" "$S/$P.status"; }`,
    'og_status running -',
    'set -a',
    `. ${quoteArg(envPath(id))} || { og_status failed env; exit 1; }`,
    'set +a',
    'rc=0',
    'og_note() { [ "$2" = 0 ] && return 0; echo "opsgate backup $P: $1 failed (exit $2)" >&2; [ "$rc" != 0 ] || rc=$2; return "$2"; }',
    'og_step() { n=$1 t=$2; shift 2; echo "opsgate backup $P: $n"; timeout -k 10 "$t" "$@"; og_note "$n" $?; }',
    'og_step_out() { f=$1 n=$2 t=$3; shift 3; echo "opsgate backup $P: $n > $f"; timeout -k 10 "$t" "$@" > "$f"; og_note "$n" $?; }',
    ...(p.hooks?.pre ?? []).map((h) => hook('pre', h)),
    ...(fullBackup === backup
      ? [`[ "$rc" = 0 ] && og_step backup ${timeout} ${quoteArgv(backup)}`]
      : [`if [ "$KIND" = full ]; then [ "$rc" = 0 ] && og_step backup ${timeout} ${quoteArgv(fullBackup)}`, `else [ "$rc" = 0 ] && og_step backup ${timeout} ${quoteArgv(backup)}; fi`]),
    `[ "$rc" = 0 ] && og_step forget ${timeout} ${quoteArgv(forget)}`,
    ...(kinds.includes('full') ? [`[ "$rc" = 0 ] && [ "$KIND" = full ] && og_step check ${timeout} ${quoteArgv(check)}`] : []),
    ...(p.hooks?.post ?? []).map((h) => hook('post', h)),
    'if [ "$rc" = 0 ]; then og_status succeeded 0; else og_status failed "$rc"; fi',
    'exit "$rc"',
    '',
  ].join('\n');

  const common: ManagedFile[] = [
    { path: envPath(id), mode: '600', content: envContent, secret: true, role: 'env' },
    { path: passwordPath(id), mode: '600', content: password, secret: true, role: 'password', ...(password === MISSING_SECRET ? { unknown: true } : {}) },
    { path: runPath(id), mode: '700', content: run, secret: false, role: 'run' },
  ];
  const systemd: ManagedFile[] = [];
  const timers: string[] = [];
  const out = schedules.map((s) => ({ kind: s.kind, cron: s.spec.text, onCalendar: toOnCalendar(s.spec, t.timezone) }));
  for (const s of out) {
    const service = unitName(id, s.kind, 'service');
    const timer = unitName(id, s.kind, 'timer');
    timers.push(timer);
    systemd.push({
      path: `${UNIT_DIR}/${service}`,
      mode: '644',
      secret: false,
      role: 'service',
      content: [
        header(id, t.host, `${s.kind} backup job`),
        '[Unit]',
        `Description=opsgate backup ${id} (${s.kind}): restic backup, forget --prune${s.kind === 'full' ? ', check --read-data-subset' : ''}`,
        'After=network-online.target',
        'Wants=network-online.target',
        '',
        '[Service]',
        'Type=oneshot',
        `ExecStart=/bin/sh ${runPath(id)} ${s.kind}`,
        `Nice=${nice}`,
        `IOSchedulingClass=${ioClass}`,
        `TimeoutStartSec=${timeout}`,
        '',
      ].join('\n'),
    });
    systemd.push({
      path: `${UNIT_DIR}/${timer}`,
      mode: '644',
      secret: false,
      role: 'timer',
      content: [
        header(id, t.host, `${s.kind} schedule "${s.cron}" (${t.timezone})`),
        '[Unit]',
        `Description=opsgate backup ${id} (${s.kind}) on "${s.cron}" in ${t.timezone}`,
        '',
        '[Timer]',
        ...s.onCalendar.map((c) => `OnCalendar=${c}`),
        'Persistent=true',
        `RandomizedDelaySec=${delay}`,
        `Unit=${service}`,
        '',
        '[Install]',
        'WantedBy=timers.target',
        '',
      ].join('\n'),
    });
  }
  const ionice = ioClass === 'idle' ? '3' : '2';
  const cron: ManagedFile[] = [
    {
      path: cronPath(id),
      mode: '644',
      secret: false,
      role: 'cron',
      content: [
        header(id, t.host, 'systemd is not PID 1 here, so cron runs the backup job'),
        `# Schedule in ${t.timezone}: ${out.map((s) => `${s.kind} "${s.cron}"`).join(', ')}. Each line fires every hour at the schedule's minutes;`,
        `# the job itself runs only at the scheduled hour and day in ${t.timezone}, whatever the host's own zone.`,
        'SHELL=/bin/sh',
        PATH_LINE,
        ...schedules.map(
          (s) =>
            `${cronMinuteField(s.spec)} * * * * root timeout -k 60 ${timeout + delay} nice -n ${nice} ionice -c ${ionice} /bin/sh ${runPath(id)} --cron ${s.kind} >>${BACKUP_STATE}/${id}.log 2>&1`,
        ),
        '',
      ].join('\n'),
    },
  ];

  return {
    policy: id,
    host: t.host,
    repository: displayRepository(t.repository),
    init: Boolean(p.repository.init),
    common,
    systemd,
    cron,
    timers,
    schedules: out,
    envNames: envVars.map(([k]) => k),
    commands: { backup: fullBackup, forget, check },
    missingSecrets: [...new Set(missing)],
  };
}
