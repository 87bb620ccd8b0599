import { describe, expect, it } from 'vitest';
import { idOf } from '../github-server/server.ts';
import { LOGIN, changePath, changeYaml, gate, openPr, user, useHarness } from './helpers.ts';

/**
 * Hostile review lists, through the real Octokit client against the local server: one reviewer's latest word
 * must decide (ARCHITECTURE.md, "Whose review is whose"), and when the list does not tell which word is the
 * latest, the reviewer's approval must not count and their request for changes must stand.
 */
const h = useHarness();
type Obj = Record<string, unknown>;
const eachReview = (pr: number, edit: (r: Obj) => Obj) => h.gh.rewrite({ path: new RegExp(`/pulls/${pr}/reviews$`), edit: (d) => (Array.isArray(d) ? (d as Obj[]).map(edit) : d) });

/** PR n by li-na with a normal change that chen-jie's approval alone satisfies. */
const approvable = (n: number) => openPr(h, n, 'li-na', { [changePath()]: changeYaml() });

describe('one reviewer, several reviews', () => {
  it('a later request for changes without a submission time is not overtaken by the same reviewer’s dated approval', async () => {
    approvable(1);
    h.repo.review(1, user('chen-jie'), 'APPROVED');
    const later = h.repo.review(1, user('chen-jie'), 'CHANGES_REQUESTED');
    eachReview(1, (r) => (r.id === later.id ? { ...r, submitted_at: null } : r));
    const r = await gate(h, 1);
    expect(r.status).not.toBe('satisfied');
    expect(r.veto.blockers.map((b) => b.person)).toEqual(['chen-jie']);
  });

  it.each(['DISMISSED', 'resolved'])('a later %s review without a submission time withdraws the same reviewer’s dated approval', async (state) => {
    approvable(2);
    h.repo.review(2, user('chen-jie'), 'APPROVED');
    const later = h.repo.review(2, user('chen-jie'), 'COMMENTED');
    eachReview(2, (r) => (r.id === later.id ? { ...r, state, submitted_at: null } : r));
    const r = await gate(h, 2);
    expect(r.status).toBe('pending');
    expect(r.ignored.find((i) => i.state === 'APPROVED')?.reason).toBe('superseded');
  });

  it('one account under two logins is one reviewer: its later request for changes withdraws its approval', async () => {
    approvable(3);
    h.repo.review(3, user('chen-jie'), 'APPROVED');
    h.repo.review(3, { login: 'chenjie-renamed', type: 'User', id: idOf(LOGIN['chen-jie']) }, 'CHANGES_REQUESTED');
    const r = await gate(h, 3);
    expect(r.status).not.toBe('satisfied');
    expect(r.ignored.find((i) => i.state === 'APPROVED')?.reason).toBe('superseded');
  });

  it('submission times that contradict GitHub’s review order (ids only grow) never let an approval overtake a request for changes', async () => {
    approvable(4);
    h.repo.review(4, user('chen-jie'), 'APPROVED');
    const second = h.repo.review(4, user('chen-jie'), 'CHANGES_REQUESTED');
    // The later review (the greater id) claims a time before the approval.
    eachReview(4, (r) => (r.id === second.id ? { ...r, submitted_at: '2020-01-01T00:00:00Z' } : r));
    const r = await gate(h, 4);
    expect(r.status).not.toBe('satisfied');
    expect(r.veto.blockers.map((b) => b.person)).toEqual(['chen-jie']);
  });
});
