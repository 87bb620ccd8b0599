import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { RunFacts } from '../change/run-outcome.ts';
import { readRecordFile } from '../records/writer.ts';

export interface ChangeRun extends RunFacts {
  run: string;
  /** When run.done was written. */
  at?: string;
}

/** The facts of one run file's lines that decide its outcome (run-outcome.ts). Pure. */
export function runFactsOf(lines: ReadonlyArray<Record<string, unknown>>): RunFacts & { at?: string } {
  const done = lines.findLast((l) => l.type === 'run.done');
  const facts: RunFacts & { at?: string } = {};
  if (done && typeof done.outcome === 'string') facts.outcome = done.outcome;
  if (done && typeof done.at === 'string') facts.at = done.at;
  if (done?.hosts && typeof done.hosts === 'object') facts.hosts = Object.fromEntries(Object.entries(done.hosts as Record<string, unknown>).map(([h, o]) => [h, String(o)]));
  if (lines.some((l) => l.type === 'rollback.done' && l.ok === true)) facts.rolledBack = true;
  if (lines.some((l) => l.type === 'rollback.done' && l.ok === false)) facts.rollbackFailed = true;
  return facts;
}

/** Runs of every change that has execution records, oldest first. Edge: reads records/changes/. */
export async function readChangeRuns(root: string): Promise<Map<string, ChangeRun[]>> {
  const base = path.join(root, 'records/changes');
  const out = new Map<string, ChangeRun[]>();
  for (const change of (await readdir(base).catch(() => [] as string[])).sort()) {
    const files = (await readdir(path.join(base, change)).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl')).sort();
    const runs: ChangeRun[] = [];
    for (const f of files) {
      const v = await readRecordFile(path.join(base, change, f)).catch(() => undefined);
      runs.push({ run: f.slice(0, -'.jsonl'.length), ...runFactsOf(v?.lines ?? []) });
    }
    out.set(change, runs);
  }
  return out;
}
