/**
 * Adapter for records/inspections/… (scripts/inspect/record.ts): one run of
 * an inspection, rows of host × check, and hosts that could not be reached.
 * The only file that knows that layout. Pure.
 */
import type { InspectionResult, InspectionRun, ResultChange, ResultStatus, Severity } from '../types.ts';

type Line = Record<string, unknown>;
const STATUSES = new Set<ResultStatus>(['pass', 'fail', 'error', 'not_applicable', 'not_checked', 'info', 'waived']);
const CHANGES = new Set<ResultChange>(['new', 'persisting', 'resolved', 'regressed']);
const SEVERITIES = new Set<Severity>(['critical', 'high', 'medium', 'low', 'info']);

function adaptRow(v: Line): InspectionResult | undefined {
  if (typeof v.host !== 'string' || typeof v.check !== 'string' || !STATUSES.has(v.status as ResultStatus)) return undefined;
  const exception = typeof v.exception === 'string' ? v.exception : undefined;
  const expired = exception === 'exception_expired' || v.exception_expired === true || String(v.reason ?? '').includes('exception_expired');
  return {
    host: v.host,
    check: v.check,
    status: v.status as ResultStatus,
    severity: SEVERITIES.has(v.severity as Severity) ? (v.severity as Severity) : 'info',
    change: CHANGES.has(v.change as ResultChange) ? (v.change as ResultChange) : undefined,
    exception: exception === 'exception_expired' ? (typeof v.exception_id === 'string' ? v.exception_id : undefined) : exception,
    exception_expired: expired,
    reason: typeof v.reason === 'string' && v.reason ? v.reason : undefined,
  };
}

export function adaptInspectionRecord(path: string, lines: readonly Line[]): InspectionRun | undefined {
  if (lines.length === 0) return undefined;
  const results: InspectionResult[] = [];
  const unreachable = new Map<string, string>();
  const hosts = new Set<string>();
  for (const l of lines) {
    const type = String(l.type);
    const rows = Array.isArray(l.rows) ? (l.rows as Line[]) : Array.isArray(l.results) ? (l.results as Line[]) : [l];
    for (const r of rows) {
      const row = adaptRow(r);
      if (row) {
        results.push(row);
        hosts.add(row.host);
      }
    }
    if (typeof l.host === 'string' && (/unreachable|host\.error|connect/.test(type) || l.reachable === false || l.status === 'unreachable')) {
      unreachable.set(l.host, String(l.reason ?? l.error ?? l.message ?? 'unreachable'));
      hosts.add(l.host);
    }
    if (Array.isArray(l.unreachable)) for (const u of l.unreachable as Line[]) if (typeof u?.host === 'string') unreachable.set(u.host, String(u.reason ?? 'unreachable'));
  }
  const runId = typeof lines[0]!.run === 'string' ? (lines[0]!.run as string) : path.replace(/^.*\//, '').replace(/\.jsonl$/, '');
  return {
    path,
    run: runId,
    at: String(lines[0]!.at),
    results,
    unreachable: [...unreachable.entries()].map(([host, reason]) => ({ host, reason })).sort((a, b) => (a.host < b.host ? -1 : 1)),
    hosts: [...hosts].sort(),
  };
}
