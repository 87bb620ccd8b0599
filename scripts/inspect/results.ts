import type { CheckStatus, Exception, InspectionRow, InventoryHost } from './model.ts';

/**
 * Exceptions, comparison with the previous run, and the summary. Pure.
 *
 * An exception matches a row when its `rule` is the check id and its scope covers the
 * host (no scope = every host). A matching `fail` becomes `waived` (raw_status kept,
 * exception id attached) while now < expires; after expiry it stays `fail` with reason
 * prefixed `exception_expired`.
 */
export function applyExceptions(rows: InspectionRow[], exceptions: Exception[], hosts: Map<string, InventoryHost>, now: Date): InspectionRow[] {
  return rows.map((r) => {
    if (r.status !== 'fail') return r;
    const host = hosts.get(r.host);
    const match = exceptions.find((e) => e.rule === r.check && coversHost(e, host, r.host));
    if (!match) return r;
    if (Date.parse(match.expires) > now.getTime()) return { ...r, status: 'waived', raw_status: r.status, exception: match.id };
    return { ...r, exception: match.id, reason: `exception_expired: ${match.id} expired at ${match.expires}; ${r.reason}` };
  });
}

function coversHost(e: Exception, host: InventoryHost | undefined, id: string): boolean {
  const hosts = e.scope?.hosts;
  const groups = e.scope?.groups;
  if (!hosts && !groups) return true;
  return (hosts ?? []).includes(id) || (groups ?? []).some((g) => host?.groups.includes(g));
}

const PROBLEM: ReadonlySet<CheckStatus> = new Set(['fail', 'error']);

/** A finding is the raw result: a waived failure is still a failure (waived is not resolved). */
export const isProblem = (r: Pick<InspectionRow, 'status' | 'raw_status'>): boolean => PROBLEM.has(r.raw_status ?? r.status);

/** The last run that inspected a host (reachable, probe completed), with that host's rows. */
export interface PriorHost {
  runId: string;
  rows: Array<Pick<InspectionRow, 'check' | 'status' | 'raw_status' | 'change' | 'last_resolved'>>;
}

/**
 * The lifecycle of each host × check against the last run that inspected that host (a run
 * scoped with --hosts/--groups, or a shard, is the comparison point only for hosts it covered):
 *
 *   new         a problem (fail or error, waived or not) now; not a problem in that run, and never resolved before;
 *   persisting  a problem now and in that run;
 *   resolved    not a problem now (pass, not applicable, info), a problem in that run;
 *   regressed   a problem now, not a problem in that run, and resolved at some earlier run
 *               (`last_resolved` carries the run id forward, so "failing again after having been resolved").
 *
 * Rows of hosts this run could not inspect (`notInspected`) get no change: they are no evidence
 * either way, and the next run compares with the last run that did inspect them.
 */
export function applyLifecycle(rows: InspectionRow[], prior: ReadonlyMap<string, PriorHost>, runId: string, notInspected: ReadonlySet<string> = new Set()): InspectionRow[] {
  const index = new Map<string, Map<string, PriorHost['rows'][number]>>();
  for (const [host, p] of prior) index.set(host, new Map(p.rows.map((r) => [r.check, r])));
  return rows.map((r) => {
    if (notInspected.has(r.host)) return r;
    const prev = index.get(r.host)?.get(r.check);
    // Records written before last_resolved existed still say `resolved` on the row itself.
    const lastResolved = prev?.last_resolved ?? (prev?.change === 'resolved' ? prior.get(r.host)!.runId : undefined);
    const out: InspectionRow = { ...r };
    delete out.change;
    delete out.last_resolved;
    if (lastResolved) out.last_resolved = lastResolved;
    const now = isProblem(r);
    const before = prev !== undefined && isProblem(prev);
    if (now && before) out.change = 'persisting';
    else if (now) out.change = lastResolved ? 'regressed' : 'new';
    else if (before) {
      out.change = 'resolved';
      out.last_resolved = runId;
    }
    return out;
  });
}

/** Kept for callers that compare with one previous run covering every host: see applyLifecycle. */
export function diffWithPrevious(
  rows: InspectionRow[],
  previous: Array<Pick<InspectionRow, 'host' | 'check' | 'status' | 'raw_status' | 'change' | 'last_resolved'>> | undefined,
  runId = 'current',
): InspectionRow[] {
  const prior = new Map<string, PriorHost>();
  for (const p of previous ?? []) {
    const h = prior.get(p.host) ?? prior.set(p.host, { runId: 'previous', rows: [] }).get(p.host)!;
    h.rows.push(p);
  }
  return applyLifecycle(rows, prior, runId);
}

export interface InspectionSummary {
  hosts: number;
  /** Hosts whose connection failed (reachable: false). */
  hosts_unreachable: number;
  /** Hosts without results: unreachable, or connected but the probe failed (timeout, garbage). Reports count the same. */
  hosts_not_inspected: number;
  rows: number;
  by_status: Record<CheckStatus, number>;
  by_change: Record<'new' | 'persisting' | 'resolved' | 'regressed', number>;
  /** pass ÷ (pass + fail + error), 0..1, rounded to 4 places; null when nothing was evaluated. */
  compliance: number | null;
}

export function summarize(rows: InspectionRow[], unreachable: number, hosts: number, notInspected = unreachable): InspectionSummary {
  const by_status: InspectionSummary['by_status'] = { pass: 0, fail: 0, error: 0, not_applicable: 0, not_checked: 0, info: 0, waived: 0 };
  const by_change: InspectionSummary['by_change'] = { new: 0, persisting: 0, resolved: 0, regressed: 0 };
  for (const r of rows) {
    by_status[r.status]++;
    if (r.change) by_change[r.change]++;
  }
  const denom = by_status.pass + by_status.fail + by_status.error;
  return {
    hosts,
    hosts_unreachable: unreachable,
    hosts_not_inspected: notInspected,
    rows: rows.length,
    by_status,
    by_change,
    compliance: denom ? Math.round((by_status.pass / denom) * 10000) / 10000 : null,
  };
}

/** `--shard i/n`: hosts sorted by id, every n-th from i (1-based). */
export function selectShard<T extends { id: string }>(hosts: T[], shard: { index: number; count: number } | undefined): T[] {
  if (!shard) return hosts;
  return [...hosts].sort((a, b) => a.id.localeCompare(b.id)).filter((_, i) => i % shard.count === shard.index - 1);
}
