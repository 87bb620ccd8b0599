import type { ChangeDocument } from '../../model/documents.generated.ts';
import { byKey, count, measure, percent, quantile, type Figure } from '../figure.ts';
import { HOUR, inPeriod, ms, type Period } from '../period.ts';
import type { DocRef, ExecutionRun, GateDecision, ReportInput } from '../types.ts';

export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
export const RISKS = ['low', 'medium', 'high', 'critical'] as const;
export type ChangeOutcome = 'successful' | 'failed' | 'rolled_back' | 'partial' | 'cancelled' | 'pending';

export interface ChangeRow {
  id: string;
  title: string;
  type: string;
  risk: string;
  outcome: ChangeOutcome;
  window_start: string;
  window_end: string;
  runs: number;
  path: string;
}

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

export interface ChangesSection {
  figures: Figure[];
  changes: ChangeRow[];
  outside_window: RunRow[];
  ungated: RunRow[];
  retro_overdue: { change: string; due: string; path: string }[];
  pir_missing: { change: string; window_end: string; path: string }[];
}

/** Execution runs that really ran (not dry runs), grouped by change id. */
function runsByChange(runs: readonly ExecutionRun[]): Map<string, ExecutionRun[]> {
  const out = new Map<string, ExecutionRun[]>();
  for (const r of runs) {
    if (r.dry_run) continue;
    const list = out.get(r.change) ?? [];
    list.push(r);
    out.set(r.change, list);
  }
  for (const list of out.values()) list.sort(byKey((r) => `${r.started_at ?? ''}|${r.path}`));
  return out;
}

/**
 * Gate decisions per change: those that name the change, and those of every
 * pull request that touched the change's file (from git history).
 */
function decisionsByChange(input: ReportInput): Map<string, GateDecision[]> {
  const out = new Map<string, GateDecision[]>();
  const byPr = new Map<number, GateDecision[]>();
  for (const d of input.gateDecisions) if (d.pr !== undefined) (byPr.get(d.pr) ?? byPr.set(d.pr, []).get(d.pr)!).push(d);
  const add = (c: string, d: GateDecision) => {
    const list = out.get(c) ?? [];
    if (!list.includes(d)) list.push(d);
    out.set(c, list);
  };
  for (const d of input.gateDecisions) for (const c of d.changes) add(c, d);
  for (const c of input.changes) for (const pr of input.git.files[c.file]?.prs ?? []) for (const d of byPr.get(pr) ?? []) add(c.id, d);
  for (const r of input.executions) if (r.pr !== undefined) for (const d of byPr.get(r.pr) ?? []) add(r.change, d);
  for (const list of out.values()) list.sort(byKey((d) => `${d.at}|${d.path}|${String(d.line).padStart(9, '0')}`));
  return out;
}

/** The outcome of a change: its post-implementation review if it has one, else its last execution. Pure. */
export function outcomeOf(change: ChangeDocument, runs: readonly ExecutionRun[]): ChangeOutcome {
  if (change.closure) return change.closure.outcome;
  const last = runs[runs.length - 1];
  if (!last) return 'pending';
  if (last.rolled_back) return 'rolled_back';
  if (last.outcome === 'successful' || last.outcome === 'failed' || last.outcome === 'partial' || last.outcome === 'rolled_back') return last.outcome;
  return 'pending';
}

export function changesInPeriod(input: ReportInput, period: Period, runs: Map<string, ExecutionRun[]>): DocRef<ChangeDocument>[] {
  return input.changes.filter((c) => inPeriod(ms(c.data.window.start), period) || (runs.get(c.id) ?? []).some((r) => inPeriod(ms(r.started_at), period)));
}

/** Change management metrics for one period; `now` is the report's generated-at. Pure. */
export function computeChanges(input: ReportInput, period: Period, now: number): ChangesSection {
  const runs = runsByChange(input.executions);
  const decisions = decisionsByChange(input);
  const changes = changesInPeriod(input, period, runs).sort(byKey((c) => c.id));
  const figures: Figure[] = [];
  const runPaths = (id: string) => (runs.get(id) ?? []).map((r) => r.path);
  const evidenceOf = (list: readonly DocRef<ChangeDocument>[]) => list.flatMap((c) => [c.file, ...runPaths(c.id)]);

  figures.push(count('changes.total', changes.map((c) => c.file), changes.length));
  for (const t of CHANGE_TYPES) {
    const sub = changes.filter((c) => c.data.type === t);
    figures.push(count(`changes.by_type.${t}`, sub.map((c) => c.file), sub.length));
  }
  for (const r of RISKS) {
    const sub = changes.filter((c) => c.data.risk === r);
    figures.push(count(`changes.by_risk.${r}`, sub.map((c) => c.file), sub.length));
  }
  const outcomes = new Map(changes.map((c) => [c.id, outcomeOf(c.data, runs.get(c.id) ?? [])] as const));
  const finished = changes.filter((c) => ['successful', 'failed', 'rolled_back', 'partial'].includes(outcomes.get(c.id)!));
  const ofOutcome = (...o: ChangeOutcome[]) => finished.filter((c) => o.includes(outcomes.get(c.id)!)).length;
  const ev = evidenceOf(finished);
  figures.push(percent('changes.success_rate', ofOutcome('successful'), finished.length, ev, 'formula.success_rate'));
  figures.push(percent('changes.failure_rate', ofOutcome('failed', 'partial'), finished.length, ev, 'formula.failure_rate'));
  figures.push(percent('changes.rollback_rate', ofOutcome('rolled_back'), finished.length, ev, 'formula.rollback_rate'));
  const emergency = changes.filter((c) => c.data.type === 'emergency');
  figures.push(percent('changes.emergency_ratio', emergency.length, changes.length, changes.map((c) => c.file), 'formula.emergency_ratio'));

  const retro = input.changes
    .filter((c) => c.data.type === 'emergency' && !c.data.closure && (ms(c.data.emergency?.retro_review_due) ?? Infinity) < now && (ms(c.data.window.start) ?? Infinity) < period.endMs)
    .sort(byKey((c) => c.id))
    .map((c) => ({ change: c.id, due: c.data.emergency!.retro_review_due, path: c.file }));
  figures.push(count('changes.retro_overdue', retro.map((r) => r.path), retro.length, 'formula.retro_overdue'));

  const outside: RunRow[] = [];
  const ungated: RunRow[] = [];
  const periodRuns = input.executions.filter((r) => !r.dry_run && inPeriod(ms(r.started_at), period)).sort(byKey((r) => `${r.change}|${r.path}`));
  const gatePathsOf = (id: string) => (decisions.get(id) ?? []).map((d) => d.path);
  const outsideEvidence: string[] = [];
  const ungatedEvidence: string[] = [];
  const changeById = new Map(input.changes.map((c) => [c.id, c] as const));
  for (const r of periodRuns) {
    const change = changeById.get(r.change);
    const ws = change?.data.window.start ?? '';
    const we = change?.data.window.end ?? '';
    const row = { change: r.change, run: r.run, started_at: r.started_at ?? '', finished_at: r.finished_at ?? '', window_start: ws, window_end: we, path: r.path };
    outsideEvidence.push(r.path, ...(change ? [change.file] : []));
    const start = ms(r.started_at)!;
    const end = ms(r.finished_at) ?? start;
    if (!change) outside.push({ ...row, reason: 'reason.unknown_change' });
    else if (start < ms(ws)! || end > ms(we)!) outside.push({ ...row, reason: start < ms(ws)! ? 'reason.before_window' : 'reason.after_window' });
    const satisfied = (decisions.get(r.change) ?? []).find((d) => d.status === 'satisfied' && (ms(d.at) ?? Infinity) <= start);
    ungatedEvidence.push(r.path, ...gatePathsOf(r.change));
    if (!satisfied) ungated.push({ ...row, reason: (decisions.get(r.change) ?? []).length ? 'reason.gate_not_satisfied' : 'reason.no_gate_decision' });
  }
  figures.push(count('changes.outside_window', outsideEvidence, outside.length, 'formula.outside_window'));
  figures.push(count('changes.ungated', ungatedEvidence, ungated.length, 'formula.ungated'));

  const leadTimes: number[] = [];
  const latencies: number[] = [];
  const leadEvidence: string[] = [];
  const latencyEvidence: string[] = [];
  for (const c of changes) {
    const ds = decisions.get(c.id) ?? [];
    const rs = runs.get(c.id) ?? [];
    const firstCommit = ms(input.git.files[c.file]?.first?.at);
    const firstDecision = ms(ds[0]?.at);
    const opened = Math.min(firstCommit ?? Infinity, firstDecision ?? Infinity);
    const firstRun = ms(rs[0]?.started_at);
    if (opened !== Infinity && firstRun !== undefined && firstRun >= opened) {
      leadTimes.push((firstRun - opened) / HOUR);
      leadEvidence.push(c.file, rs[0]!.path, ...(ds[0] ? [ds[0].path] : []));
    }
    const sat = ds.find((d) => d.status === 'satisfied');
    if (firstDecision !== undefined && sat) {
      latencies.push((ms(sat.at)! - firstDecision) / HOUR);
      latencyEvidence.push(ds[0]!.path, sat.path);
    }
  }
  figures.push(measure('changes.lead_time_median', quantile(leadTimes, 0.5), 'hours', leadEvidence, 'formula.lead_time'));
  figures.push(measure('changes.lead_time_p90', quantile(leadTimes, 0.9), 'hours', leadEvidence, 'formula.lead_time'));
  figures.push(measure('changes.approval_latency_median', quantile(latencies, 0.5), 'hours', latencyEvidence, 'formula.approval_latency'));

  const pir = changes
    .filter((c) => !c.data.closure && (ms(c.data.window.end) ?? Infinity) < now && outcomes.get(c.id) !== 'cancelled')
    .map((c) => ({ change: c.id, window_end: c.data.window.end, path: c.file }));
  figures.push(count('changes.pir_missing', pir.map((p) => p.path), pir.length, 'formula.pir_missing'));

  const rows = changes.map((c) => ({
    id: c.id,
    title: c.data.title,
    type: c.data.type,
    risk: c.data.risk,
    outcome: outcomes.get(c.id)!,
    window_start: c.data.window.start,
    window_end: c.data.window.end,
    runs: (runs.get(c.id) ?? []).length,
    path: c.file,
  }));
  return { figures, changes: rows, outside_window: outside, ungated, retro_overdue: retro, pir_missing: pir };
}
