/**
 * The sample organisation's pull requests, played in a temporary git
 * repository: a branch per pull request, commits dated on the sample
 * timeline, merged with GitHub's merge-commit subject so that `apply` finds
 * the pull request that brought a change in. The gate reads these pull
 * requests through `Scm`, the same interface it uses for GitHub, backed here
 * by that local repository (no network, no module mocks). Edge: runs git.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CommitStatus, PullCommit, PullFile, PullRequestInfo, PullReview, Scm } from '../github/scm.ts';

const exec = promisify(execFile);

export interface GitIdentity {
  name: string;
  email: string;
}

export async function git(root: string, args: string[], opts: { at?: string; who?: GitIdentity } = {}): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  if (opts.at) Object.assign(env, { GIT_AUTHOR_DATE: opts.at, GIT_COMMITTER_DATE: opts.at });
  const who = opts.who ?? { name: 'opsgate-sample', email: 'opsgate-sample@example.invalid' };
  Object.assign(env, { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email });
  const { stdout } = await exec('git', args, { cwd: root, env, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export interface SamplePull {
  number: number;
  title: string;
  author: string;
  branch: string;
  base: string;
  head: string;
  reviews: PullReview[];
  /** GitHub login of the author of each commit on the branch. */
  commitAuthors: Map<string, string>;
  merged: boolean;
}

/** Opens a pull request: a branch off main with one commit of `files` by `author` at `at`. */
export async function openPull(root: string, p: { number: number; title: string; author: string; branch: string; files: string[]; at: string }): Promise<SamplePull> {
  const base = (await git(root, ['rev-parse', 'main'])).trim();
  await git(root, ['checkout', '-q', '-b', p.branch, 'main']);
  await git(root, ['add', '--', ...p.files]);
  await git(root, ['commit', '-q', '-m', p.title], { at: p.at, who: { name: p.author, email: `${p.author}@users.noreply.github.com` } });
  const head = (await git(root, ['rev-parse', 'HEAD'])).trim();
  await git(root, ['checkout', '-q', 'main']);
  return { number: p.number, title: p.title, author: p.author, branch: p.branch, base, head, reviews: [], commitAuthors: new Map([[head, p.author]]), merged: false };
}

/** Merges with GitHub's merge-commit subject ("Merge pull request #N from owner/branch"). */
export async function mergePull(root: string, repository: string, pull: SamplePull, at: string, mergedBy: string): Promise<string> {
  const owner = repository.split('/')[0]!;
  await git(root, ['merge', '-q', '--no-ff', '-m', `Merge pull request #${pull.number} from ${owner}/${pull.branch}\n\n${pull.title}`, pull.branch], {
    at,
    who: { name: mergedBy, email: `${mergedBy}@users.noreply.github.com` },
  });
  pull.merged = true;
  return (await git(root, ['rev-parse', 'HEAD'])).trim();
}

const STATUS: Record<string, PullFile['status']> = { A: 'added', M: 'modified', D: 'removed', R: 'renamed', C: 'copied', T: 'changed' };

/** The gate's Scm over the local repository and the sample pull requests. Writes (status, comment) are no-ops: nothing to publish to. */
export function createLocalScm(root: string, repository: string, pulls: ReadonlyMap<number, SamplePull>): Scm {
  const pull = (n: number) => {
    const p = pulls.get(n);
    if (!p) throw new Error(`no sample pull request #${n}`);
    return p;
  };
  const diff = async (from: string, to: string): Promise<PullFile[]> =>
    (await git(root, ['diff', '--name-status', '--no-renames', from, to]))
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [st, path] = l.split('\t') as [string, string];
        return { path, status: STATUS[st[0]!] ?? 'modified' };
      });
  return {
    repository,
    async getPullRequest(n): Promise<PullRequestInfo> {
      const p = pull(n);
      return {
        number: n,
        title: p.title,
        state: p.merged ? 'closed' : 'open',
        author: { login: p.author, type: 'User' },
        base: { ref: 'main', sha: p.base, repo: repository },
        head: { ref: p.branch, sha: p.head, repo: repository },
      };
    },
    async findOpenPullRequestsByHead(sha: string) {
      return [...pulls.values()].filter((p) => p.head === sha && !p.merged).map((p) => p.number);
    },
    async listOpenPullRequests() {
      return [...pulls.values()].filter((p) => !p.merged).map((p) => ({ number: p.number, base_ref: 'main', head_sha: p.head }));
    },
    async readBlob(sha: string) {
      try {
        return await git(root, ['cat-file', 'blob', sha]);
      } catch {
        return undefined;
      }
    },
    async getPermission() {
      return 'write';
    },
    async listCommits(n): Promise<PullCommit[]> {
      const p = pull(n);
      const shas = (await git(root, ['rev-list', '--reverse', `${p.base}..${p.head}`])).split('\n').filter(Boolean);
      return shas.map((sha) => ({ sha, author_login: p.commitAuthors.get(sha) ?? null, author_type: 'User', committer_login: p.commitAuthors.get(sha) ?? null, committer_type: 'User' }));
    },
    async listFiles(n) {
      const p = pull(n);
      return diff(p.base, p.head);
    },
    async listReviews(n) {
      return pull(n).reviews;
    },
    async readFileAtRef(path, ref) {
      try {
        return await git(root, ['show', `${ref}:${path}`]);
      } catch {
        return undefined;
      }
    },
    async listTreeAtRef(ref) {
      const out = await git(root, ['ls-tree', '-r', ref]);
      return {
        entries: out
          .split('\n')
          .filter(Boolean)
          .map((l) => ({ path: l.slice(l.indexOf('\t') + 1), sha: l.split(/\s+/)[2]!, mode: l.split(/\s+/)[0]! })),
        truncated: false,
      };
    },
    async compareCommits(base, head) {
      return { files: (await diff(base, head)).map((f) => f.path), complete: true };
    },
    async setStatus(_sha: string, _status: CommitStatus) {},
    async upsertStickyComment() {
      return { id: 0, action: 'created' as const };
    },
  };
}
