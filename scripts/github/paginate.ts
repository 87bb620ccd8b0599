import { BODY_BYTES_HEADER } from './client.ts';
import { PayloadError } from './payload.ts';

/**
 * Reads every page of a GitHub list by its `Link: <…>; rel="next"` header, without trusting it.
 * Octokit's own paginate follows any `next` URL (the token goes with it, to any host), follows a
 * loop forever, ends the list silently on a 409 or an empty body, and never stops on a list that
 * never ends. Here a `next` link must stay on the API's own origin and path, must not name a page
 * already read, and at most `maxPages` pages are read; every page must be a JSON list. Each
 * violation throws with the page and the reason; the caller's `call()` makes it a GitHubApiError,
 * so the gate fails closed.
 */

export const MAX_PAGES = 300;
/** Most bytes of all pages of one list together (each answer is capped by the client too). */
export const MAX_LIST_BYTES = 64 * 1024 * 1024;

interface PageResponse {
  data: unknown;
  headers: Record<string, string | number | undefined>;
  url: string;
}

interface PageRoute {
  (options?: Record<string, unknown>): Promise<PageResponse>;
  endpoint: (params: Record<string, unknown>) => { method: string; url: string; headers: Record<string, unknown> };
}

/**
 * `repositoryId`: the id of the repository the list belongs to (known from an answer already read, or learnt once),
 * against which a `next` link by id (`/repositories/{id}/…`) is held; without it such a link is refused.
 */
export async function readAllPages(
  route: PageRoute,
  params: Record<string, unknown>,
  apiBase: string,
  opts: { maxPages?: number; repositoryId?: () => Promise<{ id: number } | { unknown: string }> } = {},
): Promise<unknown[]> {
  const maxPages = opts.maxPages ?? MAX_PAGES;
  const first = route.endpoint(params);
  const perPage = typeof params.per_page === 'number' ? params.per_page : undefined;
  const { method, headers } = first;
  let url: string | undefined = first.url;
  const seen = new Set<string>();
  const items: unknown[] = [];
  let bytes = 0;
  for (let page = 1; url; page++) {
    if (page > maxPages) throw new PayloadError(`the list has more than ${maxPages} pages; a list that long cannot be read completely`);
    seen.add(canonical(url));
    const res = await route({ method, url, headers });
    // A 2xx answer that is not a list (an empty or cut body Octokit could not parse, an object) is no page.
    if (!Array.isArray(res.data)) throw new PayloadError(`page ${page} of the list is ${res.data === '' || res.data === undefined ? 'empty' : 'not a JSON list'}; the list cannot be read completely`);
    bytes += Number(res.headers[BODY_BYTES_HEADER] ?? 0) || 0;
    if (bytes > MAX_LIST_BYTES) throw new PayloadError(`the list is larger than ${MAX_LIST_BYTES} bytes after ${page} pages; no GitHub list the gate reads is that large, so it is not read`);
    if (perPage && res.data.length > perPage) throw new PayloadError(`page ${page} of the list has ${res.data.length} items, more than the ${perPage} asked for; the list cannot be trusted`);
    items.push(...res.data);
    const next = nextLink(res.headers.link);
    if (next === undefined) {
      // A full page that names no next page: GitHub's lists end on a full page only when the items end exactly
      // there. A Link header dropped on the way would end the list silently (the review list has no count to hold
      // it against), so the next page by number is read once: it must be empty.
      if (perPage && res.data.length === perPage) {
        const more = new URL(url);
        more.searchParams.set('page', String(pageNumber(url) + 1));
        const extra = await route({ method, url: more.toString(), headers });
        if (!Array.isArray(extra.data)) throw new PayloadError(`page ${page} of the list is full and names no next page, and the page after it is not a JSON list; the list cannot be read completely`);
        if (extra.data.length)
          throw new PayloadError(
            `page ${page} of the list is full (${perPage} items) and names no next page, but page ${pageNumber(url) + 1} has ${extra.data.length} item${extra.data.length > 1 ? 's' : ''}: the Link header was lost, and the list cannot be read completely`,
          );
      }
      break;
    }
    const where = checkNext(next, apiBase, page);
    const linkedId = repositoryIdOf(where, apiBase);
    let ownId: number | undefined;
    if (linkedId !== undefined) {
      const own = opts.repositoryId ? await opts.repositoryId() : { unknown: 'no answer read names it' };
      const repo = typeof params.owner === 'string' && typeof params.repo === 'string' ? `${params.owner}/${params.repo}` : 'this repository';
      if ('unknown' in own)
        throw new PayloadError(
          `the next page after page ${page} (${redactQuery(where)}) names repository ${linkedId} by id, and the id of ${repo} could not be read: ${own.unknown}; the link is not followed`,
        );
      if (own.id !== linkedId)
        throw new PayloadError(
          `the next page after page ${page} (${redactQuery(where)}) names repository ${linkedId}, but ${repo} is repository ${own.id}: another repository's items would be read as this list's, and the list cannot be read completely`,
        );
      ownId = own.id;
    }
    if (!sameList(first.url, where, apiBase, ownId))
      throw new PayloadError(
        `the next page after page ${page} (${redactQuery(where)}) is not the next page of this list (${redactQuery(first.url)}): another list's items would be read as this one's, and the list cannot be read completely`,
      );
    if (seen.has(canonical(where))) throw new PayloadError(`the next page after page ${page} loops back to a page already read (${redactQuery(where)}); the list cannot be read completely`);
    // GitHub numbers the pages of these lists: the next one is this one plus one, of the same size. A link that
    // skips a page, or changes per_page (which moves every page boundary), would lose items unseen. (A link by
    // cursor, without `page`, and one that leaves per_page to the server, are not judged here.)
    const want = pageNumber(url) + 1;
    const nextUrl = new URL(where);
    if (nextUrl.searchParams.has('page')) {
      const size = nextUrl.searchParams.get('per_page');
      if (pageNumber(where) !== want || (perPage && size !== null && Number(size) !== perPage))
        throw new PayloadError(
          `the next page after page ${page} is not page ${want} of ${perPage ?? 'the same'} items (${redactQuery(where)}); a page would be skipped or its boundaries moved, and the list cannot be read completely`,
        );
    }
    url = where;
  }
  return items;
}

/**
 * Whether `next` names a page of the list `first` is: the same route under the API, with the same query but for the
 * page (and per_page, judged on its own). GitHub writes its links with the repository by name, in any case, or by id
 * (`/repositories/{id}/…`, accepted only for `repositoryId`, the list's own repository's id): the route after the
 * repository must be the same. Pure.
 */
export function sameList(first: string, next: string, apiBase: string, repositoryId?: number): boolean {
  const prefix = new URL(apiBase).pathname.replace(/\/+$/, '');
  const route = (u: URL) => {
    const p = u.pathname.startsWith(prefix + '/') ? u.pathname.slice(prefix.length) : u.pathname;
    const byName = /^\/repos\/([^/]+\/[^/]+)(\/.*)$/.exec(p);
    if (byName) return { repo: `name:${byName[1]!.toLowerCase()}`, rest: byName[2]! };
    const byId = /^\/repositories\/([1-9]\d*)(\/.*)$/.exec(p);
    return byId ? { repo: `id:${byId[1]}`, rest: byId[2]! } : { repo: '', rest: p };
  };
  const query = (u: URL) => {
    const q = new URLSearchParams(u.search);
    q.delete('page');
    q.delete('per_page');
    q.sort();
    return q.toString();
  };
  const a = new URL(first);
  const b = new URL(next);
  const ra = route(a);
  const rb = route(b);
  if (ra.rest !== rb.rest || query(a) !== query(b)) return false;
  return ra.repo === rb.repo || (ra.repo.startsWith('name:') && repositoryId !== undefined && rb.repo === `id:${repositoryId}`);
}

/** The `{id}` of a `/repositories/{id}/…` URL under the API, or undefined. Pure. */
export function repositoryIdOf(url: string, apiBase: string): number | undefined {
  const prefix = new URL(apiBase).pathname.replace(/\/+$/, '');
  const p = new URL(url).pathname;
  const m = /^\/repositories\/([^/]+)(?:\/|$)/.exec(p.startsWith(prefix + '/') ? p.slice(prefix.length) : p);
  const n = Number(m?.[1]);
  return m && /^[1-9]\d*$/.test(m[1]!) && Number.isSafeInteger(n) ? n : undefined;
}

/** The `page` query parameter of a list URL (1 when absent). */
function pageNumber(url: string): number {
  const n = Number(new URL(url).searchParams.get('page') ?? 1);
  return Number.isSafeInteger(n) && n > 0 ? n : 1;
}

/** The `rel="next"` target of a Link header, or undefined. */
function nextLink(link: string | number | undefined): string | undefined {
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^<>]*)>(.*)$/.exec(part);
    const rel = m && /;\s*rel\s*=\s*"?([^";]*)"?/i.exec(m[2]!);
    if (rel && rel[1]!.toLowerCase().split(/\s+/).includes('next')) return m[1]!;
  }
  return undefined;
}

/** The next page must be on the API's own origin, under its path (`/api/v3` on GitHub Enterprise): the token goes with it. */
function checkNext(next: string, apiBase: string, page: number): string {
  const base = new URL(apiBase);
  let u: URL;
  try {
    u = new URL(next, base);
  } catch {
    throw new PayloadError(`the next page after page ${page} is not a URL (${JSON.stringify(next.slice(0, 80))})`);
  }
  const prefix = base.pathname.replace(/\/+$/, '') + '/';
  if (u.origin !== base.origin || !u.pathname.startsWith(prefix) || u.username || u.password)
    throw new PayloadError(
      `the next page after page ${page} is on another server (${u.protocol}//${u.host}), not ${base.origin}; the token is never sent there, and the list cannot be read completely`,
    );
  return u.toString();
}

/** A URL with its query parameters sorted, so `?a=1&b=2` and `?b=2&a=1` are one page (and no `page` is page 1). */
function canonical(url: string): string {
  const u = new URL(url, 'http://relative.invalid');
  // The first page is asked for without `page`: it is page 1.
  if (!u.searchParams.has('page')) u.searchParams.set('page', '1');
  u.searchParams.sort();
  u.hash = '';
  return u.toString();
}

function redactQuery(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}
