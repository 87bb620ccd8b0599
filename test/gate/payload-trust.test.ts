import { describe, expect, it } from 'vitest';
import { LOGIN, changePath, changeYaml, gate, openPr, user, useHarness } from './helpers.ts';

/**
 * Fields of GitHub's answers the gate used to take on trust when they were missing: it filled in the value that
 * lets the decision through. GitHub always sends them (its REST schema lists them as required), so an answer
 * without them is no GitHub answer the gate can judge: it fails closed, or the review does not count, saying why.
 */
const h = useHarness();

type Obj = Record<string, unknown>;
const without = (o: Obj, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

function approved(n: number) {
  openPr(h, n, 'li-na', { [changePath()]: changeYaml() });
  h.repo.review(n, user('chen-jie'), 'APPROVED');
}

describe('the repository a pull request belongs to', () => {
  it('baseline: the approved pull request passes', async () => {
    approved(1);
    expect((await gate(h, 1)).status).toBe('satisfied');
  });

  it.each([
    ['base.repo missing', (b: Obj) => without(b, 'repo')],
    ['base.repo null', (b: Obj) => ({ ...b, repo: null })],
    ['base.repo.full_name missing', (b: Obj) => ({ ...b, repo: without(b.repo as Obj, 'full_name') })],
  ])('%s: which repository it is cannot be told, so it fails closed', async (_what, edit) => {
    approved(2);
    h.gh.rewrite({ method: 'GET', path: /\/pulls\/2$/, edit: (d) => ({ ...(d as Obj), base: edit((d as Obj).base as Obj) }) });
    const r = await gate(h, 2).catch((e: Error) => e);
    // The edge throws a GitHubApiError naming the field; the CLI turns it into a failed decision.
    expect(r).toBeInstanceOf(Error);
    expect((r as Error).message).toMatch(/base\.repo/);
  });
});

describe('the account type of a reviewer', () => {
  it.each([
    ['missing', (u: Obj) => without(u, 'type')],
    ['null', (u: Obj) => ({ ...u, type: null })],
    ['empty', (u: Obj) => ({ ...u, type: '' })],
  ])('type %s: not shown to be a person’s account, the approval never counts', async (_what, edit) => {
    approved(3);
    h.gh.rewrite({ path: /\/pulls\/3\/reviews$/, edit: (d) => (d as Obj[]).map((r) => ({ ...r, user: edit(r.user as Obj) })) });
    const r = await gate(h, 3);
    expect(r.status).not.toBe('satisfied');
    expect(r.ignored).toEqual([expect.objectContaining({ login: LOGIN['chen-jie'], reason: 'bot' })]);
    expect(r.ignored[0]!.detail).toMatch(/no account type/);
  });
});

describe('whose permission an answer is', () => {
  it('a permission answer about another account (a cache serving an admin’s answer for a reader) fails closed', async () => {
    approved(4);
    h.repo.permissions.set(LOGIN['chen-jie'], 'read');
    h.gh.rewrite({
      method: 'GET',
      path: /\/collaborators\/[^/]+\/permission$/,
      edit: (d) => ({ ...(d as Obj), permission: 'admin', role_name: 'admin', user: { ...((d as Obj).user as Obj), login: LOGIN['zhang-wei'], id: 4242 } }),
    });
    const r = await gate(h, 4).catch((e: Error) => e);
    expect(r).toBeInstanceOf(Error);
    expect((r as Error).message).toMatch(/permission of chenjie-yf.*zhangwei-yf/);
  });

  it('an answer naming the account asked for, in another case, is that account’s', async () => {
    approved(5);
    h.gh.rewrite({ method: 'GET', path: /\/collaborators\/[^/]+\/permission$/, edit: (d) => ({ ...(d as Obj), user: { ...((d as Obj).user as Obj), login: LOGIN['chen-jie'].toUpperCase() } }) });
    expect((await gate(h, 5)).status).toBe('satisfied');
  });
});
