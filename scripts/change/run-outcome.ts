/**
 * What a change's execution records say happened, in the closure's words
 * (`succeeded`, `partial`, `failed`, `rolled_back`: model/outcome.ts), so lint, the sample
 * checks and the reports compare a post-implementation review with the same
 * answer. The records decide: a closure that says otherwise is a discrepancy.
 * Pure.
 *
 * The run's own outcome word (model/outcome.ts runOutcomeOf) answers "did the
 * run pass"; a closure answers "what state was the change left in", so where
 * they differ (more hosts failed than allowed, yet some kept the change: the
 * run `failed`, the change is `partial`) the per-host outcomes decide:
 *
 * Per run, from `run.done` (the last one in the file: a resumed run appends):
 * - every host kept the change → `succeeded`;
 * - some hosts kept it, others did not → `partial`;
 * - no host kept it, and every host that changed anything was rolled back
 *   (the rest failed a precheck, were unreachable or never started) →
 *   `rolled_back` when at least one host was rolled back, else `failed`;
 * - a rollback failed → `failed`;
 * - no `run.done`, or `needs_attention` → `unknown` (a person must decide).
 * Without a per-host map, the run's own outcome word is used. A change's
 * outcome is that of its last run.
 */

import { CLEAN_HOST_OUTCOMES, type RecordedOutcome } from '../model/outcome.ts';

export type { RecordedOutcome };

export interface RunFacts {
  /** `run.done` outcome; absent when the run never finished. */
  outcome?: string;
  /** `run.done` hosts: host → host outcome. */
  hosts?: Record<string, string>;
  /** Some `rollback.done` line says ok: true. */
  rolledBack?: boolean;
  /** Some `rollback.done` line says ok: false. */
  rollbackFailed?: boolean;
}

/** The host outcome (model/outcome.ts) that leaves the change in place on the host. */
const KEPT = new Set(['succeeded']);
const ROLLED_BACK = new Set(['rolled_back', 'reverted']);

export function recordedOutcome(run: RunFacts): RecordedOutcome {
  if (run.outcome === undefined || run.outcome === 'needs_attention' || run.outcome === 'unknown') return 'unknown';
  const hosts = run.hosts ? Object.values(run.hosts) : [];
  if (hosts.length > 0) {
    const kept = hosts.filter((o) => KEPT.has(o)).length;
    if (kept === hosts.length) return 'succeeded';
    if (kept > 0) return 'partial';
    if (!hosts.every((o) => CLEAN_HOST_OUTCOMES.has(o)) || run.rollbackFailed) return 'failed';
    return hosts.some((o) => ROLLED_BACK.has(o)) ? 'rolled_back' : 'failed';
  }
  if (KEPT.has(run.outcome)) return 'succeeded';
  if (run.outcome === 'partial' || run.outcome === 'window_closed') return 'partial';
  if (ROLLED_BACK.has(run.outcome)) return 'rolled_back';
  return run.rolledBack && !run.rollbackFailed ? 'rolled_back' : 'failed';
}

/** The outcome of a change from its runs (oldest first): the last run decides; undefined without runs. */
export function changeOutcomeFromRuns(runs: readonly RunFacts[]): RecordedOutcome | undefined {
  const last = runs[runs.length - 1];
  return last ? recordedOutcome(last) : undefined;
}
