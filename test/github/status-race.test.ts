import { describe, expect, it } from 'vitest';
import { changePath, changeYaml, openPr, runGateCli, user, useHarness } from '../gate/helpers.ts';

/**
 * A push that races the gate, through the real CLI (`--format github`, which publishes the commit status): the
 * status goes only to the head the decision was computed for, and a success is never published once that head is
 * no longer the pull request's. The head moves at the worst moments: right after the gate's first read of the pull
 * request, and right after its last read (after every list, before the status is posted).
 */
const h = useHarness();

/** Runs `act` right after GitHub has answered the `nth` read of pull request `n` (that answer itself is unchanged). */
function afterRead(n: number, nth: number, act: () => void) {
  let reads = 0;
  h.gh.rewrite({
    method: 'GET',
    path: new RegExp(`/pulls/${n}$`),
    edit: (d) => {
      if (++reads === nth) act();
      return d;
    },
  });
}

/** PR n by li-na, approved by chen-jie at its head: satisfied while nothing moves. Returns the head. */
function approved(n: number): string {
  const head = openPr(h, n, 'li-na', { [changePath()]: changeYaml() });
  h.repo.review(n, user('chen-jie'), 'APPROVED');
  return head;
}

const statuses = () => h.repo.statuses.map((s) => ({ sha: s.sha, state: s.state }));

describe('a push races the gate', () => {
  it('baseline: nothing moves, the head gets success', async () => {
    const head = approved(1);
    const run = await runGateCli(h, ['--pr', '1', '--format', 'github']);
    expect(run.code).toBe(0);
    expect(statuses()).toEqual([{ sha: head, state: 'success' }]);
  });

  it('the head moves right after the first read: no success anywhere, the old head fails, the new head gets nothing from this run', async () => {
    const old = approved(2);
    let moved = '';
    afterRead(2, 1, () => (moved = h.repo.push(2, { 'runbooks/x.md': '# pushed while the gate ran\n' }, user('li-na'))));
    const run = await runGateCli(h, ['--pr', '2', '--format', 'github']);
    expect(run.code).toBe(1);
    expect(statuses().filter((s) => s.state === 'success')).toEqual([]);
    expect(statuses().filter((s) => s.sha === moved)).toEqual([]);
    expect(statuses()).toEqual([{ sha: old, state: 'failure' }]);
  });

  it('the head moves after the last read, before the status is posted: no success for the old head, none for the new', async () => {
    const old = approved(3);
    let moved = '';
    // Read 1: the first read; read 2: the read after every list. The push lands between it and the status.
    afterRead(3, 2, () => (moved = h.repo.push(3, { 'runbooks/x.md': '# pushed while the gate ran\n' }, user('li-na'))));
    const run = await runGateCli(h, ['--pr', '3', '--format', 'github']);
    expect(moved).not.toBe('');
    expect(run.code).toBe(1);
    expect(statuses().filter((s) => s.state === 'success')).toEqual([]);
    expect(statuses().filter((s) => s.sha === moved)).toEqual([]);
    expect(statuses()).toEqual([{ sha: old, state: 'failure' }]);
    expect(run.stdout).toContain('gate.head-moved');
    // The comment says so too: it never shows a success the status does not carry.
    const comment = [...h.repo.comments.values()].find((c) => c.issue === 3)!;
    expect(comment.body).not.toMatch(/approval: satisfied/);
    expect(comment.body).toContain(moved.slice(0, 7));
  });

  it('the pull request is retargeted to another base after the last read: no success under the old base’s status', async () => {
    approved(4);
    afterRead(4, 2, () => (h.repo.pull(4).baseRef = 'release'));
    const run = await runGateCli(h, ['--pr', '4', '--format', 'github']);
    expect(run.code).toBe(1);
    expect(statuses().filter((s) => s.state === 'success')).toEqual([]);
  });

  it('the pull request is closed after the last read: no success is published for it', async () => {
    approved(5);
    afterRead(5, 2, () => (h.repo.pull(5).state = 'closed'));
    const run = await runGateCli(h, ['--pr', '5', '--format', 'github']);
    expect(run.code).toBe(1);
    expect(statuses().filter((s) => s.state === 'success')).toEqual([]);
  });
});
