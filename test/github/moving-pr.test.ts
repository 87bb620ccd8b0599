import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { changePath, changeYaml, gate, openPr, user, useHarness } from '../gate/helpers.ts';

/**
 * A pull request that changes while the gate reads it, through the real Octokit client: GitHub answers
 * the commit, file and review lists for the pull request as it is at that moment, not for the head the
 * gate first saw. A decision made of two states fails closed (run the gate again).
 */
const h = useHarness();

type Obj = Record<string, unknown>;
const problems = (r: GateResult) => r.problems.map((p) => p.code);

/** Runs `act` once, right after GitHub has answered the first read of `path` (the answer itself is unchanged). */
function afterFirst(path: RegExp, act: () => void) {
  let done = false;
  h.gh.rewrite({
    path,
    edit: (d) => {
      if (!done) {
        done = true;
        act();
      }
      return d;
    },
  });
}

describe('the head moves', () => {
  it('a force-push between reading the pull request and its lists: the approval of a commit its own approver wrote never counts', async () => {
    // H1 is written by chen-jie, who then approves it: a contributor's approval, never counted.
    const files = { [changePath()]: changeYaml() };
    const h1 = h.repo.commit({ parent: h.base, files, author: user('chen-jie'), committer: user('chen-jie'), message: 'H1' });
    h.repo.openPull({ number: 1, author: user('li-na'), baseSha: h.base, commits: [h1] });
    h.repo.review(1, user('chen-jie'), 'APPROVED', h1);
    expect((await gate(h, 1)).status).toBe('pending');
    // Now the same tree is force-pushed as H2 by li-na right after the gate reads the pull request (head H1):
    // the commit list it reads next is H2's, and chen-jie would no longer look like a contributor of H1.
    afterFirst(/\/pulls\/1$/, () => {
      const h2 = h.repo.commit({ parent: h.base, files, author: user('li-na'), committer: user('li-na'), message: 'H2' });
      h.repo.pull(1).commits = [h2];
    });
    // ... and H1 is force-pushed back once the commit list has been read: by the last read, nothing seems to have moved.
    afterFirst(/\/pulls\/1\/commits$/, () => (h.repo.pull(1).commits = [h1]));
    const r = await gate(h, 1);
    expect(r.status).toBe('failed');
    expect(problems(r)).toContain('gate.head-moved');
    expect(r.problems.find((p) => p.code === 'gate.head-moved')!.message).toMatch(/pushed to while the gate read it|changed while the gate read it/);
  });

  it('a push after every list was read is seen by the last read', async () => {
    openPr(h, 2, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(2, user('chen-jie'), 'APPROVED');
    let reads = 0;
    h.gh.rewrite({
      path: /\/pulls\/2$/,
      edit: (d) => {
        // The first read sees the head; the pull request moves before the second.
        if (++reads === 1) h.repo.push(2, { 'runbooks/x.md': '# x\n' }, user('li-na'));
        return d;
      },
    });
    // Hold the lists at the first head so only the second read of the pull request can tell.
    h.gh.rewrite({ path: /\/pulls\/2\/(commits|files)$/, edit: (d) => (d as Obj[]).slice(0, 1) });
    const r = await gate(h, 2);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => p.message).join('\n')).toMatch(/head [0-9a-f]{7} → [0-9a-f]{7}/);
  });
});

describe('the reviews change while read', () => {
  it('a page that shifts between reads (a review on page 1 gone, page 2 starts one later) cannot hide a request for changes', async () => {
    openPr(h, 3, 'li-na', { [changePath()]: changeYaml() });
    for (let i = 0; i < 100; i++) h.repo.review(3, { login: `reviewer-${i}`, type: 'User' }, 'COMMENTED');
    h.repo.review(3, user('liu-yang'), 'CHANGES_REQUESTED'); // first on page 2
    h.repo.review(3, user('chen-jie'), 'APPROVED');
    expect((await gate(h, 3)).veto.blockers.map((b) => b.person)).toEqual(['liu-yang']);
    // Page 1 has been served when its first review goes away: page 2 now starts at chen-jie's approval.
    h.gh.requests.length = 0;
    let first = true;
    h.gh.rewrite({
      path: /\/pulls\/3\/reviews$/,
      edit: (d, url) => {
        if (first && (url.searchParams.get('page') ?? '1') === '1') {
          first = false;
          h.repo.pull(3).reviews.shift();
        }
        return d;
      },
    });
    const r = await gate(h, 3);
    expect(r.status).toBe('failed');
    expect(problems(r)).toContain('gate.reviews-changed');
    expect(r.problems.find((p) => p.code === 'gate.reviews-changed')!.message).toContain('not in the first read');
  });

  it('a review given while the gate reads fails closed rather than deciding without it', async () => {
    openPr(h, 4, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(4, user('chen-jie'), 'APPROVED');
    afterFirst(/\/pulls\/4\/reviews$/, () => h.repo.review(4, user('liu-yang'), 'CHANGES_REQUESTED'));
    const r = await gate(h, 4);
    expect(r.status).toBe('failed');
    expect(problems(r)).toEqual(['gate.reviews-changed']);
  });

  it('a pull request that does not change while read is decided as usual, with one more read of it and of its reviews', async () => {
    openPr(h, 5, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(5, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 5);
    expect(r.status).toBe('satisfied');
    expect(h.gh.requests.filter((q) => /\/pulls\/5(\?|$)/.test(q.path)).length).toBe(2);
    expect(h.gh.requests.filter((q) => /\/pulls\/5\/reviews/.test(q.path)).length).toBe(2);
  });
});

describe('an approval of a commit the head does not descend from', () => {
  it.each([
    ['diverged', (c: Obj) => ({ ...c, status: 'diverged', files: [] })],
    ['behind', (c: Obj) => ({ ...c, status: 'behind', files: [] })],
    ['another merge base', (c: Obj) => ({ ...c, merge_base_commit: { ...(c.merge_base_commit as Obj), sha: 'f'.repeat(40) }, files: [] })],
    ['no status', (c: Obj) => ({ ...c, status: undefined, files: [] })],
  ])('a comparison that says %s is not "nothing changed since the approval": the trees decide, and the approval is stale', async (_what, edit) => {
    const first = openPr(h, 6, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(6, user('chen-jie'), 'APPROVED', first);
    h.repo.push(6, { [changePath()]: changeYaml({ title: 'changed after the approval' }) }, user('li-na'));
    h.gh.rewrite({ path: /\/compare\//, edit: (d) => edit(d as Obj) });
    const r = await gate(h, 6);
    expect(r.status).toBe('pending');
    expect(r.rules.flatMap((x) => x.ignored.map((i) => i.reason))).toContain('stale');
  });
});

describe('what is not the pull request changing', () => {
  it('the base branch moving on while the gate reads (a merge into main) does not fail the gate', async () => {
    openPr(h, 7, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(7, user('chen-jie'), 'APPROVED');
    const moved = h.repo.commit({ parent: h.base, files: { 'docs/other.md': '# merged meanwhile\n' }, author: user('zhang-wei'), committer: user('zhang-wei') });
    let reads = 0;
    h.gh.rewrite({ path: /\/pulls\/7$/, edit: (d) => (++reads === 2 ? { ...(d as Obj), base: { ...((d as Obj).base as Obj), sha: moved } } : d) });
    const r = await gate(h, 7);
    expect(reads).toBe(2);
    expect(r.status).toBe('satisfied');
  });

  it('a pull request without commits is pending, not "moved"', async () => {
    h.repo.openPull({ number: 8, author: user('li-na'), baseSha: h.base, commits: [] });
    const r = await gate(h, 8);
    expect(r.problems).toEqual([]);
    expect(r.status).toBe('pending');
  });
});
