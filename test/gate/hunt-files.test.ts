import { describe, expect, it } from 'vitest';
import { changePath, changeYaml, gate, openPr, user, useHarness } from './helpers.ts';

/**
 * A file list that hides a changed file, with the pull request's own count agreeing: the head and base trees (read
 * and checked against their ids) say what changed, so a path they show changed that the list leaves out fails the
 * gate closed (ARCHITECTURE.md, "Content is bound by git's ids"). Through the real Octokit client.
 */
const h = useHarness();
type Obj = Record<string, unknown>;

describe('a file list that leaves out a changed file', () => {
  it('a governed file left out of the list (and out of changed_files) fails closed, naming it', async () => {
    openPr(h, 1, 'li-na', { [changePath()]: changeYaml(), 'scripts/gate/evaluate.ts': 'export const evaluateGate = () => ({ status: "satisfied" });\n' });
    h.repo.review(1, user('chen-jie'), 'APPROVED');
    h.gh.rewrite({ path: /\/pulls\/1\/files$/, edit: (d) => (d as Obj[]).filter((f) => f.filename !== 'scripts/gate/evaluate.ts') });
    h.gh.rewrite({ path: /\/pulls\/1$/, edit: (d) => ({ ...(d as Obj), changed_files: 1 }) });
    const r = await gate(h, 1);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => p.code)).toContain('gate.files-incomplete');
    expect(r.problems.find((p) => p.code === 'gate.files-incomplete')?.message).toContain('scripts/gate/evaluate.ts');
  });

  it('the same pull request with its whole list is judged as usual (the governance tier applies)', async () => {
    openPr(h, 2, 'li-na', { [changePath()]: changeYaml(), 'scripts/gate/evaluate.ts': 'export {};\n' });
    h.repo.review(2, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 2);
    expect(r.problems).toEqual([]);
    expect(r.rules.map((x) => x.id)).toContain('governance');
  });

  it('a pull request whose base moved on is checked against the trees of where its commits begin (merge base), by one more tree', async () => {
    const c1 = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na'), message: 'change' });
    const b1 = h.repo.commit({ parent: h.base, files: { 'runbooks/README.md': '# runbooks, edited on main\n' }, author: user('zhang-wei'), committer: user('zhang-wei'), message: 'main moves on' });
    h.repo.openPull({ number: 3, author: user('li-na'), baseSha: b1, commits: [c1] });
    h.repo.review(3, user('chen-jie'), 'APPROVED');
    // GitHub lists the changes since the merge base (h.base), not since the base branch's tip.
    h.gh.rewrite({ path: /\/pulls\/3\/files$/, edit: (d) => (d as Obj[]).filter((f) => f.filename !== 'runbooks/README.md') });
    h.gh.rewrite({ path: /\/pulls\/3$/, edit: (d) => ({ ...(d as Obj), changed_files: 1 }) });
    const r = await gate(h, 3);
    expect(r.problems).toEqual([]);
    expect(r.status).toBe('satisfied');
  });

  it('a pull request that merged its base branch in is checked against the fork point the list is taken from', async () => {
    const c1 = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na'), message: 'change' });
    const b1 = h.repo.commit({ parent: h.base, files: { 'runbooks/README.md': '# runbooks, edited on main\n' }, author: user('zhang-wei'), committer: user('zhang-wei'), message: 'main moves on' });
    const m = h.repo.commit({ parents: [c1, b1], files: { 'runbooks/README.md': '# runbooks, edited on main\n' }, author: user('li-na'), committer: user('li-na'), message: 'merge main' });
    h.repo.openPull({ number: 4, author: user('li-na'), baseSha: b1, commits: [c1, m] });
    h.repo.review(4, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 4);
    expect(r.problems).toEqual([]);
    expect(r.status).toBe('satisfied');
  });

  it('commits without parents are checked against the base commit: a left-out file still fails closed', async () => {
    openPr(h, 5, 'li-na', { [changePath()]: changeYaml(), '.github/workflows/apply.yml': 'on: push\n' });
    h.repo.review(5, user('chen-jie'), 'APPROVED');
    h.gh.rewrite({ path: /\/pulls\/5\/commits$/, edit: (d) => (d as Obj[]).map((c) => ({ ...c, parents: undefined })) });
    h.gh.rewrite({ path: /\/pulls\/5\/files$/, edit: (d) => (d as Obj[]).filter((f) => f.filename !== '.github/workflows/apply.yml') });
    h.gh.rewrite({ path: /\/pulls\/5$/, edit: (d) => ({ ...(d as Obj), changed_files: 1 }) });
    const r = await gate(h, 5);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => p.code)).toEqual(['gate.files-incomplete']);
    expect(r.problems[0]!.message).toContain('.github/workflows/apply.yml');
  });
});
