import type { ChangeDocument } from '../model/documents.generated.ts';
import { referencedFiles } from '../change/plan.ts';
import { CONTENT_KINDS, describeDocument, kindOfPath, type DescribeContext } from './describe.ts';
import { hostRoutingChanges } from './governance.ts';
import { findDuplicateHosts, hostIdentity, type HostIdentity } from './host-identity.ts';
import type { ChangeBinding, ChangedDocument, ChangedFile, GateProblem, RelatedSubject } from './types.ts';

/** The head tree as the binder needs it: blob of a path (null for a link or submodule) and a way to refuse links. */
export interface HeadTree {
  blob(path: string): string | null | undefined;
  refuseLink(path: string, why?: string): boolean;
}

export interface RelateInput {
  files: readonly ChangedFile[];
  documents: ChangedDocument[];
  headData: ReadonlyMap<string, Record<string, unknown> | undefined>;
  baseData: ReadonlyMap<string, Record<string, unknown>>;
  baseChanges: readonly { file: string; data: Record<string, unknown> }[];
  baseHosts: ReadonlyMap<string, { file: string; data: Record<string, unknown> }>;
  ctx: DescribeContext;
  head: HeadTree;
  problems: GateProblem[];
}

const deploysOf = (data: Record<string, unknown>): string[] => {
  try {
    return referencedFiles(data as unknown as ChangeDocument);
  } catch {
    return [];
  }
};

/**
 * Judges changed paths by everything that governs them, not only by their own
 * head content (pure over the facts read at the edge):
 * - a modified, renamed or removed host, group, grant or change also by its
 *   base version (renaming a host out of inventory/ is deleting it);
 * - a file a change request deploys by every change request, at base or in
 *   this pull request, that deploys it; a changed change request governs the
 *   files it deploys (their later edits make its approvals stale);
 * - a host whose route changed, or a new host that routes through something,
 *   falls under the highest tier; a host that duplicates another's address and
 *   port or host key fails the gate.
 * Returns the extra subjects and, per change request touched, the blobs its
 * approval binds.
 */
export function relateSubjects(r: RelateInput): { subjects: RelatedSubject[]; bindings: ChangeBinding[] } {
  const subjects: RelatedSubject[] = [];
  const byPath = new Map(r.documents.map((d) => [d.path, d]));

  // Change requests in this pull request govern what they deploy.
  const headChanges: { file: string; data: Record<string, unknown> }[] = [];
  for (const f of r.files) {
    const d = r.headData.get(f.path);
    if (f.status === 'removed' || !d || kindOfPath(f.path) !== 'change') continue;
    byPath.get(f.path)!.deploys = deploysOf(d);
    headChanges.push({ file: f.path, data: d });
  }

  // Base versions of changed documents.
  for (const f of r.files) {
    if (f.status === 'added' || f.status === 'removed') continue;
    const basePath = f.previous_path ?? f.path;
    const data = r.baseData.get(basePath);
    if (!data || !CONTENT_KINDS.has(kindOfPath(basePath))) continue;
    const leftKind = kindOfPath(f.path) !== kindOfPath(basePath);
    const doc = describeDocument(basePath, leftKind ? 'removed' : 'modified', data, r.ctx);
    doc.problems = [];
    if (doc.kind === 'change') doc.deploys = deploysOf(data);
    subjects.push({ path: f.path, doc, why: leftKind ? `was ${basePath} (${doc.kind}) at base; moving it out is deleting it` : 'as it was at base' });
  }

  // Every change request that deploys a changed file governs that file.
  const deployers = new Map<string, { file: string; data: Record<string, unknown>; where: string }[]>();
  const addDeployer = (c: { file: string; data: Record<string, unknown> }, where: string) => {
    for (const p of deploysOf(c.data)) deployers.set(p, [...(deployers.get(p) ?? []), { ...c, where }]);
  };
  r.baseChanges.forEach((c) => addDeployer(c, 'at base'));
  headChanges.forEach((c) => addDeployer(c, 'in this pull request'));
  const touched = new Map<string, Record<string, unknown>>();
  for (const f of r.files) {
    for (const p of f.previous_path ? [f.path, f.previous_path] : [f.path]) {
      for (const c of deployers.get(p) ?? []) {
        if (c.file === f.path) continue;
        const doc = describeDocument(c.file, 'modified', c.data, r.ctx);
        doc.problems = [];
        doc.deploys = deploysOf(c.data);
        subjects.push({ path: f.path, doc, why: `deployed by ${String(c.data.id)} (${c.where})` });
        touched.set(c.file, c.data);
      }
    }
  }

  // Hosts: routing changes need the highest tier; identities must be unique.
  for (const f of r.files) {
    const basePath = f.previous_path ?? f.path;
    const base = kindOfPath(basePath) === 'host' && f.status !== 'added' ? r.baseData.get(basePath) : undefined;
    const head = kindOfPath(f.path) === 'host' && f.status !== 'removed' ? r.headData.get(f.path) : undefined;
    const id = String(head?.id ?? base?.id ?? f.path);
    const why = hostRoutingChanges(id, base, head);
    if (why.length) byPath.get(f.path)!.governance = why;
  }
  r.problems.push(...duplicateHosts(r));

  // What approval binds: each change request this pull request touches, with the head blobs of its file and its deploys.
  const bind = new Map<string, { file: string; data: Record<string, unknown> }>();
  for (const c of headChanges) bind.set(c.file, c);
  for (const [file, data] of touched) if (!bind.has(file) && r.head.blob(file) !== undefined) bind.set(file, { file, data: r.headData.get(file) ?? data });
  const bindings: ChangeBinding[] = [];
  for (const { file, data } of [...bind.values()].sort((a, b) => a.file.localeCompare(b.file))) {
    const id = String(data.id);
    const blob = r.head.blob(file);
    if (blob === null || blob === undefined) {
      if (blob === null) r.head.refuseLink(file, `change request ${id}`);
      continue;
    }
    const deploys = deploysOf(data).map((p) => {
      const b = r.head.blob(p);
      if (b === null) r.head.refuseLink(p, `deployed by ${id}`);
      else if (b === undefined) r.problems.push({ code: 'gate.deploy-missing', file, message: `${id} deploys ${p}, which is not in the head commit; nothing can be approved that cannot be bound` });
      return { path: p, blob: b ?? null };
    });
    bindings.push({ change: id, file, blob, deploys });
  }
  return { subjects, bindings };
}

function duplicateHosts(r: RelateInput): GateProblem[] {
  const gone = new Set(r.files.filter((f) => f.status !== 'added').map((f) => f.previous_path ?? f.path));
  const identities = new Map<string, HostIdentity>();
  for (const [id, h] of r.baseHosts) if (!gone.has(h.file)) identities.set(id, hostIdentity(id, h.file, h.data));
  const check = new Set<string>();
  for (const f of r.files) {
    const d = f.status === 'removed' ? undefined : r.headData.get(f.path);
    if (!d || kindOfPath(f.path) !== 'host') continue;
    const id = String(d.id);
    identities.set(id, hostIdentity(id, f.path, d));
    check.add(id);
  }
  return findDuplicateHosts([...identities.values()], check).map((d) => ({ code: 'gate.host-duplicate', file: d.file, message: d.message }));
}
