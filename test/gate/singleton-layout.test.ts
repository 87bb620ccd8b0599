import { describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import type { GateResult } from '../../scripts/gate/types.ts';
import { BUILT_IN_GOVERNANCE_PATHS } from '../../scripts/gate/governance.ts';
import { FIXTURES, baseFiles, sampleBaseCopy, simulateAt, changePath, changeYaml, gate, user, useHarness } from './helpers.ts';

/**
 * The policy and the calendar are one file each, and lint reads either spelling (`policies/approval.yaml` or
 * `policies/approval.yml`, scripts/repo/kinds.ts). The gate, live and simulated, reads the same file lint and apply
 * read: never "no policy" or "no freeze" for a `.yml` one, and both spellings at once fail closed. A policy that
 * exists but cannot be read is unreadable, not absent.
 */
const h = useHarness();

const comparable = (r: GateResult) => ({ status: r.status, rules: r.rules.map((x) => [x.id, x.status]), problems: r.problems, freezes: r.freezes });

describe('opsgate gate --simulate reads the policy lint reads', () => {
  it('a policy and a calendar spelled .yml give the decision the .yaml ones give, never gate.no-policy', async () => {
    const yaml = await simulateAt(sampleBaseCopy('opsgate-layout-'));
    expect(yaml.result.problems).toEqual([]);
    const root = sampleBaseCopy('opsgate-layout-');
    renameSync(path.join(root, 'policies/approval.yaml'), path.join(root, 'policies/approval.yml'));
    renameSync(path.join(root, 'policies/calendar.yaml'), path.join(root, 'policies/calendar.yml'));
    const yml = await simulateAt(root);
    expect(yml.result.problems.map((p) => p.code)).not.toContain('gate.no-policy');
    expect(comparable(yml.result)).toEqual(comparable(yaml.result));
    expect(yml.code).toBe(yaml.code);
  });

  it('both spellings at once fail closed, naming both', async () => {
    const root = sampleBaseCopy('opsgate-layout-');
    cpSync(path.join(root, 'policies/approval.yaml'), path.join(root, 'policies/approval.yml'));
    const { code, result } = await simulateAt(root);
    expect(code).toBe(1);
    expect(result.status).toBe('failed');
    expect(result.problems).toEqual([expect.objectContaining({ code: 'gate.ambiguous-file', message: expect.stringMatching(/policies\/approval\.yaml.*policies\/approval\.yml/) })]);
  });

  it.each([
    ['a directory', (p: string) => mkdirSync(p)],
    ['a symbolic link', (p: string) => symlinkSync(path.join(FIXTURES, 'base/policies/approval.yaml'), p)],
  ])('a policy that is %s is unreadable, not absent', async (_what, make) => {
    const root = sampleBaseCopy('opsgate-layout-');
    rmSync(path.join(root, 'policies/approval.yaml'));
    make(path.join(root, 'policies/approval.yaml'));
    const { code, result } = await simulateAt(root);
    expect(code).toBe(1);
    expect(result.problems.map((p) => p.code)).toEqual(['gate.policy-unreadable']);
  });
});

describe('opsgate gate --simulate on people files it cannot read', () => {
  it('a people file that is a directory is a located problem, never a crash', async () => {
    const root = sampleBaseCopy('opsgate-layout-');
    mkdirSync(path.join(root, 'policies/access/people/ghost.yaml'));
    const { code, result } = await simulateAt(root);
    expect(code).toBe(1);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'gate.unreadable', file: 'policies/access/people/ghost.yaml' })]);
  });
});

describe('the live gate reads the base policy and calendar lint reads', () => {
  /** A base where the policy and the calendar are spelled .yml, and pull request n on it by li-na. */
  function ymlBase(n: number, files: Record<string, string | null>) {
    const b = baseFiles();
    const c = h.repo.commit({
      parent: h.base,
      files: {
        'policies/approval.yaml': null,
        'policies/approval.yml': b['policies/approval.yaml']!,
        'policies/calendar.yaml': null,
        'policies/calendar.yml': b['policies/calendar.yaml']!,
      },
      author: user('zhang-wei'),
    });
    const head = h.repo.commit({ parent: c, files, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: n, author: user('li-na'), baseSha: c, commits: [head] });
  }

  it('baseline: a normal change approved by chen-jie passes on a .yml base', async () => {
    ymlBase(1, { [changePath()]: changeYaml() });
    h.repo.review(1, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 1);
    expect(r.problems).toEqual([]);
    expect(r.status).toBe('satisfied');
  });

  it('the freezes of a calendar spelled .yml hold: a normal change inside one fails', async () => {
    ymlBase(2, { [changePath()]: changeYaml({ window: { start: '2026-11-10T22:00:00+08:00', end: '2026-11-10T23:00:00+08:00' } }) });
    h.repo.review(2, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 2);
    expect(r.status).toBe('failed');
    expect(r.freezes.map((f) => f.freeze)).toEqual(['double-eleven-2026']);
  });

  it('an edit of a policy spelled .yml needs the highest tier', async () => {
    ymlBase(3, { 'policies/approval.yml': baseFiles()['policies/approval.yaml']! + '# lowered\n' });
    h.repo.review(3, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 3);
    expect(r.status).not.toBe('satisfied');
    expect(r.rules.map((x) => x.tier)).toContain('governance');
  });

  it('a base with both spellings of the policy fails closed', async () => {
    const c = h.repo.commit({ parent: h.base, files: { 'policies/approval.yml': baseFiles()['policies/approval.yaml']! }, author: user('zhang-wei') });
    const head = h.repo.commit({ parent: c, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 4, author: user('li-na'), baseSha: c, commits: [head] });
    h.repo.review(4, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 4);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => p.code)).toEqual(['gate.ambiguous-file']);
  });

  it.each(['policies/approval.yml', 'policies/organisation.yml'])('%s is in the highest tier, like its .yaml spelling', (p) => {
    expect(BUILT_IN_GOVERNANCE_PATHS).toContain(p);
  });
});
