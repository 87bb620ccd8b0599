import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { idOf } from '../github-server/server.ts';
import { REPO, TOKEN, changePath, changeYaml, openPr, runGateCli, user, useHarness } from '../gate/helpers.ts';

/**
 * GitHub may write a list's `next` link with the repository by id (`/repositories/{id}/pulls/1/reviews?page=2`).
 * That id must be this repository's (the `base.repo.id` of the pull request the gate read, or learnt once from
 * "Get a repository"): a link to another repository's id would splice that repository's page 2 into this list —
 * here, losing the request for changes that is on the true page 2.
 */
const h = useHarness();
const json = (run: { stdout: string }) => JSON.parse(run.stdout) as GateResult;
const OWN_ID = idOf(REPO); // what the local server sends as base.repo.id
const OTHER_ID = OWN_ID + 1;

/** PR 1: chen-jie approves on page 1 of the reviews (100 per page); liu-yang's request for changes is alone on page 2. */
function vetoOnPage2() {
  openPr(h, 1, 'li-na', { [changePath()]: changeYaml() });
  h.repo.review(1, user('chen-jie'), 'APPROVED');
  for (let i = 0; i < 99; i++) h.repo.review(1, { login: `reviewer-${i}`, type: 'User' }, 'COMMENTED');
  h.repo.review(1, user('liu-yang'), 'CHANGES_REQUESTED');
}

/** Page 1's next link names `/repositories/{id}/…` page 2, which answers `page2` (this server knows no such paths). */
async function nextById(id: number, page2: 'true' | 'other') {
  const truePage2 = await (await fetch(`${h.gh.url}/repos/${REPO}/pulls/1/reviews?per_page=100&page=2`, { headers: { authorization: `token ${TOKEN}` } })).text();
  h.gh.rewrite({
    method: 'GET',
    path: /\/repos\/[^/]+\/[^/]+\/pulls\/1\/reviews$/,
    edit: (d) => d,
    headers: (hd, url) => ((url.searchParams.get('page') ?? '1') === '1' ? { ...hd, link: `<${h.gh.url}/repositories/${id}/pulls/1/reviews?per_page=100&page=2>; rel="next"` } : hd),
  });
  // Another repository's page 2 ends its list without the request for changes.
  h.gh.fail({ method: 'GET', path: /^\/repositories\/\d+\/pulls\/1\/reviews$/, kind: 'raw', status: 200, body: page2 === 'true' ? truePage2 : '[]', times: Infinity });
}
const byId = () => h.gh.requests.filter((r) => r.path.startsWith('/repositories/'));

describe('a next link by repository id', () => {
  it('to another repository’s id is refused before any request, naming both ids: the request for changes is not lost', async () => {
    vetoOnPage2();
    await nextById(OTHER_ID, 'other');
    const run = await runGateCli(h, ['--pr', '1', '--format', 'json']);
    expect(run.code).toBe(1);
    const r = json(run);
    expect(r.status).toBe('failed');
    expect(r.problems[0]!.message).toMatch(
      new RegExp(
        `list reviews of #1 failed: .*next page after page 1 \\(/repositories/${OTHER_ID}/pulls/1/reviews\\?per_page=100&page=2\\) names repository ${OTHER_ID}, but ${REPO} is repository ${OWN_ID}`,
      ),
    );
    expect(byId()).toEqual([]);
  });

  it('to this repository’s own id (its pull request’s base.repo.id) is followed', async () => {
    vetoOnPage2();
    await nextById(OWN_ID, 'true');
    const r = json(await runGateCli(h, ['--pr', '1', '--format', 'json']));
    expect(r.problems).toEqual([]);
    expect(r.veto.blockers.map((b) => b.person)).toEqual(['liu-yang']);
    expect(byId().map((q) => q.status)).toEqual([200, 200]); // the reviews are read twice
  });

  it('when the pull request does not say its repository’s id, it is learnt once from "Get a repository"', async () => {
    vetoOnPage2();
    await nextById(OWN_ID, 'true');
    h.gh.rewrite({ method: 'GET', path: /\/pulls\/1$/, edit: (d) => ({ ...(d as object), base: { ...(d as { base: object }).base, repo: { full_name: REPO } } }) });
    h.gh.route({ method: 'GET', pattern: /^$/, handle: (c) => c.send(200, { id: OWN_ID, full_name: c.repo.fullName }) });
    const r = json(await runGateCli(h, ['--pr', '1', '--format', 'json']));
    expect(r.problems).toEqual([]);
    expect(r.veto.blockers.map((b) => b.person)).toEqual(['liu-yang']);
    expect(h.gh.requests.filter((q) => q.path === `/repos/${REPO}`)).toHaveLength(1);
  });

  it('when the repository’s id cannot be learnt, the link is refused', async () => {
    vetoOnPage2();
    await nextById(OWN_ID, 'true');
    h.gh.rewrite({ method: 'GET', path: /\/pulls\/1$/, edit: (d) => ({ ...(d as object), base: { ...(d as { base: object }).base, repo: { full_name: REPO } } }) });
    h.gh.route({ method: 'GET', pattern: /^$/, handle: (c) => c.send(200, { id: OTHER_ID, full_name: 'someone/else' }) });
    const r = json(await runGateCli(h, ['--pr', '1', '--format', 'json']));
    expect(r.status).toBe('failed');
    expect(r.problems[0]!.message).toMatch(/list reviews of #1 failed: .*names repository \d+ by id, and the id of yunfan\/ops could not be read: .*someone\/else/);
    expect(byId()).toEqual([]);
  });
});
