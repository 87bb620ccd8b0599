import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { changePath, changeYaml, gate, runGateCli, user, useHarness } from '../gate/helpers.ts';

/**
 * Logins that are not GitHub logins, through the real Octokit client. GitHub logins are ASCII; the gate
 * matches them to people without regard to case, and JavaScript's toLowerCase folds some non-ASCII
 * letters into ASCII ones (KELVIN SIGN U+212A becomes `k`). A login GitHub never issues must never
 * become a person: any such login in a payload fails the gate closed, named.
 */
const h = useHarness();

const KELVIN = '\u212A';

/** A base where chen-jie's GitHub login is `kchenjie-yf`, and PR n by li-na on it. */
function withKLogin(n: number) {
  const people = 'policies/access/people/chen-jie.yaml';
  const text = h.repo.commits.get(h.base)!.tree.get(people)!.replace('github: chenjie-yf', 'github: kchenjie-yf');
  const base = h.repo.commit({ parent: h.base, files: { [people]: text }, author: user('zhang-wei'), committer: user('zhang-wei'), message: 'login' });
  const head = h.repo.commit({ parent: base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na'), message: `PR ${n}` });
  h.repo.openPull({ number: n, author: user('li-na'), baseSha: base, commits: [head] });
}

describe('lookalike logins', () => {
  it('baseline: the real kchenjie-yf approves', async () => {
    withKLogin(1);
    h.repo.review(1, { login: 'kchenjie-yf', type: 'User' }, 'APPROVED');
    expect((await gate(h, 1)).status).toBe('satisfied');
  });

  it("a reviewer whose login folds to a person's (KELVIN SIGN → k) never approves for them: fails closed, named", async () => {
    withKLogin(2);
    h.repo.review(2, { login: `${KELVIN}chenjie-yf`, type: 'User' }, 'APPROVED');
    const run = await runGateCli(h, ['--pr', '2', '--format', 'json']);
    expect(run.code).toBe(1);
    const r = JSON.parse(run.stdout) as GateResult;
    expect(r.status).toBe('failed');
    expect(r.problems[0]!.message).toContain('is not a GitHub login');
  });

  it.each([
    [
      'a Cyrillic lookalike as the author',
      (n: number) =>
        h.repo.openPull({
          number: n,
          author: { login: 'lіna-yf', type: 'User' },
          baseSha: h.base,
          commits: [h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') })],
        }),
    ],
    [
      'a login with a space',
      (n: number) =>
        h.repo.openPull({
          number: n,
          author: { login: 'li na', type: 'User' },
          baseSha: h.base,
          commits: [h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') })],
        }),
    ],
  ])('%s fails closed', async (_what, open) => {
    open(3);
    h.repo.review(3, user('chen-jie'), 'APPROVED');
    await expect(gate(h, 3)).rejects.toThrow(/is not a GitHub login/);
  });
});
