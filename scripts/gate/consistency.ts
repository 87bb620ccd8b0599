import { PR_COMMITS_CAP, PR_FILES_CAP, type PullCommit, type PullFile, type PullRequestInfo, type PullReview, type Scm, type TreeEntry } from '../github/scm.ts';
import type { GateProblem } from './types.ts';

/**
 * The gate reads a pull request in many requests: the pull request, then its commits, files and
 * reviews by number (which GitHub answers for the pull request as it is NOW), then trees and blobs
 * by the head commit it first saw. A push, a force-push or a review between those reads, or a list
 * whose pages shifted while it was read, would make one decision out of two states: the files of
 * one head, the commit authors of another, a review list that lost a request for changes. Those
 * are told here, and the gate fails closed: run it again.
 */

/** Pure: the commit list must hold the head the pull request named (in any place: GitHub orders it by date, not by parent). */
export function headProblems(pull: PullRequestInfo, commits: readonly PullCommit[]): GateProblem[] {
  // Capped: gate.too-many-commits already fails. Empty: a pull request without commits (a list that lost them
  // is gate.incomplete-list against the pull request's own count).
  if (commits.length >= PR_COMMITS_CAP || !commits.length) return [];
  const head = pull.head.sha;
  if (commits.some((c) => c.sha.toLowerCase() === head.toLowerCase())) return [];
  const listed = `(${commits.length}, the last ${commits[commits.length - 1]!.sha.slice(0, 7)}) does not hold it`;
  return [
    {
      code: 'gate.head-moved',
      message: `pull request #${pull.number} names the head ${head.slice(0, 7)}, but its commit list ${listed}: the pull request was pushed to while the gate read it, so its files, commits and reviews may belong to different heads. Run the gate again.`,
    },
  ];
}

/**
 * Pure: every file the list says is at head (added, modified, renamed ...) is a path of the head tree. A listed
 * path the tree does not have (`docs/../scripts/x.ts`, `./scripts/x.ts`, another case) would be matched by the
 * rules under a name it does not have; a file listed as removed must be gone from the head tree.
 */
export function filesAgainstTree(files: readonly PullFile[], head: { entries: readonly TreeEntry[]; truncated: boolean }, headSha: string): GateProblem[] {
  if (head.truncated) return []; // gate.tree-truncated already fails
  const paths = new Set(head.entries.map((e) => e.path));
  const out: GateProblem[] = [];
  for (const f of files) {
    const there = paths.has(f.path);
    if (there === (f.status !== 'removed')) continue;
    out.push({
      code: 'gate.file-not-in-tree',
      file: f.path,
      message: there
        ? `GitHub lists ${JSON.stringify(f.path)} as removed, but the head tree ${headSha.slice(0, 7)} has it; the file list does not describe the head. Run the gate again.`
        : `GitHub lists ${JSON.stringify(f.path)} as ${f.status}, but the head tree ${headSha.slice(0, 7)} has no such path; the file list does not describe the head, and no rule can judge a path by a name it does not have.`,
    });
    if (out.length >= 20) break;
  }
  return out;
}

/**
 * Pure: where the pull request's commits leave its history: the parents of its commits that are not its commits, the
 * base commit first. The merge base GitHub lists the files from is one of them. Undefined when a commit names no parents.
 */
export function forkPoints(commits: readonly PullCommit[], baseSha: string): string[] | undefined {
  if (commits.some((c) => c.parents === undefined)) return undefined;
  const inPr = new Set(commits.map((c) => c.sha));
  const out = [...new Set(commits.flatMap((c) => c.parents!).filter((p) => !inPr.has(p)))];
  return out.sort((a, b) => Number(b === baseSha) - Number(a === baseSha));
}

/** Pure: the paths whose content or mode differ from `from` to `head` that the file list names nowhere (as a path or a former path). */
export function unlistedChanges(files: readonly PullFile[], from: readonly TreeEntry[], head: readonly TreeEntry[]): string[] {
  const listed = new Set(files.flatMap((f) => (f.previous_path ? [f.path, f.previous_path] : [f.path])));
  const before = new Map(from.map((e) => [e.path, `${e.mode}:${e.sha}`]));
  const after = new Map(head.map((e) => [e.path, `${e.mode}:${e.sha}`]));
  const out: string[] = [];
  for (const [p, v] of after) if (before.get(p) !== v && !listed.has(p)) out.push(p);
  for (const p of before.keys()) if (!after.has(p) && !listed.has(p)) out.push(p);
  return out.sort();
}

/**
 * Edge: the file list must name every path that the trees (each checked against its id) show changed between the merge
 * base and the head. A list that leaves a file out, with a `changed_files` count to match, would have the rules judge
 * a pull request without it (a script, a policy). The merge base is one of the pull request's fork points (the base
 * commit, whose tree is already read, or one more tree); the list must cover the changes since at least one of them.
 * Skipped where another check already fails (a capped list, a truncated tree).
 */
export async function filesAgainstHistory(
  scm: Scm,
  files: readonly PullFile[],
  commits: readonly PullCommit[],
  trees: { base: { entries: TreeEntry[]; truncated: boolean }; head: { entries: TreeEntry[]; truncated: boolean } },
  baseSha: string,
  headSha: string,
): Promise<GateProblem[]> {
  if (trees.base.truncated || trees.head.truncated || !commits.length || commits.length >= PR_COMMITS_CAP || files.length >= PR_FILES_CAP) return [];
  // Without parents (GitHub always names them) the base commit is the only fork point known: a pull request whose
  // base moved on then fails closed rather than be checked against nothing.
  const forks = forkPoints(commits, baseSha) ?? [baseSha];
  const fail = (why: string): GateProblem[] => [
    { code: 'gate.files-incomplete', message: `${why}; no rule can judge a change it cannot see. Run the gate again; if it persists, the API does not answer as GitHub does.` },
  ];
  if (!forks.length || forks.length > 5)
    return fail(
      `the pull request's ${commits.length} commits leave its history at ${forks.length} commits (expected 1 to 5), so the merge base its file list is taken from cannot be told (rebase it onto its base branch)`,
    );
  let best: { fork: string; unlisted: string[] } | undefined;
  for (const fork of forks) {
    const tree = fork === baseSha ? trees.base : await scm.listTreeAtRef(fork);
    if (tree.truncated) continue;
    const unlisted = unlistedChanges(files, tree.entries, trees.head.entries);
    if (!unlisted.length) return [];
    if (!best || unlisted.length < best.unlisted.length) best = { fork, unlisted };
  }
  if (!best) return fail(`the tree of every commit the pull request starts from is truncated, so its file list cannot be checked against them`);
  const shown = best.unlisted.slice(0, 5).join(', ') + (best.unlisted.length > 5 ? ` and ${best.unlisted.length - 5} more` : '');
  return fail(
    `GitHub lists ${files.length} changed file${files.length === 1 ? '' : 's'}, but the trees of ${best.fork.slice(0, 7)} (where the pull request's commits begin) and of the head ${headSha.slice(0, 7)} also differ in ${shown}: the file list leaves changes out`,
  );
}

/** Pure: what differs between the first reads and the reads made after everything else. */
export function compareReads(first: { pull: PullRequestInfo; reviews: readonly PullReview[] }, again: { pull: PullRequestInfo; reviews: readonly PullReview[] }): GateProblem[] {
  const out: GateProblem[] = pullMoved(first.pull, again.pull);
  const before = new Map(first.reviews.map((r) => [r.id, fingerprint(r)]));
  const after = new Map(again.reviews.map((r) => [r.id, fingerprint(r)]));
  const lost = [...before.keys()].filter((id) => !after.has(id));
  const added = [...after.keys()].filter((id) => !before.has(id));
  const changed = [...before].filter(([id, f]) => after.has(id) && after.get(id) !== f).map(([id]) => id);
  if (lost.length || added.length || changed.length) {
    const parts = [
      ...(added.length ? [`${added.length} review${added.length > 1 ? 's' : ''} not in the first read (${ids(added)})`] : []),
      ...(lost.length ? [`${lost.length} gone (${ids(lost)})`] : []),
      ...(changed.length ? [`${changed.length} changed (${ids(changed)})`] : []),
    ];
    out.push({
      code: 'gate.reviews-changed',
      message: `the reviews of pull request #${first.pull.number} read twice do not agree: ${parts.join('; ')}; a review was given while the gate read them, or a page lost items. Run the gate again.`,
    });
  }
  return out;
}

/**
 * Pure: how the pull request read again differs from the state the decision is for (its head, its base branch, whether
 * it is open, its author, its counts), as one `gate.head-moved` problem; none when it is that state.
 */
export function pullMoved(a: PullRequestInfo, b: PullRequestInfo): GateProblem[] {
  const moved: string[] = [];
  if (a.head.sha !== b.head.sha) moved.push(`head ${a.head.sha.slice(0, 7)} → ${b.head.sha.slice(0, 7)}`);
  // The base branch moving on (a merge into it) is not this pull request changing: no event would run the gate
  // again, and the decision names the base commit whose policy it used. Retargeting it to another branch is.
  if (a.base.ref !== b.base.ref) moved.push(`base ${a.base.ref} → ${b.base.ref}`);
  if (a.state !== b.state) moved.push(`state ${a.state || '(none)'} → ${b.state || '(none)'}`);
  if (a.author.login.toLowerCase() !== b.author.login.toLowerCase() || a.author.id !== b.author.id)
    moved.push(
      `author ${a.author.login || '(none)'}${a.author.id !== undefined ? ` (id ${a.author.id})` : ''} → ${b.author.login || '(none)'}${b.author.id !== undefined ? ` (id ${b.author.id})` : ''}`,
    );
  if (a.counts?.commits !== b.counts?.commits || a.counts?.files !== b.counts?.files)
    moved.push(`counts ${a.counts?.commits ?? '?'} commits/${a.counts?.files ?? '?'} files → ${b.counts?.commits ?? '?'}/${b.counts?.files ?? '?'}`);
  return moved.length
    ? [
        {
          code: 'gate.head-moved',
          message: `pull request #${a.number} changed while the gate read it (${moved.join('; ')}); a decision must come from one state of it. Run the gate again.`,
        },
      ]
    : [];
}

/** Edge: reads the pull request and its reviews again, after every other read, and compares. */
export async function readAgain(scm: Scm, pull: PullRequestInfo, reviews: readonly PullReview[]): Promise<GateProblem[]> {
  const [p, r] = await Promise.all([scm.getPullRequest(pull.number), scm.listReviews(pull.number)]);
  return compareReads({ pull, reviews }, { pull: p, reviews: r });
}

function fingerprint(r: PullReview): string {
  // Everything the decision reads of a review: the account id too (a person pinned by github_id is matched by it).
  return JSON.stringify([r.login.toLowerCase(), r.user_id ?? null, r.user_type, r.state, r.reported_state ?? '', r.commit_id, r.submitted_at, r.origin_unverified ?? '']);
}

function ids(list: number[]): string {
  return (
    list
      .slice(0, 5)
      .map((id) => `#${id}`)
      .join(', ') + (list.length > 5 ? ` and ${list.length - 5} more` : '')
  );
}
