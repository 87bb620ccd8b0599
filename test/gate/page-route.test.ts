import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { sameList } from '../../scripts/github/paginate.ts';
import { REPO, changePath, changeYaml, runGateCli, user, useHarness } from './helpers.ts';

/**
 * A `next` link must name the next page of the same list. One that stays on the API but names another list (another
 * pull request's commits, say) would splice a list together from two: the count still agrees, and the commit the
 * approver wrote is gone. GitHub writes its links as the same path, or as `/repositories/{id}/…` with the same route
 * after the repository; anything else fails closed.
 */
const h = useHarness();

type Obj = Record<string, unknown>;
const json = (run: { stdout: string }) => JSON.parse(run.stdout) as GateResult;

/**
 * PR 1: a commit by chen-jie, then li-na's change on top (the head), approved by chen-jie, whose own commit keeps his
 * approval out. Its commits are served one per page: the head on page 1, with a `next` link made by `next` from the
 * true page 2. What any other list answers at a page 2 is a commit by li-na: a server splicing lists would hide
 * chen-jie's commit behind it, with the count still 2.
 */
function spliced(next: (pr1Page2: string) => string) {
  const c1 = h.repo.commit({ parent: h.base, files: { 'runbooks/x.md': '# x\n' }, author: user('chen-jie'), committer: user('chen-jie'), message: 'fix' });
  const c2 = h.repo.commit({ parent: c1, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na'), message: 'change' });
  h.repo.openPull({ number: 1, author: user('li-na'), baseSha: h.base, commits: [c1, c2] });
  h.repo.review(1, user('chen-jie'), 'APPROVED');
  const o = h.repo.commit({ parent: h.base, files: { 'runbooks/y.md': '# y\n' }, author: user('li-na'), committer: user('li-na'), message: 'other' });
  h.repo.openPull({ number: 2, author: user('li-na'), baseSha: h.base, commits: [o] });
  let all: Obj[] = [];
  const page2 = (url: URL) => url.searchParams.get('page') === '2';
  h.gh.rewrite({
    method: 'GET',
    path: /./,
    edit: (d, url) => {
      if (/\/pulls\/1\/commits$/.test(url.pathname)) {
        if (!page2(url)) all = d as Obj[];
        return page2(url) ? [all[0]] : [all[1]];
      }
      return page2(url) ? [{ ...all[1], sha: 'f'.repeat(40) }] : d;
    },
    headers: (hd, url) => {
      if (!/\/pulls\/1\/commits$/.test(url.pathname) || page2(url)) return hd;
      const { link: _l, ...rest } = hd;
      return { ...rest, link: `<${next(`${h.gh.url}/repos/${REPO}/pulls/1/commits?per_page=100&page=2`)}>; rel="next"` };
    },
  });
}

describe('a next link names the next page of the same list', () => {
  it('baseline: the next page of the same list is read, and chen-jie’s own commit keeps his approval out', async () => {
    spliced((p) => p);
    const run = await runGateCli(h, ['--pr', '1', '--format', 'json']);
    expect(json(run).problems).toEqual([]);
    expect(json(run).ignored.map((i) => i.reason)).toEqual(['contributor']);
  });

  it.each([
    ['another pull request’s list', (p: string) => p.replace('/pulls/1/', '/pulls/2/')],
    ['another list of the same pull request', (p: string) => p.replace('/pulls/1/commits', '/pulls/1/files')],
    ['another repository', (p: string) => p.replace(`/repos/${REPO}/`, '/repos/someone/else/')],
    ['the same list, filtered', (p: string) => `${p}&author=li-na`],
  ])('a link to %s fails closed, never a spliced list', async (_what, next) => {
    spliced(next);
    const run = await runGateCli(h, ['--pr', '1', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).status).toBe('failed');
    expect(json(run).problems[0]!.message).toMatch(/list commits of #1 failed: .*next page .*not the next page of this list/);
  });
});

describe('which links are the same list (pure)', () => {
  const first = 'https://api.github.com/repos/yunfan/ops/pulls/1/commits?per_page=100';
  it.each([
    ['https://api.github.com/repos/yunfan/ops/pulls/1/commits?per_page=100&page=2', true],
    ['https://api.github.com/repos/YunFan/Ops/pulls/1/commits?page=2&per_page=100', true],
    ['https://api.github.com/repositories/123456/pulls/1/commits?per_page=100&page=2', true],
    ['https://api.github.com/repositories/654321/pulls/1/commits?per_page=100&page=2', false],
    ['https://api.github.com/repositories/123456/pulls/2/commits?per_page=100&page=2', false],
    ['https://api.github.com/repositories/x/pulls/1/commits?per_page=100&page=2', false],
    ['https://api.github.com/repos/yunfan/ops/pulls/1/files?per_page=100&page=2', false],
    ['https://api.github.com/repos/yunfan/ops/pulls/1/commits?per_page=100&page=2&author=x', false],
  ])('%s: %s', (next, same) => {
    expect(sameList(first, next, 'https://api.github.com', 123456)).toBe(same);
  });
  it('a link by id, when the repository’s own id is not known, is never the same list', () => {
    expect(sameList(first, 'https://api.github.com/repositories/123456/pulls/1/commits?per_page=100&page=2', 'https://api.github.com')).toBe(false);
  });
  it('on GitHub Enterprise, under /api/v3', () => {
    expect(
      sameList('https://ghe.example/api/v3/repos/a/b/pulls/1/reviews?per_page=100', 'https://ghe.example/api/v3/repositories/7/pulls/1/reviews?per_page=100&page=2', 'https://ghe.example/api/v3', 7),
    ).toBe(true);
  });
});
