import { createHash } from 'node:crypto';

/**
 * The state behind the local GitHub server: commits with whole trees, pull
 * requests, reviews, statuses, comments and collaborator permissions. Tests
 * build it directly; the routes render it as GitHub's REST payloads.
 */

export interface FakeUser {
  login: string;
  type?: 'User' | 'Bot';
  /** GitHub's immutable account id (default: one made from the login, so a login always has the same id). */
  id?: number;
  /** Git author name and e-mail when this user writes a commit (default: login, login@users.noreply.github.local). */
  name?: string;
  email?: string;
}

/** A file in a tree: its text, or a symbolic link (git mode 120000) whose blob is the link target. */
export type FakeEntry = string | { link: string } | { mode: '100755'; content: string };

export interface FakeCommit {
  sha: string;
  parents: string[];
  tree: Map<string, string>;
  /** Paths of the tree that are links (mode 120000) or executables (100755). */
  modes: Map<string, '120000' | '100755'>;
  /** GitHub accounts GitHub matched to the author and committer e-mails (null: no account). */
  author: FakeUser | null;
  committer: FakeUser | null;
  /** Git identities as written in the commit. */
  gitAuthor: { name: string; email: string };
  gitCommitter: { name: string; email: string };
  message: string;
  date: string;
}

export interface FakeReview {
  id: number;
  /** null: the reviewer's account was deleted (GitHub shows "ghost" in the UI and null in the API). */
  user: FakeUser | null;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  commit_id: string;
  submitted_at: string;
}

export interface FakePull {
  number: number;
  title: string;
  body: string;
  user: FakeUser;
  baseRef: string;
  baseSha: string;
  headRef: string;
  /** Full name of the head repository (a fork's), default the repository itself. */
  headRepo?: string;
  commits: string[];
  reviews: FakeReview[];
  /** Logins whose review is requested; GitHub drops a login from here when that person submits a review. */
  requested: string[];
  state: 'open' | 'closed';
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
}

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export function blobSha(content: string): string {
  const buf = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

const identity = (u: FakeUser | null) => ({ name: u?.name ?? u?.login ?? 'Someone', email: u?.email ?? `${u?.login ?? 'someone'}@users.noreply.github.local` });

export class FakeRepo {
  readonly commits = new Map<string, FakeCommit>();
  readonly pulls = new Map<number, FakePull>();
  readonly statuses: { sha: string; state: string; context: string; description: string; target_url?: string }[] = [];
  readonly comments = new Map<number, FakeComment>();
  readonly blobs = new Map<string, string>();
  /** Repository permission per login (case-insensitive). */
  readonly permissions = new Map<string, Permission>();
  /** Permission of a login not in `permissions` (tests mostly want reviewers who may push; set 'none' for strangers). */
  defaultPermission: Permission = 'write';
  /** GitHub cuts a recursive tree at 100,000 entries (and 7 MB) and sets `truncated`; tests lower it. */
  treeEntryLimit = 100_000;
  private clock = Date.parse('2026-11-20T02:00:00Z');
  private seq = 0;

  constructor(
    readonly owner: string,
    readonly name: string,
  ) {}

  get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  tick(): string {
    this.clock += 60_000;
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  nextId(): number {
    return ++this.seq;
  }

  /** Creates a commit: the parent's tree plus `files` (null deletes a path). Returns its sha. */
  commit(opts: {
    parent?: string;
    parents?: string[];
    files: Record<string, FakeEntry | null>;
    author?: FakeUser | null;
    committer?: FakeUser | null;
    message?: string;
    /** The commit's sha, when the test mirrors a real git commit (default: a made-up one). */
    sha?: string;
  }): string {
    const parents = opts.parents ?? (opts.parent ? [opts.parent] : []);
    const parent = parents[0] ? this.commits.get(parents[0]) : undefined;
    if (parents[0] && !parent) throw new Error(`no commit ${parents[0]}`);
    const tree = new Map(parent?.tree ?? []);
    const modes = new Map(parent?.modes ?? []);
    for (const [p, c] of Object.entries(opts.files)) {
      modes.delete(p);
      if (c === null) tree.delete(p);
      else if (typeof c === 'string') tree.set(p, c);
      else if ('link' in c) {
        tree.set(p, c.link);
        modes.set(p, '120000');
      } else {
        tree.set(p, c.content);
        modes.set(p, '100755');
      }
    }
    for (const content of tree.values()) this.blobs.set(blobSha(content), content);
    const message = opts.message ?? `commit ${++this.seq}`;
    const sha =
      opts.sha ??
      createHash('sha1')
        .update(`${parents.join(',')}|${message}|${++this.seq}|${JSON.stringify([...tree])}`)
        .digest('hex');
    const author = opts.author === undefined ? { login: 'octocat' } : opts.author;
    const committer = opts.committer === undefined ? { login: 'web-flow' } : opts.committer;
    this.commits.set(sha, { sha, parents, tree, modes, author, committer, gitAuthor: identity(author), gitCommitter: identity(committer), message, date: this.tick() });
    return sha;
  }

  /** A commit whose git author e-mail GitHub maps to no account (`author: null` in the API). */
  commitAs(opts: { parent: string; files: Record<string, FakeEntry | null>; gitAuthor: { name: string; email: string }; message?: string }): string {
    const sha = this.commit({ parent: opts.parent, files: opts.files, author: null, committer: null, ...(opts.message ? { message: opts.message } : {}) });
    const c = this.commits.get(sha)!;
    c.gitAuthor = opts.gitAuthor;
    c.gitCommitter = opts.gitAuthor;
    return sha;
  }

  openPull(opts: { number: number; title?: string; body?: string; author: FakeUser; baseSha: string; commits: string[]; baseRef?: string; headRef?: string; headRepo?: string }): FakePull {
    const pull: FakePull = {
      number: opts.number,
      title: opts.title ?? `PR ${opts.number}`,
      body: opts.body ?? '',
      user: opts.author,
      baseRef: opts.baseRef ?? 'main',
      baseSha: opts.baseSha,
      headRef: opts.headRef ?? `topic-${opts.number}`,
      ...(opts.headRepo ? { headRepo: opts.headRepo } : {}),
      commits: [...opts.commits],
      reviews: [],
      requested: [],
      state: 'open',
    };
    this.pulls.set(pull.number, pull);
    return pull;
  }

  /** Adds a commit on top of the PR head (a push). */
  push(pr: number, files: Record<string, FakeEntry | null>, author: FakeUser = { login: 'octocat' }, message?: string): string {
    const pull = this.pull(pr);
    const sha = this.commit({ parent: headOf(pull), files, author, committer: author, ...(message ? { message } : {}) });
    pull.commits.push(sha);
    return sha;
  }

  review(pr: number, user: FakeUser | null, state: FakeReview['state'], commit?: string): FakeReview {
    const pull = this.pull(pr);
    const r: FakeReview = { id: 80_000 + ++this.seq, user, state, commit_id: commit ?? headOf(pull), submitted_at: this.tick() };
    pull.reviews.push(r);
    if (user) pull.requested = pull.requested.filter((l) => l.toLowerCase() !== user.login.toLowerCase());
    return r;
  }

  pull(pr: number): FakePull {
    const p = this.pulls.get(pr);
    if (!p) throw new Error(`no PR ${pr}`);
    return p;
  }

  addComment(issue: number, user: FakeUser, body: string): FakeComment {
    const at = this.tick();
    const c = { id: 90_000 + ++this.seq, issue, body, user, created_at: at, updated_at: at };
    this.comments.set(c.id, c);
    return c;
  }

  nextCommentTime(): string {
    return this.tick();
  }

  permissionOf(login: string): Permission {
    for (const [l, p] of this.permissions) if (l.toLowerCase() === login.toLowerCase()) return p;
    return this.defaultPermission;
  }
}

export function headOf(p: FakePull): string {
  return p.commits[p.commits.length - 1] ?? p.baseSha;
}
