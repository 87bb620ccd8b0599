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
  const hosts = e.scope?.hosts; const groups = e.scope?.groups;
  if (!hosts && !groups) return true;
  return (hosts ?? []).includes(id) || (groups ?? []).some((g) => host?.groups.includes(g));
}

const PROBLEM: ReadonlySet<CheckStatus> = new Set(['fail', 'error']);

/**
 * new: a problem now that the previous run did not have for this host × check (or no previous run);
 * persisting: a problem in both; resolved: a problem before, not now;
 * regressed: a problem now that passed (or was waived / not applicable) before.
 * Rows that are fine in both runs get no change.
 */
export function diffWithPrevious(rows: InspectionRow[], previous: Array<Pick<InspectionRow, 'host' | 'check' | 'status'>> | undefined): InspectionRow[] {
  const before = new Map((previous ?? []).map((r) => [`${r.host}\u0000${r.check}`, r.status]));
  return rows.map((r) => {
    const prev = before.get(`${r.host}\u0000${r.check}`);
    const now = PROBLEM.has(r.status);
    if (now && prev === undefined) return { ...r, change: 'new' };
    if (now && PROBLEM.has(prev!)) return { ...r, change: 'persisting' };
    if (now) return { ...r, change: 'regressed' };
    if (prev !== undefined && PROBLEM.has(prev)) return { ...r, change: 'resolved' };
    return r;
  });
}

export interface InspectionSummary {
  hosts: number;
  hosts_unreachable: number;
  rows: number;
  by_status: Record<CheckStatus, number>;
  by_change: Record<'new' | 'persisting' | 'resolved' | 'regressed', number>;
  /** pass ÷ (pass + fail + error), 0..1, rounded to 4 places; null when nothing was evaluated. */
  compliance: number | null;
}

export function summarize(rows: InspectionRow[], unreachable: number, hosts: number): InspectionSummary {
  const by_status: InspectionSummary['by_status'] = { pass: 0, fail: 0, error: 0, not_applicable: 0, not_checked: 0, info: 0, waived: 0 };
  const by_change: InspectionSummary['by_change'] = { new: 0, persisting: 0, resolved: 0, regressed: 0 };
  for (const r of rows) { by_status[r.status]++; if (r.change) by_change[r.change]++; }
  const denom = by_status.pass + by_status.fail + by_status.error;
  return { hosts, hosts_unreachable: unreachable, rows: rows.length, by_status, by_change, compliance: denom ? Math.round((by_status.pass / denom) * 10000) / 10000 : null };
}

/** `--shard i/n`: hosts sorted by id, every n-th from i (1-based). */
export function selectShard<T extends { id: string }>(hosts: T[], shard: { index: number; count: number } | undefined): T[] {
  if (!shard) return hosts;
  return [...hosts].sort((a, b) => a.id.localeCompare(b.id)).filter((_, i) => i % shard.count === shard.index - 1);
}
