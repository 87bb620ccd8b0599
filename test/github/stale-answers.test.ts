import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { changePath, changeYaml, openPr, REPO, runGateCli, user, useHarness } from '../gate/helpers.ts';

/**
 * ETag and cache games, through the real CLI: the gate keeps no cache and makes no conditional request, so a 304 Not
 * Modified has no earlier answer to refer to, and an answer that is another question's (a cache before the API
 * serving pull request #1's body for #2, or #1's reviews) is never taken for this one. Each fails closed, at once.
 */
const h = useHarness();

type Obj = Record<string, unknown>;
const json = (run: { stdout: string }) => JSON.parse(run.stdout) as GateResult;

/** PR n by li-na: approved by chen-jie when `approve`. */
function pr(n: number, approve: boolean, title = 'a change') {
  const head = openPr(h, n, 'li-na', { [changePath()]: changeYaml({ title }) });
  if (approve) h.repo.review(n, user('chen-jie'), 'APPROVED');
  return head;
}

/** The answers of `path` as served, in order. */
function capture(path: RegExp): Obj[] {
  const seen: Obj[] = [];
  h.gh.rewrite({ method: 'GET', path, edit: (d) => (seen.push(d as Obj), d) });
  return seen;
}

describe('an answer that is another question’s', () => {
  it('baseline: PR 1 (approved) passes, PR 2 (not approved) waits', async () => {
    pr(1, true);
    pr(2, false, 'another change');
    expect((await runGateCli(h, ['--pr', '1', '--format', 'json'])).code).toBe(0);
    expect(json(await runGateCli(h, ['--pr', '2', '--format', 'json'])).status).toBe('pending');
  });

  it('pull request #2 answered with #1’s body (a stale cache) fails closed, never decides #1 under #2’s name', async () => {
    pr(1, true);
    pr(2, false, 'another change');
    const seen = capture(/\/pulls\/1$/);
    await runGateCli(h, ['--pr', '1', '--format', 'json']);
    h.gh.rewrite({ method: 'GET', path: /\/pulls\/2$/, edit: () => seen[0] });
    const run = await runGateCli(h, ['--pr', '2', '--format', 'github']);
    expect(run.code).toBe(1);
    expect(h.repo.statuses.filter((s) => s.state === 'success')).toEqual([]);
    const out = await runGateCli(h, ['--pr', '2', '--format', 'json']);
    expect(json(out)).toMatchObject({ status: 'failed', pr: 2 });
    expect(json(out).problems[0]!.message).toMatch(/get pull request #2 failed: .*pull request #1/);
  });

  it('pull request #2 answered with a pull request of another repository fails closed', async () => {
    pr(3, true);
    h.gh.rewrite({
      method: 'GET',
      path: /\/pulls\/3$/,
      edit: (d) => ({ ...(d as Obj), base: { ...((d as Obj).base as Obj), repo: { ...(((d as Obj).base as Obj).repo as Obj), full_name: 'someone/else' } } }),
    });
    const run = await runGateCli(h, ['--pr', '3', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).problems[0]!.message).toMatch(/get pull request #3 failed: .*someone\/else/);
  });

  it('the review list of #2 answered with reviews of #1 fails closed', async () => {
    pr(4, false);
    const head5 = pr(5, false, 'another change');
    h.repo.review(4, user('chen-jie'), 'APPROVED', head5);
    const seen = capture(/\/pulls\/4\/reviews$/);
    await runGateCli(h, ['--pr', '4', '--format', 'json']);
    h.gh.rewrite({ method: 'GET', path: /\/pulls\/5\/reviews$/, edit: () => seen[0] });
    const run = await runGateCli(h, ['--pr', '5', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).status).toBe('failed');
    expect(json(run).problems[0]!.message).toMatch(/list reviews of #5 failed: .*pull request #4/);
  });
});

describe('304 Not Modified, which the gate never asks for', () => {
  // [what, path, how many answers go through (with an ETag) before every later one is a 304 without a body]
  const cases: [string, RegExp, number][] = [
    ['the pull request read again', /\/pulls\/6$/, 1],
    ['the commit list', /\/pulls\/6\/commits$/, 0],
    ['the second tree', /\/git\/trees\//, 1],
    ['a blob (raw text, so from the first)', /\/git\/blobs\//, 0],
    ['a permission', /\/collaborators\/[^/]+\/permission$/, 0],
  ];
  cases.forEach(([what, path, through]) => {
    it(`on ${what}: fails closed at once, not retried, never an earlier answer`, async () => {
      pr(6, true);
      const notModified = () => h.gh.fail({ method: 'GET', path, kind: 'raw', status: 304, body: '', headers: { etag: '"v1"' }, times: Infinity });
      let n = 0;
      h.gh.rewrite({
        method: 'GET',
        path,
        edit: (d) => {
          if (++n === through) notModified();
          return d;
        },
        headers: (hd) => ({ ...hd, etag: '"v1"' }),
      });
      if (through === 0) notModified();
      const run = await runGateCli(h, ['--pr', '6', '--format', 'json']);
      expect(run.code).toBe(1);
      expect(json(run).status).toBe('failed');
      expect(json(run).problems[0]!.message).toMatch(/304 Not Modified.*not conditional/);
      // Not retried: no request answered 304 was sent again (reads in flight together may each get one).
      const all = h.gh.requests;
      const refused = all.flatMap((q, i) => (q.status === 304 ? [i] : []));
      expect(refused.length).toBeGreaterThan(0);
      for (const i of refused) expect(all.slice(i + 1).filter((q) => q.path === all[i]!.path)).toEqual([]);
    });
  });

  it('no request the gate sends is conditional, and every one asks caches on the way not to answer for GitHub', async () => {
    pr(7, true);
    expect((await runGateCli(h, ['--pr', '7', '--format', 'github'])).code).toBe(0);
    const sent = h.gh.requests.filter((q) => q.path.startsWith(`/repos/${REPO}/`));
    expect(sent.length).toBeGreaterThan(5);
    expect(sent.filter((q) => q.conditional)).toEqual([]);
    expect(sent.filter((q) => !/no-cache/.test(q.cacheControl ?? ''))).toEqual([]);
  });
});
