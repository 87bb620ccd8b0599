/**
 * Inspection records: hash-chained JSON Lines under records/inspections/ (edge).
 *
 * Layout: one chain per calendar month (UTC), `records/inspections/YYYY-MM.jsonl`;
 * a sharded run writes `records/inspections/YYYY-MM.shard-I-of-N.jsonl`.
 * Every line carries `seq`, `prev`, `hash` (scripts/records/chain.ts), `at` (ISO 8601
 * with offset) and `type`. One run appends, in order:
 *
 *   { type: "inspection.started",   run_id, scope: { hosts: [id…], groups: [id…], shard: "1/4" | null },
 *                                   baselines: [ { id, checks } ] }
 *   { type: "inspection.host",      run_id, host, reachable: bool, error: { phase, message } | null,
 *                                   duration_ms, results: [ Row… ] }              (one per host in scope)
 *   { type: "inspection.completed", run_id, previous_run: run_id | null, summary: {
 *                                   hosts, hosts_unreachable, rows, by_status: {pass, fail, error,
 *                                   not_applicable, not_checked, info, waived}, by_change: {new,
 *                                   persisting, resolved, regressed}, compliance: 0..1 | null } }
 *
 * Row (stable; reports read exactly these fields):
 *   { host, check, baseline, title, severity: critical|high|medium|low|info,
 *     status: pass|fail|error|not_applicable|not_checked|info|waived,
 *     expected, observed, reason, evidence (the command that produced the evidence),
 *     level?: "warn"            (threshold checks between warn_at and fail_at; status stays pass),
 *     exception?: exception id  (waived, or fail with reason "exception_expired: …"),
 *     raw_status?: status before the exception was applied,
 *     change?: new|persisting|resolved|regressed  (against the previous completed run) }
 *
 * Compliance = pass ÷ (pass + fail + error). A run without `inspection.completed` (crashed)
 * is ignored when looking for the previous run. Secrets are redacted before writing.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { verifyChain } from '../records/chain.ts';
import { RecordWriter } from '../records/writer.ts';
import type { InspectionRow } from './model.ts';
import type { InspectionSummary } from './results.ts';
import type { HostRun } from './runner.ts';

export interface RecordedRun { runId: string; rows: Array<Pick<InspectionRow, 'host' | 'check' | 'status'>> }

export function recordFileFor(root: string, now: Date, shard?: { index: number; count: number }): string {
  const month = now.toISOString().slice(0, 7);
  return path.join(root, 'records', 'inspections', `${month}${shard ? `.shard-${shard.index}-of-${shard.count}` : ''}.jsonl`);
}

/** The last completed run in this month's file, else last month's. */
export async function readPreviousRun(root: string, now: Date, shard?: { index: number; count: number }): Promise<RecordedRun | undefined> {
  const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15));
  for (const file of [recordFileFor(root, now, shard), recordFileFor(root, lastMonth, shard)]) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (!text) continue;
    const { lines } = verifyChain(text);
    const completed = lines.filter((l) => l.type === 'inspection.completed').map((l) => String(l.run_id));
    const runId = completed[completed.length - 1];
    if (!runId) continue;
    const rows = lines.filter((l) => l.type === 'inspection.host' && l.run_id === runId).flatMap((l) => (l.results as InspectionRow[]) ?? []);
    return { runId, rows };
  }
  return undefined;
}

export async function writeInspectionRecord(input: {
  file: string;
  runId: string;
  at: (d?: Date) => string;
  scope: { hosts: string[]; groups: string[]; shard: string | null };
  baselines: Array<{ id: string; checks: number }>;
  hosts: HostRun[];
  previousRun: string | null;
  summary: InspectionSummary;
}): Promise<void> {
  const w = await RecordWriter.open(input.file);
  try {
    await w.append({ at: input.at(), type: 'inspection.started', run_id: input.runId, scope: input.scope, baselines: input.baselines });
    for (const h of input.hosts) {
      await w.append({ at: input.at(), type: 'inspection.host', run_id: input.runId, host: h.host, reachable: h.reachable, error: h.error ?? null, duration_ms: h.durationMs, results: h.rows });
    }
    await w.append({ at: input.at(), type: 'inspection.completed', run_id: input.runId, previous_run: input.previousRun, summary: input.summary });
  } finally {
    await w.close();
  }
}
