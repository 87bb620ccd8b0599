import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changePath, changeYaml, gate, openPr, startHarness, user, type Harness } from '../gate/helpers.ts';

/**
 * Reviews bound to what they reviewed, through the real Octokit client: an approval whose commit is not in the
 * pull request (another branch's commit with the very same tree) approves nothing here, and a review dismissed
 * while the gate reads fails the decision closed rather than counting the approval it withdrew.
 */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.stop();
});

describe('what a review is bound to', () => {
  it('baseline: an approval of the head counts', async () => {
    openPr(h, 1, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(1, user('chen-jie'), 'APPROVED');
    expect((await gate(h, 1)).status).toBe('satisfied');
  });

  it('an approval of a commit outside the pull request, even one with the same tree, is stale', async () => {
    const files = { [changePath()]: changeYaml() };
    openPr(h, 2, 'li-na', files);
    const elsewhere = h.repo.commit({ parent: h.base, files, author: user('li-na'), committer: user('li-na'), message: 'same tree, other branch' });
    h.repo.review(2, user('chen-jie'), 'APPROVED', elsewhere);
    const r = await gate(h, 2);
    expect(r.status).not.toBe('satisfied');
    expect(JSON.stringify(r)).toMatch(new RegExp(`cannot tell what changed since ${elsewhere.slice(0, 7)} \\(not in this pull request any more`));
  });

  it('a review dismissed between the first read and the last fails closed', async () => {
    openPr(h, 3, 'li-na', { [changePath()]: changeYaml() });
    const approval = h.repo.review(3, user('chen-jie'), 'APPROVED');
    let done = false;
    h.gh.rewrite({
      path: /\/pulls\/3\/reviews$/,
      edit: (d) => {
        if (!done) {
          done = true;
          approval.state = 'DISMISSED';
        }
        return d;
      },
    });
    const r = await gate(h, 3);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => p.code)).toContain('gate.reviews-changed');
  });
});
