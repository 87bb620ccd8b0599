import { describe, expect, it } from 'vitest';
import { changePath, changeYaml, gate, openPr, user, useHarness } from '../gate/helpers.ts';

/**
 * Reviews bound to what they reviewed, through the real Octokit client: an approval whose commit is not in the
 * pull request (another branch's commit with the very same tree) approves nothing here, and a review dismissed
 * while the gate reads fails the decision closed rather than counting the approval it withdrew.
 */
const h = useHarness();

describe('what a review is bound to', () => {
  it('baseline: an approval of the head counts', async () => {
    openPr(h, 1, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(1, user('chen-jie'), 'APPROVED');
    expect((await gate(h, 1)).status).toBe('satisfied');
  });

  it('an approval of a commit outside the pull request, even one with the same tree, is stale', async () => {
    const files = { [changePath()]: changeYaml() };
    openPr(h, 2, 'li-na', files);
    const elsewhere = h.repo.commit({ parent: h.base, files, author: user('li-na'), committer: user('li-na'), message: 'same tree, other branch' });
    h.repo.review(2, user('chen-jie'), 'APPROVED', elsewhere);
    const r = await gate(h, 2);
    expect(r.status).not.toBe('satisfied');
    expect(JSON.stringify(r)).toMatch(new RegExp(`cannot tell what changed since ${elsewhere.slice(0, 7)} \\(not in this pull request any more`));
  });

  it('a review dismissed between the first read and the last fails closed', async () => {
    openPr(h, 3, 'li-na', { [changePath()]: changeYaml() });
    const approval = h.repo.review(3, user('chen-jie'), 'APPROVED');
    let done = false;
    h.gh.rewrite({
      path: /\/pulls\/3\/reviews$/,
      edit: (d) => {
        if (!done) {
          done = true;
          approval.state = 'DISMISSED';
        }
        return d;
      },
    });
    const r = await gate(h, 3);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => p.code)).toContain('gate.reviews-changed');
  });
});

/**
 * GitHub writes commit ids as 40 (SHA-1) or 64 (SHA-256) lowercase hex digits. An id in another case names the same
 * commit and is compared canonically; a prefix, a longer or shorter string, or anything not hex never names it.
 */
describe('how a commit id is spelled', () => {
  type Obj = Record<string, unknown>;
  /** PR n approved by chen-jie; the review list sends its commit_id as `spell(head)`. */
  function spelled(n: number, spell: (sha: string) => string) {
    const head = openPr(h, n, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(n, user('chen-jie'), 'APPROVED');
    h.gh.rewrite({ path: new RegExp(`/pulls/${n}/reviews$`), edit: (d) => (d as Obj[]).map((r) => ({ ...r, commit_id: spell(String(r.commit_id)) })) });
    return head;
  }
  const staleReasons = (r: Awaited<ReturnType<typeof gate>>) => r.rules.flatMap((x) => x.ignored.filter((i) => i.reason === 'stale'));

  it('an approval whose commit_id is the head in upper case counts', async () => {
    spelled(10, (s) => s.toUpperCase());
    const r = await gate(h, 10);
    expect(r.problems).toEqual([]);
    expect(staleReasons(r)).toEqual([]);
    expect(r.status).toBe('satisfied');
  });

  it('an approval of an earlier commit of the pull request, in mixed case, is judged by what changed since it', async () => {
    const first = openPr(h, 11, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(11, user('chen-jie'), 'APPROVED', first);
    h.repo.push(11, { [changePath()]: changeYaml({ title: 'changed after the approval' }) }, user('li-na'));
    const mixed = [...first].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
    h.gh.rewrite({ path: /\/pulls\/11\/reviews$/, edit: (d) => (d as Obj[]).map((r) => ({ ...r, commit_id: mixed })) });
    const r = await gate(h, 11);
    expect(r.status).toBe('pending');
    expect(staleReasons(r)[0]?.detail).toMatch(new RegExp(`approved ${first.slice(0, 7)}; since then ${changePath()} changed`));
  });

  it('the head named in upper case by the pull request matches a review in lower case', async () => {
    openPr(h, 12, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(12, user('chen-jie'), 'APPROVED');
    h.gh.rewrite({ path: /\/pulls\/12$/, edit: (d) => ({ ...(d as Obj), head: { ...((d as Obj).head as Obj), sha: String(((d as Obj).head as Obj).sha).toUpperCase() } }) });
    const r = await gate(h, 12);
    expect(r.problems).toEqual([]);
    expect(r.status).toBe('satisfied');
  });

  it.each([
    ['a 12-digit prefix of the head', (s: string) => s.slice(0, 12)],
    ['a 39-digit prefix of the head', (s: string) => s.slice(0, 39)],
    ['the head with two more digits', (s: string) => `${s}00`],
    ['the head padded to 64 digits', (s: string) => s.padEnd(64, '0')],
    ['the head with spaces around it', (s: string) => ` ${s} `],
    ['the head with a non-hex digit', (s: string) => `${s.slice(0, 39)}g`],
  ])('an approval whose commit_id is %s never counts', async (_what, spell) => {
    spelled(13, spell);
    const r = await gate(h, 13);
    expect(r.status).toBe('pending');
    expect([...new Set(staleReasons(r).map((i) => i.login))]).toEqual(['chenjie-yf']);
  });
});
