import type { ChangeDocument } from '../../model/documents.generated.ts';
import { byKey, count, measure, percent, quantile, type Figure } from '../figure.ts';
import { HOUR, inPeriod, ms, type Period } from '../period.ts';
import type { DocRef, ExecutionRun, ReportInput } from '../types.ts';
import { approvalRow, cabRuleIds, leadTimeHours, citeDecision, citeRun, decisionsByChange, outcomeOf, runsByChange, type ApprovalRow, type ChangeOutcome } from './change-evidence.ts';

export type { ChangeOutcome } from './change-evidence.ts';
export { outcomeOf } from './change-evidence.ts';
export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
export const RISKS = ['low', 'medium', 'high', 'critical'] as const;
/** Outcomes of a change that ran: the denominator of the success, failure and rollback rates. */
const EXECUTED: readonly ChangeOutcome[] = ['succeeded', 'failed', 'rolled_back', 'partial', 'unknown'];

export interface RunRow {
  change: string;
  run: string;
  started_at: string;
  finished_at: string;
  window_start: string;
  window_end: string;
  reason: string;
  path: string;
}

/** A post-implementation review that the execution records contradict. The records decide. */
export interface OutcomeDiscrepancy {
  change: string;
  closure: string;
  records: ChangeOutcome;
  run: string | null;
  evidence: string[];
  path: string;
}

export interface NeverSatisfiable {
  change: string;
  pr: number | null;
  at: string;
  rules: { id: string; requires: string }[];
  summary: string;
  evidence: string[];
}

export interface EmergencyNotRun {
  change: string;
  window_start: string;
  window_end: string;
  approved_at: string;
  reason: 'reason.no_run' | 'reason.ran_outside_window';
  evidence: string[];
}

export interface ChangesSection {
  figures: Figure[];
  changes: ApprovalRow[];
  outside_window: RunRow[];
  ungated: RunRow[];
  discrepancies: OutcomeDiscrepancy[];
  never_satisfiable: NeverSatisfiable[];
  emergency_not_run: EmergencyNotRun[];
  retro_overdue: { change: string; due: string; path: string }[];
  pir_missing: { change: string; window_end: string; path: string }[];
  /** Changes whose closure claims an execution with no record behind it: a missing input. */
  missing_records: string[];
}

/** Each change's window start and its runs' starts in ms, parsed once per input (every trend period asks again). */
const changeTimes = new WeakMap<readonly DocRef<ChangeDocument>[], { runs: Map<string, ExecutionRun[]>; times: { start: number | undefined; runs: (number | undefined)[] }[] }>();

export function changesInPeriod(input: ReportInput, period: Period, runs: Map<string, ExecutionRun[]>): DocRef<ChangeDocument>[] {
  let memo = changeTimes.get(input.changes);
  if (memo?.runs !== runs) {
    memo = { runs, times: input.changes.map((c) => ({ start: ms(c.data.window.start), runs: (runs.get(c.id) ?? []).map((r) => ms(r.started_at)) })) };
    changeTimes.set(input.changes, memo);
  }
  const { times } = memo;
  return input.changes.filter((_, i) => inPeriod(times[i]!.start, period) || times[i]!.runs.some((t) => inPeriod(t, period)));
}

/**
 * Each change's runs started before `cutoff` (the period's end, or generated-at when earlier): a run after it
 * cannot be known to a report generated then, so it never moves the period's figures. Runs without a start are
 * kept. Pure.
 */
function runsKnownBy(runs: Map<string, ExecutionRun[]>, cutoff: number): Map<string, ExecutionRun[]> {
  const out = new Map<string, ExecutionRun[]>();
  for (const [id, list] of runs)
    out.set(
      id,
      list.filter((r) => (ms(r.started_at) ?? -Infinity) < cutoff),
    );
  return out;
}

/** Change management metrics for one period; `now` is the report's generated-at. Outcomes come from the execution records. Pure. */
export function computeChanges(input: ReportInput, period: Period, now: number, options: { light?: boolean } = {}): ChangesSection {
  const allRuns = runsByChange(input.executions);
  const runs = runsKnownBy(allRuns, Math.min(period.endMs, now));
  const decisions = decisionsByChange(input);
  const changes = changesInPeriod(input, period, allRuns).sort(byKey((c) => c.id));
  const figures: Figure[] = [];
  const runCites = (id: string) => (runs.get(id) ?? []).map((r) => citeRun(r));

  figures.push(
    count(
      'changes.total',
      changes.map((c) => c.file),
      changes.length,
      'formula.changes_total',
    ),
  );
  for (const t of CHANGE_TYPES) {
    const sub = changes.filter((c) => c.data.type === t);
    figures.push(
      count(
        `changes.by_type.${t}`,
        sub.map((c) => c.file),
        sub.length,
        'formula.changes_by_type',
      ),
    );
  }
  for (const r of RISKS) {
    const sub = changes.filter((c) => c.data.risk === r);
    figures.push(
      count(
        `changes.by_risk.${r}`,
        sub.map((c) => c.file),
        sub.length,
        'formula.changes_by_risk',
      ),
    );
  }
  const outcomes = new Map(changes.map((c) => [c.id, outcomeOf(c.data, runs.get(c.id) ?? [])] as const));
  // Executed in the period: a run started in it (a change whose window opens on the last evening and runs after
  // midnight is next month's execution), its outcome what its last run up to the period's end recorded.
  const executed = changes.filter((c) => EXECUTED.includes(outcomes.get(c.id)!) && (runs.get(c.id) ?? []).some((r) => inPeriod(ms(r.started_at), period)));
  const ofOutcome = (...o: ChangeOutcome[]) => executed.filter((c) => o.includes(outcomes.get(c.id)!)).length;
  const ev = executed.flatMap((c) => runCites(c.id));
  figures.push(percent('changes.success_rate', ofOutcome('succeeded'), executed.length, ev, 'formula.success_rate'));
  figures.push(percent('changes.failure_rate', ofOutcome('failed', 'partial'), executed.length, ev, 'formula.failure_rate'));
  figures.push(percent('changes.rollback_rate', ofOutcome('rolled_back'), executed.length, ev, 'formula.rollback_rate'));
  const emergency = changes.filter((c) => c.data.type === 'emergency');
  figures.push(
    percent(
      'changes.emergency_ratio',
      emergency.length,
      changes.length,
      changes.map((c) => c.file),
      'formula.emergency_ratio',
    ),
  );

  const discrepancies: OutcomeDiscrepancy[] = [];
  const missing: string[] = [];
  for (const c of changes) {
    const closure = c.data.closure;
    // The closure states the change's final result: compared with every run on record, later ones included.
    const rs = allRuns.get(c.id) ?? [];
    const recorded = outcomeOf(c.data, rs);
    if (!closure) continue;
    const last = rs[rs.length - 1];
    const contradicts = last ? closure.outcome !== recorded : closure.outcome !== 'cancelled';
    if (!contradicts) continue;
    if (!last) missing.push(c.id);
    discrepancies.push({ change: c.id, closure: closure.outcome, records: recorded, run: last?.run ?? null, evidence: [c.file, ...(last ? [citeRun(last)] : [])], path: c.file });
  }
  figures.push(
    count(
      'changes.outcome_discrepancies',
      discrepancies.flatMap((d) => d.evidence),
      discrepancies.length,
      'formula.outcome_discrepancies',
    ),
  );

  const retro = input.changes
    .filter((c) => c.data.type === 'emergency' && !c.data.closure && (ms(c.data.emergency?.retro_review_due) ?? Infinity) < now && (ms(c.data.window.start) ?? Infinity) < period.endMs)
    .sort(byKey((c) => c.id))
    .map((c) => ({ change: c.id, due: c.data.emergency!.retro_review_due, path: c.file }));
  figures.push(
    count(
      'changes.retro_overdue',
      retro.map((r) => r.path),
      retro.length,
      'formula.retro_overdue',
    ),
  );

  const outside: RunRow[] = [];
  const ungated: RunRow[] = [];
  const periodRuns = input.executions.filter((r) => !r.dry_run && inPeriod(ms(r.started_at), period)).sort(byKey((r) => `${r.change}|${r.path}`));
  const outsideEvidence: string[] = [];
  const ungatedEvidence: string[] = [];
  const changeById = new Map(input.changes.map((c) => [c.id, c] as const));
  for (const r of periodRuns) {
    const change = changeById.get(r.change);
    const ws = change?.data.window.start ?? '';
    const we = change?.data.window.end ?? '';
    const row = { change: r.change, run: r.run, started_at: r.started_at ?? '', finished_at: r.finished_at ?? '', window_start: ws, window_end: we, path: r.path };
    outsideEvidence.push(citeRun(r, 'planned'), citeRun(r), ...(change ? [change.file] : []));
    const start = ms(r.started_at)!;
    const end = ms(r.finished_at) ?? start;
    if (!change) outside.push({ ...row, reason: 'reason.unknown_change' });
    else if (start < ms(ws)! || end > ms(we)!) outside.push({ ...row, reason: start < ms(ws)! ? 'reason.before_window' : 'reason.after_window' });
    const ds = decisions.get(r.change) ?? [];
    const satisfied = ds.find((d) => d.status === 'satisfied' && (ms(d.at) ?? Infinity) <= start);
    ungatedEvidence.push(citeRun(r, 'planned'), ...(satisfied ? [citeDecision(satisfied)] : ds.map(citeDecision)));
    if (!satisfied) ungated.push({ ...row, reason: ds.length ? 'reason.gate_not_satisfied' : 'reason.no_gate_decision' });
  }
  figures.push(count('changes.outside_window', outsideEvidence, outside.length, 'formula.outside_window'));
  figures.push(count('changes.ungated', ungatedEvidence, ungated.length, 'formula.ungated'));

  if (options.light)
    return { figures, changes: [], outside_window: [], ungated: [], discrepancies, never_satisfiable: [], emergency_not_run: [], retro_overdue: retro, pir_missing: [], missing_records: missing };
  const cab = cabRuleIds(input.approval?.data);
  const rows = changes.map((c) => approvalRow(input, c, runs.get(c.id) ?? [], decisions.get(c.id) ?? [], cab));
  // Quantiles of the unrounded lead times (rounding each change first would move the percentile).
  const leadTimes = changes.flatMap((c) => {
    const h = leadTimeHours(input, c, runs.get(c.id) ?? [], decisions.get(c.id) ?? []);
    return h === null ? [] : [h];
  });
  const leadEvidence = rows.filter((r) => r.lead_time_hours !== null).flatMap((r) => r.evidence);
  const latencies: number[] = [];
  const latencyEvidence: string[] = [];
  for (const c of changes) {
    const ds = decisions.get(c.id) ?? [];
    const sat = ds.find((d) => d.status === 'satisfied');
    if (ds[0] && sat) {
      latencies.push((ms(sat.at)! - ms(ds[0].at)!) / HOUR);
      latencyEvidence.push(citeDecision(ds[0]), citeDecision(sat));
    }
  }
  figures.push(measure('changes.lead_time_median', quantile(leadTimes, 0.5), 'hours', leadEvidence, 'formula.lead_time'));
  figures.push(measure('changes.lead_time_p90', quantile(leadTimes, 0.9), 'hours', leadEvidence, 'formula.lead_time'));
  figures.push(measure('changes.approval_latency_median', quantile(latencies, 0.5), 'hours', latencyEvidence, 'formula.approval_latency'));

  const never: NeverSatisfiable[] = [];
  for (const c of changes) {
    const last = (decisions.get(c.id) ?? []).at(-1);
    const failing = last?.status === 'failed' ? last.rules.filter((r) => r.status === 'failed') : [];
    if (last && failing.length)
      never.push({ change: c.id, pr: last.pr ?? null, at: last.at, rules: failing.map((r) => ({ id: r.id, requires: r.requires })), summary: last.summary, evidence: [c.file, citeDecision(last)] });
  }
  figures.push(
    count(
      'changes.never_satisfiable',
      never.flatMap((n) => n.evidence),
      never.length,
      'formula.never_satisfiable',
    ),
  );

  const emergencyNotRun: EmergencyNotRun[] = [];
  for (const c of emergency) {
    const sat = (decisions.get(c.id) ?? []).find((d) => d.status === 'satisfied');
    const we = ms(c.data.window.end) ?? Infinity;
    if (!sat || we > now) continue;
    const rs = runs.get(c.id) ?? [];
    const row = rows.find((r) => r.change === c.id)!;
    if (rs.length === 0 || row.in_window === false) {
      emergencyNotRun.push({
        change: c.id,
        window_start: c.data.window.start,
        window_end: c.data.window.end,
        approved_at: sat.at,
        reason: rs.length === 0 ? 'reason.no_run' : 'reason.ran_outside_window',
        evidence: [c.file, citeDecision(sat), ...rs.map((r) => citeRun(r, 'planned'))],
      });
    }
  }
  figures.push(
    count(
      'changes.emergency_not_run',
      emergencyNotRun.flatMap((e) => e.evidence),
      emergencyNotRun.length,
      'formula.emergency_not_run',
    ),
  );

  const pir = changes
    .filter((c) => !c.data.closure && (ms(c.data.window.end) ?? Infinity) < now && outcomes.get(c.id) !== 'cancelled')
    .map((c) => ({ change: c.id, window_end: c.data.window.end, path: c.file }));
  figures.push(count('changes.pir_missing', [...pir.map((p) => p.path), ...pir.flatMap((p) => runCites(p.change))], pir.length, 'formula.pir_missing'));

  return {
    figures,
    changes: rows,
    outside_window: outside,
    ungated,
    discrepancies,
    never_satisfiable: never,
    emergency_not_run: emergencyNotRun,
    retro_overdue: retro,
    pir_missing: pir,
    missing_records: missing,
  };
}
