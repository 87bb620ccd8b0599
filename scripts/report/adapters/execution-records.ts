/**
 * Adapter for records/changes/<CHG>/<run>.jsonl (scripts/change/recorder.ts,
 * apply-change.ts, execute.ts): `run.planned` (or `run.resumed`) with change,
 * run and gate_decision; `host.started`/`host.done {outcome}`;
 * `rollback.started`/`rollback.done {ok}`; `run.done {outcome, hosts: {host:
 * outcome}}`. A resumed run appends to the same file; the last `run.done`
 * wins. What the run achieved is decided by scripts/change/run-outcome.ts,
 * the same function lint uses against closures. The only file that knows this
 * layout. Pure.
 */
import { recordedOutcome } from '../../change/run-outcome.ts';
import { runFactsOf } from '../../repo/read-change-runs.ts';
import type { ExecutionRun, LineRef } from '../types.ts';

type Line = Record<string, unknown>;

function lineRef(l: Line | undefined, i: number): LineRef | undefined {
  if (!l) return undefined;
  return { seq: typeof l.seq === 'number' ? l.seq : i + 1, hash: typeof l.hash === 'string' ? l.hash : '' };
}

export function adaptExecutionRecord(path: string, lines: readonly Line[]): ExecutionRun | undefined {
  const m = /^records\/changes\/([^/]+)\/([^/]+)\.jsonl$/.exec(path);
  if (!m || lines.length === 0) return undefined;
  const firstIndex = Math.max(
    0,
    lines.findIndex((l) => l.type === 'run.planned' || l.type === 'run.resumed'),
  );
  const first = lines[firstIndex]!;
  const doneIndex = lines.findLastIndex((l) => l.type === 'run.done');
  const hosts = new Set<string>();
  let dryRun = false;
  for (const l of lines) {
    if (typeof l.host === 'string') hosts.add(l.host);
    if (l.dry_run === true) dryRun = true;
  }
  const facts = runFactsOf(lines);
  for (const h of Object.keys(facts.hosts ?? {})) hosts.add(h);
  const outcome = recordedOutcome(facts);
  const rolledBack = facts.rolledBack === true || Object.values(facts.hosts ?? {}).includes('rolled_back');
  return {
    path,
    change: typeof first.change === 'string' ? first.change : m[1]!,
    run: typeof first.run === 'string' ? first.run : m[2]!,
    started_at: typeof first.at === 'string' ? first.at : undefined,
    finished_at: doneIndex >= 0 ? String(lines[doneIndex]!.at) : undefined,
    outcome,
    rolled_back: rolledBack,
    hosts: [...hosts].sort(),
    host_outcomes: facts.hosts ?? {},
    dry_run: dryRun,
    pr: typeof first.pr === 'number' ? first.pr : undefined,
    gate_decision: typeof first.gate_decision === 'string' ? first.gate_decision : undefined,
    planned: lineRef(first, firstIndex),
    done: doneIndex >= 0 ? lineRef(lines[doneIndex], doneIndex) : undefined,
  };
}
