import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { MAX_RESPONSE_BYTES } from '../../scripts/github/client.ts';
import { MAX_LIST_BYTES } from '../../scripts/github/paginate.ts';
import { changePath, changeYaml, openPr, REPO, runGateCli, TOKEN, user, useHarness } from '../gate/helpers.ts';

/**
 * A server that answers with more than any GitHub answer holds, through the real Octokit client: a list page
 * that is valid JSON but tens of MiB, a body that never ends (chunked, no length), a blob that never ends,
 * a Content-Length that announces gigabytes. The gate reads at most MAX_RESPONSE_BYTES of one answer and
 * fails closed saying so (exit 1), never buffers the lot, never waits for the 30 s timeout.
 */
const h = useHarness();

const json = (run: { stdout: string }) => JSON.parse(run.stdout) as GateResult;

/** PR n by li-na with a change that chen-jie approves. */
function approved(n: number) {
  openPr(h, n, 'li-na', { [changePath()]: changeYaml() });
  h.repo.review(n, user('chen-jie'), 'APPROVED');
}

describe('one answer larger than any GitHub sends', () => {
  it('baseline: the same pull request is satisfied', async () => {
    approved(1);
    const run = await runGateCli(h, ['--pr', '1', '--format', 'json']);
    expect(json(run).status).toBe('satisfied');
  });

  it('a review page that is valid JSON but larger than the cap fails closed, naming the cap', async () => {
    approved(2);
    const r = h.repo.pull(2).reviews[0]!;
    // The real approval, with a review body that makes the page bigger than the cap.
    const page = JSON.stringify([
      { id: r.id, user: { login: user('chen-jie').login, id: 7, type: 'User' }, body: 'x'.repeat(MAX_RESPONSE_BYTES + 1024), state: 'APPROVED', commit_id: r.commit_id, submitted_at: r.submitted_at },
    ]);
    h.gh.fail({ path: /\/pulls\/2\/reviews$/, kind: 'raw', status: 200, body: page, times: Infinity });
    const run = await runGateCli(h, ['--pr', '2', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).status).toBe('failed');
    expect(json(run).problems[0]!.message).toMatch(/list reviews of #2.*larger than \d+ bytes/);
    expect(json(run).problems[0]!.message).not.toMatch(/GitHub is failing/);
    // Refused at once: the same answer would come again, so it is not retried like a 5xx.
    expect(h.gh.requests.filter((q) => q.path.startsWith(`/repos/${REPO}/pulls/2/reviews`)).length).toBe(1);
    expect(json(run).problems[0]!.message).toMatch(/list reviews of #2 failed: the answer is larger than 8388608 bytes .*not retried \(GET \/repos\/yunfan\/ops\/pulls\/2\/reviews\?per_page=100\)/);
  }, 60_000);

  it('a list answer that never ends (chunked, no length) is cut at the cap, long before the timeout', async () => {
    approved(3);
    h.gh.fail({ path: /\/pulls\/3\/files$/, kind: 'endless', body: '[', times: Infinity });
    const run = await runGateCli(h, ['--pr', '3', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).problems[0]!.message).toMatch(/list files of #3.*larger than \d+ bytes/);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  }, 60_000);

  it('a blob that never ends is cut at the cap (the raw body is bounded too)', async () => {
    approved(4);
    h.gh.fail({ path: /\/git\/blobs\//, kind: 'endless', chunk: 'a'.repeat(65536), headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' }, times: Infinity });
    const run = await runGateCli(h, ['--pr', '4', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).status).toBe('failed');
    expect(
      json(run)
        .problems.map((p) => p.message)
        .join('\n'),
    ).toMatch(/read blob [0-9a-f]{12}.*larger than \d+ bytes/);
  }, 60_000);

  it('a Content-Length above the cap is refused before the body is read', async () => {
    approved(5);
    h.gh.fail({ path: /\/pulls\/5$/, kind: 'endless', body: '{', headers: { 'content-length': String(8 * 1024 ** 3) }, times: Infinity });
    const run = await runGateCli(h, ['--pr', '5', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).problems[0]!.message).toMatch(/get pull request #5.*announces 8589934592 bytes/);
    expect(h.gh.requests.filter((q) => q.path === `/repos/${REPO}/pulls/5`).length).toBe(1);
  }, 60_000);

  it('a gzip bomb (a small compressed body that inflates past the cap) is cut on its inflated bytes', async () => {
    approved(7);
    const r = h.repo.pull(7).reviews[0]!;
    const inflated = JSON.stringify([
      { id: r.id, user: { login: user('chen-jie').login, id: 7, type: 'User' }, body: ' '.repeat(4 * MAX_RESPONSE_BYTES), state: 'APPROVED', commit_id: r.commit_id, submitted_at: r.submitted_at },
    ]);
    for (const [encoding, body] of [
      ['gzip', gzipSync(inflated, { level: 9 })],
      ['deflate', deflateSync(inflated, { level: 9 })],
    ] as const) {
      expect(body.length).toBeLessThan(MAX_RESPONSE_BYTES / 64);
      h.gh.fail({ path: /\/pulls\/7\/reviews$/, kind: 'raw', status: 200, body, headers: { 'content-encoding': encoding, 'content-length': String(body.length) }, times: 1 });
      const run = await runGateCli(h, ['--pr', '7', '--format', 'json']);
      expect(run.code, encoding).toBe(1);
      expect(json(run).problems[0]!.message, encoding).toMatch(/list reviews of #7.*larger than 8388608 bytes/);
    }
  }, 60_000);
});

describe('one list larger than any GitHub list', () => {
  it(`pages each under the per-answer cap, together over ${MAX_LIST_BYTES} bytes, fail closed at the page that passes it`, async () => {
    approved(8);
    // 900 comments by a bystander (nine full pages of 100), each page about 7.5 MiB: every answer is under the
    // 8 MiB cap, the list is not; the approval is on the last page, so reading the list whole would satisfy.
    const pull = h.repo.pull(8);
    const approval = pull.reviews.pop()!;
    for (let i = 0; i < 900; i++) h.repo.review(8, user('sun-hao'), 'COMMENTED');
    pull.reviews.push(approval);
    const pad = 'z'.repeat(75 * 1024);
    h.gh.rewrite({ path: /\/pulls\/8\/reviews$/, edit: (d) => (d as Record<string, unknown>[]).map((x) => ({ ...x, body: pad })) });
    const run = await runGateCli(h, ['--pr', '8', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).status).toBe('failed');
    expect(json(run).problems[0]!.message).toMatch(new RegExp(`list reviews of #8.*larger than ${MAX_LIST_BYTES} bytes after 9 pages`));
  }, 120_000);

  it('an answer under the cap is read whole (a review with a 1 MiB body)', async () => {
    approved(6);
    const page = h.repo.pull(6).reviews.map((r) => ({
      id: r.id,
      user: { login: user('chen-jie').login, id: 7, type: 'User' },
      pull_request_url: `${h.gh.url}/repos/${REPO}/pulls/6`,
      body: 'y'.repeat(1024 * 1024),
      state: r.state,
      commit_id: r.commit_id,
      submitted_at: r.submitted_at,
    }));
    h.gh.rewrite({ path: /\/pulls\/6\/reviews$/, edit: () => page });
    const run = await runGateCli(h, ['--pr', '6', '--format', 'json']);
    expect(json(run).status).toBe('satisfied');
    expect(h.gh.requests.some((r) => r.path.startsWith(`/repos/${REPO}/pulls/6/reviews`))).toBe(true);
  }, 60_000);
});
