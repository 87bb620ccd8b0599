import { GitHubApiError } from '../model/errors.ts';
import type { GateOctokit } from './client.ts';

/**
 * The gate talks to GitHub through this interface, in domain words, so the
 * same code runs against github.com, GitHub Enterprise and the local test
 * server. Every list is paginated; every failure is a GitHubApiError.
 */
export interface Scm {
  readonly repository: string;
  getPullRequest(pr: number): Promise<PullRequestInfo>;
  /**
   * Every open pull request whose head is `sha` (and, when given, whose head repository and branch match):
   * workflow_run events from forks carry no PR number, so each PR that head could mean is evaluated.
   */
  findOpenPullRequestsByHead(sha: string, head?: { repo?: string; ref?: string }): Promise<number[]>;
  /** Open pull requests into `baseRef` (one page per 100). */
  listOpenPullRequests(baseRef?: string): Promise<{ number: number; base_ref: string; head_sha: string }[]>;
  listCommits(pr: number): Promise<PullCommit[]>;
  listFiles(pr: number): Promise<PullFile[]>;
  listReviews(pr: number): Promise<PullReview[]>;
  /** File text at a ref, or undefined when the file does not exist there. */
  readFileAtRef(path: string, ref: string): Promise<string | undefined>;
  /** Every blob path, blob sha and git mode at a ref (`120000` is a symbolic link); `truncated` when GitHub cut the tree. */
  listTreeAtRef(ref: string): Promise<{ entries: TreeEntry[]; truncated: boolean }>;
  /** The bytes of one blob, by its sha, as UTF-8 text; undefined when GitHub does not have it. Never follows a link. */
  readBlob(sha: string): Promise<string | undefined>;
  /** The person's role on the repository (`admin`, `maintain`, `write`, `triage`, `read`, `none`). */
  getPermission(login: string): Promise<string>;
  /** Paths changed between two commits (renames give both names); `complete` false when GitHub capped the list. */
  compareCommits(base: string, head: string): Promise<{ files: string[]; complete: boolean }>;
  setStatus(sha: string, status: CommitStatus): Promise<void>;
  /** Creates the comment carrying `marker`, or updates the one that exists; never two. */
  upsertStickyComment(pr: number, marker: string, body: string): Promise<{ id: number; action: 'created' | 'updated' }>;
}

/** What only the live GitHub client does: asking people to review (`opsgate gate --request-reviews`). */
export interface GitHubScm extends Scm {
  /** Logins GitHub lists as requested reviewers of the pull request now. */
  listRequestedReviewers(pr: number): Promise<string[]>;
  /**
   * Asks GitHub to request a review from each login. GitHub refuses a whole request (422) when one login is
   * the author or not a collaborator: then each is asked on its own and the refused ones are returned.
   */
  requestReviewers(pr: number, logins: string[]): Promise<{ login: string; reason: string }[]>;
}

export interface TreeEntry {
  path: string;
  sha: string;
  /** git file mode: 100644, 100755, 120000 (symbolic link), 160000 (submodule). */
  mode: string;
}

export interface PullRequestInfo {
  number: number;
  title: string;
  state: string;
  author: { login: string; type: string };
  base: { ref: string; sha: string; repo: string };
  head: { ref: string; sha: string; repo: string | null };
}

export interface PullCommit {
  sha: string;
  author_login: string | null;
  author_type?: string;
  committer_login: string | null;
  committer_type?: string;
  author_name?: string;
  author_email?: string;
  committer_email?: string;
  /** The commit message, for `Co-authored-by:` trailers. */
  message?: string;
}

export interface PullFile {
  path: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  previous_path?: string;
}

export interface PullReview {
  id: number;
  /** Empty when GitHub returns no user (a deleted account): such a review never counts. */
  login: string;
  user_type: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  commit_id: string | null;
  submitted_at: string | null;
}

export interface CommitStatus {
  state: 'success' | 'pending' | 'failure' | 'error';
  context: string;
  description: string;
  target_url?: string;
}

/** GitHub caps compare at 300 files and the PR files list at 3000. */
export const COMPARE_FILE_CAP = 300;
export const PR_FILES_CAP = 3000;
/** GitHub lists at most 250 commits of a pull request. */
export const PR_COMMITS_CAP = 250;

export interface ScmOptions {
  /**
   * Logins whose comment carrying the marker is the gate's own (the identity the workflow's token acts as,
   * e.g. `github-actions[bot]` or `<app-slug>[bot]`). Without it only Bot accounts' comments are candidates.
   */
  botLogins?: string[];
}

export function createGitHubScm(octokit: GateOctokit, repository: string, opts: ScmOptions = {}): GitHubScm {
  const [owner, repo] = repository.split('/') as [string, string];
  if (!owner || !repo) throw new GitHubApiError('configure', undefined, `repository '${repository}' is not owner/name`);
  const base = { owner, repo };
  const call = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw wrapError(operation, err);
    }
  };

  return {
    repository,
    getPullRequest: (pr) =>
      call(`get pull request #${pr}`, async () => {
        const { data } = await octokit.rest.pulls.get({ ...base, pull_number: pr });
        return {
          number: data.number,
          title: data.title,
          state: data.state,
          author: { login: data.user?.login ?? '', type: data.user?.type ?? 'User' },
          base: { ref: data.base.ref, sha: data.base.sha, repo: data.base.repo.full_name },
          head: { ref: data.head.ref, sha: data.head.sha, repo: data.head.repo?.full_name ?? null },
        };
      }),
    findOpenPullRequestsByHead: (sha, head = {}) =>
      call(`find the pull requests of ${sha.slice(0, 7)}`, async () => {
        const list = await octokit.paginate(octokit.rest.pulls.list, { ...base, state: 'open', per_page: 100 });
        return list
          .filter((p) => p.head.sha === sha && (!head.repo || p.head.repo?.full_name === head.repo) && (!head.ref || p.head.ref === head.ref))
          .map((p) => p.number)
          .sort((a, b) => a - b);
      }),
    listOpenPullRequests: (baseRef) =>
      call(`list open pull requests${baseRef ? ` into ${baseRef}` : ''}`, async () => {
        const list = await octokit.paginate(octokit.rest.pulls.list, { ...base, state: 'open', per_page: 100, ...(baseRef ? { base: baseRef } : {}) });
        return list.map((p) => ({ number: p.number, base_ref: p.base.ref, head_sha: p.head.sha }));
      }),
    listCommits: (pr) =>
      call(`list commits of #${pr}`, async () => {
        const list = await octokit.paginate(octokit.rest.pulls.listCommits, { ...base, pull_number: pr, per_page: 100 });
        return list.map((c) => ({
          sha: c.sha,
          author_login: c.author?.login ?? null,
          committer_login: c.committer?.login ?? null,
          ...(c.author?.type ? { author_type: c.author.type } : {}),
          ...(c.committer?.type ? { committer_type: c.committer.type } : {}),
          ...(c.commit.author?.name ? { author_name: c.commit.author.name } : {}),
          ...(c.commit.author?.email ? { author_email: c.commit.author.email } : {}),
          ...(c.commit.committer?.email ? { committer_email: c.commit.committer.email } : {}),
          message: c.commit.message,
        }));
      }),
    listFiles: (pr) =>
      call(`list files of #${pr}`, async () => {
        const list = await octokit.paginate(octokit.rest.pulls.listFiles, { ...base, pull_number: pr, per_page: 100 });
        return list.map((f) => ({ path: f.filename, status: f.status, ...(f.previous_filename ? { previous_path: f.previous_filename } : {}) }));
      }),
    listReviews: (pr) =>
      call(`list reviews of #${pr}`, async () => {
        const list = await octokit.paginate(octokit.rest.pulls.listReviews, { ...base, pull_number: pr, per_page: 100 });
        return list.map((r) => ({
          id: r.id,
          login: r.user?.login ?? '',
          user_type: r.user?.type ?? 'User',
          state: r.state as PullReview['state'],
          commit_id: r.commit_id ?? null,
          submitted_at: r.submitted_at ?? null,
        }));
      }),
    readFileAtRef: (path, ref) =>
      call(`read ${path} at ${ref.slice(0, 12)}`, async () => {
        try {
          const res = await octokit.rest.repos.getContent({ ...base, path, ref, mediaType: { format: 'raw' } });
          return typeof res.data === 'string' ? res.data : Buffer.from(res.data as unknown as ArrayBuffer).toString('utf8');
        } catch (err) {
          if (statusOf(err) === 404) return undefined;
          throw err;
        }
      }),
    listTreeAtRef: (ref) =>
      call(`list tree at ${ref.slice(0, 12)}`, async () => {
        const { data } = await octokit.rest.git.getTree({ ...base, tree_sha: ref, recursive: 'true' });
        return {
          // Submodules (type commit) are listed too: a path the gate cannot read must not look absent.
          entries: data.tree.filter((e) => (e.type === 'blob' || e.type === 'commit') && e.path && e.sha).map((e) => ({ path: e.path!, sha: e.sha!, mode: e.mode ?? '100644' })),
          truncated: data.truncated,
        };
      }),
    readBlob: (sha) =>
      call(`read blob ${sha.slice(0, 12)}`, async () => {
        try {
          const res = await octokit.rest.git.getBlob({ ...base, file_sha: sha, mediaType: { format: 'raw' } });
          return typeof res.data === 'string' ? res.data : Buffer.from(res.data as unknown as ArrayBuffer).toString('utf8');
        } catch (err) {
          if (statusOf(err) === 404) return undefined;
          throw err;
        }
      }),
    getPermission: (login) =>
      call(`read the repository permission of ${login}`, async () => {
        try {
          const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...base, username: login });
          return (data as { role_name?: string }).role_name ?? data.permission;
        } catch (err) {
          // A login GitHub does not know (renamed, deleted) has no role here: its review does not count.
          if (statusOf(err) === 404) return 'none';
          throw err;
        }
      }),
    compareCommits: (from, to) =>
      call(`compare ${from.slice(0, 7)}...${to.slice(0, 7)}`, async () => {
        const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...base, basehead: `${from}...${to}` });
        const files = data.files ?? [];
        const paths = files.flatMap((f) => (f.previous_filename ? [f.filename, f.previous_filename] : [f.filename]));
        return { files: paths, complete: files.length < COMPARE_FILE_CAP };
      }),
    setStatus: (sha, status) =>
      call(`set status ${status.context} on ${sha.slice(0, 7)}`, async () => {
        await octokit.rest.repos.createCommitStatus({ ...base, sha, ...status, description: status.description.slice(0, 140) });
      }),
    listRequestedReviewers: (pr) =>
      call(`list the requested reviewers of #${pr}`, async () => {
        const { data } = await octokit.rest.pulls.listRequestedReviewers({ ...base, pull_number: pr });
        return data.users.map((u) => u.login);
      }),
    requestReviewers: (pr, logins) =>
      call(`request reviews on #${pr}`, async () => {
        const ask = (reviewers: string[]) => octokit.rest.pulls.requestReviewers({ ...base, pull_number: pr, reviewers });
        const refused: { login: string; reason: string }[] = [];
        const reason = (err: unknown) =>
          `HTTP 422: ${(err instanceof Error ? err.message : String(err)).replace(/(gh[pousr]_|github_pat_)[A-Za-z0-9_]+/g, '[redacted]').split(' - https://docs.github.com')[0]!}`;
        try {
          await ask(logins);
          return refused;
        } catch (err) {
          if (statusOf(err) !== 422) throw err;
          if (logins.length === 1) return [{ login: logins[0]!, reason: reason(err) }];
        }
        for (const login of logins) {
          try {
            await ask([login]);
          } catch (err) {
            if (statusOf(err) !== 422) throw err;
            refused.push({ login, reason: reason(err) });
          }
        }
        return refused;
      }),
    upsertStickyComment: (pr, marker, body) =>
      call(`publish the comment on #${pr}`, async () => {
        const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...base, issue_number: pr, per_page: 100 });
        // Only our own comment counts: anyone can paste the marker into a comment of theirs.
        const bots = (opts.botLogins ?? []).map((l) => l.toLowerCase());
        const mine = comments.find((c) => c.body?.startsWith(marker) && c.user?.type === 'Bot' && (!bots.length || bots.includes(c.user.login.toLowerCase())));
        if (mine) {
          await octokit.rest.issues.updateComment({ ...base, comment_id: mine.id, body });
          return { id: mine.id, action: 'updated' as const };
        }
        const { data } = await octokit.rest.issues.createComment({ ...base, issue_number: pr, body });
        return { id: data.id, action: 'created' as const };
      }),
  };
}

function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : undefined;
}

/** Keeps the status and GitHub's message; drops the request (headers carry the token) and the response. */
export function wrapError(operation: string, err: unknown): GitHubApiError {
  if (err instanceof GitHubApiError) return err;
  const status = statusOf(err);
  const raw = err instanceof Error ? err.message : String(err);
  const message = raw.replace(/(gh[pousr]_|github_pat_)[A-Za-z0-9_]+/g, '[redacted]').split(' - https://docs.github.com')[0]!;
  const hint =
    status === 401
      ? ' (the token is missing or invalid)'
      : status === 403 && /rate limit/i.test(message)
        ? ' (rate limited; retried and gave up)'
        : status === 403
          ? ' (the token lacks a permission the gate needs: contents:read, pull-requests:read, statuses:write, issues:write)'
          : status !== undefined && status >= 500
            ? ' (GitHub is failing; retried and gave up)'
            : '';
  return new GitHubApiError(operation, status, message + hint);
}
