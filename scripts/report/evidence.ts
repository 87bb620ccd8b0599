/**
 * The evidence manifest (Appendix B). Figures and rows cite evidence as
 * repository paths (documents) or `path#seq:hash` (one line of a record
 * file); the manifest numbers every distinct citation E0001…, sorted by path
 * and line, and the report's JSON and HTML cite those ids.
 *
 * How the manifest sha256 is computed (stated in the report too): the items,
 * sorted by path then seq, each as the JSON array
 * [id, path, seq or null, line hash or null, file sha256, kind, commit or null, pr or null],
 * in one JSON array without spaces (JSON.stringify), UTF-8, hashed with sha256.
 * A line's hash is the record's own `hash` field: sha256 of the line's text
 * without `,"hash":"…"` (scripts/records/chain.ts).
 */
import { createHash } from 'node:crypto';
import { byKey, type Figure } from './figure.ts';
import { parseCitation, type ReportInput } from './types.ts';

export interface EvidenceItem {
  /** E0001…, stable for a given set of citations. */
  id: string;
  path: string;
  /** The cited line of a record file (seq and its hash); null when the whole file is cited. */
  line: { seq: number; hash: string } | null;
  /** sha256 of the file as read for the report. */
  sha256: string;
  kind: 'document' | 'record';
  commit: string | null;
  commit_url: string | null;
  pr: number | null;
  pr_url: string | null;
}

/** Every Figure anywhere inside a value (sections, rows, trends), in document order. Pure. */
export function collectFigures(value: unknown, out: Figure[] = []): Figure[] {
  if (Array.isArray(value)) for (const v of value) collectFigures(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.id === 'string' && typeof o.unit === 'string' && Array.isArray(o.evidence)) out.push(o as unknown as Figure);
    else for (const k of Object.keys(o)) collectFigures(o[k], out);
  }
  return out;
}

/** Every `evidence: string[]` array inside a value (figures and rows). Pure. */
export function collectCitationLists(value: unknown, out: string[][] = []): string[][] {
  if (Array.isArray(value)) for (const v of value) collectCitationLists(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(o)) {
      if (k === 'evidence' && Array.isArray(v) && v.every((x) => typeof x === 'string')) out.push(v as string[]);
      else collectCitationLists(v, out);
    }
  }
  return out;
}

/** sha256 of every file the report read, by repository path. */
function knownFiles(input: ReportInput): Map<string, { sha256: string; kind: 'document' | 'record' }> {
  const known = new Map<string, { sha256: string; kind: 'document' | 'record' }>();
  const docs = [
    input.organisation,
    input.approval,
    input.calendar,
    input.sla,
    input.oncall,
    ...input.hosts,
    ...input.groups,
    ...input.changes,
    ...input.incidents,
    ...input.exceptions,
    ...input.backupPolicies,
    ...input.people,
    ...input.grants,
    ...input.reviews,
    ...input.runbooks,
    ...input.notes,
    ...(input.handovers ?? []),
    ...(input.advisories ?? []),
  ];
  for (const d of docs) if (d) known.set(d.file, { sha256: d.sha256, kind: 'document' });
  for (const c of input.checks) known.set(c.file, { sha256: c.sha256, kind: 'document' });
  for (const r of input.recordFiles) known.set(r.path, { sha256: r.sha256, kind: 'record' });
  for (const f of input.unloadedFiles) known.set(f.path, { sha256: f.sha256, kind: 'document' });
  return known;
}

/**
 * Builds the manifest from every citation inside `report` (figures and rows),
 * and rewrites each citation list in place from citations to manifest ids.
 * Pure (hashing is pure).
 */
export function buildManifest(report: unknown, input: ReportInput): { items: EvidenceItem[]; sha256: string } {
  const known = knownFiles(input);
  const lists = collectCitationLists(report);
  const citations = new Set<string>();
  for (const list of lists) for (const c of list) citations.add(c);
  const url = input.git.repositoryUrl?.replace(/\.git$/, '').replace(/\/$/, '');
  const parsed = [...citations].map((c) => ({ citation: c, ...parseCitation(c) }));
  parsed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : (a.seq ?? 0) - (b.seq ?? 0) || (a.citation < b.citation ? -1 : a.citation > b.citation ? 1 : 0)));
  const items: EvidenceItem[] = parsed.map((p, i) => {
    const k = known.get(p.path);
    const last = input.git.files[p.path]?.last;
    return {
      id: `E${String(i + 1).padStart(4, '0')}`,
      path: p.path,
      line: p.seq !== undefined ? { seq: p.seq, hash: p.hash! } : null,
      sha256: k?.sha256 ?? '',
      kind: k?.kind ?? (p.path.startsWith('records/') ? 'record' : 'document'),
      commit: last?.sha ?? null,
      commit_url: last && url ? `${url}/commit/${last.sha}` : null,
      pr: last?.pr ?? null,
      pr_url: last?.pr !== undefined && url ? `${url}/pull/${last.pr}` : null,
    };
  });
  const idOf = new Map(parsed.map((p, i) => [p.citation, items[i]!.id] as const));
  for (const list of new Set(lists)) {
    const ids = [...new Set(list.map((c) => idOf.get(c) ?? c))].sort();
    list.splice(0, list.length, ...ids);
  }
  return { items, sha256: hashManifest(items) };
}

/** sha256 of the manifest's canonical JSON (see the top of this file). */
export function hashManifest(items: readonly EvidenceItem[]): string {
  const canonical = [...items]
    .sort(byKey((e) => `${e.path}\u0000${String(e.line?.seq ?? 0).padStart(12, '0')}`))
    .map((e) => [e.id, e.path, e.line?.seq ?? null, e.line?.hash ?? null, e.sha256, e.kind, e.commit, e.pr]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
