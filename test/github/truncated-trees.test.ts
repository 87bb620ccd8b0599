import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { changePath, changeYaml, gate, openPr, runGateCli, user, useHarness } from '../gate/helpers.ts';

/**
 * A recursive tree GitHub cuts short (`truncated: true`: more than 100,000 entries or 7 MB) lists only part of the
 * commit. A path it does not list is not known to be absent: the policy, the calendar or a people file may be in
 * the part that was cut. The gate fails closed and says so; it never reports such a file as missing.
 */
const h = useHarness();

const codes = (r: GateResult) => r.problems.map((p) => p.code);
const about = (r: GateResult, file: string) => r.problems.filter((p) => p.file === file);

describe('a truncated tree', () => {
  it('baseline: the whole tree is listed, and the PR is decided', async () => {
    openPr(h, 1, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(1, user('chen-jie'), 'APPROVED');
    expect((await gate(h, 1)).status).toBe('satisfied');
  });

  it('a base tree cut before the policy: the policy could not be read completely, never "no policy"', async () => {
    openPr(h, 2, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(2, user('chen-jie'), 'APPROVED');
    h.repo.treeEntryLimit = 1;
    const r = await gate(h, 2);
    expect(r.status).toBe('failed');
    expect(codes(r)).not.toContain('gate.no-policy');
    const [policy, ...more] = about(r, 'policies/approval.yaml');
    expect(more).toEqual([]);
    expect(policy).toMatchObject({ code: 'gate.policy-unreadable' });
    expect(policy!.message).toMatch(/could not be read completely/);
    expect(policy!.message).toMatch(/truncated/);
    expect(policy!.message).not.toMatch(/does not exist/);
  });

  it('the calendar cut off is unknown, not absent: its freezes could be in the part not listed', async () => {
    openPr(h, 3, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(3, user('chen-jie'), 'APPROVED');
    h.repo.treeEntryLimit = 1;
    const r = await gate(h, 3);
    expect(about(r, 'policies/calendar.yaml').map((p) => p.code)).toEqual(['gate.tree-truncated']);
    expect(about(r, 'policies/calendar.yaml')[0]!.message).toMatch(/truncated/);
  });

  it('the CLI prints the accurate code and exits 1', async () => {
    openPr(h, 4, 'li-na', { [changePath()]: changeYaml() });
    h.repo.treeEntryLimit = 1;
    const run = await runGateCli(h, ['--pr', '4', '--format', 'json']);
    expect(run.code).toBe(1);
    const r = JSON.parse(run.stdout) as GateResult;
    expect(codes(r)).toContain('gate.policy-unreadable');
    expect(codes(r)).not.toContain('gate.no-policy');
  });
});
