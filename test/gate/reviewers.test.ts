import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, LOGIN, changePath, changeYaml, runGateCli, user, useHarness } from './helpers.ts';

/**
 * Whose review counts (issue 10, items 5–7), through the real CLI: deleted
 * accounts and people without a login never count; contributors include
 * co-authors and commit e-mails; reviews below write permission do not count.
 */
const h = useHarness();

interface R {
  status: string;
  ignored: { login: string; reason: string }[];
  rules: { id: string; status: string }[];
}
const decide = async (pr: number): Promise<R> => JSON.parse((await runGateCli(h, ['--pr', String(pr), '--format', 'json'])).stdout) as R;
const reasons = (r: R) => r.ignored.map((i) => [i.login, i.reason]);

describe('reviewer identity', () => {
  it('a review whose user is null (a deleted account) never counts, even for a person without a login', async () => {
    const policy = readFileSync(path.join(FIXTURES, 'base/policies/approval.yaml'), 'utf8').replace('members: [zhang-wei, li-na, zhao-min]', 'members: [zhang-wei, li-na, zhao-min, ex-contractor]');
    const base = h.repo.commit({
      parent: h.base,
      files: { 'policies/approval.yaml': policy, 'policies/access/people/ex-contractor.yaml': 'id: ex-contractor\nname: Former contractor\nteam: ops\nstatus: active\n' },
      author: user('zhang-wei'),
      committer: user('zhang-wei'),
    });
    const c = h.repo.commit({ parent: base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 60, author: user('li-na'), baseSha: base, commits: [c] });
    h.repo.review(60, null, 'APPROVED');
    const r = await decide(60);
    expect(r.status).toBe('pending');
    expect(reasons(r)).toEqual([['(deleted account)', 'deleted_user']]);
  });
});

describe('contributors', () => {
  it('a Co-authored-by trailer makes the co-author a contributor', async () => {
    const c = h.repo.commit({
      parent: h.base,
      files: { [changePath()]: changeYaml() },
      author: user('li-na'),
      committer: user('li-na'),
      message: 'add the change\n\nCo-authored-by: Chen Jie <CHEN.JIE@yunfan-tech.cn>\n',
    });
    h.repo.openPull({ number: 61, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(61, user('chen-jie'), 'APPROVED');
    const r = await decide(61);
    expect(r.status).toBe('pending');
    expect(reasons(r)).toEqual([[LOGIN['chen-jie'], 'contributor']]);
  });

  it("a commit whose e-mail is a person's counts them as a contributor, even when GitHub maps it to no account", async () => {
    const c = h.repo.commitAs({ parent: h.base, files: { [changePath()]: changeYaml() }, gitAuthor: { name: 'laptop', email: 'chen.jie@yunfan-tech.cn' } });
    h.repo.openPull({ number: 62, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(62, user('chen-jie'), 'APPROVED');
    const r = await decide(62);
    expect(reasons(r)).toEqual([[LOGIN['chen-jie'], 'contributor']]);
    expect(r.status).toBe('pending');
  });

  it("GitHub's noreply address names its login", async () => {
    const c = h.repo.commitAs({ parent: h.base, files: { [changePath()]: changeYaml() }, gitAuthor: { name: 'x', email: `4242+${LOGIN['chen-jie']}@users.noreply.github.com` } });
    h.repo.openPull({ number: 63, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(63, user('chen-jie'), 'APPROVED');
    expect(reasons(await decide(63))).toEqual([[LOGIN['chen-jie'], 'contributor']]);
  });
});

describe('repository permission', () => {
  it('an approval from someone below write does not count; maintain does; each person is read once', async () => {
    const c = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 64, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(64, user('chen-jie'), 'COMMENTED');
    h.repo.review(64, user('chen-jie'), 'APPROVED');
    h.repo.permissions.set(LOGIN['chen-jie'], 'read');
    let r = await decide(64);
    expect(r.status).toBe('pending');
    expect(reasons(r)).toEqual([
      [LOGIN['chen-jie'], 'comment'],
      [LOGIN['chen-jie'], 'no_permission'],
    ]);
    expect(h.gh.requests.filter((q) => q.path.includes('/collaborators/')).map((q) => q.path)).toEqual([`/repos/yunfan/ops/collaborators/${LOGIN['chen-jie']}/permission`]);
    h.repo.permissions.set(LOGIN['chen-jie'], 'maintain');
    r = await decide(64);
    expect(r.status).toBe('satisfied');
  });

  it('a login GitHub no longer knows (404) has no role: the review does not count, the gate still decides', async () => {
    const c = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 66, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(66, user('chen-jie'), 'APPROVED');
    h.gh.fail({ method: 'GET', path: /\/collaborators\/chenjie-yf\/permission$/, kind: 'status', status: 404, times: Infinity });
    const r = await decide(66);
    expect(r.status).toBe('pending');
    expect(reasons(r)).toEqual([[LOGIN['chen-jie'], 'no_permission']]);
  });

  it('fails closed when the permission cannot be read', async () => {
    const c = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 65, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(65, user('chen-jie'), 'APPROVED');
    h.gh.fail({ method: 'GET', path: /\/collaborators\//, kind: 'status', status: 502, times: Infinity });
    const r = JSON.parse((await runGateCli(h, ['--pr', '65', '--format', 'json'])).stdout);
    expect(r.status).toBe('failed');
    expect(r.problems[0].message).toMatch(/repository permission of chenjie-yf.*HTTP 502/);
  });
});
