import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { changePath, changeYaml, gate, REPO, runGateCli, user, useHarness } from '../gate/helpers.ts';

/**
 * Lists cut short WITHOUT a Link header, through the real Octokit client. A list that simply ends looks
 * complete; only a count the pull request gives (`commits`, `changed_files` from "Get a pull request") can
 * tell it lost items. So the gate requires those counts from GitHub, and for the review list (GitHub gives
 * no review count) a full last page without a `next` link is followed by one more read, which must be empty.
 */
const h = useHarness();

type Obj = Record<string, unknown>;
const json = (run: { stdout: string }) => JSON.parse(run.stdout) as GateResult;
const messages = (r: GateResult) => r.problems.map((p) => p.message).join('\n');

/** Removes `fields` from "Get a pull request" of PR n. */
function dropCounts(n: number, ...fields: string[]) {
  h.gh.rewrite({
    path: new RegExp(`/pulls/${n}$`),
    edit: (d) => Object.fromEntries(Object.entries(d as Obj).filter(([k]) => !fields.includes(k))),
  });
}

describe('a commit or file list cut short, with no count to hold it against', () => {
  it('the commit list loses the approver’s own commit and pulls.get omits `commits`: fails closed', async () => {
    // chen-jie writes the first commit, li-na the head; chen-jie approves: a contributor, never counted.
    const c1 = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('chen-jie'), committer: user('chen-jie'), message: 'c1' });
    const c2 = h.repo.commit({ parent: c1, files: { 'runbooks/x.md': '# x\n' }, author: user('li-na'), committer: user('li-na'), message: 'c2' });
    h.repo.openPull({ number: 1, author: user('li-na'), baseSha: h.base, commits: [c1, c2] });
    h.repo.review(1, user('chen-jie'), 'APPROVED');
    expect((await gate(h, 1)).status).toBe('pending');
    h.gh.rewrite({ path: /\/pulls\/1\/commits$/, edit: (d) => (d as Obj[]).filter((c) => c.sha !== c1) });
    dropCounts(1, 'commits');
    const run = await runGateCli(h, ['--pr', '1', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).status).toBe('failed');
    expect(messages(json(run))).toMatch(/pull request #1\.commits is missing/);
  });

  it('the file list loses the governed file and pulls.get omits `changed_files`: fails closed', async () => {
    const text = h.repo.commits.get(h.base)!.tree.get('policies/approval.yaml')!;
    const c = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml(), 'policies/approval.yaml': `${text}\n# loosened\n` }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 2, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(2, user('chen-jie'), 'APPROVED');
    expect((await gate(h, 2)).status).not.toBe('satisfied');
    h.gh.rewrite({ path: /\/pulls\/2\/files$/, edit: (d) => (d as Obj[]).filter((f) => f.filename !== 'policies/approval.yaml') });
    dropCounts(2, 'changed_files');
    const run = await runGateCli(h, ['--pr', '2', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).status).toBe('failed');
    expect(messages(json(run))).toMatch(/pull request #2\.changed_files is missing/);
  });

  it('a count that is not a whole number is no count', async () => {
    const c = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 3, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(3, user('chen-jie'), 'APPROVED');
    h.gh.rewrite({ path: /\/pulls\/3$/, edit: (d) => ({ ...(d as Obj), commits: '1' }) });
    await expect(gate(h, 3)).rejects.toThrow(/pull request #3\.commits is the string "1", not a whole number/);
  });
});

describe('a review list cut at a page boundary, the Link header dropped', () => {
  /** PR n: 99 comments by zhao-min, chen-jie's approval (the 100th review), then liu-yang's request for changes (the 101st). */
  function hundredAndOne(n: number) {
    const c = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: n, author: user('li-na'), baseSha: h.base, commits: [c] });
    for (let i = 0; i < 99; i++) h.repo.review(n, user('zhao-min'), 'COMMENTED');
    h.repo.review(n, user('chen-jie'), 'APPROVED');
    h.repo.review(n, user('liu-yang'), 'CHANGES_REQUESTED');
  }

  it('baseline: with the Link header the request for changes on page 2 blocks', async () => {
    hundredAndOne(4);
    const r = await gate(h, 4);
    expect(r.veto.blockers.map((b) => b.person)).toEqual(['liu-yang']);
  });

  it('a full first page with no `next` link is followed once more; the review found there fails the gate closed', async () => {
    hundredAndOne(5);
    h.gh.rewrite({
      path: /\/pulls\/5\/reviews$/,
      edit: (d) => d,
      headers: (hd) => Object.fromEntries(Object.entries(hd).filter(([k]) => k !== 'link')),
    });
    const run = await runGateCli(h, ['--pr', '5', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).status).toBe('failed');
    expect(messages(json(run))).toMatch(/page 1 .*full.*no next page.*page 2 has 1 item/);
  });

  it('a full last page is followed by an empty one: one more request, and the decision stands', async () => {
    const c = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 6, author: user('li-na'), baseSha: h.base, commits: [c] });
    for (let i = 0; i < 99; i++) h.repo.review(6, user('zhao-min'), 'COMMENTED');
    h.repo.review(6, user('chen-jie'), 'APPROVED');
    expect((await gate(h, 6)).status).toBe('satisfied');
    expect(h.gh.requests.filter((r) => r.path.startsWith(`/repos/${REPO}/pulls/6/reviews`) && r.path.includes('page=2')).length).toBeGreaterThan(0);
  });

  it('a page with more items than asked for is no GitHub page: fails closed', async () => {
    hundredAndOne(7);
    h.gh.rewrite({ path: /\/pulls\/7\/reviews$/, edit: (d, url) => (url.searchParams.get('page') ? [] : [...(d as Obj[]), ...(d as Obj[]).slice(0, 1).map((r) => ({ ...r, id: 1 }))]) });
    await expect(gate(h, 7)).rejects.toThrow(/page 1 of the list has 101 items, more than the 100 asked for/);
  });

  it.each([
    ['skips a page (page 1 → page 3)', (u: URL) => u.searchParams.set('page', '3')],
    ['changes the page size (page boundaries move: a larger one starts page 2 past items never read)', (u: URL) => u.searchParams.set('per_page', '50')],
  ])('a `next` link that %s: fails closed', async (_what, bend) => {
    hundredAndOne(8);
    h.gh.rewrite({
      path: /\/pulls\/8\/reviews$/,
      edit: (d) => d,
      headers: (hd) => {
        const next = /<([^>]+)>; rel="next"/.exec(hd.link ?? '')?.[1];
        if (!next) return hd;
        const u = new URL(next);
        bend(u);
        return { ...hd, link: `<${u.toString()}>; rel="next"` };
      },
    });
    await expect(gate(h, 8)).rejects.toThrow(/the next page after page 1 is not page 2 of 100 items/);
  });
});

describe('a comparison that leaves out a file', () => {
  it('an approval is judged by the trees of the approved commit and the head, not by what compare lists', async () => {
    const c1 = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na'), message: 'c1' });
    h.repo.openPull({ number: 9, author: user('li-na'), baseSha: h.base, commits: [c1] });
    h.repo.review(9, user('chen-jie'), 'APPROVED', c1);
    h.repo.push(9, { [changePath()]: changeYaml({ title: 'changed after the approval' }) }, user('li-na'));
    // A compare that is complete by every sign (ahead, merge base = the approved commit, under 300 files) but lost the file.
    h.gh.rewrite({ path: /\/compare\//, edit: (d) => ({ ...(d as Obj), files: ((d as Obj).files as Obj[]).filter((f) => f.filename !== changePath()) }) });
    const r = await gate(h, 9);
    expect(r.status).toBe('pending');
    expect(r.rules.flatMap((x) => x.ignored.map((i) => i.reason))).toContain('stale');
  });
});
