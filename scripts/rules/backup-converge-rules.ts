/**
 * What restic cannot honour in a backup policy, and what converge could not
 * put on a host safely (scripts/converge/backup-validate.ts), as lint
 * diagnostics at the policy's own lines: a pull request learns it before
 * merge, not when `opsgate converge backup` refuses. Pure.
 */
import type { Diagnostic } from '../model/diagnostic.ts';
import { validateBackupPolicy } from '../converge/backup-validate.ts';
import { at, type RuleInput } from './rule-context.ts';

export function checkBackupConvergence({ repo }: RuleInput): Diagnostic[] {
  return repo.all('backup-policy').flatMap((bp) => validateBackupPolicy(bp.data).map((p) => at(bp, p.pointer, p.code, p.message, p.hint, p.severity ?? 'error')));
}
