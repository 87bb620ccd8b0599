import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';

export const GateOctokit = Octokit.plugin(retry, throttling);

/**
 * The largest answer the gate reads: 8 MiB. A page of 100 list items from GitHub is far smaller (a file list page
 * with patches is the largest, and GitHub drops patches it deems too large), and no document the gate reads may
 * exceed 1 MiB (YAML_LIMITS). A bigger answer is a hostile or broken server: it fails closed rather than be buffered.
 */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** Header the client adds to every answer: the bytes of its body, as read (for the per-list budget in paginate.ts). */
export const BODY_BYTES_HEADER = 'x-opsgate-body-bytes';
/** Marks an answer refused for its size, so that wrapError does not call it GitHub failing. */
export const TOO_LARGE = 'the answer is larger than';
export type GateOctokit = InstanceType<typeof GateOctokit>;

export interface GitHubClientOptions {
  /** Never logged, never put in an error message. */
  token?: string;
  /** `GITHUB_API_URL`; https://api.github.com when unset, `https://HOST/api/v3` on GitHub Enterprise Server. */
  baseUrl?: string;
  /** How often a 5xx, a secondary rate limit or a primary rate limit is retried before the call fails. */
  retries?: number;
  /** Multiplier (ms) for retry waits; GitHub's `retry-after` is in seconds, so 1000 in production. Tests lower it. */
  retryUnitMs?: number;
  /** Longest `retry-after` (seconds) we are willing to sleep on; longer waits fail closed at once. */
  maxRetryAfterSeconds?: number;
  /**
   * Spacing between writes. GitHub asks integrators to leave about a second
   * between mutating requests; plugin-throttling enforces that unless a test
   * turns it off (0).
   */
  writeSpacingMs?: number;
  /** Warnings (rate limits, retries) go here; messages never carry the request or the token. */
  warn?: (message: string) => void;
  /**
   * Longest wait (ms) for one answer, headers and body; a server that never answers is a failed request
   * (retried like a 5xx), never a hang. Default 30 s.
   */
  timeoutMs?: number;
  /**
   * Most bytes read of one answer (headers excluded); a longer one, or one whose Content-Length says so, is a
   * failed request. Default MAX_RESPONSE_BYTES.
   */
  maxResponseBytes?: number;
  /** Called once per HTTP request sent, for request budgets in benchmarks and tests. */
  onRequest?: (method: string, url: string) => void;
}

/**
 * An answer refused here (too large, a redirect off the API). Its name makes Octokit pass it on as it is rather than
 * as a retryable 5xx (`@octokit/request` rethrows an `AbortError` unwrapped, and plugin-retry retries only its
 * RequestErrors): the same server would send the same answer again, so it fails closed at once.
 */
export class RefusedAnswerError extends Error {
  override readonly name = 'AbortError';
}
/** An answer refused for its size. */
export class AnswerTooLargeError extends RefusedAnswerError {}

/** Redirects followed within the API (GitHub moves a renamed repository's routes) before the answer is refused. */
export const MAX_REDIRECTS = 3;

/** Builds a client with retry and throttling. No module-level singleton: every caller gets its own. */
export function createGitHubClient(opts: GitHubClientOptions = {}): GateOctokit {
  const retries = opts.retries ?? 3;
  const maxWait = opts.maxRetryAfterSeconds ?? 120;
  const unit = opts.retryUnitMs ?? 1000;
  const warn = opts.warn ?? (() => {});
  const limitHandler = (kind: string) => (retryAfter: number, options: { method?: string; url?: string }, _o: unknown, retryCount: number) => {
    const what = `${options.method ?? 'GET'} ${options.url ?? ''}`;
    if (retryCount < retries && retryAfter <= maxWait) {
      warn(`${kind} on ${what}; retrying in ${retryAfter}s (attempt ${retryCount + 1} of ${retries})`);
      return true;
    }
    warn(`${kind} on ${what}; giving up after ${retryCount} retries`);
    return false;
  };
  const throttle: Record<string, unknown> = {
    onRateLimit: limitHandler('rate limit'),
    onSecondaryRateLimit: limitHandler('secondary rate limit'),
    retryAfterBaseValue: unit,
    fallbackSecondaryRateRetryAfter: 60,
  };
  if (opts.writeSpacingMs === 0) {
    throttle.write = immediateGroup;
    throttle.notifications = immediateGroup;
  }
  const octokit = new GateOctokit({
    ...(opts.token ? { auth: opts.token } : {}),
    baseUrl: (opts.baseUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: 'opsgate-gate',
    retry: { retries, retryAfterBaseValue: unit },
    throttle: throttle as never,
    request: { fetch: boundedFetch(opts.timeoutMs ?? 30_000, opts.maxResponseBytes ?? MAX_RESPONSE_BYTES, apiBaseOf(opts.baseUrl)) },
    log: { debug: () => {}, info: () => {}, warn: (m: string) => warn(String(m)), error: () => {} },
  });
  // The token goes with every request: never to another server than the API's own (a `next` link, a `url` field).
  const apiBase = apiBaseOf(opts.baseUrl);
  octokit.hook.before('request', (o) => {
    // As Octokit builds it: a relative route is appended to the base URL (`https://HOST/api/v3` + `/repos/...`).
    const url = String(o.url).replace(/[{}]/g, '');
    const u = new URL(/^[a-z][a-z0-9+.-]*:/i.test(url) ? url : `${apiBase.href.replace(/\/+$/, '')}${url.startsWith('/') ? '' : '/'}${url}`);
    if (!underApi(u, apiBase)) throw new Error(`refusing to send a request to ${u.protocol}//${u.host}${u.pathname.slice(0, 40)}: it is not under the API ${apiBase.origin}${apiBase.pathname}`);
  });
  if (opts.onRequest) {
    const count = opts.onRequest;
    octokit.hook.before('request', (o) => count(o.method, o.url));
  }
  return octokit;
}

/** A stand-in for a Bottleneck group that runs writes at once (tests only). */
const immediateGroup = {
  key: () => ({ schedule: (_opts: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) => Promise.resolve(fn(...args)) }),
};

/**
 * `fetch` that gives up after `ms` (headers and body: the signal also cuts a body that never ends) and reads at most
 * `max` bytes of a body. A redirect is followed only to a URL under the API (`api`), at most MAX_REDIRECTS times:
 * fetch would follow one to any host and hand that server's answer over as GitHub's. The body is read here, whole, and handed to Octokit as a new answer: Octokit itself reads
 * bodies without a limit, and turns a body it cannot read into an empty one.
 */
function boundedFetch(ms: number, max: number, api: URL): typeof fetch {
  return async (input, init = {}) => {
    const timeout = AbortSignal.timeout(ms);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const timedOut = (err: unknown) => (timeout.aborted ? new Error(`timed out: no answer within ${ms} ms`, { cause: err }) : err);
    const what = `${init.method ?? 'GET'} ${requestPath(input)}`;
    let url = input instanceof Request ? input.url : String(input);
    // No HTTP cache anywhere: `no-store` also asks every cache on the way (Cache-Control/Pragma: no-cache) not to
    // answer for GitHub. The gate keeps no earlier answer, so nothing may stand in for a fresh one.
    let hop: RequestInit = { ...init, signal, redirect: 'manual', ...({ cache: 'no-store' } as RequestInit) };
    let res: Response;
    for (let hops = 0; ; hops++) {
      try {
        res = await fetch(url, hop);
      } catch (err) {
        // Headers beyond what Node reads (16 KiB: a Link header of thousands of entries) come again on a retry.
        if ((err as { cause?: { code?: unknown } })?.cause?.code === 'UND_ERR_HEADERS_OVERFLOW')
          throw new RefusedAnswerError(`the answer's headers are larger than any GitHub sends (more than Node reads), so it is not read and not retried (${what})`);
        throw timedOut(err);
      }
      const location = res.headers.get('location');
      if (![301, 302, 303, 307, 308].includes(res.status) || location === null) break;
      await res.body?.cancel().catch(() => {});
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new RefusedAnswerError(`the answer is a redirect (HTTP ${res.status}) to ${JSON.stringify(location.slice(0, 80))}, which is not a URL; not followed (${what})`);
      }
      if (!underApi(next, api))
        throw new RefusedAnswerError(
          `the answer is a redirect (HTTP ${res.status}) to ${next.protocol}//${next.host}${next.pathname.slice(0, 60)}, which is not under the API ${api.origin}${api.pathname}: not followed, nothing is sent there and no answer from there is taken for GitHub's (${what}). Check GITHUB_API_URL and any proxy before the API`,
        );
      if (hops >= MAX_REDIRECTS)
        throw new RefusedAnswerError(`the answer redirects more than ${MAX_REDIRECTS} times within the API (the last to ${next.pathname.slice(0, 80)}); not followed further (${what})`);
      // As fetch would: 303, and 301/302 after a POST, continue as a GET without a body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && (hop.method ?? 'GET').toUpperCase() === 'POST')) hop = { ...hop, method: 'GET', body: null };
      url = next.toString();
    }
    if (res.status === 304) {
      await res.body?.cancel().catch(() => {});
      const conditional = ['if-none-match', 'if-modified-since'].some((h) => new Headers(init.headers).has(h));
      throw new RefusedAnswerError(
        `the answer is 304 Not Modified, but the request was ${conditional ? 'conditional only by accident' : 'not conditional'}: the gate sends no If-None-Match or If-Modified-Since and keeps no earlier answer for it to refer to, so a cache or proxy before the API answered for GitHub. Not read and not retried (${what})`,
      );
    }
    const refuse = (detail: string) =>
      new AnswerTooLargeError(
        `${TOO_LARGE} ${max} bytes ${detail}; no GitHub answer is that large, so it is not read and not retried (${what}). Check that GITHUB_API_URL is GitHub's API and that no proxy before it pads or loops its answers`,
      );
    const announced = Number(res.headers.get('content-length') ?? NaN);
    if (announced > max) {
      await res.body?.cancel().catch(() => {});
      throw refuse(`: it announces ${announced} bytes (Content-Length)`);
    }
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    if (res.body) {
      const reader = res.body.getReader();
      try {
        for (;;) {
          // fetch has undone any Content-Encoding (gzip, deflate, br): the cap is on the inflated bytes.
          const { done, value } = await reader.read();
          if (done) break;
          bytes += value.byteLength;
          if (bytes > max) {
            await reader.cancel().catch(() => {});
            throw refuse(`(${bytes} bytes inflated when it was cut)`);
          }
          chunks.push(value);
        }
      } catch (err) {
        if (err instanceof RefusedAnswerError) throw err;
        throw timedOut(err);
      }
    }
    const headers = new Headers(res.headers);
    headers.set(BODY_BYTES_HEADER, String(bytes));
    // The body is already decoded, and its length is `bytes`.
    headers.delete('content-encoding');
    headers.delete('content-length');
    // A status that may carry no body (204, 304 ...) gets none.
    const nullBody = [101, 103, 204, 205, 304].includes(res.status);
    const out = new Response(nullBody ? null : Buffer.concat(chunks), { status: res.status, statusText: res.statusText, headers });
    Object.defineProperty(out, 'url', { value: res.url });
    return out;
  };
}

/** The path and query of a request, for messages (the token travels in a header, never in the URL). */
function requestPath(input: Parameters<typeof fetch>[0]): string {
  try {
    const u = new URL(input instanceof Request ? input.url : String(input));
    return `${u.pathname}${u.search}`.slice(0, 200);
  } catch {
    return '(unknown URL)';
  }
}

/** The API's base URL, with a trailing slash. */
function apiBaseOf(baseUrl: string | undefined): URL {
  return new URL((baseUrl ?? 'https://api.github.com').replace(/\/+$/, '') + '/');
}

/** A URL on the API's own origin, under its path (`/api/v3/` on GitHub Enterprise), without credentials in it. */
function underApi(u: URL, api: URL): boolean {
  return u.origin === api.origin && u.pathname.startsWith(api.pathname) && !u.username && !u.password;
}
