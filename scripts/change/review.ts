/**
 * Post-implementation review (实施后评审): a change is closed only by its
 * `closure`, and the closure must agree with the evidence — the execution
 * records and the incidents that name the change. Pure: documents and run
 * outcomes in, located diagnostics out (lint and reports call it).
 */
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { ChangeDocument } from '../model/documents.generated.ts';
import { recordedOutcome, type RunFacts } from './run-outcome.ts';

export interface ReviewInput {
  change: { id: string; file: string; data: ChangeDocument; locate?: (pointer: string) => { line: number; col: number } };
  /** Runs from records/changes/<id>/, oldest first. `at` = when run.done was written; `hosts` its per-host outcomes. */
  runs: ReadonlyArray<{ run: string; at?: string } & RunFacts>;
  /** Incidents whose caused_by_change names this change. */
  incidentsCausedBy: readonly string[];
  /** Every incident id in the repository. */
  incidentIds: ReadonlySet<string>;
  now: Date;
  /** Days after the window closes before a missing review is reported. */
  graceDays?: number;
}

export function evaluateReview(input: ReviewInput): Diagnostic[] {
  const { change, runs } = input;
  const c = change.data;
  const out: Diagnostic[] = [];
  const at = (pointer: string) => ({ file: change.file, ...(change.locate?.(pointer) ?? { line: 1, col: 1 }) });
  const add = (code: string, pointer: string, message: string, hint?: string, severity: 'error' | 'warning' = 'error') =>
    out.push(diagnostic(code, at(pointer), message, { pointer, severity, ...(hint ? { hint } : {}) }));
  const last = [...runs].reverse().find((r) => r.outcome !== undefined);
  const closure = c.closure;

  if (!closure) {
    const grace = (input.graceDays ?? 3) * 86_400_000;
    if (last && Date.parse(c.window.end) + grace < input.now.getTime()) {
      add(
        'review.missing',
        '',
        `${change.id} ran (last run ${last.run}: ${last.outcome}) but has no closure review`,
        'add closure: {outcome, closed_at, deviations, incidents_caused, reviewed_by}',
        'warning',
      );
    }
    return out;
  }
  if (closure.outcome !== 'cancelled' && !last)
    add('review.no-run', '/closure/outcome', `closure says ${closure.outcome}, but ${change.id} has no execution record`, "a change counts as implemented only through 'opsgate apply'");
  if (closure.outcome === 'cancelled' && runs.length > 0) add('review.cancelled-but-run', '/closure/outcome', `closure says cancelled, but run ${runs[runs.length - 1]!.run} exists`);
  const recorded = last ? recordedOutcome(last) : undefined;
  if (last && recorded && closure.outcome !== 'cancelled' && closure.outcome !== recorded) {
    const hosts = last.hosts
      ? ` (${Object.entries(last.hosts)
          .map(([h, o]) => `${h}: ${o}`)
          .join(', ')})`
      : '';
    add(
      'review.outcome-mismatch',
      '/closure/outcome',
      `closure says ${closure.outcome}, but the records of the last run (${last.run}) say ${recorded}${hosts}; the records decide`,
      recorded === 'unknown'
        ? 'the run is in doubt: resolve it with opsgate apply --resume --resolve, then write the closure'
        : `set closure.outcome: ${recorded}, or explain in deviations and fix the records' cause`,
    );
  }
  if (closure.outcome !== 'succeeded' && closure.deviations.trim().length === 0)
    add('review.deviations-empty', '/closure/deviations', `outcome ${closure.outcome} needs the deviations from the plan written down`);
  if (last?.at && Date.parse(closure.closed_at) < Date.parse(last.at))
    add('review.closed-before-run', '/closure/closed_at', `closed_at ${closure.closed_at} is before the last run ended (${last.at})`);
  if (closure.reviewed_by === c.implementer)
    add('review.self-review', '/closure/reviewed_by', `the implementer ${c.implementer} reviewed their own change`, 'another person should do the post-implementation review', 'warning');
  const listed = new Set(closure.incidents_caused ?? []);
  for (const [i, id] of (closure.incidents_caused ?? []).entries()) {
    if (!input.incidentIds.has(id)) add('review.unknown-incident', `/closure/incidents_caused/${i}`, `incident ${id} does not exist`);
  }
  for (const id of input.incidentsCausedBy) {
    if (!listed.has(id))
      add('review.incident-not-listed', '/closure/incidents_caused', `${id} names ${change.id} as its cause, but the closure does not list it`, `add ${id} to closure.incidents_caused`);
  }
  return out;
}
