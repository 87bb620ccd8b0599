import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { startGitHubServer, type GitHubServer } from '../github-server/server.ts';
import { changePath, changeYaml, openPr, REPO, runGateCli, startHarness, TOKEN, user, type Harness } from '../gate/helpers.ts';

/**
 * Redirects, through the real Octokit client. fetch follows a redirect by default, to any host: the answer of
 * another server would be taken for GitHub's (a review list without the request for changes), and on the way
 * the request leaves the API. A redirect is followed only within the API's own origin and path (GitHub moves a
 * renamed repository's routes that way); any other fails closed at once, naming where it pointed, and nothing
 * is sent there.
 */
let h: Harness;
let other: GitHubServer;
beforeEach(async () => {
  h = await startHarness();
  other = await startGitHubServer();
});
afterEach(async () => {
  await h.stop();
  await other.stop();
});

const json = (run: { stdout: string }) => JSON.parse(run.stdout) as GateResult;

/** PR n by li-na, approved by chen-jie and blocked by liu-yang. */
function blocked(n: number) {
  openPr(h, n, 'li-na', { [changePath()]: changeYaml() });
  h.repo.review(n, user('chen-jie'), 'APPROVED');
  h.repo.review(n, user('liu-yang'), 'CHANGES_REQUESTED');
}

describe('redirects', () => {
  it('baseline: the request for changes fails the gate, with nothing wrong in reading it', async () => {
    blocked(1);
    const r = json(await runGateCli(h, ['--pr', '1', '--format', 'json']));
    // A request for changes: failed, on the reviews alone (no problem reading them).
    expect(r.problems).toEqual([]);
    expect(r.status).toBe('failed');
  });

  for (const status of [301, 302, 307, 308]) {
    it(`a ${status} to another server is not followed: fails closed, naming it, and nothing (no token) is sent there`, async () => {
      blocked(2);
      // The other server answers the same route with the approval only.
      const approval = h.repo.pull(2).reviews[0]!;
      other.route({
        method: 'GET',
        pattern: /^\/pulls\/2\/reviews$/,
        handle: (c) =>
          c.send(200, [{ id: approval.id, user: { login: user('chen-jie').login, id: 7, type: 'User' }, state: 'APPROVED', commit_id: approval.commit_id, submitted_at: approval.submitted_at }]),
      });
      other.repo(REPO);
      h.gh.fail({ path: /\/pulls\/2\/reviews$/, kind: 'raw', status, body: '', headers: { location: `${other.url}/repos/${REPO}/pulls/2/reviews?per_page=100` }, times: Infinity });
      const run = await runGateCli(h, ['--pr', '2', '--format', 'json']);
      expect(run.code).toBe(1);
      expect(json(run).status).toBe('failed');
      expect(json(run).problems[0]!.message).toMatch(new RegExp(`list reviews of #2 failed: .*redirect.* to ${other.url.replace(/[.:/]/g, '\\$&')}`));
      expect(other.requests).toEqual([]);
      // Refused at once: not retried like a 5xx.
      expect(h.gh.requests.filter((q) => q.path.startsWith(`/repos/${REPO}/pulls/2/reviews`)).length).toBe(1);
      expect(run.stdout + run.stderr).not.toContain(TOKEN);
    });
  }

  it('a redirect within the API (a renamed repository) is followed, with the decision as usual', async () => {
    blocked(3);
    h.gh.fail({ path: /\/pulls\/3\/reviews$/, kind: 'raw', status: 301, body: '', headers: { location: `/repos/${REPO}/pulls/3/reviews?per_page=100&moved=1` }, times: 1 });
    const run = await runGateCli(h, ['--pr', '3', '--format', 'json']);
    expect(json(run).problems).toEqual([]);
    expect(json(run).status).toBe('failed');
    expect(h.gh.requests.some((q) => q.path.includes('moved=1'))).toBe(true);
  });

  it('a redirect that loops within the API ends after a few hops: fails closed', async () => {
    blocked(4);
    h.gh.fail({ path: /\/pulls\/4\/reviews$/, kind: 'raw', status: 302, body: '', headers: { location: `/repos/${REPO}/pulls/4/reviews?per_page=100` }, times: Infinity });
    const run = await runGateCli(h, ['--pr', '4', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).problems[0]!.message).toMatch(/list reviews of #4 failed: .*redirect/);
  });
});
