export { createGitHubScm } from './scm-github.ts';
export { COMPARE_FILE_CAP, PR_COMMITS_CAP, PR_FILES_CAP } from './scm-caps.ts';
export { verifiedBlobText } from './git-objects.ts';
export { wrapError } from './scm-errors.ts';

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
  /** Who opened it; `id` is the account's immutable id (`user.id`), which decides over the login when both sides have one. */
  author: { login: string; type: string; id?: number };
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
  author_id?: number;
  committer_id?: number;
  author_name?: string;
  author_email?: string;
  committer_email?: string;
  /** The commit message, for `Co-authored-by:` trailers. */
  message?: string;
  /** The parents' ids, as GitHub lists them; absent when the answer names none (GitHub always does). */
  parents?: string[];
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
  /** Why the pull request this review belongs to cannot be established (no `pull_request_url`): it never approves. */
  origin_unverified?: string;
}

export interface CommitStatus {
  state: 'success' | 'pending' | 'failure' | 'error';
  context: string;
  description: string;
  target_url?: string;
}

export interface ScmOptions {
  /**
   * Logins whose comment carrying the marker is the gate's own (the identity the workflow's token acts as,
   * e.g. `github-actions[bot]` or `<app-slug>[bot]`). Without it only Bot accounts' comments are candidates.
   */
  botLogins?: string[];
}
