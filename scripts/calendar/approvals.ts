import type { ApprovalFact } from './export-changes.ts';

/** One `gate.decision` line, as far as the change calendar needs it. */
export interface DecisionLine {
  record: string;
  pr?: number;
  status: string;
  at: string;
  summary?: string;
  /** Change ids the decision names (its bindings, emergencies and freezes). */
  changes: string[];
}

/** Change ids a gate.decision line names: bindings (`changes`), `emergency` and `freezes` entries. Pure. */
export function changesNamedBy(line: Record<string, unknown>): string[] {
  const ids = new Set<string>();
  for (const key of ['changes', 'emergency', 'freezes']) {
    const v = line[key];
    if (!Array.isArray(v)) continue;
    for (const item of v) if (item && typeof item === 'object' && typeof (item as { change?: unknown }).change === 'string') ids.add((item as { change: string }).change);
  }
  return [...ids];
}

/**
 * The latest gate decision for each change: among the decisions that name it,
 * and those of the pull request its execution records say merged it. Pure.
 */
export function latestApprovals(decisions: readonly DecisionLine[], prOfChange: ReadonlyMap<string, number>): Map<string, ApprovalFact> {
  const out = new Map<string, ApprovalFact>();
  const consider = (change: string, d: DecisionLine) => {
    if (d.status !== 'satisfied' && d.status !== 'pending' && d.status !== 'failed') return;
    const have = out.get(change);
    if (have && Date.parse(have.at) >= Date.parse(d.at)) return;
    out.set(change, { status: d.status, at: d.at, record: d.record, ...(d.pr !== undefined ? { pr: d.pr } : {}), ...(d.summary ? { summary: d.summary } : {}) });
  };
  for (const d of decisions) for (const c of d.changes) consider(c, d);
  for (const [change, pr] of prOfChange) for (const d of decisions) if (d.pr === pr) consider(change, d);
  return out;
}
