import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { LOGIN, changePath, changeYaml, gate, openPr, runGateCli, user, useHarness } from './helpers.ts';

/**
 * A review counts for this pull request only when its answer says it belongs here: GitHub always sends
 * `pull_request_url` (`…/repos/OWNER/NAME/pulls/N`; the REST schema lists it as required). A review without one, or
 * with one that names no pull request, may be another pull request's (a cache or proxy before the API): it never
 * approves, and the decision says why. A request for changes of unknown origin still blocks (failing closed).
 */
const h = useHarness();

type Obj = Record<string, unknown>;
const eachReview = (n: number, edit: (r: Obj) => Obj) => h.gh.rewrite({ path: new RegExp(`/pulls/${n}/reviews$`), edit: (data) => (Array.isArray(data) ? (data as Obj[]).map(edit) : data) });
const without = (r: Obj, key: string) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== key));

function approvable(n: number) {
  return openPr(h, n, 'li-na', { [changePath()]: changeYaml() });
}

describe('a review whose pull request cannot be established', () => {
  it('baseline: with pull_request_url naming this pull request, the approval counts', async () => {
    approvable(1);
    h.repo.review(1, user('chen-jie'), 'APPROVED');
    expect((await gate(h, 1)).status).toBe('satisfied');
  });

  it.each([
    ['missing', (r: Obj) => without(r, 'pull_request_url')],
    ['null', (r: Obj) => ({ ...r, pull_request_url: null })],
    ['empty', (r: Obj) => ({ ...r, pull_request_url: '' })],
    ['a number', (r: Obj) => ({ ...r, pull_request_url: 1 })],
    ['the web page, not the API', (r: Obj) => ({ ...r, pull_request_url: 'https://github.com/yunfan/ops/pull/1' })],
    ['no pull request number', (r: Obj) => ({ ...r, pull_request_url: 'https://api.github.com/repos/yunfan/ops/pulls/' })],
    ['a number with a sign', (r: Obj) => ({ ...r, pull_request_url: 'https://api.github.com/repos/yunfan/ops/pulls/+1' })],
  ])('pull_request_url %s: the approval never counts, and the decision says why', async (_what, edit) => {
    approvable(2);
    h.repo.review(2, user('chen-jie'), 'APPROVED');
    eachReview(2, edit);
    const r: GateResult = await gate(h, 2);
    expect(r.status).not.toBe('satisfied');
    expect(r.ignored).toEqual([expect.objectContaining({ login: LOGIN['chen-jie'], reason: 'unverified_origin', state: 'APPROVED' })]);
    expect(r.ignored[0]!.detail).toMatch(/pull_request_url/);
  });

  it('a later review of unknown origin withdraws the reviewer’s earlier approval (it may be their latest word here)', async () => {
    approvable(3);
    h.repo.review(3, user('chen-jie'), 'APPROVED');
    const later = h.repo.review(3, user('chen-jie'), 'APPROVED');
    eachReview(3, (r) => (r.id === later.id ? without(r, 'pull_request_url') : r));
    const r = await gate(h, 3);
    expect(r.status).not.toBe('satisfied');
    expect(r.ignored.map((i) => i.reason).sort()).toEqual(['superseded', 'unverified_origin']);
  });

  it('a request for changes of unknown origin still blocks', async () => {
    approvable(4);
    h.repo.review(4, user('chen-jie'), 'APPROVED');
    h.repo.review(4, user('liu-yang'), 'CHANGES_REQUESTED');
    eachReview(4, (r) => ((r.user as Obj).login === LOGIN['liu-yang'] ? without(r, 'pull_request_url') : r));
    expect((await gate(h, 4)).status).toBe('failed');
  });

  it('the CLI prints why the review was set aside', async () => {
    approvable(5);
    h.repo.review(5, user('chen-jie'), 'APPROVED');
    eachReview(5, (r) => ({ ...r, pull_request_url: null }));
    const run = await runGateCli(h, ['--pr', '5', '--format', 'text']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/chenjie-yf.*(pull request it belongs to|pull_request_url)/s);
  });
});
