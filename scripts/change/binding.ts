/**
 * Which gate decision, if any, approved exactly what HEAD holds for a change.
 * A decision binds, per change request, the blob of its file and of every
 * file it deploys at the approved head (scripts/gate/related.ts); apply runs a
 * change only when the newest decision of some pull request into the default
 * branch is satisfied, names its head commit, and binds exactly those blobs.
 * This holds however the pull request was merged (merge, squash or rebase)
 * and closes edits made on the branch after approval. Pure.
 */

export interface BoundBlobs {
  change: string;
  file: string;
  blob: string;
  deploys: { path: string; blob: string | null }[];
}

/** One gate.decision line as apply reads it from records/gate/. */
export interface DecisionLine {
  pr: number;
  /** `records/gate/<owner>/<repo>/pr-<n>.jsonl:<seq>` */
  file: string;
  status: string;
  head_sha?: string;
  base_ref?: string;
  evaluated_at?: string;
  at?: string;
  changes?: BoundBlobs[];
}

export interface CurrentBlobs {
  file: { path: string; blob: string | null | undefined };
  deploys: { path: string; blob: string | null | undefined }[];
}

export interface FoundDecision {
  decision?: { status: string; pr: number; head_sha?: string; at?: string; file: string };
  /** Why the decision shown does not cover what HEAD holds. */
  unbound?: string;
}

const chain = (l: DecisionLine) => l.file.replace(/:\d+$/, '');
const when = (l: DecisionLine) => Date.parse(l.evaluated_at ?? l.at ?? '') || 0;

/** Why `l` does not bind `current` for `changeId` into `branch`, or undefined when it does. */
export function bindingGap(l: DecisionLine, changeId: string, current: CurrentBlobs, branch: string): string | undefined {
  const name = `the gate decision for pull request #${l.pr} (${l.file})`;
  if (!l.head_sha) return `${name} names no head commit; a decision must name the head it approved`;
  if (l.base_ref === undefined) return `${name} names no base branch (recorded before approvals were bound to their branch and content); the change needs a new approval`;
  if (l.base_ref !== branch) return `${name} is for a pull request into '${l.base_ref}', not '${branch}'`;
  const b = (l.changes ?? []).find((c) => c.change === changeId && c.file === current.file.path);
  if (!b) return `${name} does not bind ${changeId} (${current.file.path}); it approved other content`;
  const diffs: string[] = [];
  const short = (s: string | null | undefined) => (s ? s.slice(0, 12) : s === null ? 'a link' : 'nothing');
  if (b.blob !== current.file.blob) diffs.push(`${current.file.path}: approved ${short(b.blob)}, HEAD holds ${short(current.file.blob)}`);
  const approved = new Map(b.deploys.map((d) => [d.path, d.blob]));
  for (const d of current.deploys) {
    if (!approved.has(d.path)) diffs.push(`${d.path}: not approved with the change`);
    else if (approved.get(d.path) !== d.blob) diffs.push(`${d.path}: approved ${short(approved.get(d.path))}, HEAD holds ${short(d.blob)}`);
  }
  const now = new Set(current.deploys.map((d) => d.path));
  for (const p of approved.keys()) if (!now.has(p)) diffs.push(`${p}: approved as deployed, no longer deployed`);
  return diffs.length ? `${name} approved other content than HEAD holds: ${diffs.slice(0, 4).join('; ')}${diffs.length > 4 ? `; and ${diffs.length - 4} more` : ''}` : undefined;
}

export function findBinding(lines: readonly DecisionLine[], changeId: string, current: CurrentBlobs, branch: string, mergePr?: number): FoundDecision {
  // Only the newest decision of each pull request counts: a later pending or failed one withdraws an approval.
  const newest = new Map<string, DecisionLine>();
  for (const l of lines) newest.set(chain(l), l);
  const latest = [...newest.values()].sort((a, b) => when(b) - when(a) || b.pr - a.pr);
  const bound = latest.find((l) => l.status === 'satisfied' && !bindingGap(l, changeId, current, branch));
  const show = (l: DecisionLine) => ({
    status: l.status,
    pr: l.pr,
    file: l.file,
    ...(l.head_sha ? { head_sha: l.head_sha } : {}),
    ...((l.evaluated_at ?? l.at) ? { at: (l.evaluated_at ?? l.at)! } : {}),
  });
  if (bound) return { decision: show(bound) };
  // Explain with the merging pull request's decision, else the newest that mentions the change.
  const explain = latest.find((l) => l.pr === mergePr) ?? latest.find((l) => (l.changes ?? []).some((c) => c.change === changeId));
  if (!explain) return {};
  if (explain.status !== 'satisfied') return { decision: show(explain) };
  return { decision: show(explain), unbound: bindingGap(explain, changeId, current, branch)! };
}
