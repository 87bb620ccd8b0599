/**
 * Gathers what evaluatePreconditions decides on: git state of the checkout,
 * the pull request that merged the change, and the gate decision that binds
 * exactly what HEAD holds. Edge: runs real git and reads records/gate/ from
 * the committed tree at HEAD (never the working tree).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { verifyChain } from '../records/chain.ts';
import type { CommittedTree } from './committed-tree.ts';
import { findBinding, type DecisionLine } from './binding.ts';
import type { GateFacts } from './preconditions.ts';

const exec = promisify(execFile);

async function git(root: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await exec('git', args, { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch {
    return undefined;
  }
}

export async function defaultBranch(root: string, env: NodeJS.ProcessEnv): Promise<string> {
  if (env.OPSGATE_DEFAULT_BRANCH) return env.OPSGATE_DEFAULT_BRANCH;
  const ref = (await git(root, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']))?.trim();
  return ref ? ref.replace(/^origin\//, '') : 'main';
}

/**
 * Paths whose uncommitted edits apply refuses: what it decides on (policies,
 * inventory, changes, the gate's records) and what it sends. Apply reads all of
 * them from the commit; a differing working tree means someone expects it to
 * honour an edit nobody approved.
 */
export const GOVERNED_ROOTS = ['policies', 'inventory', 'changes', 'records/gate', 'schemas'] as const;

export async function readGitState(root: string, env: NodeJS.ProcessEnv, files: readonly string[]) {
  const branchOut = (await git(root, ['symbolic-ref', '--quiet', '--short', 'HEAD']))?.trim();
  const tracked = (await git(root, ['ls-files', '--error-unmatch', '--', ...files.slice(0, 1)])) !== undefined;
  const status = (await git(root, ['status', '--porcelain', '--untracked-files=all', '--no-renames', '--', ...files])) ?? '';
  const modified = status
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3));
  return { ...(branchOut ? { branch: branchOut } : {}), defaultBranch: await defaultBranch(root, env), tracked, modified };
}

/** The commit on the first-parent history that last brought `file` in, its PR number and the PR head it merged. */
export async function findMergingPr(root: string, file: string): Promise<{ commit?: string; pr?: number; head?: string }> {
  const out = (await git(root, ['log', '--first-parent', '-1', '--format=%H%x09%P%x09%s', '--', file]))?.trim();
  if (!out) return {};
  const [commit, parents = '', subject = ''] = out.split('\t');
  const m = /^Merge pull request #(\d+)\b/.exec(subject) ?? /\(#(\d+)\)\s*$/.exec(subject);
  const parentList = parents.split(' ').filter(Boolean);
  const r: { commit?: string; pr?: number; head?: string } = {};
  if (commit) r.commit = commit;
  if (m) r.pr = Number(m[1]);
  if (parentList.length >= 2) r.head = parentList[1]!;
  return r;
}

/** Every gate.decision line of the committed records/gate/ chains; a chain that does not verify is a problem. */
export async function readCommittedDecisions(tree: CommittedTree): Promise<{ lines: DecisionLine[]; problem?: string }> {
  const files = tree
    .paths()
    .filter((p) => p.startsWith('records/gate/') && p.endsWith('.jsonl'))
    .sort();
  const lines: DecisionLine[] = [];
  for (const f of files) {
    const r = await tree.read(f);
    if (r.kind !== 'file') return { lines, problem: r.why };
    const v = verifyChain(r.bytes.toString('utf8'));
    if (!v.ok) return { lines, problem: `${f} does not verify (${v.problems[0]!.message})` };
    const fromName = /pr-(\d+)\.jsonl$/.exec(f);
    for (const l of v.lines) {
      if (l.type !== 'gate.decision' || typeof l.status !== 'string') continue;
      const pr = typeof l.pr === 'number' ? l.pr : fromName ? Number(fromName[1]) : undefined;
      if (pr === undefined) continue;
      lines.push({ ...(l as unknown as Omit<DecisionLine, 'file' | 'pr'>), pr, file: `${f}:${l.seq}` });
    }
  }
  return { lines };
}

/**
 * The gate facts for one change: the PR that merged its file (for the record),
 * and the newest satisfied decision, for a pull request into the default
 * branch, that binds exactly the blobs HEAD holds for the change file and every
 * file it deploys. Without one, the decision the refusal explains.
 */
export async function readGateFacts(tree: CommittedTree, change: { id: string; file: string; deploys: readonly string[] }, branch: string): Promise<GateFacts> {
  const merge = await findMergingPr(tree.root, change.file);
  const facts: GateFacts = {};
  if (merge.pr !== undefined) facts.pr = merge.pr;
  if (merge.commit) facts.mergeCommit = merge.commit;
  if (!merge.commit) return { ...facts, problem: `${change.file} is not in the git history of this branch` };
  const { lines, problem } = await readCommittedDecisions(tree);
  if (problem) return { ...facts, problem };
  const current = {
    file: { path: change.file, blob: tree.blob(change.file) },
    deploys: change.deploys.map((p) => ({ path: p, blob: tree.blob(p) })),
  };
  const links = [current.file, ...current.deploys].filter((x) => x.blob === null).map((x) => x.path);
  if (links.length) facts.links = links;
  const found = findBinding(lines, change.id, current, branch, merge.pr);
  if (found.decision) facts.decision = found.decision;
  if (found.unbound) facts.unbound = found.unbound;
  return facts;
}
