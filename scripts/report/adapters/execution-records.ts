/**
 * Adapter for records/changes/<CHG>/<run>.jsonl (scripts/change/recorder.ts,
 * apply-change.ts, execute.ts): `run.planned` (or `run.resumed`) with change,
 * run and gate_decision; `host.started`/`host.done {outcome}`;
 * `rollback.started`/`rollback.done {ok}`; `run.done {outcome:
 * succeeded|partial|failed|needs_attention, hosts: {host: outcome}}`. A resumed
 * run appends to the same file; the last `run.done` wins. The only file that
 * knows that layout. Pure.
 */
import type { ExecutionRun } from '../types.ts';

type Line = Record<string, unknown>;

const RUN_OUTCOMES: Record<string, ExecutionRun['outcome']> = { succeeded: 'successful', partial: 'partial', failed: 'failed', rolled_back: 'rolled_back', window_closed: 'partial', needs_attention: 'unknown' };

export function adaptExecutionRecord(path: string, lines: readonly Line[]): ExecutionRun | undefined {
  const m = /^records\/changes\/([^/]+)\/([^/]+)\.jsonl$/.exec(path);
  if (!m || lines.length === 0) return undefined;
  const first = lines.find((l) => l.type === 'run.planned' || l.type === 'run.resumed') ?? lines[0]!;
  const hosts = new Set<string>();
  let outcome: ExecutionRun['outcome'] = 'running';
  let finished: string | undefined;
  let rolledBack = false;
  let dryRun = false;
  for (const l of lines) {
    if (typeof l.host === 'string') hosts.add(l.host);
    if (l.dry_run === true) dryRun = true;
    if (l.type === 'rollback.done' && l.ok === true) rolledBack = true;
    if (l.type === 'host.done' && l.outcome === 'rolled_back') rolledBack = true;
    if (l.type === 'run.done') {
      finished = String(l.at);
      outcome = RUN_OUTCOMES[String(l.outcome)] ?? 'unknown';
      if (l.hosts && typeof l.hosts === 'object') for (const [h, o] of Object.entries(l.hosts as Record<string, unknown>)) {
        hosts.add(h);
        if (o === 'rolled_back') rolledBack = true;
      }
    }
  }
  // A run whose every failed host was rolled back successfully counts as rolled back.
  if (rolledBack && outcome === 'failed') outcome = 'rolled_back';
  return {
    path,
    change: typeof first.change === 'string' ? first.change : m[1]!,
    run: typeof first.run === 'string' ? first.run : m[2]!,
    started_at: String(first.at),
    finished_at: finished,
    outcome,
    rolled_back: rolledBack,
    hosts: [...hosts].sort(),
    dry_run: dryRun,
    pr: typeof first.pr === 'number' ? first.pr : undefined,
  };
}
