/**
 * Backup verification is read from evidence, never from a date typed into a
 * policy: every host a backup policy targets needs a passing restore test in
 * records/backups/ (written by `opsgate backup verify --restore-test --record`)
 * within `verification.restore_test_every_days`. Pure: the edge reads the records.
 */
import type { Diagnostic } from '../model/diagnostic.ts';
import { lastPassingTests } from '../backup/record.ts';
import { at, type RuleInput } from './rule-context.ts';

const DAY = 86_400_000;

export function checkBackupVerification({ repo, now, backupRestoreTests }: RuleInput): Diagnostic[] {
  if (!backupRestoreTests) return [];
  const out: Diagnostic[] = [];
  const last = lastPassingTests(backupRestoreTests.tests);
  for (const bp of repo.all('backup-policy')) {
    const every = bp.data.verification.restore_test_every_days;
    const overdue: string[] = [];
    for (const h of repo.resolveTargets(bp.data.targets).map((d) => d.id).sort()) {
      const t = last.get(`${bp.id}\u0000${h}`);
      if (!t) overdue.push(`${h} (none recorded)`);
      else if (now.getTime() - Date.parse(t.at) > every * DAY) overdue.push(`${h} (last passed ${t.at.slice(0, 10)}, ${t.file}:${t.line})`);
    }
    if (overdue.length === 0) continue;
    out.push(at(bp, '/verification/restore_test_every_days', 'backup.verification-overdue',
      `no passing restore test within ${every} days in records/backups/ for ${overdue.length} target host${overdue.length === 1 ? '' : 's'}: ${overdue.slice(0, 5).join(', ')}${overdue.length > 5 ? ', …' : ''}`,
      `run 'opsgate backup verify --policies ${bp.id} --restore-test --record' (the scheduled backup workflow runs it with --due)`));
  }
  for (const p of backupRestoreTests.problems) {
    out.push({ code: 'backup.records-broken', severity: 'warning', file: p.split(':')[0]!, line: 1, col: 1, message: `${p}: restore tests after the break are not counted`, hint: "run 'opsgate records verify'; a person must look at it" });
  }
  return out;
}
