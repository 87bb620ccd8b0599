import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { MAX_RESPONSE_BYTES } from '../../scripts/github/client.ts';
import { changePath, changeYaml, openPr, REPO, runGateCli, startHarness, TOKEN, user, type Harness } from '../gate/helpers.ts';

/**
 * A server that answers with more than any GitHub answer holds, through the real Octokit client: a list page
 * that is valid JSON but tens of MiB, a body that never ends (chunked, no length), a blob that never ends,
 * a Content-Length that announces gigabytes. The gate reads at most MAX_RESPONSE_BYTES of one answer and
 * fails closed saying so (exit 1), never buffers the lot, never waits for the 30 s timeout.
 */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

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
  }, 60_000);

  it('an answer under the cap is read whole (a review with a 1 MiB body)', async () => {
    approved(6);
    const page = h.repo.pull(6).reviews.map((r) => ({
      id: r.id,
      user: { login: user('chen-jie').login, id: 7, type: 'User' },
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
