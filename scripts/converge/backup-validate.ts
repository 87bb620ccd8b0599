/**
 * What restic cannot honour in a backup policy, and what converge cannot put
 * on a host safely: one list of problems, each at a JSON pointer, used by lint
 * (scripts/rules/backup-rules.ts) and by `converge backup` before it connects.
 * Pure.
 *
 * How the rulebook's backup types map onto restic (README, "converge backup"):
 * every restic snapshot is incremental (only new data is stored) and
 * deduplicated, and every snapshot restores on its own. So
 * - `incremental` and `differential` are both a plain snapshot; a policy may
 *   name one of them, not both (they would be the same job twice);
 * - `full` is a snapshot plus `restic check --read-data-subset`, reading part
 *   of the stored data back (`verification.read_data_subset`, the one value
 *   `backup verify` reads too; `full.read_data_subset` is refused, so no
 *   policy carries two); with `full.distinct_copies` it is tagged `full`
 *   and kept as a retention group of its own;
 * - two schedules that fire at the same minute would be two restic runs
 *   fighting over the repository's exclusive lock for `forget --prune`.
 */
import type { BackupPolicyDocument } from '../model/documents.generated.ts';
import { credentialNameProblem, FULL_TAG } from './backup-restic.ts';
import { firstCoincidence, parseCron, type CronSpec } from './backup-schedule.ts';

export interface BackupProblem {
  code: string;
  pointer: string;
  message: string;
  hint: string;
  severity?: 'error' | 'warning';
}

export const SCHEDULE_KINDS = ['full', 'incremental', 'differential'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** Top-level directories a remove hook may never be: removing one would wreck the host. */
const PROTECTED = new Set([
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib64',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/tmp',
  '/usr',
  '/var',
  '/var/lib',
  '/var/backups',
  '/var/lib/opsgate',
  '/etc/opsgate',
]);

/** The parsed schedules of a policy (valid ones only). */
export function parsedSchedules(policy: Pick<BackupPolicyDocument, 'schedule'>): Array<{ kind: ScheduleKind; spec: CronSpec }> {
  const out: Array<{ kind: ScheduleKind; spec: CronSpec }> = [];
  for (const kind of SCHEDULE_KINDS) {
    const text = policy.schedule[kind];
    if (text === undefined) continue;
    const r = parseCron(text);
    if (r.ok) out.push({ kind, spec: r.spec });
  }
  return out;
}

export function validateBackupPolicy(p: BackupPolicyDocument): BackupProblem[] {
  const out: BackupProblem[] = [];
  const push = (code: string, pointer: string, message: string, hint: string, severity?: 'warning') => out.push({ code, pointer, message, hint, ...(severity ? { severity } : {}) });

  for (const kind of SCHEDULE_KINDS) {
    const text = p.schedule[kind];
    if (text === undefined) continue;
    const r = parseCron(text);
    if (!r.ok)
      push('backup.schedule-invalid', `/schedule/${kind}`, `${kind} schedule: ${r.message}`, 'write 5 cron fields in the calendar\'s time zone, e.g. "0 2 * * 1-6" (02:00 Monday to Saturday)');
  }
  if (p.schedule.incremental !== undefined && p.schedule.differential !== undefined) {
    push(
      'backup.restic-differential',
      '/schedule/differential',
      'restic cannot keep differential and incremental backups apart: every restic snapshot stores only new data (deduplicated) and restores on its own, so both schedules would be the same restic run',
      'keep one of incremental and differential; the full schedule adds the periodic read-back check',
    );
  }
  const specs = parsedSchedules(p);
  for (const s of specs) {
    if (!firstCoincidence(s.spec, s.spec))
      push(
        'backup.schedule-never',
        `/schedule/${s.kind}`,
        `the ${s.kind} schedule '${s.spec.text}' never fires (no such day in any year, e.g. 30 February)`,
        'pick a day that exists in the months named, or leave day of month as *',
      );
  }
  for (let i = 0; i < specs.length; i++) {
    for (let j = i + 1; j < specs.length; j++) {
      const at = firstCoincidence(specs[i]!.spec, specs[j]!.spec);
      if (at)
        push(
          'backup.schedule-overlap',
          `/schedule/${specs[j]!.kind}`,
          `the ${specs[i]!.kind} and ${specs[j]!.kind} schedules both fire at ${at} (and on other days): two restic runs of one repository at once, and forget --prune needs the repository's exclusive lock`,
          `exclude the ${specs[i]!.kind} days from the ${specs[j]!.kind} schedule (e.g. "0 2 * * 0" full and "0 2 * * 1-6" incremental)`,
        );
    }
  }

  const r = p.retention;
  if (![r.keep_daily, r.keep_weekly, r.keep_monthly, r.keep_yearly].some((n) => (n ?? 0) > 0)) {
    push(
      'backup.retention-empty',
      '/retention',
      'every keep_* is 0: restic forget with no snapshot to keep removes nothing (it refuses an empty policy), so this retention cannot be honoured',
      'keep at least one kind, e.g. keep_daily: 7',
    );
  }
  if (p.encryption === false)
    push('backup.restic-unencrypted', '/encryption', 'restic always encrypts its repositories; encryption: false cannot be honoured', 'set encryption: true (or leave it out)');
  if (p.full?.read_data_subset !== undefined) {
    push(
      'backup.read-data-subset-moved',
      '/full/read_data_subset',
      `full.read_data_subset is not read: what restic check reads back is verification.read_data_subset, one value for opsgate backup verify and for every full run on the hosts${p.verification.read_data_subset !== undefined ? ` (here '${p.verification.read_data_subset}')` : ''}`,
      p.verification.read_data_subset !== undefined ? 'delete full.read_data_subset' : `move it: verification: { read_data_subset: '${p.full.read_data_subset}' }`,
    );
  }
  if (p.full?.distinct_copies && (p.tags ?? []).includes(FULL_TAG)) {
    push(
      'backup.full-tag',
      '/tags',
      `the policy tags every snapshot '${FULL_TAG}', the tag that marks distinct full copies: every snapshot would count as a full copy`,
      `rename the tag, or drop full.distinct_copies`,
    );
  }
  if (p.repository.url.startsWith('-') || /[\s'\0]/.test(p.repository.url))
    push(
      'backup.repository-url',
      '/repository/url',
      'the repository location starts with - or contains whitespace or a quote',
      'write the location as restic takes it: /srv/restic/x, sftp:host:/path, s3:https://…',
    );
  Object.keys(p.repository.credentials ?? {}).forEach((name) => {
    const why = credentialNameProblem(name);
    if (why) push('backup.credential-name', `/repository/credentials/${name}`, why, "name the variable restic's backend reads; its value is the runner secret named here");
  });
  p.paths.forEach((path, i) => {
    if (/[\0\r\n]/.test(path)) push('backup.path', `/paths/${i}`, 'the path contains a line break', 'one absolute path per entry');
  });
  (p.exclude ?? []).forEach((e, i) => {
    if (/[\0\r\n]/.test(e)) push('backup.exclude', `/exclude/${i}`, 'the pattern contains a line break', 'one pattern per entry');
  });

  const ids = new Set<string>();
  for (const phase of ['pre', 'post'] as const) {
    (p.hooks?.[phase] ?? []).forEach((h, i) => {
      const at = `/hooks/${phase}/${i}`;
      if (ids.has(h.id)) push('backup.hook-duplicate', `${at}/id`, `hook id '${h.id}' is used twice`, 'give every pre and post step its own id');
      ids.add(h.id);
      if (h.kind === 'run') {
        if (h.argv[0]!.startsWith('-') || h.argv[0]!.trim() === '')
          push('backup.hook-argv', `${at}/argv/0`, `the program '${h.argv[0]}' is empty or starts with '-'`, 'the first element is the program, e.g. /usr/bin/mysqldump');
        if (h.argv.some((a) => a.includes('\0'))) push('backup.hook-argv', `${at}/argv`, 'an argument contains a NUL byte', 'remove it');
        if (h.stdout && !normalPath(h.stdout))
          push('backup.hook-path', `${at}/stdout`, `'${h.stdout}' is not a normal absolute path (no //, /./ or /../, no trailing /)`, 'write the file path plainly');
      } else if (!normalPath(h.path) || PROTECTED.has(h.path)) {
        push(
          'backup.hook-path',
          `${at}/path`,
          `'${h.path}' is ${normalPath(h.path) ? 'a system directory' : 'not a normal absolute path (no //, /./ or /../)'}: a remove step deletes it with rm -rf`,
          'remove the staging directory of the dump, e.g. /var/backups/mysql/staging',
        );
      }
    });
  }
  return out;
}

function normalPath(p: string): boolean {
  return (
    p.startsWith('/') &&
    p.length > 1 &&
    !p.endsWith('/') &&
    !p
      .split('/')
      .slice(1)
      .some((s) => s === '' || s === '.' || s === '..')
  );
}
