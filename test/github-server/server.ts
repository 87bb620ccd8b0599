import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeRepo, type FakeUser } from './fake-repo.ts';
import { gitRoutes } from './routes-git.ts';
import { issueRoutes } from './routes-issues.ts';
import { pullRoutes } from './routes-pulls.ts';

export { FakeRepo, blobSha, type FakeReview, type FakeUser, type FakeEntry, type Permission } from './fake-repo.ts';

/**
 * A local HTTP server that answers the GitHub REST endpoints opsgate uses,
 * with GitHub's documented payload shapes, Link-header pagination, GitHub's
 * caps (250 PR commits, 3000 PR files, 300 compare files, truncated trees,
 * 65536-character comments) and injectable faults (5xx, secondary and
 * primary rate limits). Tests drive the real Octokit client against it.
 *
 * Endpoints live in route files (routes-*.ts) registered through `route()`,
 * so other areas add theirs (e.g. repository settings) without touching this one.
 */

export interface Fault {
  method?: string;
  path: RegExp;
  /**
   * `hang`: never answers (the connection stays open until the server stops); `raw`: answers `status` with
   * `body` as it is (truncated JSON, HTML from a proxy) and `headers` (e.g. a `retry-after`); `endless`: answers
   * `status` with `headers`, then `body` and `chunk` after it, again and again, until the client hangs up.
   */
  kind: 'status' | 'secondary-rate-limit' | 'rate-limit' | 'hang' | 'raw' | 'endless';
  status?: number;
  /** Bytes as they go on the wire (e.g. gzip with a `content-encoding` header). */
  body?: string | Uint8Array;
  /** `endless`: what is written after `body`, forever (default 64 KiB of spaces, which JSON allows anywhere). */
  chunk?: string;
  headers?: Record<string, string>;
  /** How many matching requests fail; Infinity for all. */
  times: number;
}

/**
 * Rewrites a JSON answer before it is sent (for a paginated list: one page's items), to serve the
 * shapes GitHub documents as possible but the fake state never produces (null users, unknown states,
 * repeated or dropped items) and shapes no GitHub sends at all.
 */
export interface Rewrite {
  method?: string;
  path: RegExp;
  edit(data: unknown, url: URL): unknown;
  /** Rewrites the answer's headers too (e.g. a `link` that loops or leaves the server). */
  headers?(headers: Record<string, string>, url: URL): Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  authorization?: string;
  /** The request's Cache-Control header, when it sent one. */
  cacheControl?: string;
  /** The request was conditional (If-None-Match or If-Modified-Since). */
  conditional?: true;
}

/** What a route handler gets: the request, its repository, the match of its pattern and the helpers to answer. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  /** The path after /repos/{owner}/{repo}, decoded. */
  rest: string;
  match: RegExpExecArray;
  repo: FakeRepo;
  body: string;
  /** http://127.0.0.1:PORT */
  base: string;
  /** The identity the token acts as (the author of comments and statuses it writes). */
  actor: FakeUser;
  send(status: number, data: unknown, headers?: Record<string, string>): void;
  paginate<T>(items: T[], extra?: Record<string, string>): void;
  notFound(): void;
}

export interface Route {
  method: string;
  /** Matched against the path after /repos/{owner}/{repo}. */
  pattern: RegExp;
  handle(ctx: RouteContext): void;
}

export interface GitHubServer {
  url: string;
  repo(fullName: string): FakeRepo;
  fail(f: Fault): void;
  /** Rewrites matching JSON answers (every one, until the server stops). */
  rewrite(r: Rewrite): void;
  /** Registers more endpoints; later registrations are tried first. */
  route(...routes: Route[]): void;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

export const userJson = (u: FakeUser, id = u.id ?? idOf(u.login)) => ({
  login: u.login,
  id,
  node_id: `U_${id}`,
  avatar_url: `https://avatars.example/u/${id}`,
  url: `https://api.github.local/users/${u.login}`,
  html_url: `https://github.local/${u.login}`,
  type: u.type ?? 'User',
  site_admin: false,
});

export function idOf(s: string): number {
  return parseInt(createHash('sha1').update(s).digest('hex').slice(0, 7), 16);
}

export async function startGitHubServer(opts: { token?: string; actor?: FakeUser } = {}): Promise<GitHubServer> {
  const repos = new Map<string, FakeRepo>();
  const faults: Fault[] = [];
  const rewrites: Rewrite[] = [];
  const requests: RecordedRequest[] = [];
  const routes: Route[] = [...pullRoutes, ...gitRoutes, ...issueRoutes];
  const actor = opts.actor ?? { login: 'github-actions[bot]', type: 'Bot' };
  let base = '';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      try {
        handle(req, res, body);
      } catch (e) {
        send(req, res, 500, { message: `test server error: ${(e as Error).message}` });
      }
    });
  });

  function send(req: IncomingMessage, res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}) {
    const auth = req.headers.authorization;
    if (typeof data !== 'string' && status < 300) {
      const url = new URL(req.url ?? '/', 'http://local');
      for (const r of rewrites)
        if ((!r.method || r.method === (req.method ?? 'GET')) && r.path.test(url.pathname)) {
          data = r.edit(data, url);
          if (r.headers) headers = r.headers({ ...headers }, url);
        }
    }
    requests.push({ ...recorded(req, status), ...(auth ? { authorization: auth } : {}) });
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
    send(req, res, 200, items.slice((page - 1) * perPage, page * perPage), { ...(links.length ? { link: links.join(', ') } : {}), ...extra });
  }

  const recorded = (req: IncomingMessage, status: number): RecordedRequest => {
    const cc = req.headers['cache-control'];
    return {
      method: req.method ?? 'GET',
      path: req.url ?? '',
      status,
      ...(cc ? { cacheControl: cc } : {}),
      ...(req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined ? { conditional: true as const } : {}),
    };
  };

  const notFound = (req: IncomingMessage, res: ServerResponse) => send(req, res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });

  function handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    const fault = faults.find((f) => f.times > 0 && (!f.method || f.method === method) && f.path.test(url.pathname));
    if (fault) {
      fault.times--;
      if (fault.kind === 'status') return send(req, res, fault.status ?? 502, { message: 'Server Error' });
      if (fault.kind === 'hang') return requests.push(recorded(req, 0));
      if (fault.kind === 'raw') {
        requests.push(recorded(req, fault.status ?? 200));
        res.writeHead(fault.status ?? 200, { 'content-type': 'application/json; charset=utf-8', ...fault.headers });
        return res.end(fault.body ?? '');
      }
      if (fault.kind === 'endless') {
        requests.push(recorded(req, fault.status ?? 200));
        res.writeHead(fault.status ?? 200, { 'content-type': 'application/json; charset=utf-8', ...fault.headers });
        const chunk = fault.chunk ?? ' '.repeat(64 * 1024);
        const pour = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pour);
        };
        res.write(fault.body ?? '');
        return pour();
      }
      if (fault.kind === 'secondary-rate-limit') {
        return send(
          req,
          res,
          403,
          {
            message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
            documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
            status: '403',
          },
          { 'retry-after': '1' },
        );
      }
      return send(
        req,
        res,
        403,
        { message: 'API rate limit exceeded for installation ID 1.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) },
      );
    }
    if (opts.token) {
      const auth = req.headers.authorization ?? '';
      if (auth !== `token ${opts.token}` && auth !== `Bearer ${opts.token}`)
        return send(req, res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const repo = m ? repos.get(`${m[1]}/${m[2]}`) : undefined;
    if (!m || !repo) return notFound(req, res);
    const rest = decodeURIComponent(m[3] ?? '');
    for (const r of routes) {
      if (r.method !== method) continue;
      const match = r.pattern.exec(rest);
      if (!match) continue;
      return r.handle({
        req,
        res,
        url,
        method,
        rest,
        match,
        repo,
        body,
        base,
        actor,
        send: (status, data, headers) => send(req, res, status, data, headers),
        paginate: (items, extra) => paginate(req, res, url, items, extra),
        notFound: () => notFound(req, res),
      });
    }
    return notFound(req, res);
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
    rewrite: (r) => rewrites.push(r),
    route: (...more) => routes.unshift(...more),
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
