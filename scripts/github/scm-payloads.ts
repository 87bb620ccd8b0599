import { checkTreeIds, readGitTree } from './git-tree.ts';
import { PayloadError, canonicalSha, id, loginOf, obj, optCount, optObj, optStr, sha, str, type Json } from './payload.ts';
import type { PullCommit, PullFile, PullRequestInfo, PullReview, TreeEntry } from './scm.ts';

/** GitHub's REST payloads read into the Scm's domain shapes, without trusting their shape (payload.ts). Pure. */

const REVIEW_STATES = new Set(['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING']);
const FILE_STATUSES = new Set(['added', 'removed', 'modified', 'renamed', 'copied', 'changed', 'unchanged']);

/** A pull request as `pulls.get` and `pulls.list` return it; `user` null (a deleted account) gives an empty author login. */
export function readPull(raw: unknown, where: string): PullRequestInfo {
  const p = obj(raw, where);
  const b = obj(p.base, `${where}.base`);
  const h = obj(p.head, `${where}.head`);
  const user = loginOf(p, 'user', where);
  const counts = {
    ...(optCount(p, 'commits') !== undefined ? { commits: optCount(p, 'commits')! } : {}),
    ...(optCount(p, 'changed_files') !== undefined ? { files: optCount(p, 'changed_files')! } : {}),
  };
  // The base repository is checked against the one asked for (scm-github.ts); GitHub always sends it, so an answer
  // without it cannot be shown to be this repository's and fails (it used to be taken for the one asked for).
  return {
    number: id(p, 'number', where),
    title: optStr(p, 'title', where) ?? '',
    state: optStr(p, 'state', where) ?? '',
    author: user ? { login: user.login, type: user.type, ...(user.id !== undefined ? { id: user.id } : {}) } : { login: '', type: 'User' },
    base: { ref: str(b, 'ref', `${where}.base`), sha: sha(b, 'sha', `${where}.base`), repo: str(obj(b.repo, `${where}.base.repo`), 'full_name', `${where}.base.repo`) },
    // A deleted fork: head.repo is null.
    head: { ref: optStr(h, 'ref', `${where}.head`) ?? '', sha: sha(h, 'sha', `${where}.head`), repo: optStr(optObj(h, 'repo', `${where}.head`) ?? {}, 'full_name', `${where}.head.repo`) ?? null },
    ...(Object.keys(counts).length ? { counts } : {}),
  };
}

/** A commit of the pull request; `author`/`committer` null when the e-mail maps to no GitHub account. */
export function readCommit(c: Json, where: string): PullCommit {
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
    ...(author?.id !== undefined ? { author_id: author.id } : {}),
    ...(committer?.id !== undefined ? { committer_id: committer.id } : {}),
    ...(name ? { author_name: name } : {}),
    ...(email ? { author_email: email } : {}),
    ...(cEmail ? { committer_email: cEmail } : {}),
    ...(message !== undefined ? { message } : {}),
    ...parentsOf(c),
  };
}

/** The parents' ids of a listed commit, in git's spelling; none when the list is missing or any id is not a whole commit id. */
function parentsOf(c: Json): { parents?: string[] } {
  if (!Array.isArray(c.parents)) return {};
  const ids = c.parents.map((p) => (typeof p === 'object' && p !== null && typeof (p as Json).sha === 'string' ? canonicalSha((p as Json).sha as string) : undefined));
  return ids.every((x): x is string => x !== undefined) ? { parents: ids } : {};
}

export function readFile(f: Json, where: string): PullFile {
  const path = str(f, 'filename', where);
  const status = str(f, 'status', where);
  if (!FILE_STATUSES.has(status)) throw new PayloadError(`${where} (${path}) has the status ${JSON.stringify(status)}, which is none of ${[...FILE_STATUSES].join(', ')}`);
  const previous = optStr(f, 'previous_filename', where);
  // A rename names the path it left: without it the old path (a governed file, say) would vanish unseen.
  if (status === 'renamed' && !previous) throw new PayloadError(`${where} (${path}) is renamed but names no previous_filename; the path it was renamed from cannot be judged`);
  return { path, status: status as PullFile['status'], ...(previous ? { previous_path: previous } : {}) };
}

/** A review; a null `user` (deleted account) gives an empty login, an undocumented state `UNKNOWN`: neither ever approves. */
export function readReview(r: Json, where: string): PullReview {
  const user = loginOf(r, 'user', where);
  const reported = r.state;
  const known = typeof reported === 'string' && REVIEW_STATES.has(reported);
  const submitted = optStr(r, 'submitted_at', where);
  const commitId = optStr(r, 'commit_id', where);
  return {
    id: id(r, 'id', where),
    login: user?.login ?? '',
    user_type: user?.type ?? 'User',
    ...(user?.id !== undefined ? { user_id: user.id } : {}),
    state: known ? (reported as PullReview['state']) : 'UNKNOWN',
    ...(known ? {} : { reported_state: typeof reported === 'string' ? reported : reported === undefined ? '(none)' : JSON.stringify(reported) }),
    // Canonical when it is a commit id in any case; anything else is kept as sent: it names no commit, so it never
    // equals the head or a commit of the pull request, and the approval is stale (evaluate.ts says why).
    commit_id: commitId === undefined ? null : (canonicalSha(commitId) ?? commitId),
    submitted_at: submitted !== undefined && !Number.isNaN(Date.parse(submitted)) ? submitted : null,
  };
}

/**
 * A commit's recursive tree, checked against the root tree id its commit names (git-tree.ts): blobs and submodules
 * (type commit, listed too: a path the gate cannot read must not look absent); directories only serve the check.
 */
export function readTree(raw: unknown, treeSha: string, where: string): { entries: TreeEntry[]; truncated: boolean } {
  const tree = readGitTree(raw, where);
  checkTreeIds(tree, treeSha, where);
  const entries = tree.entries.filter((e) => e.type !== 'tree').map((e) => ({ path: e.path, sha: e.sha, mode: e.mode }));
  return { entries, truncated: tree.truncated };
}

/**
 * A review names the pull request it belongs to (`pull_request_url`, `…/repos/OWNER/NAME/pulls/N`, which GitHub always
 * sends: the REST schema of a review lists it as required). One of another pull request or repository is an answer to
 * another request (a cache before the API serving another list) and fails the list. One without such a URL (absent,
 * null, not a string, another shape) cannot be placed: the returned reason is kept on the review, and it never approves
 * (gate/reviews.ts). Undefined when the review is this pull request's.
 */
export function reviewOf(r: Json, where: string, repository: string, pr: number): string | undefined {
  const url = r.pull_request_url;
  const m = typeof url === 'string' ? /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+(?:\/[^?#]*)?\/repos\/([^/?#]+\/[^/?#]+)\/pulls\/([1-9]\d*)\/?(?:[?#].*)?$/i.exec(url) : null;
  if (!m) {
    const sent = url === undefined ? 'no pull_request_url' : `the pull_request_url ${JSON.stringify(url).slice(0, 120)}, which names no pull request (…/repos/OWNER/NAME/pulls/N)`;
    return `GitHub sends ${sent} for this review, so which pull request it belongs to cannot be established (GitHub always names it); it never approves`;
  }
  if (Number(m[2]) !== pr || m[1]!.toLowerCase() !== repository.toLowerCase())
    throw new PayloadError(`${where} belongs to pull request #${m[2]} of ${m[1]}, not #${pr} of ${repository}: an answer to another request (a cache or proxy before the API?); not used`);
  return undefined;
}
