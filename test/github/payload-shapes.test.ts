import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { LOGIN, changePath, changeYaml, gate, openPr, runGateCli, user, useHarness } from '../gate/helpers.ts';

/**
 * The gate on GitHub payloads it did not expect, through the real Octokit client against the local
 * server: fields GitHub documents as nullable, states it does not document, pages that repeat or lose
 * items, and shapes no GitHub sends. Every one ends as a decision that fails closed and says why.
 */
const h = useHarness();

type Obj = Record<string, unknown>;
/** Rewrites each item of a list endpoint (`/pulls/N/reviews` ...). */
const eachItem = (path: RegExp, edit: (item: Obj, i: number) => Obj | undefined) =>
  h.gh.rewrite({ path, edit: (data) => (Array.isArray(data) ? (data as Obj[]).flatMap((x, i) => edit(x, i) ?? []) : data) });
const editObject = (path: RegExp, edit: (o: Obj) => Obj) => h.gh.rewrite({ path, edit: (data) => edit(data as Obj) });
const reasons = (r: GateResult) => r.ignored.map((i) => i.reason);
const problems = (r: GateResult) => r.problems.map((p) => p.code);

/** PR n by li-na with a normal change that chen-jie's approval alone satisfies. */
function approvable(n: number) {
  const head = openPr(h, n, 'li-na', { [changePath()]: changeYaml() });
  return head;
}

describe('reviews', () => {
  it('counts the approval it is given as a baseline', async () => {
    approvable(1);
    h.repo.review(1, user('chen-jie'), 'APPROVED');
    expect((await gate(h, 1)).status).toBe('satisfied');
  });

  it.each([
    ['lowercase', 'approved', '"approved"'],
    ['unknown word', 'APPROVED_BY_ADMIN', '"APPROVED_BY_ADMIN"'],
    ['missing', undefined, '(none)'],
    ['a number', 5, '5'],
    ['null', null, 'null'],
  ])('an undocumented review state (%s) never approves, and says so', async (_what, state, shown) => {
    approvable(2);
    h.repo.review(2, user('chen-jie'), 'APPROVED');
    eachItem(/\/pulls\/2\/reviews$/, (r) => ({ ...r, state }));
    const r = await gate(h, 2);
    expect(r.status).toBe('pending');
    expect(r.ignored).toEqual([expect.objectContaining({ login: LOGIN['chen-jie'], reason: 'unknown_state', state: 'UNKNOWN' })]);
    expect(r.ignored[0]!.detail).toContain(`the state ${JSON.stringify(shown === '(none)' ? '(none)' : shown.replace(/^"|"$/g, ''))}`);
  });

  it('an undocumented state after an approval withdraws it; after a request for changes it leaves the block standing', async () => {
    approvable(3);
    h.repo.review(3, user('chen-jie'), 'APPROVED');
    const later = h.repo.review(3, user('chen-jie'), 'COMMENTED');
    eachItem(/\/pulls\/3\/reviews$/, (r) => (r.id === later.id ? { ...r, state: 'resolved' } : r));
    expect((await gate(h, 3)).status).toBe('pending');

    approvable(4);
    h.repo.review(4, user('liu-yang'), 'CHANGES_REQUESTED');
    const after = h.repo.review(4, user('liu-yang'), 'COMMENTED');
    h.repo.review(4, user('chen-jie'), 'APPROVED');
    eachItem(/\/pulls\/4\/reviews$/, (r) => (r.id === after.id ? { ...r, state: 'approved' } : r));
    const r = await gate(h, 4);
    expect(r.status).toBe('failed');
    expect(r.veto.blockers.map((b) => b.person)).toEqual(['liu-yang']);
  });

  it('a review without a user (deleted account) counts for nothing, approving or blocking', async () => {
    approvable(5);
    h.repo.review(5, null, 'APPROVED');
    h.repo.review(5, null, 'CHANGES_REQUESTED');
    const r = await gate(h, 5);
    expect(r.status).toBe('pending');
    expect(reasons(r)).toEqual(['deleted_user', 'deleted_user']);
  });

  it('an approval without a submission time never counts; a request for changes without one still blocks', async () => {
    approvable(6);
    h.repo.review(6, user('chen-jie'), 'APPROVED');
    eachItem(/\/pulls\/6\/reviews$/, (r) => ({ ...r, submitted_at: null }));
    let r = await gate(h, 6);
    expect(r.status).toBe('pending');
    expect(reasons(r)).toEqual(['undated']);

    approvable(7);
    h.repo.review(7, user('chen-jie'), 'APPROVED');
    const block = h.repo.review(7, user('liu-yang'), 'CHANGES_REQUESTED');
    eachItem(/\/pulls\/7\/reviews$/, (x) => (x.id === block.id ? { ...x, submitted_at: 'yesterday' } : x));
    r = await gate(h, 7);
    expect(r.status).toBe('failed');
    expect(r.veto.blockers.map((b) => b.person)).toEqual(['liu-yang']);
  });

  it('a review page that repeats an item is read once; the same review with other contents fails closed', async () => {
    approvable(8);
    h.repo.review(8, user('chen-jie'), 'APPROVED');
    h.gh.rewrite({ path: /\/pulls\/8\/reviews$/, edit: (d) => [...(d as Obj[]), ...(d as Obj[])] });
    expect((await gate(h, 8)).status).toBe('satisfied');

    approvable(9);
    h.repo.review(9, user('chen-jie'), 'APPROVED');
    h.gh.rewrite({ path: /\/pulls\/9\/reviews$/, edit: (d) => [...(d as Obj[]), { ...(d as Obj[])[0], state: 'CHANGES_REQUESTED' }] });
    const run = await runGateCli(h, ['--pr', '9']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAILED/);
    expect(run.stdout).toContain('listed twice with different contents');
  });

  it.each([
    ['user.login is a number', (r: Obj) => ({ ...r, user: { ...(r.user as Obj), login: 5 } }), 'review 1 of the list.user.login is number 5'],
    ['the user is a string', (r: Obj) => ({ ...r, user: 'chenjie-yf' }), 'review 1 of the list.user is the string "chenjie-yf", not an object'],
    ['no id', (r: Obj) => ({ ...r, id: undefined }), 'review 1 of the list.id is missing'],
  ])('a review whose %s fails the gate closed with a located message (exit 1), never exit 3', async (_what, edit, message) => {
    approvable(10);
    h.repo.review(10, user('chen-jie'), 'APPROVED');
    eachItem(/\/pulls\/10\/reviews$/, edit);
    const run = await runGateCli(h, ['--pr', '10', '--format', 'json']);
    expect(run.code).toBe(1);
    const r = JSON.parse(run.stdout) as GateResult;
    expect(r.status).toBe('failed');
    expect(r.problems[0]!.message).toContain(message);
    expect(run.stderr).not.toMatch(/internal error/);
  });
});

describe('commits', () => {
  it('a commit whose author and committer are null (an e-mail linked to no account) is read; its author is still found by e-mail', async () => {
    const c = h.repo.commitAs({ parent: h.base, files: { [changePath()]: changeYaml() }, gitAuthor: { name: 'Chen Jie', email: 'chen.jie@yunfan-tech.cn' } });
    h.repo.openPull({ number: 20, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(20, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 20);
    expect(r.status).toBe('pending');
  });

  it('a commit without git author, committer or message is read as having none: nobody is named for it, so no approval is trusted', async () => {
    approvable(21);
    h.repo.review(21, user('chen-jie'), 'APPROVED');
    eachItem(/\/pulls\/21\/commits$/, (c) => ({ ...c, author: null, committer: null, commit: { ...(c.commit as Obj), author: null, committer: null, message: null } }));
    const r = await gate(h, 21);
    expect(r.status).toBe('failed');
    expect([...new Set(problems(r))]).toEqual(['gate.unknown-contributor']);
  });

  it('a commit list that lost an item (fewer than the pull request counts) fails closed', async () => {
    const head = approvable(22);
    h.repo.push(22, { 'runbooks/x.md': '# x\n' }, user('li-na'));
    h.repo.review(22, user('chen-jie'), 'APPROVED', undefined);
    eachItem(/\/pulls\/22\/commits$/, (c) => (c.sha === head ? undefined : c));
    const r = await gate(h, 22);
    expect(r.status).toBe('failed');
    expect(problems(r)).toEqual(['gate.incomplete-list']);
  });

  it('a commit without a sha fails closed, located', async () => {
    approvable(23);
    eachItem(/\/pulls\/23\/commits$/, (c) => ({ ...c, sha: null }));
    const run = await runGateCli(h, ['--pr', '23', '--format', 'json']);
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as GateResult).problems[0]!.message).toContain('commit 1 of the list.sha is null');
  });
});

describe('the pull request', () => {
  it('without an author (user null) fails closed: nobody can be excluded as the author', async () => {
    approvable(30);
    h.repo.review(30, user('chen-jie'), 'APPROVED');
    editObject(/\/pulls\/30$/, (p) => ({ ...p, user: null }));
    const r = await gate(h, 30);
    expect(r.status).toBe('failed');
    expect(problems(r)).toEqual(['gate.no-author']);
  });

  it('from a deleted fork (head.repo null), without merge_commit_sha, title or body, is decided as usual', async () => {
    approvable(31);
    h.repo.review(31, user('chen-jie'), 'APPROVED');
    editObject(/\/pulls\/31$/, (p) => {
      const { merge_commit_sha: _m, ...rest } = p;
      return { ...rest, title: null, body: null, head: { ...(p.head as Obj), repo: null } };
    });
    const run = await runGateCli(h, ['--pr', '31']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it.each([
    ['no head sha', (p: Obj) => ({ ...p, head: { ...(p.head as Obj), sha: undefined } }), 'pull request #32.head.sha is missing'],
    ['base is null', (p: Obj) => ({ ...p, base: null }), 'pull request #32.base is null, not an object'],
    ['number is a string', (p: Obj) => ({ ...p, number: '32' }), 'pull request #32.number is the string "32"'],
  ])('with %s fails closed with a located message and publishes nothing it cannot place', async (_what, edit, message) => {
    approvable(32);
    editObject(/\/pulls\/32$/, edit);
    const run = await runGateCli(h, ['--pr', '32', '--format', 'github']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(message);
    expect(run.stderr).not.toMatch(/internal error/);
  });

  it('a files page that repeats an item is read once; one that lost an item fails closed', async () => {
    approvable(33);
    h.repo.push(33, { 'runbooks/x.md': '# x\n' }, user('li-na'));
    h.repo.review(33, user('chen-jie'), 'APPROVED');
    h.gh.rewrite({ path: /\/pulls\/33\/files$/, edit: (d) => [...(d as Obj[]), (d as Obj[])[0]] });
    expect((await gate(h, 33)).status).toBe('satisfied');

    approvable(34);
    h.repo.push(34, { 'runbooks/x.md': '# x\n' }, user('li-na'));
    h.repo.review(34, user('chen-jie'), 'APPROVED');
    h.gh.rewrite({ path: /\/pulls\/34\/files$/, edit: (d) => (d as Obj[]).slice(1) });
    const r = await gate(h, 34);
    expect(r.status).toBe('failed');
    expect(problems(r)).toEqual(['gate.incomplete-list']);
  });

  it('a file with an undocumented status fails closed, named', async () => {
    approvable(35);
    h.repo.review(35, user('chen-jie'), 'APPROVED');
    eachItem(/\/pulls\/35\/files$/, (f) => ({ ...f, status: 'moved' }));
    const run = await runGateCli(h, ['--pr', '35']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`(${changePath()}) has the status "moved"`);
  });
});

describe('compare, trees, permissions, comments', () => {
  it('a comparison without `files` is not "nothing changed": the trees are compared instead, and an approval of older content is stale', async () => {
    const first = approvable(40);
    h.repo.review(40, user('chen-jie'), 'APPROVED', first);
    h.repo.push(40, { [changePath()]: changeYaml({ title: 'changed after the approval' }) }, user('li-na'));
    editObject(/\/compare\//, (c) => {
      const { files: _f, ...rest } = c;
      return rest;
    });
    const r = await gate(h, 40);
    expect(r.status).toBe('pending');
    expect(r.rules.flatMap((x) => x.ignored.map((i) => i.reason))).toContain('stale');
  });

  it('a tree that does not say whether it is complete counts as truncated (fails closed)', async () => {
    approvable(41);
    h.repo.review(41, user('chen-jie'), 'APPROVED');
    editObject(/\/git\/trees\//, (t) => {
      const { truncated: _t, ...rest } = t;
      return rest;
    });
    const r = await gate(h, 41);
    expect(r.status).toBe('failed');
    expect(problems(r)).toContain('gate.tree-truncated');
  });

  it('a permission GitHub does not state is no permission', async () => {
    approvable(42);
    h.repo.review(42, user('chen-jie'), 'APPROVED');
    editObject(/\/collaborators\/[^/]+\/permission$/, (p) => ({ ...p, permission: null, role_name: 7 }));
    const r = await gate(h, 42);
    expect(r.status).toBe('pending');
    expect(reasons(r)).toEqual(['no_permission']);
  });

  it('comments without user or body do not stop the sticky comment from being published', async () => {
    approvable(43);
    h.repo.addComment(43, user('li-na'), 'hello');
    eachItem(/\/issues\/43\/comments$/, (c) => ({ ...c, user: null, body: null }));
    const run = await runGateCli(h, ['--pr', '43', '--format', 'github']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect([...h.repo.comments.values()].filter((c) => c.issue === 43)).toHaveLength(2);
  });
});
