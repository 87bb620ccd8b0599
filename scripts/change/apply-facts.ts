/**
 * Gathers what evaluatePreconditions decides on: git state of the checkout,
 * the pull request that merged the change and the gate's decision for it.
 * Edge: runs real git, reads records/gate/.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { readRecordFile } from '../records/writer.ts';
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

export async function readGitState(root: string, env: NodeJS.ProcessEnv, files: readonly string[]) {
  const branchOut = (await git(root, ['symbolic-ref', '--quiet', '--short', 'HEAD']))?.trim();
  const tracked = (await git(root, ['ls-files', '--error-unmatch', '--', ...files.slice(0, 1)])) !== undefined;
  const status = (await git(root, ['status', '--porcelain', '--untracked-files=all', '--', ...files])) ?? '';
  const modified = status.split('\n').filter(Boolean).map((l) => l.slice(3));
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

async function listJsonl(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.jsonl')) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * The newest gate decision for the pull request that merged the change
 * (records/gate/<owner>/<repo>/pr-<n>.jsonl, lines of type gate.decision).
 * Without a PR number in the merge commit, a decision whose head_sha is the
 * merged head counts. A record whose chain does not verify is not trusted.
 */
export async function readGateFacts(root: string, file: string): Promise<GateFacts> {
  const merge = await findMergingPr(root, file);
  const facts: GateFacts = {};
  if (merge.pr !== undefined) facts.pr = merge.pr;
  if (merge.commit) facts.mergeCommit = merge.commit;
  if (!merge.commit) return { ...facts, problem: `${file} is not in the git history of this branch` };
  if (merge.pr === undefined && !merge.head) return { ...facts, problem: `commit ${merge.commit.slice(0, 12)} that brought ${file} in does not name a pull request ('(#N)' or 'Merge pull request #N')` };
  const gateDir = path.join(root, 'records', 'gate');
  let newest: GateFacts['decision'] | undefined;
  for (const f of await listJsonl(gateDir)) {
    const rel = path.relative(root, f).split(path.sep).join('/');
    const fromName = /pr-(\d+)\.jsonl$/.exec(f);
    if (merge.pr !== undefined && fromName && Number(fromName[1]) !== merge.pr) continue;
    const v = await readRecordFile(f);
    if (!v.ok) return { ...facts, problem: `${rel} does not verify (${v.problems[0]!.message})` };
    for (const l of v.lines) {
      if (l.type !== 'gate.decision' || typeof l.status !== 'string') continue;
      const pr = typeof l.pr === 'number' ? l.pr : fromName ? Number(fromName[1]) : undefined;
      const head = typeof l.head_sha === 'string' ? l.head_sha : undefined;
      const matches = merge.pr !== undefined ? pr === merge.pr : head !== undefined && head === merge.head;
      if (!matches || pr === undefined) continue;
      newest = { status: l.status, pr, file: `${rel}:${l.seq}`, ...(head ? { head_sha: head } : {}), ...(typeof l.evaluated_at === 'string' ? { at: l.evaluated_at } : { at: l.at }) };
    }
  }
  if (newest) {
    facts.decision = newest;
    // A decision about another head than the one merged does not cover what was merged.
    if (merge.head && newest.head_sha && newest.head_sha !== merge.head) {
      facts.decision = { ...newest, status: `for head ${newest.head_sha.slice(0, 12)}, but ${merge.head.slice(0, 12)} was merged` };
    }
  }
  return facts;
}
