import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { gate, openPr, runGateCli, user, useHarness } from '../gate/helpers.ts';

/**
 * A file list that does not describe the head, through the real Octokit client: a rename without the
 * path it left, paths spelt otherwise than the tree has them, a file "removed" that is still there.
 * Renaming `scripts/bin/opsgate.ts` (governance tier) to `docs/opsgate.ts` needs the governance tier;
 * if the list hid the old name, one approval under `everything-else` would do.
 */
const h = useHarness();

type Obj = Record<string, unknown>;
const eachFile = (n: number, edit: (f: Obj) => Obj) => h.gh.rewrite({ path: new RegExp(`/pulls/${n}/files$`), edit: (d) => (d as Obj[]).map(edit) });
const problems = (r: GateResult) => r.problems.map((p) => p.code);

/** PR n by li-na that moves the governed `scripts/bin/opsgate.ts` to `docs/opsgate.ts`, approved by chen-jie alone. */
function moveOutOfGovernance(n: number) {
  openPr(h, n, 'li-na', { 'scripts/bin/opsgate.ts': null, 'docs/opsgate.ts': '// code\n' });
  h.repo.review(n, user('chen-jie'), 'APPROVED');
}

describe('renames', () => {
  it('baseline: a rename out of a governed path needs the governance tier', async () => {
    moveOutOfGovernance(1);
    const r = await gate(h, 1);
    expect(r.status).toBe('pending');
    expect(r.rules.map((x) => x.id)).toContain('governance');
  });

  it('a rename without previous_filename fails closed, naming the file', async () => {
    moveOutOfGovernance(2);
    eachFile(2, (f) => {
      const { previous_filename: _p, ...rest } = f;
      return rest;
    });
    const run = await runGateCli(h, ['--pr', '2', '--format', 'json']);
    expect(run.code).toBe(1);
    const r = JSON.parse(run.stdout) as GateResult;
    expect(r.status).toBe('failed');
    expect(r.problems[0]!.message).toContain('(docs/opsgate.ts) is renamed but names no previous_filename');
  });
});

describe('paths the head tree does not have', () => {
  it.each([
    ['a detour through another folder', 'docs/../scripts/bin/opsgate.ts'],
    ['a leading ./', './scripts/bin/opsgate.ts'],
    ['a leading /', '/scripts/bin/opsgate.ts'],
    ['another case', 'Scripts/bin/opsgate.ts'],
  ])('a modified governed file listed under %s fails closed', async (_what, spelt) => {
    openPr(h, 3, 'li-na', { 'scripts/bin/opsgate.ts': '// other code\n' });
    h.repo.review(3, user('chen-jie'), 'APPROVED');
    eachFile(3, (f) => (f.filename === 'scripts/bin/opsgate.ts' ? { ...f, filename: spelt } : f));
    const r = await gate(h, 3);
    expect(r.status).toBe('failed');
    expect(problems(r)).toEqual(['gate.file-not-in-tree']);
    expect(r.problems[0]!.message).toContain(`${JSON.stringify(spelt)} as modified, but the head tree`);
  });

  it('a file listed as removed that the head still has fails closed', async () => {
    openPr(h, 4, 'li-na', { 'docs/a.md': '# a\n' });
    h.repo.review(4, user('chen-jie'), 'APPROVED');
    eachFile(4, (f) => ({ ...f, status: 'removed' }));
    const r = await gate(h, 4);
    expect(r.status).toBe('failed');
    expect(problems(r)).toEqual(['gate.file-not-in-tree']);
  });

  it('an ordinary list agrees with the tree (added, modified, removed, renamed)', async () => {
    const policy = h.repo.commits.get(h.base)!.tree.get('policies/approval.yaml')!;
    openPr(h, 5, 'li-na', { 'docs/a.md': '# a\n', 'runbooks/README.md': null, 'policies/approval.yaml': `${policy}# edited\n`, 'docs/opsgate.ts': '// code\n', 'scripts/bin/opsgate.ts': null });
    const r = await gate(h, 5);
    expect(r.rules.find((x) => x.id === 'governance')!.matched_files).toEqual(expect.arrayContaining(['policies/approval.yaml', 'scripts/bin/opsgate.ts']));
    expect(problems(r)).toEqual([]);
  });
});
