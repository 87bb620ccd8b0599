/**
 * Adapter for records/gate/<owner>/<repo>/pr-<n>.jsonl (scripts/gate/decision.ts):
 * one `gate.decision` line per evaluation of a pull request. The only file
 * that knows that layout. Pure.
 */
import type { GateDecision } from '../types.ts';

type Line = Record<string, unknown>;

const STATUSES = new Set(['satisfied', 'pending', 'failed']);

function changeIds(line: Line): string[] {
  const ids = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string') ids.add(v);
    else if (v && typeof v === 'object' && typeof (v as Line).id === 'string') ids.add((v as Line).id as string);
    else if (v && typeof v === 'object' && typeof (v as Line).change === 'string') ids.add((v as Line).change as string);
  };
  for (const key of ['changes', 'emergency', 'freezes']) {
    const v = line[key];
    if (Array.isArray(v)) v.forEach(add);
  }
  return [...ids].sort();
}

export function adaptGateRecord(path: string, lines: readonly Line[]): GateDecision[] {
  const fromName = /pr-(\d+)\.jsonl$/.exec(path);
  const out: GateDecision[] = [];
  lines.forEach((line, i) => {
    if (line.type !== 'gate.decision' || !STATUSES.has(String(line.status))) return;
    const pr = typeof line.pr === 'number' ? line.pr : fromName ? Number(fromName[1]) : undefined;
    out.push({
      path,
      line: typeof line.seq === 'number' ? line.seq : i + 1,
      at: typeof line.evaluated_at === 'string' ? line.evaluated_at : String(line.at),
      pr,
      head_sha: typeof line.head_sha === 'string' ? line.head_sha : undefined,
      status: line.status as GateDecision['status'],
      changes: changeIds(line),
    });
  });
  return out;
}
