/**
 * A change's runs: records/changes/<CHG>/<run>.jsonl, run = UTC start time + random suffix
 * (the writer and the run id are remote/recorder.ts, shared with converge). Edge.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { RecordLine } from '../records/chain.ts';
import { readRecordFile } from '../records/writer.ts';
import { readRunState, type RunState } from './resume.ts';

export { newRunId, openRecorder, type Recorder } from '../remote/recorder.ts';

export function changeRecordDir(root: string, change: string): string {
  return path.join(root, 'records', 'changes', change);
}

export interface RunSummary {
  run: string;
  file: string;
  outcome?: string;
  state?: RunState;
  /** The record's lines that verify. */
  lines: RecordLine[];
  /** Chain problems: a run whose record does not verify is reported, never resumed. */
  problem?: string;
}

/** Every run of a change, oldest first, with its outcome. */
export async function listRuns(root: string, change: string): Promise<RunSummary[]> {
  const dir = changeRecordDir(root, change);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.jsonl')).sort();
  const out: RunSummary[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    const v = await readRecordFile(file);
    const state = readRunState(v.lines);
    const s: RunSummary = { run: n.slice(0, -'.jsonl'.length), file, state, lines: v.lines };
    if (state.outcome) s.outcome = state.outcome;
    if (!v.ok) s.problem = v.problems.map((p) => `line ${p.line}: ${p.message}`).join('; ');
    out.push(s);
  }
  return out;
}
