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
 *                                   duration_ms, host_cpu_ms?, results: [ Row… ] } (one per host in scope;
 *                                   host_cpu_ms: the probe's CPU on the host, its shell and children)
 *   { type: "inspection.completed", run_id, previous_run: run_id | null (the newest run compared with),
 *                                   summary: { hosts, hosts_unreachable, hosts_not_inspected, rows, by_status: {pass, fail, error,
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
 *     change?: new|persisting|resolved|regressed  (against the last run that inspected this host;
 *                                                  definitions in scripts/inspect/results.ts applyLifecycle),
 *     last_resolved?: run id in which it was last resolved (carried forward) }
 *
 * Shards of one scheduled run share its run_id (`--run-id`, default from GITHUB_RUN_ID) and are
 * one run wherever runs are compared or reported.
 *
 * Compliance = pass ÷ (pass + fail + error). A run without `inspection.completed` (crashed)
 * is ignored when looking for the previous run. Secrets are redacted before writing.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { verifyChain } from '../records/chain.ts';
import { RecordWriter } from '../records/writer.ts';
import type { InspectionRow } from './model.ts';
import type { InspectionSummary, PriorHost } from './results.ts';
import type { HostRun } from './runner.ts';

export interface RecordedRun {
  runId: string;
  rows: Array<Pick<InspectionRow, 'host' | 'check' | 'status'>>;
}

export function recordFileFor(root: string, now: Date, shard?: { index: number; count: number }): string {
  const month = now.toISOString().slice(0, 7);
  return path.join(root, 'records', 'inspections', `${month}${shard ? `.shard-${shard.index}-of-${shard.count}` : ''}.jsonl`);
}

/** One completed run as read back, shards of one run id merged. Pure data. */
export interface StoredRun {
  runId: string;
  at: number;
  hosts: Map<string, { inspected: boolean; rows: InspectionRow[] }>;
}

/**
 * Completed runs from record texts (a month's file and its shard files, any order), merged by
 * run id: the shards of one scheduled run are one run. A run id whose lines end without
 * `inspection.completed` in a file contributes nothing from that file. Pure.
 */
export function readStoredRuns(texts: string[]): StoredRun[] {
  const runs = new Map<string, StoredRun>();
  for (const text of texts) {
    const { lines } = verifyChain(text);
    const completed = new Set(lines.filter((l) => l.type === 'inspection.completed').map((l) => String(l.run_id)));
    for (const l of lines) {
      const id = String(l.run_id);
      if (!completed.has(id)) continue;
      const run = runs.get(id) ?? runs.set(id, { runId: id, at: Number.POSITIVE_INFINITY, hosts: new Map() }).get(id)!;
      if (l.type === 'inspection.started') run.at = Math.min(run.at, Date.parse(String(l.at)));
      if (l.type === 'inspection.host' && typeof l.host === 'string') {
        run.hosts.set(l.host, { inspected: l.reachable === true && !l.error, rows: (l.results as InspectionRow[]) ?? [] });
      }
    }
  }
  return [...runs.values()].sort((a, b) => a.at - b.at || a.runId.localeCompare(b.runId));
}

/** For each host, the newest run (other than `exclude`) that inspected it. Pure. */
export function priorByHost(runs: StoredRun[], hosts: string[], exclude?: string): Map<string, PriorHost> {
  const out = new Map<string, PriorHost>();
  for (const h of hosts) {
    for (let i = runs.length - 1; i >= 0; i--) {
      const run = runs[i]!;
      if (run.runId === exclude) continue;
      const entry = run.hosts.get(h);
      if (entry?.inspected) {
        out.set(h, { runId: run.runId, rows: entry.rows });
        break;
      }
    }
  }
  return out;
}

/** This month's and last month's inspection chains, every shard file included (edge). */
export async function readRecentRuns(root: string, now: Date): Promise<StoredRun[]> {
  const dir = path.join(root, 'records', 'inspections');
  const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15));
  const months = [lastMonth, now].map((d) => d.toISOString().slice(0, 7));
  const names = await readdir(dir).catch(() => [] as string[]);
  const wanted = names.filter((n) => months.some((m) => n === `${m}.jsonl` || (n.startsWith(`${m}.shard-`) && n.endsWith('.jsonl'))));
  return readStoredRuns(await Promise.all(wanted.map((n) => readFile(path.join(dir, n), 'utf8').catch(() => ''))));
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
      await w.append({
        at: input.at(),
        type: 'inspection.host',
        run_id: input.runId,
        host: h.host,
        reachable: h.reachable,
        error: h.error ?? null,
        duration_ms: h.durationMs,
        ...(h.hostCpuMs !== undefined ? { host_cpu_ms: h.hostCpuMs } : {}),
        results: h.rows,
      });
    }
    await w.append({ at: input.at(), type: 'inspection.completed', run_id: input.runId, previous_run: input.previousRun, summary: input.summary });
  } finally {
    await w.close();
  }
}
