import { describe, expect, it } from 'vitest';
import { changePath, changeYaml, gate, user, useHarness } from './helpers.ts';

/**
 * Whose review is whose, through the real Octokit client against the local GitHub server. A human with two
 * accounts, each listed in policies/access/people/ under its own id but with the same e-mail, is one person:
 * the author's second account never approves the author's own change. And only GitHub's `User` accounts are
 * people: a review whose account is of any other type (`bot` in another case, `Organization`, `Mannequin`)
 * never counts, whatever login it carries.
 */
const h = useHarness();

const alt = (email: string) => `id: chen-jie-2
name: 陈杰 (second account)
github: chenjie-two
email: ${email}
status: active
`;

/** A base with chen-jie's second account in the people files, and PR n opened and written from it, approved by chen-jie. */
function openFromSecondAccount(n: number, email: string) {
  const base = h.repo.commit({ parent: h.base, files: { 'policies/access/people/chen-jie-2.yaml': alt(email) }, author: user('zhang-wei'), committer: user('zhang-wei') });
  const second = { login: 'chenjie-two', type: 'User' as const };
  const c = h.repo.commit({ parent: base, files: { [changePath()]: changeYaml() }, author: second, committer: second });
  h.repo.openPull({ number: n, author: second, baseSha: base, commits: [c] });
  h.repo.review(n, user('chen-jie'), 'APPROVED');
}

describe('one person, two accounts', () => {
  it('baseline: a second account with its own e-mail is another person; the approval counts', async () => {
    openFromSecondAccount(1, 'someone.else@yunfan-tech.cn');
    const r = await gate(h, 1);
    expect(r.problems).toEqual([]);
    expect(r.status).toBe('satisfied');
  });

  it("the author's second account (the same e-mail, any case) never approves the author's change", async () => {
    openFromSecondAccount(2, 'Chen.Jie@yunfan-tech.cn');
    const r = await gate(h, 2);
    expect(r.status).not.toBe('satisfied');
    expect(JSON.stringify(r)).toMatch(/chenjie-yf is chen-jie, the same person as chen-jie-2 \(the same e-mail or account id\), who opened the pull request as chenjie-two/);
  });
});

describe('only User accounts are people', () => {
  for (const type of ['bot', 'BOT', 'Organization', 'Mannequin']) {
    it(`a review from a person's login whose account type is ${JSON.stringify(type)} never counts`, async () => {
      const c = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
      h.repo.openPull({ number: 3, author: user('li-na'), baseSha: h.base, commits: [c] });
      h.repo.review(3, { login: user('chen-jie').login, type: type as 'Bot' }, 'APPROVED');
      const r = await gate(h, 3);
      expect(r.status).not.toBe('satisfied');
      expect(JSON.stringify(r)).toMatch(new RegExp(`chenjie-yf is a ${type} account, not a person's`));
    });
  }
});

describe('people who have left by their left_on date', () => {
  const leaving = (leftOn: string) =>
    h.repo.commit({
      parent: h.base,
      files: { 'policies/access/people/chen-jie.yaml': h.repo.commits.get(h.base)!.tree.get('policies/access/people/chen-jie.yaml')!.replace('status: active', `status: active\nleft_on: ${leftOn}`) },
      author: user('zhang-wei'),
      committer: user('zhang-wei'),
    });
  const pr = (n: number, base: string) => {
    const c = h.repo.commit({ parent: base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: n, author: user('li-na'), baseSha: base, commits: [c] });
    h.repo.review(n, user('chen-jie'), 'APPROVED');
  };

  it('baseline: leaving after the decision date, the approval still counts', async () => {
    pr(5, leaving('2027-01-31'));
    const r = await gate(h, 5);
    expect(r.problems).toEqual([]);
    expect(r.status).toBe('satisfied');
  });

  it('a left_on on or before the decision date (status not yet set to left) never counts', async () => {
    pr(6, leaving('2026-11-27'));
    const r = await gate(h, 6);
    expect(r.status).not.toBe('satisfied');
    expect(JSON.stringify(r)).toMatch(/chen-jie is no longer with the organisation \(left 2026-11-27\)/);
  });
});

describe('a login two people claim', () => {
  it('two people files with the same GitHub login (differing only in case) fail closed: whose review it is cannot be told', async () => {
    const base = h.repo.commit({
      parent: h.base,
      files: { 'policies/access/people/chen-jie-x.yaml': 'id: chen-jie-x\nname: Someone else\ngithub: ChenJie-YF\nemail: x@yunfan-tech.cn\nstatus: active\n' },
      author: user('zhang-wei'),
      committer: user('zhang-wei'),
    });
    const c = h.repo.commit({ parent: base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 7, author: user('li-na'), baseSha: base, commits: [c] });
    h.repo.review(7, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 7);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => p.code)).toContain('approval.duplicate-login');
    expect(r.problems.find((p) => p.code === 'approval.duplicate-login')!.message).toMatch(/chen-jie and chen-jie-x both have the GitHub login chenjie-yf/);
  });
});
