/**
 * Adapter for records/gate/<owner>/<repo>/pr-<n>.jsonl (scripts/gate/decision.ts):
 * one `gate.decision` line per evaluation of a pull request, with each rule's
 * status and who counted. The only file that knows that layout. Pure.
 */
import type { GateDecision, GateRuleResult } from '../types.ts';

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

function rulesOf(line: Line): GateRuleResult[] {
  if (!Array.isArray(line.rules)) return [];
  return (line.rules as Line[])
    .filter((r) => r && typeof r.id === 'string')
    .map((r) => ({
      id: r.id as string,
      status: String(r.status ?? ''),
      requires: typeof r.requires === 'string' ? r.requires : '',
      approvers: (Array.isArray(r.approvers) ? (r.approvers as Line[]) : [])
        .filter((a) => a && typeof a.person === 'string')
        .map((a) => ({ person: a.person as string, at: typeof a.submitted_at === 'string' ? a.submitted_at : undefined })),
      still_needed_from: Array.isArray(r.still_needed_from) ? (r.still_needed_from as unknown[]).map(String) : [],
    }));
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
      hash: typeof line.hash === 'string' ? line.hash : '',
      at: typeof line.evaluated_at === 'string' ? line.evaluated_at : String(line.at),
      pr,
      head_sha: typeof line.head_sha === 'string' ? line.head_sha : undefined,
      status: line.status as GateDecision['status'],
      summary: typeof line.summary === 'string' ? line.summary : '',
      changes: changeIds(line),
      rules: rulesOf(line),
    });
  });
  return out;
}
