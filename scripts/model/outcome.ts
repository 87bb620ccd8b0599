/**
 * The one outcome vocabulary (ARCHITECTURE.md, "Outcomes"): the words runs,
 * hosts, steps, converge, closures and reports use. No layer translates
 * another's words; a word's meaning is written here once. Pure.
 */

/** How one remote action ended. `unknown`: it may or may not have taken effect (a person decides). */
export const STEP_OUTCOMES = ['succeeded', 'failed', 'timed_out', 'unknown'] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

/**
 * How one host ended in a run (apply) or a converge.
 * - `precheck_failed`: a precheck failed, nothing was changed;
 * - `rolled_back`: a step or verification failed and the rollback succeeded;
 * - `rollback_failed`: the rollback failed too: a person must look;
 * - `reverted`: a commit-confirmed change could not be confirmed over a fresh connection, and the host restored itself;
 * - `unreachable`: the connection failed or was lost;
 * - `window_closed`: the window closed (or a freeze began) before the host's next step;
 * - `needs_attention`: a step's outcome is unknown: nothing more runs there until a person decides;
 * - `drift` (converge --check only): the host differs from the policy;
 * - `failed` (converge): the policy could not be applied; with all-or-nothing, nothing was changed;
 * - `not_started`: nothing ran there.
 */
export const HOST_OUTCOMES = [
  'succeeded',
  'failed',
  'precheck_failed',
  'rolled_back',
  'rollback_failed',
  'reverted',
  'unreachable',
  'window_closed',
  'needs_attention',
  'drift',
  'not_started',
] as const;
export type HostOutcome = (typeof HOST_OUTCOMES)[number];

/** How a run of a change ended (`run.done`). A run with no `run.done` yet is `running`. */
export const RUN_OUTCOMES = ['succeeded', 'partial', 'failed', 'rolled_back', 'window_closed', 'needs_attention'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** Host outcomes that count against `max_failures`. */
export const FAILED_HOST_OUTCOMES: ReadonlySet<string> = new Set<HostOutcome>(['failed', 'precheck_failed', 'rolled_back', 'rollback_failed', 'reverted', 'unreachable', 'needs_attention']);

/** Host outcomes after which nothing of the change is left on the host: a retry starts there from the beginning. */
export const CLEAN_HOST_OUTCOMES: ReadonlySet<string> = new Set<HostOutcome>(['precheck_failed', 'rolled_back', 'reverted', 'not_started']);

/** Run outcomes that end a change's attempts for good (a person files a new change to do it again). */
export const FINAL_RUN_OUTCOMES: ReadonlySet<string> = new Set<RunOutcome>(['succeeded']);

/** Run outcomes after which a person must act before anything else runs (`--resume --resolve`). */
export const OPEN_RUN_OUTCOMES: ReadonlySet<string> = new Set<RunOutcome>(['needs_attention']);

/**
 * A run's outcome from its hosts' outcomes. Pure.
 * needs_attention beats everything (a step in doubt); window_closed when the window or a freeze stopped the
 * rollout; succeeded when every host succeeded; rolled_back when none succeeded and every host that changed
 * anything was rolled back or restored itself; failed when more hosts failed than allowed or none succeeded;
 * partial otherwise.
 */
export function runOutcomeOf(hosts: Readonly<Record<string, string>>, o: { maxFailures: number; windowClosed: boolean }): RunOutcome {
  const all = Object.values(hosts);
  if (all.some((h) => h === 'needs_attention')) return 'needs_attention';
  if (o.windowClosed) return 'window_closed';
  if (all.length > 0 && all.every((h) => h === 'succeeded')) return 'succeeded';
  const failures = all.filter((h) => FAILED_HOST_OUTCOMES.has(h)).length;
  const none = all.every((h) => h !== 'succeeded');
  if (none && all.some((h) => h === 'rolled_back' || h === 'reverted') && all.every((h) => CLEAN_HOST_OUTCOMES.has(h))) return 'rolled_back';
  if (failures > o.maxFailures || none) return 'failed';
  return 'partial';
}

/** A change's post-implementation review (`closure.outcome`, schemas/change.schema.json): what state the change was left in. */
export const CLOSURE_OUTCOMES = ['succeeded', 'partial', 'failed', 'rolled_back', 'cancelled'] as const;
export type ClosureOutcome = (typeof CLOSURE_OUTCOMES)[number];

/**
 * What a change's execution records say it achieved (change/run-outcome.ts): a closure's words, without
 * `cancelled` (no record says that), or `unknown` when no run finished or one stopped for a person.
 */
export const RECORDED_OUTCOMES = ['succeeded', 'partial', 'failed', 'rolled_back', 'unknown'] as const;
export type RecordedOutcome = (typeof RECORDED_OUTCOMES)[number];

/** What a report says a change achieved: the records' word, a closure's `cancelled`, or why there is no record. */
export const CHANGE_REPORT_OUTCOMES = [...RECORDED_OUTCOMES, 'cancelled', 'not_executed', 'no_record'] as const;
export type ChangeReportOutcome = (typeof CHANGE_REPORT_OUTCOMES)[number];

/**
 * One check on one host (inspection, backup verification, converge backup rows, reports; DESIGN "Result
 * vocabulary"): `error` could not evaluate (always with a reason, never compliant), `not_applicable` and
 * `not_checked` (manual) carry a reason, `waived` keeps the raw result beside the exception.
 */
export const CHECK_RESULTS = ['pass', 'fail', 'error', 'not_applicable', 'not_checked', 'info', 'waived'] as const;
export type CheckResult = (typeof CHECK_RESULTS)[number];

/** The results compliance counts: pass ÷ (pass + fail + error). Backup verification answers only these. */
export const SCORED_CHECK_RESULTS = ['pass', 'fail', 'error'] as const satisfies readonly CheckResult[];
export type ScoredCheckResult = (typeof SCORED_CHECK_RESULTS)[number];

/** How a check's result moved between two runs. */
export const RESULT_CHANGES = ['new', 'persisting', 'resolved', 'regressed'] as const;
export type ResultChange = (typeof RESULT_CHANGES)[number];
