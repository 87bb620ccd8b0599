import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that answers the GitHub REST endpoints the gate uses,
 * with GitHub's documented payload shapes (pulls, commits, files, reviews,
 * contents, git trees, compare, statuses, issue comments), Link-header
 * pagination, and injectable faults (5xx, secondary and primary rate limits).
 * Tests drive the real Octokit client against it.
 */

export interface FakeUser {
  login: string;
  type?: 'User' | 'Bot';
}

interface FakeCommit {
  sha: string;
  parents: string[];
  tree: Map<string, string>;
  author: FakeUser | null;
  committer: FakeUser | null;
  message: string;
  date: string;
}

export interface FakeReview {
  id: number;
  user: FakeUser;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  commit_id: string;
  submitted_at: string;
}

interface FakePull {
  number: number;
  title: string;
  user: FakeUser;
  baseRef: string;
  baseSha: string;
  headRef: string;
  commits: string[];
  reviews: FakeReview[];
  state: 'open' | 'closed';
}

interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
}

export interface Fault {
  method?: string;
  path: RegExp;
  kind: 'status' | 'secondary-rate-limit' | 'rate-limit';
  status?: number;
  /** How many matching requests fail; Infinity for all. */
  times: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  authorization?: string;
}

const userJson = (u: FakeUser, id = idOf(u.login)) => ({
  login: u.login,
  id,
  node_id: `U_${id}`,
  avatar_url: `https://avatars.example/u/${id}`,
  url: `https://api.github.local/users/${u.login}`,
  html_url: `https://github.local/${u.login}`,
  type: u.type ?? 'User',
  site_admin: false,
});

function idOf(s: string): number {
  return parseInt(createHash('sha1').update(s).digest('hex').slice(0, 7), 16);
}

export function blobSha(content: string): string {
  const buf = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

export class FakeRepo {
  readonly commits = new Map<string, FakeCommit>();
  readonly pulls = new Map<number, FakePull>();
  readonly statuses: { sha: string; state: string; context: string; description: string; target_url?: string }[] = [];
  readonly comments = new Map<number, FakeComment>();
  private clock = Date.parse('2026-11-20T02:00:00Z');
  private seq = 0;

  constructor(readonly owner: string, readonly name: string) {}

  get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  private tick(): string {
    this.clock += 60_000;
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** Creates a commit: the parent's tree plus `files` (null deletes a path). Returns its sha. */
  commit(opts: { parent?: string; files: Record<string, string | null>; author?: FakeUser | null; committer?: FakeUser | null; message?: string }): string {
    const parent = opts.parent ? this.commits.get(opts.parent) : undefined;
    if (opts.parent && !parent) throw new Error(`no commit ${opts.parent}`);
    const tree = new Map(parent?.tree ?? []);
    for (const [p, c] of Object.entries(opts.files)) {
      if (c === null) tree.delete(p);
      else tree.set(p, c);
    }
    const message = opts.message ?? `commit ${++this.seq}`;
    const sha = createHash('sha1').update(`${opts.parent ?? ''}|${message}|${this.seq}|${JSON.stringify([...tree])}`).digest('hex');
    this.commits.set(sha, {
      sha,
      parents: opts.parent ? [opts.parent] : [],
      tree,
      author: opts.author === undefined ? { login: 'octocat' } : opts.author,
      committer: opts.committer === undefined ? { login: 'web-flow' } : opts.committer,
      message,
      date: this.tick(),
    });
    return sha;
  }

  openPull(opts: { number: number; title?: string; author: FakeUser; baseSha: string; commits: string[]; baseRef?: string }): FakePull {
    const pull: FakePull = {
      number: opts.number,
      title: opts.title ?? `PR ${opts.number}`,
      user: opts.author,
      baseRef: opts.baseRef ?? 'main',
      baseSha: opts.baseSha,
      headRef: `topic-${opts.number}`,
      commits: [...opts.commits],
      reviews: [],
      state: 'open',
    };
    this.pulls.set(pull.number, pull);
    return pull;
  }

  /** Adds a commit on top of the PR head (a push). */
  push(pr: number, files: Record<string, string | null>, author: FakeUser = { login: 'octocat' }): string {
    const pull = this.pull(pr);
    const sha = this.commit({ parent: pull.commits[pull.commits.length - 1] ?? pull.baseSha, files, author, committer: author });
    pull.commits.push(sha);
    return sha;
  }

  review(pr: number, user: FakeUser, state: FakeReview['state'], commit?: string): FakeReview {
    const pull = this.pull(pr);
    const r: FakeReview = { id: 80_000 + ++this.seq, user, state, commit_id: commit ?? headOf(pull), submitted_at: this.tick() };
    pull.reviews.push(r);
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
}

function headOf(p: FakePull): string {
  return p.commits[p.commits.length - 1] ?? p.baseSha;
}

export interface GitHubServer {
  url: string;
  repo(fullName: string): FakeRepo;
  fail(f: Fault): void;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

export async function startGitHubServer(opts: { token?: string } = {}): Promise<GitHubServer> {
  const repos = new Map<string, FakeRepo>();
  const faults: Fault[] = [];
  const requests: RecordedRequest[] = [];
  let base = '';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      try {
        handle(req, res, body);
      } catch (e) {
        send(res, 500, { message: `test server error: ${(e as Error).message}` });
      }
    });
  });

  function record(req: IncomingMessage, status: number) {
    const auth = req.headers.authorization;
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '', status, ...(auth ? { authorization: auth } : {}) });
  }

  function send(res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}) {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    res.writeHead(status, {
      'content-type': typeof data === 'string' ? 'application/vnd.github.raw; charset=utf-8' : 'application/json; charset=utf-8',
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      ...headers,
    });
    res.end(text);
  }

  function paginate<T>(req: IncomingMessage, res: ServerResponse, url: URL, items: T[], extra: Record<string, string> = {}) {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number, rel: string) => {
      const u = new URL(url.toString());
      u.searchParams.set('page', String(p));
      u.searchParams.set('per_page', String(perPage));
      return `<${base}${u.pathname}${u.search}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'));
    record(req, 200);
    send(res, 200, items.slice((page - 1) * perPage, page * perPage), { ...(links.length ? { link: links.join(', ') } : {}), ...extra });
  }

  function handle(req: IncomingMessage, res: ServerResponse, rawBody: string) {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    const fault = faults.find((f) => f.times > 0 && (!f.method || f.method === method) && f.path.test(url.pathname));
    if (fault) {
      fault.times--;
      if (fault.kind === 'status') {
        record(req, fault.status ?? 502);
        return send(res, fault.status ?? 502, { message: 'Server Error' });
      }
      if (fault.kind === 'secondary-rate-limit') {
        record(req, 403);
        return send(res, 403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits', status: '403' }, { 'retry-after': '1' });
      }
      record(req, 403);
      return send(res, 403, { message: 'API rate limit exceeded for installation ID 1.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) });
    }
    if (opts.token) {
      const auth = req.headers.authorization ?? '';
      if (auth !== `token ${opts.token}` && auth !== `Bearer ${opts.token}`) {
        record(req, 401);
        return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
      }
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(url.pathname);
    const repo = m ? repos.get(`${m[1]}/${m[2]}`) : undefined;
    if (!m || !repo) return notFound(req, res);
    const rest = decodeURIComponent(m[3]!);
    const html = `https://github.local/${repo.fullName}`;
    let r: RegExpExecArray | null;

    if (method === 'GET' && (r = /^\/pulls\/(\d+)$/.exec(rest))) {
      const p = repo.pulls.get(Number(r[1]));
      if (!p) return notFound(req, res);
      record(req, 200);
      return send(res, 200, pullJson(repo, p));
    }
    if (method === 'GET' && rest === '/pulls') {
      const state = url.searchParams.get('state') ?? 'open';
      return paginate(req, res, url, [...repo.pulls.values()].filter((p) => state === 'all' || p.state === state).map((p) => pullJson(repo, p)));
    }
    if (method === 'GET' && (r = /^\/pulls\/(\d+)\/commits$/.exec(rest))) {
      const p = repo.pulls.get(Number(r[1]));
      if (!p) return notFound(req, res);
      return paginate(req, res, url, p.commits.map((sha) => commitJson(repo, repo.commits.get(sha)!)));
    }
    if (method === 'GET' && (r = /^\/pulls\/(\d+)\/files$/.exec(rest))) {
      const p = repo.pulls.get(Number(r[1]));
      if (!p) return notFound(req, res);
      return paginate(req, res, url, diffFiles(repo, p.baseSha, headOf(p)).slice(0, 3000));
    }
    if (method === 'GET' && (r = /^\/pulls\/(\d+)\/reviews$/.exec(rest))) {
      const p = repo.pulls.get(Number(r[1]));
      if (!p) return notFound(req, res);
      return paginate(
        req,
        res,
        url,
        p.reviews.map((v) => ({
          id: v.id,
          node_id: `PRR_${v.id}`,
          user: userJson(v.user),
          body: '',
          state: v.state,
          html_url: `${html}/pull/${p.number}#pullrequestreview-${v.id}`,
          pull_request_url: `${base}/repos/${repo.fullName}/pulls/${p.number}`,
          author_association: 'MEMBER',
          _links: { html: { href: `${html}/pull/${p.number}#pullrequestreview-${v.id}` }, pull_request: { href: `${base}/repos/${repo.fullName}/pulls/${p.number}` } },
          submitted_at: v.submitted_at,
          commit_id: v.commit_id,
        })),
      );
    }
    if (method === 'GET' && (r = /^\/contents\/(.+)$/.exec(rest))) {
      const ref = url.searchParams.get('ref') ?? '';
      const c = repo.commits.get(ref);
      const content = c?.tree.get(r[1]!);
      if (content === undefined) return notFound(req, res);
      record(req, 200);
      if ((req.headers.accept ?? '').includes('raw')) return send(res, 200, content);
      const name = r[1]!.split('/').pop()!;
      return send(res, 200, {
        type: 'file',
        encoding: 'base64',
        size: Buffer.byteLength(content),
        name,
        path: r[1],
        content: Buffer.from(content).toString('base64'),
        sha: blobSha(content),
        url: `${base}/repos/${repo.fullName}/contents/${r[1]}?ref=${ref}`,
      });
    }
    if (method === 'GET' && (r = /^\/git\/trees\/([0-9a-f]{40})$/.exec(rest))) {
      const c = repo.commits.get(r[1]!);
      if (!c) return notFound(req, res);
      const dirs = new Set<string>();
      const tree: unknown[] = [];
      for (const [p, content] of [...c.tree].sort(([a], [b]) => a.localeCompare(b))) {
        const parts = p.split('/');
        for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
        tree.push({ path: p, mode: '100644', type: 'blob', sha: blobSha(content), size: Buffer.byteLength(content), url: `${base}/repos/${repo.fullName}/git/blobs/${blobSha(content)}` });
      }
      for (const d of dirs) tree.push({ path: d, mode: '040000', type: 'tree', sha: createHash('sha1').update(`${c.sha}:${d}`).digest('hex') });
      record(req, 200);
      return send(res, 200, { sha: c.sha, url: `${base}/repos/${repo.fullName}/git/trees/${c.sha}`, tree, truncated: false });
    }
    if (method === 'GET' && (r = /^\/compare\/([0-9a-f]{40})\.\.\.([0-9a-f]{40})$/.exec(rest))) {
      const a = repo.commits.get(r[1]!);
      const b = repo.commits.get(r[2]!);
      if (!a || !b) return notFound(req, res);
      const between: string[] = [];
      for (let s: string | undefined = b.sha; s && s !== a.sha; s = repo.commits.get(s)?.parents[0]) between.unshift(s);
      record(req, 200);
      return send(res, 200, {
        url: `${base}/repos/${repo.fullName}/compare/${a.sha}...${b.sha}`,
        html_url: `${html}/compare/${a.sha}...${b.sha}`,
        status: between.length ? 'ahead' : 'identical',
        ahead_by: between.length,
        behind_by: 0,
        total_commits: between.length,
        base_commit: commitJson(repo, a),
        merge_base_commit: commitJson(repo, a),
        commits: between.map((s) => commitJson(repo, repo.commits.get(s)!)),
        files: diffFiles(repo, a.sha, b.sha).slice(0, 300),
      });
    }
    if (method === 'POST' && (r = /^\/statuses\/([0-9a-f]{40})$/.exec(rest))) {
      const data = JSON.parse(rawBody || '{}') as { state: string; context?: string; description?: string; target_url?: string };
      if (!['error', 'failure', 'pending', 'success'].includes(data.state)) {
        record(req, 422);
        return send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'Status', field: 'state', code: 'custom' }] });
      }
      const st = { sha: r[1]!, state: data.state, context: data.context ?? 'default', description: data.description ?? '', ...(data.target_url ? { target_url: data.target_url } : {}) };
      repo.statuses.push(st);
      record(req, 201);
      return send(res, 201, { id: repo.statuses.length, node_id: `SC_${repo.statuses.length}`, url: `${base}/repos/${repo.fullName}/statuses/${st.sha}`, ...st, creator: userJson({ login: 'github-actions[bot]', type: 'Bot' }), created_at: repo.nextCommentTime(), updated_at: repo.nextCommentTime() });
    }
    if ((r = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = Number(r[1]);
      if (method === 'GET') return paginate(req, res, url, [...repo.comments.values()].filter((c) => c.issue === issue).map((c) => commentJson(repo, c)));
      if (method === 'POST') {
        const data = JSON.parse(rawBody || '{}') as { body?: string };
        const c = repo.addComment(issue, { login: 'github-actions[bot]', type: 'Bot' }, data.body ?? '');
        record(req, 201);
        return send(res, 201, commentJson(repo, c));
      }
    }
    if (method === 'PATCH' && (r = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const c = repo.comments.get(Number(r[1]));
      if (!c) return notFound(req, res);
      c.body = (JSON.parse(rawBody || '{}') as { body?: string }).body ?? c.body;
      c.updated_at = repo.nextCommentTime();
      record(req, 200);
      return send(res, 200, commentJson(repo, c));
    }
    return notFound(req, res);
  }

  function notFound(req: IncomingMessage, res: ServerResponse) {
    record(req, 404);
    send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
  }

  function commentJson(repo: FakeRepo, c: FakeComment) {
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${base}/repos/${repo.fullName}/issues/comments/${c.id}`,
      html_url: `https://github.local/${repo.fullName}/pull/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${base}/repos/${repo.fullName}/issues/${c.issue}`,
      body: c.body,
      user: userJson(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
    };
  }

  function commitJson(repo: FakeRepo, c: FakeCommit) {
    const person = (u: FakeUser | null) => ({ name: u?.login ?? 'Someone', email: `${u?.login ?? 'someone'}@users.noreply.github.local`, date: c.date });
    return {
      sha: c.sha,
      node_id: `C_${c.sha.slice(0, 10)}`,
      url: `${base}/repos/${repo.fullName}/commits/${c.sha}`,
      html_url: `https://github.local/${repo.fullName}/commit/${c.sha}`,
      commit: { author: person(c.author), committer: person(c.committer), message: c.message, tree: { sha: c.sha }, comment_count: 0, verification: { verified: false, reason: 'unsigned' } },
      author: c.author ? userJson(c.author) : null,
      committer: c.committer ? userJson(c.committer) : null,
      parents: c.parents.map((p) => ({ sha: p, url: `${base}/repos/${repo.fullName}/commits/${p}` })),
    };
  }

  function pullJson(repo: FakeRepo, p: FakePull) {
    const owner = userJson({ login: repo.owner, type: 'User' });
    const repoJson = { id: idOf(repo.fullName), node_id: 'R_1', name: repo.name, full_name: repo.fullName, owner, private: true, html_url: `https://github.local/${repo.fullName}`, default_branch: 'main' };
    return {
      url: `${base}/repos/${repo.fullName}/pulls/${p.number}`,
      id: idOf(`${repo.fullName}#${p.number}`),
      node_id: `PR_${p.number}`,
      html_url: `https://github.local/${repo.fullName}/pull/${p.number}`,
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      user: userJson(p.user),
      body: '',
      created_at: '2026-11-20T01:00:00Z',
      updated_at: '2026-11-20T01:00:00Z',
      draft: false,
      merged: false,
      head: { label: `${repo.owner}:${p.headRef}`, ref: p.headRef, sha: headOf(p), user: owner, repo: repoJson },
      base: { label: `${repo.owner}:${p.baseRef}`, ref: p.baseRef, sha: p.baseSha, user: owner, repo: repoJson },
      author_association: 'MEMBER',
    };
  }

  function diffFiles(repo: FakeRepo, from: string, to: string) {
    const a = repo.commits.get(from)!.tree;
    const b = repo.commits.get(to)!.tree;
    const out: Record<string, unknown>[] = [];
    const entry = (filename: string, status: string, content: string | undefined) => ({
      sha: content === undefined ? '0000000000000000000000000000000000000000' : blobSha(content),
      filename,
      status,
      additions: status === 'removed' ? 0 : 1,
      deletions: status === 'added' ? 0 : 1,
      changes: status === 'modified' ? 2 : 1,
      blob_url: `https://github.local/${repo.fullName}/blob/${to}/${filename}`,
      raw_url: `https://github.local/${repo.fullName}/raw/${to}/${filename}`,
      contents_url: `${base}/repos/${repo.fullName}/contents/${filename}?ref=${to}`,
      patch: '@@ -1 +1 @@',
    });
    for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      if (!a.has(p)) out.push(entry(p, 'added', b.get(p)));
      else if (!b.has(p)) out.push(entry(p, 'removed', undefined));
      else if (a.get(p) !== b.get(p)) out.push(entry(p, 'modified', b.get(p)));
    }
    return out;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    repo(fullName) {
      let r = repos.get(fullName);
      if (!r) {
        const [o, n] = fullName.split('/') as [string, string];
        r = new FakeRepo(o, n);
        repos.set(fullName, r);
      }
      return r;
    },
    fail: (f) => faults.push(f),
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
