import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { changePath, changeYaml, gate, runGateCli, user, useHarness } from '../gate/helpers.ts';

/**
 * GitHub logins are not identities: an account can be renamed, and its old login registered by anyone.
 * A person may pin the account by its immutable id (`github_id`); then only a review whose `user.id`
 * is that id counts for them, and a review by their login from another account says so, located in
 * their people file. Through the real Octokit client against the local server.
 */
const h = useHarness();

const CHEN = 'policies/access/people/chen-jie.yaml';
const CHEN_ID = 4242;

/** A base where chen-jie's people file pins `github_id` (unless null), and PR n by li-na with a low-risk change. */
function withId(n: number, id: number | null = CHEN_ID) {
  const text = h.repo.commits
    .get(h.base)!
    .tree.get(CHEN)!
    .replace('github: chenjie-yf', `github: chenjie-yf${id === null ? '' : `\ngithub_id: ${id}`}`);
  const base = h.repo.commit({ parent: h.base, files: { [CHEN]: text }, author: user('zhang-wei'), committer: user('zhang-wei'), message: 'pin' });
  const head = h.repo.commit({ parent: base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na'), message: `PR ${n}` });
  h.repo.openPull({ number: n, author: user('li-na'), baseSha: base, commits: [head] });
}

const ignored = (r: GateResult, login: string) => r.ignored.filter((i) => i.login === login);

describe('github_id', () => {
  it('baseline: the pinned account (login and id) approves', async () => {
    withId(1);
    h.repo.review(1, { login: 'chenjie-yf', id: CHEN_ID }, 'APPROVED');
    expect((await gate(h, 1)).status).toBe('satisfied');
  });

  it('the login recycled by another account (another id) never approves; the gate names both ids and the file', async () => {
    withId(2);
    h.repo.review(2, { login: 'chenjie-yf', id: 9_999_001 }, 'APPROVED');
    const r = await gate(h, 2);
    expect(r.status).toBe('pending');
    const [i] = ignored(r, 'chenjie-yf');
    expect(i).toMatchObject({ reason: 'identity_mismatch', person: 'chen-jie' });
    expect(i!.detail).toContain(CHEN);
    expect(i!.detail).toContain(String(CHEN_ID));
    expect(i!.detail).toContain('9999001');
    const run = await runGateCli(h, ['--pr', '2']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/not counted: chenjie-yf .*9999001/);
  });

  it('a review whose user carries no id does not count for a pinned person', async () => {
    withId(3);
    h.repo.review(3, { login: 'chenjie-yf', id: CHEN_ID }, 'APPROVED');
    h.gh.rewrite({
      path: /\/pulls\/3\/reviews$/,
      edit: (d) => (d as Record<string, unknown>[]).map((r) => ({ ...r, user: { login: 'chenjie-yf', type: 'User' } })),
    });
    const r = await gate(h, 3);
    expect(r.status).toBe('pending');
    expect(ignored(r, 'chenjie-yf')[0]).toMatchObject({ reason: 'identity_mismatch' });
  });

  it('a request for changes from the recycled login is not the person’s veto either (a stranger’s)', async () => {
    withId(4);
    h.repo.review(4, { login: 'chenjie-yf', id: 9_999_002 }, 'CHANGES_REQUESTED');
    const r = await gate(h, 4);
    expect(r.veto.blockers).toEqual([]);
  });

  it('the pinned person renamed their account: the review by the new login is named as theirs, with the fix', async () => {
    withId(5);
    h.repo.review(5, { login: 'chenjie-new', id: CHEN_ID }, 'APPROVED');
    const r = await gate(h, 5);
    expect(r.status).toBe('pending');
    expect(ignored(r, 'chenjie-new')[0]!.detail).toMatch(/github_id 4242 of chen-jie.*renamed.*github: chenjie-new/);
  });

  it('the reviews read again name another account id for the same review: fails closed (one state of the reviews)', async () => {
    withId(8);
    h.repo.review(8, { login: 'chenjie-yf', id: CHEN_ID }, 'APPROVED');
    let reads = 0;
    h.gh.rewrite({
      path: /\/pulls\/8\/reviews$/,
      edit: (d) => (++reads === 1 ? d : (d as Record<string, unknown>[]).map((r) => ({ ...r, user: { login: 'chenjie-yf', id: 9_999_004, type: 'User' } }))),
    });
    const r = await gate(h, 8);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => p.code)).toContain('gate.reviews-changed');
  });

  it('without github_id the login alone decides, as before', async () => {
    withId(6, null);
    h.repo.review(6, { login: 'chenjie-yf', id: 9_999_003 }, 'APPROVED');
    const r6 = await gate(h, 6);
    expect(r6.ignored, JSON.stringify(r6.ignored)).toEqual([]);
    expect(r6.status).toBe('satisfied');
  });

  it('github_id must be a positive whole number (schema): a base people file with another fails closed', async () => {
    const text = h.repo.commits.get(h.base)!.tree.get(CHEN)!.replace('github: chenjie-yf', 'github: chenjie-yf\ngithub_id: "4242"');
    const base = h.repo.commit({ parent: h.base, files: { [CHEN]: text }, author: user('zhang-wei'), committer: user('zhang-wei') });
    const head = h.repo.commit({ parent: base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 7, author: user('li-na'), baseSha: base, commits: [head] });
    h.repo.review(7, { login: 'chenjie-yf', id: CHEN_ID }, 'APPROVED');
    const r = await gate(h, 7);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => p.file)).toContain(CHEN);
  });
});

/**
 * The pull request's author is an account, named by its id: a login can be renamed away and registered again. The
 * author's account approving under another login is still the author; another account that carries the login the
 * pull request shows for its author is not.
 */
describe('the author by account id', () => {
  const AUTHOR_ID = 7_770_001;
  /** PR n opened by the account AUTHOR_ID under `login`, writing a low-risk change (the commit by li-na). */
  function openedBy(n: number, login: string, base = h.base) {
    const head = h.repo.commit({ parent: base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na'), message: `PR ${n}` });
    h.repo.openPull({ number: n, author: { login, id: AUTHOR_ID }, baseSha: base, commits: [head] });
  }

  it('baseline: chen-jie approves a pull request li-na’s account opened', async () => {
    openedBy(20, 'lina-yf');
    h.repo.review(20, user('chen-jie'), 'APPROVED');
    expect((await gate(h, 20)).status).toBe('satisfied');
  });

  it('the author’s account, now under the login chen-jie gave up, never approves its own change', async () => {
    openedBy(21, 'lina-yf');
    h.repo.review(21, { login: 'chenjie-yf', id: AUTHOR_ID }, 'APPROVED');
    const r = await gate(h, 21);
    expect(r.status).toBe('pending');
    expect(ignored(r, 'chenjie-yf')[0]).toMatchObject({ reason: 'author' });
  });

  it('another account whose login is the one the pull request shows for its author is judged by its id, not taken for the author', async () => {
    withId(25); // its base pins chen-jie to CHEN_ID
    const base = h.repo.pull(25).baseSha;
    h.repo.pull(25).state = 'closed';
    openedBy(22, 'chenjie-yf', base);
    h.repo.review(22, { login: 'chenjie-yf', id: CHEN_ID }, 'APPROVED');
    const r = await gate(h, 22);
    expect(ignored(r, 'chenjie-yf')).toEqual([]);
    expect(r.status).toBe('satisfied');
  });

  it('the author’s own request for changes is never a veto, under any login', async () => {
    openedBy(23, 'lina-yf');
    h.repo.review(23, user('chen-jie'), 'APPROVED');
    h.repo.review(23, { login: 'liuyang-yf', id: AUTHOR_ID }, 'CHANGES_REQUESTED');
    const r = await gate(h, 23);
    expect(r.veto.blockers).toEqual([]);
  });

  it('the author read again is another account: fails closed', async () => {
    openedBy(24, 'lina-yf');
    h.repo.review(24, user('chen-jie'), 'APPROVED');
    let reads = 0;
    h.gh.rewrite({ path: /\/pulls\/24$/, edit: (d) => (++reads === 2 ? { ...(d as Record<string, unknown>), user: { login: 'lina-yf', id: 7_770_002, type: 'User' } } : d) });
    const r = await gate(h, 24);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => p.code)).toContain('gate.head-moved');
  });
});

describe('commit authors by account id', () => {
  it('the account that wrote a commit, approving under another login, is still a contributor', async () => {
    const WRITER = 7_770_100;
    const head = h.repo.commit({
      parent: h.base,
      files: { [changePath()]: changeYaml() },
      author: { login: 'wangfang-yf', id: WRITER },
      committer: { login: 'wangfang-yf', id: WRITER },
      message: 'PR 30',
    });
    h.repo.openPull({ number: 30, author: user('li-na'), baseSha: h.base, commits: [head] });
    // The same account, now under the login chen-jie gave up.
    h.repo.review(30, { login: 'chenjie-yf', id: WRITER }, 'APPROVED');
    const r = await gate(h, 30);
    expect(r.status).toBe('pending');
    expect(ignored(r, 'chenjie-yf')[0]).toMatchObject({ reason: 'contributor' });
  });
});
