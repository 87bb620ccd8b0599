import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { createGitHubClient } from '../../scripts/github/client.ts';
import { startGitHubServer, type GitHubServer } from '../github-server/server.ts';
import { changePath, changeYaml, openPr, REPO, runGateCli, startHarness, TOKEN, user, type Harness } from '../gate/helpers.ts';

/**
 * The gate against a GitHub that misbehaves on the wire, through the real Octokit client: Link headers
 * that leave the server, loop or never end, a 409 in the middle of a list (Octokit's paginate ends the
 * list there), a server that never answers, and bodies that are not JSON. Each ends as a decision
 * that fails closed and says why (exit 1), never a leaked token, a hang, a shorter list or exit 3.
 */
let h: Harness;
let other: GitHubServer | undefined;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
  await other?.stop();
  other = undefined;
});

const json = (run: { stdout: string }) => JSON.parse(run.stdout) as GateResult;

/** PR n by li-na with a change chen-jie approves and liu-yang blocks (a request for changes, second in the list). */
function blocked(n: number) {
  openPr(h, n, 'li-na', { [changePath()]: changeYaml() });
  h.repo.review(n, user('chen-jie'), 'APPROVED');
  h.repo.review(n, user('liu-yang'), 'CHANGES_REQUESTED');
}

/** A review of PR n as GitHub lists it. */
const reviewJson = (n: number, i: number) => {
  const r = h.repo.pull(n).reviews[i]!;
  return { id: r.id, user: { login: r.user!.login, id: 1000 + i, type: 'User' }, state: r.state, commit_id: r.commit_id, submitted_at: r.submitted_at };
};

/** Serves the reviews of PR n one per page, with `next` made by `link(page)`. */
function onePerPage(n: number, link: (page: number) => string | undefined) {
  h.gh.rewrite({
    path: new RegExp(`/pulls/${n}/reviews$`),
    edit: (_d, url) => {
      const i = Number(url.searchParams.get('page') ?? 1) - 1;
      return i < h.repo.pull(n).reviews.length ? [reviewJson(n, i)] : [];
    },
    headers: (hd, url) => {
      const next = link(Number(url.searchParams.get('page') ?? 1));
      const { link: _l, ...rest } = hd;
      return next ? { ...rest, link: `<${next}>; rel="next"` } : rest;
    },
  });
}

describe('pagination', () => {
  it('serves one review per page as a baseline: the request for changes on page 2 blocks', async () => {
    blocked(1);
    onePerPage(1, (p) => (p < 2 ? `${h.gh.url}/repos/${REPO}/pulls/1/reviews?page=${p + 1}&per_page=100` : undefined));
    const run = await runGateCli(h, ['--pr', '1', '--format', 'json']);
    expect(json(run).veto.blockers.map((b) => b.person)).toEqual(['liu-yang']);
  });

  it('never follows a `next` link to another host (the token would go with it): fails closed, naming the host', async () => {
    other = await startGitHubServer();
    blocked(2);
    onePerPage(2, (p) => (p < 2 ? `${other!.url}/repos/${REPO}/pulls/2/reviews?page=2&per_page=100` : undefined));
    const run = await runGateCli(h, ['--pr', '2', '--format', 'json']);
    expect(other.requests).toEqual([]);
    expect(run.code).toBe(1);
    expect(json(run).status).toBe('failed');
    expect(json(run).problems[0]!.message).toMatch(/next page .*another server/);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('a `next` link that loops back ends the read: fails closed, never a hang', async () => {
    blocked(3);
    onePerPage(3, () => `${h.gh.url}/repos/${REPO}/pulls/3/reviews?page=1&per_page=100`);
    const run = await runGateCli(h, ['--pr', '3', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).problems[0]!.message).toMatch(/loops back to a page already read/);
  }, 60_000);

  it('a list whose pages never end is cut at the page limit: fails closed', async () => {
    blocked(4);
    onePerPage(4, (p) => `${h.gh.url}/repos/${REPO}/pulls/4/reviews?page=${p + 1}&per_page=100`);
    const run = await runGateCli(h, ['--pr', '4', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).problems[0]!.message).toMatch(/more than \d+ pages/);
  }, 60_000);

  it('a 409 on page 2 is an error, not the end of the list (the request for changes there still counts)', async () => {
    blocked(5);
    h.gh.route({
      method: 'GET',
      pattern: /^\/pulls\/5\/reviews$/,
      handle: (c) => {
        if (c.url.searchParams.get('page') === '2') return c.send(409, { message: 'Conflict', status: '409' });
        c.send(200, [reviewJson(5, 0)], {
          link: `<${h.gh.url}/repos/${REPO}/pulls/5/reviews?page=2&per_page=100>; rel="next"`,
        });
      },
    });
    const run = await runGateCli(h, ['--pr', '5', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).status).toBe('failed');
    expect(json(run).problems[0]!.message).toContain('409');
  });
});

describe('the wire', () => {
  it('a server that never answers times out and fails closed (exit 1), never hangs', async () => {
    blocked(10);
    h.gh.fail({ path: /\/pulls\/10\/files$/, kind: 'hang', times: Infinity });
    const run = await runGateCli(h, ['--pr', '10', '--format', 'json'], { OPSGATE_GITHUB_TIMEOUT_MS: '300' });
    expect(run.code).toBe(1);
    expect(json(run).problems[0]!.message).toMatch(/list files of #10.*(timed out|timeout)/i);
  }, 60_000);

  it.each([
    ['truncated JSON', 200, '[{"id": 1, "user": {"login": "chen'],
    ['an HTML error page from a proxy', 502, '<html><body>Bad Gateway</body></html>'],
    ['an empty body', 200, ''],
  ])('%s fails closed (exit 1), never exit 3', async (_what, status, body) => {
    blocked(11);
    h.gh.fail({ path: /\/pulls\/11\/reviews$/, kind: 'raw', status, body, times: Infinity });
    const run = await runGateCli(h, ['--pr', '11', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).status).toBe('failed');
    expect(run.stderr).not.toMatch(/internal error/);
  });

  it('a 429 asking to wait a day is not waited for: fails closed at once', async () => {
    blocked(12);
    h.gh.fail({ path: /\/pulls\/12\/reviews$/, kind: 'raw', status: 429, body: '{"message":"Too Many Requests"}', headers: { 'retry-after': '86400' }, times: Infinity });
    const run = await runGateCli(h, ['--pr', '12', '--format', 'json'], { OPSGATE_GITHUB_RETRY_UNIT_MS: '5' });
    expect(run.code).toBe(1);
    expect(json(run).status).toBe('failed');
  }, 60_000);
});

describe('the client', () => {
  it('never sends a request (and its token) to another server than the API, whatever URL it is handed', async () => {
    other = await startGitHubServer();
    const octokit = createGitHubClient({ token: TOKEN, baseUrl: h.gh.url, retryUnitMs: 5 });
    await expect(octokit.request({ method: 'GET', url: `${other.url}/repos/${REPO}/pulls/1/reviews` })).rejects.toThrow(/not under the API/);
    await expect(octokit.request({ method: 'GET', url: `${h.gh.url.replace('127.0.0.1', 'localhost')}/repos/${REPO}/pulls` })).rejects.toThrow(/not under the API/);
    expect(other.requests).toEqual([]);
    const ok = await octokit.request({ method: 'GET', url: `${h.gh.url}/repos/${REPO}/pulls` });
    expect(ok.status).toBe(200);
    expect((await octokit.rest.pulls.list({ owner: 'yunfan', repo: 'ops' })).status).toBe(200);
  });

  it('on GitHub Enterprise (an API under /api/v3) sends its routes there, and nothing outside it', async () => {
    const octokit = createGitHubClient({ token: TOKEN, baseUrl: `${h.gh.url}/api/v3`, retryUnitMs: 5 });
    // The local server has no /api/v3: a 404 from it shows the request was sent.
    await expect(octokit.rest.pulls.list({ owner: 'yunfan', repo: 'ops' })).rejects.toMatchObject({ status: 404 });
    expect(h.gh.requests.map((r) => r.path)).toEqual(['/api/v3/repos/yunfan/ops/pulls']);
    await expect(octokit.request({ method: 'GET', url: `${h.gh.url}/repos/${REPO}/pulls` })).rejects.toThrow(/not under the API/);
  });
});
