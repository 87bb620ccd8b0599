import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { changePath, changeYaml, gate, runGateCli, user, useHarness } from '../gate/helpers.ts';

/**
 * Commit identities the gate cannot map to anyone: a `Co-authored-by:` trailer with an e-mail that is no
 * person's and no GitHub noreply address, a trailer with no e-mail at all, a commit whose e-mail GitHub links
 * to no account and no person has. An approver could be behind any of them (a private address), so no
 * approval can be trusted: the gate fails closed, naming the commit and the identity, and how to fix it.
 * Through the real Octokit client against the local server.
 */
const h = useHarness();

const unknown = (r: GateResult) => r.problems.filter((p) => p.code === 'gate.unknown-contributor');

/** PR n by li-na, one commit with `message`, approved by chen-jie. */
function withMessage(n: number, message: string) {
  const c = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na'), message });
  h.repo.openPull({ number: n, author: user('li-na'), baseSha: h.base, commits: [c] });
  h.repo.review(n, user('chen-jie'), 'APPROVED');
  return c;
}

describe('contributors the gate cannot identify', () => {
  it('baseline: no trailer, chen-jie’s approval counts', async () => {
    withMessage(1, 'add the change');
    expect((await gate(h, 1)).status).toBe('satisfied');
  });

  it('a co-author by a private e-mail no person has: no approval is trusted, the commit and the e-mail are named', async () => {
    const c = withMessage(2, 'add the change\n\nCo-authored-by: Chen Jie <chenjie.home@example.net>\n');
    const run = await runGateCli(h, ['--pr', '2', '--format', 'json']);
    expect(run.code).toBe(1);
    const r = JSON.parse(run.stdout) as GateResult;
    expect(r.status).toBe('failed');
    const [p] = unknown(r);
    expect(p!.message).toContain(c.slice(0, 7));
    expect(p!.message).toContain('chenjie.home@example.net');
    expect(p!.message).toMatch(/noreply/);
  });

  it('a trailer without an e-mail in angle brackets is no identity either', async () => {
    withMessage(3, 'add the change\n\nCo-Authored-By: chenjie.home@example.net\n');
    const r = await gate(h, 3);
    expect(r.status).toBe('failed');
    expect(unknown(r)[0]!.message).toContain('chenjie.home@example.net');
  });

  it('a commit whose e-mail GitHub links to no account and no person has: fails closed', async () => {
    const c = h.repo.commitAs({ parent: h.base, files: { [changePath()]: changeYaml() }, gitAuthor: { name: 'laptop', email: 'cj@laptop.local' } });
    h.repo.openPull({ number: 4, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(4, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 4);
    expect(r.status).toBe('failed');
    expect(
      unknown(r)
        .map((p) => p.message)
        .join('\n'),
    ).toMatch(/author .*cj@laptop\.local/);
  });

  it('a co-author by a GitHub noreply address is identified (its login), so approvals still count', async () => {
    withMessage(5, 'add the change\n\nCo-authored-by: Outside Helper <777+outside-helper@users.noreply.github.com>\n');
    const r = await gate(h, 5);
    expect(unknown(r)).toEqual([]);
    expect(r.status).toBe('satisfied');
  });

  it("a co-author by a person's own e-mail is that person (a contributor), not an unknown", async () => {
    withMessage(6, 'add the change\n\nCo-authored-by: Chen Jie <chen.jie@yunfan-tech.cn>\n');
    const r = await gate(h, 6);
    expect(unknown(r)).toEqual([]);
    expect(r.status).toBe('pending');
  });

  it("an app's noreply address (`ID+name[bot]@users.noreply.github.com`) is identified as that bot", async () => {
    withMessage(7, 'bump\n\nCo-authored-by: github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\n');
    const r = await gate(h, 7);
    expect(unknown(r)).toEqual([]);
    expect(r.status).toBe('satisfied');
  });
});
