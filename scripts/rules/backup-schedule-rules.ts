/**
 * The scheduled backup verification keeps each policy's cadence: a scheduled
 * workflow runs `opsgate backup verify --due --record` for every backup policy
 * (scripts/backup/verify-schedule.ts reads which, and how often), at least once
 * per `verification.restore_test_every_days`. Pure: the edge reads the workflow
 * files; without a .github/workflows folder the rule has nothing to compare.
 */
import type { Diagnostic } from '../model/diagnostic.ts';
import { at, type RuleInput } from './rule-context.ts';

const round = (h: number) => (h % 24 === 0 ? `${h / 24} days` : `${Math.round(h * 10) / 10} hours`);

export function checkBackupVerifySchedule({ repo, backupVerifySchedules: read }: RuleInput): Diagnostic[] {
  if (!read) return [];
  const out: Diagnostic[] = read.problems.map((p) => ({
    code: 'backup.verify-schedule-cron',
    severity: 'error' as const,
    file: p.file,
    line: p.line,
    col: 1,
    message: p.message,
    hint: "five fields, UTC, as GitHub's schedule takes them, e.g. '0 20 * * *'",
  }));
  for (const bp of repo.all('backup-policy')) {
    const every = bp.data.verification.restore_test_every_days;
    const mine = read.schedules.filter((s) => s.policies === null || s.policies.includes(bp.id));
    if (mine.length === 0) {
      out.push(
        at(
          bp,
          '/verification/restore_test_every_days',
          'backup.verify-unscheduled',
          `no scheduled workflow runs 'opsgate backup verify --due --record' for ${bp.id}: its restore tests every ${every} days would only happen by hand`,
          `schedule .github/workflows/backup-verify.yml (reusable-backup-verify.yml, restore-test: due) with policies empty or naming ${bp.id}`,
        ),
      );
      continue;
    }
    const gaps = mine.filter((s) => s.maxGapHours !== null);
    if (gaps.length === 0) continue; // the unparsable cron is reported on the workflow
    const best = gaps.reduce((a, b) => (b.maxGapHours! < a.maxGapHours! ? b : a));
    if (best.maxGapHours! > every * 24) {
      out.push(
        at(
          bp,
          '/verification/restore_test_every_days',
          'backup.verify-schedule-sparse',
          `${best.file}:${best.line} runs backup verify up to ${round(best.maxGapHours!)} apart (${best.crons.join(', ')}), longer than the ${every} days between restore tests ${bp.id} promises`,
          `schedule it at least every ${every} days (daily, with --due, holds every cadence), or lengthen verification.restore_test_every_days with the owner's approval`,
        ),
      );
    }
  }
  return out;
}
