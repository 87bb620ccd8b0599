import { createHash } from 'node:crypto';
import { byKey, type Figure } from './figure.ts';
import type { ReportInput } from './types.ts';

export interface EvidenceItem {
  /** E0001…, stable for a given set of paths. */
  id: string;
  path: string;
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

/**
 * Builds the evidence manifest from the paths the figures cite, and rewrites
 * each figure's evidence from paths to manifest ids. Pure (hashing is pure).
 */
export function buildManifest(figures: Figure[], input: ReportInput): { items: EvidenceItem[]; sha256: string } {
  const known = new Map<string, { sha256: string; kind: 'document' | 'record' }>();
  const docs = [input.organisation, input.calendar, input.sla, input.oncall, ...input.hosts, ...input.groups, ...input.changes, ...input.incidents, ...input.exceptions, ...input.backupPolicies, ...input.people, ...input.grants, ...input.reviews, ...input.runbooks];
  for (const d of docs) if (d) known.set(d.file, { sha256: d.sha256, kind: 'document' });
  for (const c of input.checks) known.set(c.file, { sha256: c.sha256, kind: 'document' });
  for (const r of input.recordFiles) known.set(r.path, { sha256: r.sha256, kind: 'record' });
  for (const f of input.unloadedFiles) known.set(f.path, { sha256: f.sha256, kind: 'document' });
  const paths = new Set<string>();
  for (const f of figures) for (const p of f.evidence) paths.add(p);
  const url = input.git.repositoryUrl?.replace(/\.git$/, '').replace(/\/$/, '');
  const items: EvidenceItem[] = [...paths].sort().map((path, i) => {
    const k = known.get(path);
    const last = input.git.files[path]?.last;
    return {
      id: `E${String(i + 1).padStart(4, '0')}`,
      path,
      sha256: k?.sha256 ?? '',
      kind: k?.kind ?? (path.startsWith('records/') ? 'record' : 'document'),
      commit: last?.sha ?? null,
      commit_url: last && url ? `${url}/commit/${last.sha}` : null,
      pr: last?.pr ?? null,
      pr_url: last?.pr !== undefined && url ? `${url}/pull/${last.pr}` : null,
    };
  });
  const idOf = new Map(items.map((e) => [e.path, e.id] as const));
  for (const f of new Set(figures)) f.evidence = f.evidence.map((p) => idOf.get(p) ?? p);
  return { items, sha256: hashManifest(items) };
}

/** sha256 of the manifest's canonical JSON (items sorted by path, fixed key order). */
export function hashManifest(items: readonly EvidenceItem[]): string {
  const canonical = [...items].sort(byKey((e) => e.path)).map((e) => [e.id, e.path, e.sha256, e.kind, e.commit, e.pr]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
