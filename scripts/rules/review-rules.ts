import { evaluateReview } from '../change/review.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import type { RuleInput } from './rule-context.ts';

/**
 * Post-implementation reviews agree with the evidence: a closure needs an
 * execution record (unless cancelled), its outcome matches the last run, and
 * incidents that name the change are listed. A change that ran and ended
 * without a closure is reported after a grace period. Pure.
 */
export function checkReviews({ repo, now, changeRuns }: RuleInput): Diagnostic[] {
  if (!changeRuns) return [];
  const incidentIds = new Set(repo.all('incident').map((i) => i.id));
  const causedBy = new Map<string, string[]>();
  for (const i of repo.all('incident')) if (i.data.caused_by_change) causedBy.set(i.data.caused_by_change, [...(causedBy.get(i.data.caused_by_change) ?? []), i.id]);
  return repo.all('change').flatMap((c) => evaluateReview({ change: c, runs: changeRuns.get(c.id) ?? [], incidentsCausedBy: causedBy.get(c.id) ?? [], incidentIds, now }));
}
