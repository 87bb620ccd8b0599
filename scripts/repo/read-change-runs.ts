import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readRecordFile } from '../records/writer.ts';

export interface ChangeRun {
  run: string;
  /** run.done outcome; absent while a run is unfinished. */
  outcome?: string;
  /** When run.done was written. */
  at?: string;
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
      const done = v?.lines.findLast((l) => l.type === 'run.done');
      const run: ChangeRun = { run: f.slice(0, -'.jsonl'.length) };
      if (done && typeof done.outcome === 'string') run.outcome = done.outcome;
      if (done) run.at = done.at;
      runs.push(run);
    }
    out.set(change, runs);
  }
  return out;
}
