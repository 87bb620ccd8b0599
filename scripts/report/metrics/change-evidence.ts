/**
 * The evidence behind each change: which runs and gate decisions belong to
 * it, what the records say it achieved, and the approval trail an auditor
 * asks for (pull request, approvers with time, the decision in force and its
 * rules, the CAB's part, lead time, whether it ran inside its window). Pure.
 */
import type { ChangeReportOutcome } from '../../model/outcome.ts';
import type { ApprovalDocument, ChangeDocument } from '../../model/documents.generated.ts';
import { byInstant, byKey } from '../figure.ts';
import { HOUR, ms } from '../period.ts';
import { citeLine, type DocRef, type ExecutionRun, type GateDecision, type ReportInput } from '../types.ts';

/** What the report says a change achieved. Execution records decide; a closure only adds `cancelled`. */
export type ChangeOutcome = ChangeReportOutcome;

export function citeDecision(d: GateDecision): string {
  return citeLine(d.path, { seq: d.line, hash: d.hash });
}

export function citeRun(r: ExecutionRun, which: 'planned' | 'done' = 'done'): string {
  return citeLine(r.path, (which === 'done' ? r.done : r.planned) ?? r.planned);
}

const runsMemo = new WeakMap<readonly ExecutionRun[], Map<string, ExecutionRun[]>>();
const decisionsMemo = new WeakMap<ReportInput, Map<string, GateDecision[]>>();

/** Execution runs that really ran (not dry runs), grouped by change id, oldest first. Memoised per input (every trend period asks). */
export function runsByChange(runs: readonly ExecutionRun[]): Map<string, ExecutionRun[]> {
  const memo = runsMemo.get(runs);
  if (memo) return memo;
  const out = new Map<string, ExecutionRun[]>();
  for (const r of runs) {
    if (r.dry_run) continue;
    const list = out.get(r.change) ?? [];
    list.push(r);
    out.set(r.change, list);
  }
  // By instant, not by text: a record may spell its time with any offset (+08:00 or Z), and the last run decides the outcome.
  for (const list of out.values())
    list.sort(
      byInstant(
        (r) => r.started_at,
        (r) => r.path,
      ),
    );
  runsMemo.set(runs, out);
  return out;
}

/** Gate decisions per change: those naming it, and those of every pull request that touched its file or merged it. Memoised per input. */
export function decisionsByChange(input: ReportInput): Map<string, GateDecision[]> {
  const memo = decisionsMemo.get(input);
  if (memo) return memo;
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
  for (const list of out.values())
    list.sort(
      byInstant(
        (d) => d.at,
        (d) => `${d.path}|${String(d.line).padStart(9, '0')}`,
      ),
    );
  decisionsMemo.set(input, out);
  return out;
}

/** The report's outcome of a change: the last run's recorded outcome; without runs, cancelled, not executed, or a closure with no record behind it. */
export function outcomeOf(change: ChangeDocument, runs: readonly ExecutionRun[]): ChangeOutcome {
  const last = runs[runs.length - 1];
  if (last) return last.outcome;
  if (change.closure?.outcome === 'cancelled') return 'cancelled';
  return change.closure ? 'no_record' : 'not_executed';
}

/** Rule ids of the approval policy that ask the change advisory board (the team with id `cab`). */
export function cabRuleIds(policy: ApprovalDocument | undefined): Set<string> {
  const ids = new Set<string>();
  const asksCab = (req: unknown): boolean => {
    if (!req || typeof req !== 'object') return false;
    const r = req as { from?: { teams?: unknown }; all?: unknown; any?: unknown };
    if (Array.isArray(r.from?.teams) && r.from.teams.includes('cab')) return true;
    return [r.all, r.any].some((list) => Array.isArray(list) && list.some(asksCab));
  };
  for (const rule of policy?.rules ?? []) if (asksCab(rule.require)) ids.add(rule.id);
  return ids;
}

export interface ApprovalRow {
  change: string;
  title: string;
  type: string;
  risk: string;
  window_start: string;
  window_end: string;
  runs: number;
  pr: number | null;
  /** Each person who counted for any rule of the decision in force, with their review's time. */
  approvers: { person: string; at: string | null }[];
  gate_status: GateDecision['status'] | 'none';
  gate_at: string | null;
  /** Rules of the decision in force, with their status. */
  rules: { id: string; status: string; requires: string }[];
  cab: 'satisfied' | 'pending' | 'failed' | 'not_required';
  lead_time_hours: number | null;
  /** null when the change did not run. */
  in_window: boolean | null;
  outcome: ChangeOutcome;
  evidence: string[];
}

/** The decision a change ran under: the latest satisfied one at or before its first run, else its latest decision. */
export function decisionInForce(decisions: readonly GateDecision[], firstRunStart: number | undefined): GateDecision | undefined {
  const before = decisions.filter((d) => d.status === 'satisfied' && (firstRunStart === undefined || (ms(d.at) ?? Infinity) <= firstRunStart));
  return before[before.length - 1] ?? decisions[decisions.length - 1];
}

/**
 * Lead time of a change, unrounded (hours): from the first commit of its file or its first gate
 * decision, whichever is earlier, to its first execution. Quantiles are taken over these values;
 * only the per-change display is rounded. Pure.
 */
export function leadTimeHours(input: ReportInput, c: DocRef<ChangeDocument>, runs: readonly ExecutionRun[], decisions: readonly GateDecision[]): number | null {
  const firstStart = ms(runs[0]?.started_at);
  const opened = Math.min(ms(input.git.files[c.file]?.first?.at) ?? Infinity, ms(decisions[0]?.at) ?? Infinity);
  return opened !== Infinity && firstStart !== undefined && firstStart >= opened ? (firstStart - opened) / HOUR : null;
}

export function approvalRow(input: ReportInput, c: DocRef<ChangeDocument>, runs: readonly ExecutionRun[], decisions: readonly GateDecision[], cab: ReadonlySet<string>): ApprovalRow {
  const first = runs[0];
  const firstStart = ms(first?.started_at);
  const d = decisionInForce(decisions, firstStart);
  const approvers = new Map<string, string | null>();
  for (const rule of d?.rules ?? [])
    for (const a of rule.approvers) {
      const prev = approvers.get(a.person);
      if (prev === undefined || (a.at && (!prev || a.at < prev))) approvers.set(a.person, a.at ?? null);
    }
  const cabRules = (d?.rules ?? []).filter((r) => cab.has(r.id) || (cab.size === 0 && /\bcab\b/i.test(r.requires)));
  const cabStatus: ApprovalRow['cab'] =
    cabRules.length === 0 ? 'not_required' : cabRules.every((r) => r.status === 'satisfied') ? 'satisfied' : cabRules.some((r) => r.status === 'failed') ? 'failed' : 'pending';
  const lead = leadTimeHours(input, c, runs, decisions);
  const ws = ms(c.data.window.start);
  const we = ms(c.data.window.end);
  const inWindow = first ? runs.every((r) => (ms(r.started_at) ?? -Infinity) >= (ws ?? Infinity) && (ms(r.finished_at) ?? ms(r.started_at) ?? Infinity) <= (we ?? -Infinity)) : null;
  const pr = d?.pr ?? first?.pr ?? input.git.files[c.file]?.prs.at(-1) ?? null;
  return {
    change: c.id,
    title: c.data.title,
    type: c.data.type,
    risk: c.data.risk,
    window_start: c.data.window.start,
    window_end: c.data.window.end,
    runs: runs.length,
    pr,
    approvers: [...approvers.entries()].map(([person, at]) => ({ person, at })).sort(byKey((a) => `${a.at ?? ''}|${a.person}`)),
    gate_status: d?.status ?? 'none',
    gate_at: d?.at ?? null,
    rules: (d?.rules ?? []).map((r) => ({ id: r.id, status: r.status, requires: r.requires })),
    cab: cabStatus,
    lead_time_hours: lead === null ? null : Math.round(lead * 10) / 10,
    in_window: inWindow,
    outcome: outcomeOf(c.data, runs),
    evidence: [c.file, ...(d ? [citeDecision(d)] : []), ...runs.flatMap((r) => [citeRun(r, 'planned'), citeRun(r, 'done')])],
  };
}
