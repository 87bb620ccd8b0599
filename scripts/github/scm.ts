import { createHash } from 'node:crypto';
import { GitHubApiError } from '../model/errors.ts';
import { TOO_LARGE, type GateOctokit } from './client.ts';
import { readAllPages } from './paginate.ts';
import { PayloadError, count, id, list, loginOf, obj, optCount, optObj, optStr, readList, sha, str, type Json } from './payload.ts';

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
  /** What GitHub says the pull request has (`commits`, `changed_files`), to tell a list that lost items; absent when not sent. */
  counts?: { commits?: number; files?: number };
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
  /** The account's immutable id (`user.id`); absent when GitHub sends none (then a person with `github_id` never matches). */
  user_id?: number;
  /** `UNKNOWN` for a state GitHub does not document (then `reported_state` says what was sent): it never approves. */
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING' | 'UNKNOWN';
  reported_state?: string;
  commit_id: string | null;
  /** null when GitHub sends none, or one that is not a date-time. */
  submitted_at: string | null;
}

const REVIEW_STATES = new Set(['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING']);
const FILE_STATUSES = new Set(['added', 'removed', 'modified', 'renamed', 'copied', 'changed', 'unchanged']);

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
  const apiBase = String(octokit.request.endpoint.DEFAULTS.baseUrl);
  const pages = (route: unknown, params: Record<string, unknown>) => readAllPages(route as Parameters<typeof readAllPages>[0], params, apiBase);
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
        const pull = readPull(data, `pull request #${pr}`, repository);
        // GitHub always sends both counts here. Without them a commit or file list that simply ends early (no Link
        // header, a short page) looks complete: it could hide a commit the approver wrote, or a governed file.
        const d = obj(data, `pull request #${pr}`);
        const why = '; GitHub always sends it, and without it a commit or file list cut short cannot be told from a complete one';
        return { ...pull, counts: { commits: count(d, 'commits', `pull request #${pr}`, why), files: count(d, 'changed_files', `pull request #${pr}`, why) } };
      }),
    findOpenPullRequestsByHead: (sha, head = {}) =>
      call(`find the pull requests of ${sha.slice(0, 7)}`, async () => {
        const pulls = readList(
          await pages(octokit.rest.pulls.list, { ...base, state: 'open', per_page: 100 }),
          'pull request',
          (p, w) => readPull(p, w, repository),
          (p) => String(p.number),
        );
        return pulls
          .filter((p) => p.head.sha === sha && (!head.repo || p.head.repo === head.repo) && (!head.ref || p.head.ref === head.ref))
          .map((p) => p.number)
          .sort((a, b) => a - b);
      }),
    listOpenPullRequests: (baseRef) =>
      call(`list open pull requests${baseRef ? ` into ${baseRef}` : ''}`, async () => {
        const pulls = readList(
          await pages(octokit.rest.pulls.list, { ...base, state: 'open', per_page: 100, ...(baseRef ? { base: baseRef } : {}) }),
          'pull request',
          (p, w) => readPull(p, w, repository),
          (p) => String(p.number),
        );
        return pulls.map((p) => ({ number: p.number, base_ref: p.base.ref, head_sha: p.head.sha }));
      }),
    listCommits: (pr) =>
      call(`list commits of #${pr}`, async () => {
        return readList(await pages(octokit.rest.pulls.listCommits, { ...base, pull_number: pr, per_page: 100 }), 'commit', readCommit, (c) => c.sha);
      }),
    listFiles: (pr) =>
      call(`list files of #${pr}`, async () => {
        return readList(await pages(octokit.rest.pulls.listFiles, { ...base, pull_number: pr, per_page: 100 }), 'file', readFile, (f) => f.path);
      }),
    listReviews: (pr) =>
      call(`list reviews of #${pr}`, async () => {
        return readList(await pages(octokit.rest.pulls.listReviews, { ...base, pull_number: pr, per_page: 100 }), 'review', readReview, (r) => String(r.id));
      }),
    readFileAtRef: (path, ref) =>
      call(`read ${path} at ${ref.slice(0, 12)}`, async () => {
        try {
          const res = await octokit.rest.repos.getContent({ ...base, path, ref, mediaType: { format: 'raw' } });
          return rawText(res.data, `the raw content of ${path}`);
        } catch (err) {
          if (statusOf(err) === 404) return undefined;
          throw err;
        }
      }),
    listTreeAtRef: (ref) =>
      call(`list tree at ${ref.slice(0, 12)}`, async () => {
        const { data } = await octokit.rest.git.getTree({ ...base, tree_sha: ref, recursive: 'true' });
        return readTree(data, `the tree at ${ref.slice(0, 12)}`);
      }),
    readBlob: (sha) =>
      call(`read blob ${sha.slice(0, 12)}`, async () => {
        try {
          // The bytes as sent (not decoded by Octokit), so that they can be checked against the blob id.
          const res = await octokit.rest.git.getBlob({ ...base, file_sha: sha, mediaType: { format: 'raw' }, request: { parseSuccessResponseBody: false } });
          return verifiedBlobText(await rawBytes(res.data, `the raw blob ${sha.slice(0, 12)}`), sha);
        } catch (err) {
          if (statusOf(err) === 404) return undefined;
          throw err;
        }
      }),
    getPermission: (login) =>
      call(`read the repository permission of ${login}`, async () => {
        try {
          const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...base, username: login });
          // A role the gate cannot read is no role: the review then does not count.
          const d = obj(data, `the permission of ${login}`);
          const role = typeof d.role_name === 'string' && d.role_name ? d.role_name : d.permission;
          return typeof role === 'string' && role ? role : 'none';
        } catch (err) {
          // A login GitHub does not know (renamed, deleted) has no role here: its review does not count.
          if (statusOf(err) === 404) return 'none';
          throw err;
        }
      }),
    compareCommits: (from, to) =>
      call(`compare ${from.slice(0, 7)}...${to.slice(0, 7)}`, async () => {
        const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...base, basehead: `${from}...${to}` });
        const d = obj(data, `the comparison ${from.slice(0, 7)}...${to.slice(0, 7)}`);
        // No `files` at all is not "nothing changed": the caller then diffs the trees itself.
        if (d.files === undefined || d.files === null) return { files: [], complete: false };
        // `from...to` lists what changed since their merge base: only when `from` is that base (an ancestor of `to`)
        // is it what changed since `from`. Otherwise (diverged, behind, another base) the trees are diffed too.
        const mergeBase = d.merge_base_commit && typeof d.merge_base_commit === 'object' ? (d.merge_base_commit as Json).sha : undefined;
        if ((d.status !== 'ahead' && d.status !== 'identical') || typeof mergeBase !== 'string' || mergeBase.toLowerCase() !== from.toLowerCase()) return { files: [], complete: false };
        const files = list(d.files, 'the comparison files').map((f, i) => readFile(obj(f, `compared file ${i + 1}`), `compared file ${i + 1}`));
        const paths = files.flatMap((f) => (f.previous_path ? [f.path, f.previous_path] : [f.path]));
        return { files: paths, complete: files.length < COMPARE_FILE_CAP };
      }),
    setStatus: (sha, status) =>
      call(`set status ${status.context} on ${sha.slice(0, 7)}`, async () => {
        await octokit.rest.repos.createCommitStatus({ ...base, sha, ...status, description: status.description.slice(0, 140) });
      }),
    listRequestedReviewers: (pr) =>
      call(`list the requested reviewers of #${pr}`, async () => {
        const { data } = await octokit.rest.pulls.listRequestedReviewers({ ...base, pull_number: pr });
        const users = list(obj(data, 'the requested reviewers').users ?? [], 'the requested reviewers');
        return users.flatMap((u) => (u && typeof u === 'object' && typeof (u as Json).login === 'string' ? [(u as Json).login as string] : []));
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
        const comments = await pages(octokit.rest.issues.listComments, { ...base, issue_number: pr, per_page: 100 });
        // Only our own comment counts: anyone can paste the marker into a comment of theirs.
        const bots = (opts.botLogins ?? []).map((l) => l.toLowerCase());
        const mine = (comments as unknown[])
          .filter((c): c is { id: number; body?: unknown; user?: { type?: unknown; login?: unknown } | null } => !!c && typeof c === 'object' && typeof (c as Json).id === 'number')
          .find(
            (c) => typeof c.body === 'string' && c.body.startsWith(marker) && c.user?.type === 'Bot' && typeof c.user.login === 'string' && (!bots.length || bots.includes(c.user.login.toLowerCase())),
          );
        if (mine) {
          await octokit.rest.issues.updateComment({ ...base, comment_id: mine.id, body });
          return { id: mine.id, action: 'updated' as const };
        }
        const { data } = await octokit.rest.issues.createComment({ ...base, issue_number: pr, body });
        return { id: data.id, action: 'created' as const };
      }),
  };
}

/** A pull request as `pulls.get` and `pulls.list` return it; `user` null (a deleted account) gives an empty author login. */
function readPull(raw: unknown, where: string, repository: string): PullRequestInfo {
  const p = obj(raw, where);
  const b = obj(p.base, `${where}.base`);
  const h = obj(p.head, `${where}.head`);
  const user = loginOf(p, 'user', where);
  const counts = {
    ...(optCount(p, 'commits') !== undefined ? { commits: optCount(p, 'commits')! } : {}),
    ...(optCount(p, 'changed_files') !== undefined ? { files: optCount(p, 'changed_files')! } : {}),
  };
  return {
    number: id(p, 'number', where),
    title: optStr(p, 'title', where) ?? '',
    state: optStr(p, 'state', where) ?? '',
    author: user ? { login: user.login, type: user.type } : { login: '', type: 'User' },
    base: { ref: str(b, 'ref', `${where}.base`), sha: sha(b, 'sha', `${where}.base`), repo: optStr(optObj(b, 'repo', `${where}.base`) ?? {}, 'full_name', `${where}.base.repo`) ?? repository },
    // A deleted fork: head.repo is null.
    head: { ref: optStr(h, 'ref', `${where}.head`) ?? '', sha: sha(h, 'sha', `${where}.head`), repo: optStr(optObj(h, 'repo', `${where}.head`) ?? {}, 'full_name', `${where}.head.repo`) ?? null },
    ...(Object.keys(counts).length ? { counts } : {}),
  };
}

/** A commit of the pull request; `author`/`committer` null when the e-mail maps to no GitHub account. */
function readCommit(c: Json, where: string): PullCommit {
  const git = obj(c.commit, `${where}.commit`);
  const gitAuthor = optObj(git, 'author', `${where}.commit`);
  const gitCommitter = optObj(git, 'committer', `${where}.commit`);
  const author = loginOf(c, 'author', where);
  const committer = loginOf(c, 'committer', where);
  const name = gitAuthor && optStr(gitAuthor, 'name', `${where}.commit.author`);
  const email = gitAuthor && optStr(gitAuthor, 'email', `${where}.commit.author`);
  const cEmail = gitCommitter && optStr(gitCommitter, 'email', `${where}.commit.committer`);
  const message = optStr(git, 'message', `${where}.commit`);
  return {
    sha: sha(c, 'sha', where),
    author_login: author?.login ?? null,
    committer_login: committer?.login ?? null,
    ...(author ? { author_type: author.type } : {}),
    ...(committer ? { committer_type: committer.type } : {}),
    ...(name ? { author_name: name } : {}),
    ...(email ? { author_email: email } : {}),
    ...(cEmail ? { committer_email: cEmail } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}

function readFile(f: Json, where: string): PullFile {
  const path = str(f, 'filename', where);
  const status = str(f, 'status', where);
  if (!FILE_STATUSES.has(status)) throw new PayloadError(`${where} (${path}) has the status ${JSON.stringify(status)}, which is none of ${[...FILE_STATUSES].join(', ')}`);
  const previous = optStr(f, 'previous_filename', where);
  // A rename names the path it left: without it the old path (a governed file, say) would vanish unseen.
  if (status === 'renamed' && !previous) throw new PayloadError(`${where} (${path}) is renamed but names no previous_filename; the path it was renamed from cannot be judged`);
  return { path, status: status as PullFile['status'], ...(previous ? { previous_path: previous } : {}) };
}

/** A review; a null `user` (deleted account) gives an empty login, an undocumented state `UNKNOWN`: neither ever approves. */
function readReview(r: Json, where: string): PullReview {
  const user = loginOf(r, 'user', where);
  const reported = r.state;
  const known = typeof reported === 'string' && REVIEW_STATES.has(reported);
  const submitted = optStr(r, 'submitted_at', where);
  return {
    id: id(r, 'id', where),
    login: user?.login ?? '',
    user_type: user?.type ?? 'User',
    ...(user?.id !== undefined ? { user_id: user.id } : {}),
    state: known ? (reported as PullReview['state']) : 'UNKNOWN',
    ...(known ? {} : { reported_state: typeof reported === 'string' ? reported : reported === undefined ? '(none)' : JSON.stringify(reported) }),
    commit_id: optStr(r, 'commit_id', where) ?? null,
    submitted_at: submitted !== undefined && !Number.isNaN(Date.parse(submitted)) ? submitted : null,
  };
}

/** A recursive tree. Without a boolean `truncated` it cannot be known complete, so it counts as truncated. */
function readTree(raw: unknown, where: string): { entries: TreeEntry[]; truncated: boolean } {
  const d = obj(raw, where);
  const entries = list(d.tree, `${where}.tree`).flatMap((e, i) => {
    const x = obj(e, `${where} entry ${i + 1}`);
    const [type, path, blob, mode] = ['type', 'path', 'sha', 'mode'].map((k) => optStr(x, k, `${where} entry ${i + 1}`));
    // Submodules (type commit) are listed too: a path the gate cannot read must not look absent.
    return (type === 'blob' || type === 'commit') && path && blob ? [{ path, sha: blob, mode: mode ?? '100644' }] : [];
  });
  return { entries, truncated: d.truncated !== false };
}

/** A raw body as bytes: a stream (parseSuccessResponseBody off), or what Octokit parsed. */
async function rawBytes(data: unknown, where: string): Promise<Buffer> {
  if (data instanceof ReadableStream) return Buffer.from(await new Response(data).arrayBuffer());
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return Buffer.from(data as ArrayBuffer);
  return Buffer.from(rawText(data, where), 'utf8');
}

/**
 * The text of a blob whose bytes hash to its id (git's `blob <size>\0` header; SHA-256 for 64-digit ids).
 * Bytes cut short or altered on the way are not that blob: a policy cut after a rule still parses.
 */
export function verifiedBlobText(bytes: Buffer, sha: string): string {
  const algo = sha.length === 64 ? 'sha256' : 'sha1';
  const got = createHash(algo).update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
  if (got !== sha.toLowerCase())
    throw new PayloadError(`the blob ${sha.slice(0, 12)} GitHub sent has other content (${bytes.length} bytes that hash to ${got.slice(0, 12)}): it was cut short or altered on the way`);
  // As fetch's text() reads UTF-8: a leading byte-order mark is not content.
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

/** A raw (`application/vnd.github.raw`) body as text. */
function rawText(data: unknown, where: string): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return Buffer.from(data as ArrayBuffer).toString('utf8');
  throw new PayloadError(`${where} is not raw text (the server answered with ${data === null ? 'null' : typeof data === 'object' ? 'JSON' : typeof data})`);
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
          : status !== undefined && status >= 500 && !message.includes(TOO_LARGE)
            ? ' (GitHub is failing; retried and gave up)'
            : '';
  return new GitHubApiError(operation, status, message + hint);
}
