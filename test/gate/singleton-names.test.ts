import { describe, expect, it } from 'vitest';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { baseFiles, sampleBaseCopy, simulateAt, changePath, changeYaml, gate, user, useHarness } from './helpers.ts';

/**
 * The policy and the calendar may be spelled `.yml` (singleton-layout.test.ts). What the gate says about them
 * names the file that is there: a problem located in `policies/approval.yaml` when the repository has
 * `policies/approval.yml` sends the reader to a file that does not exist.
 */
/** The sample base with the policy and calendar spelled .yml, outside the repository, removed when the test ends. */
function ymlBase(): string {
  const dir = sampleBaseCopy('opsgate-names-');
  for (const stem of ['policies/approval', 'policies/calendar']) renameSync(path.join(dir, `${stem}.yaml`), path.join(dir, `${stem}.yml`));
  return dir;
}

function edit(root: string, rel: string, from: string, to: string) {
  const file = path.join(root, rel);
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

describe('gate messages name the policy and calendar file that is there', () => {
  it('an unknown team in policies/approval.yml is located in policies/approval.yml, in the problem and in the rule', async () => {
    const root = ymlBase();
    edit(root, 'policies/approval.yml', 'from: { teams: [dba] }', 'from: { teams: [dbas] }');
    const { code, result } = await simulateAt(root);
    expect(code).toBe(1);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'approval.unknown-team', file: 'policies/approval.yml' })]);
    const rule = result.rules.find((r) => r.id === 'database-changes');
    expect(JSON.stringify(rule)).toContain('team dbas is not defined in policies/approval.yml');
    expect(JSON.stringify(result)).not.toMatch(/policies\/approval\.yaml/);
  });

  it('an unreadable freeze in policies/calendar.yml is located in policies/calendar.yml', async () => {
    const root = ymlBase();
    // A leap second: a date-time by RFC 3339 (the schema accepts it), but not an instant Date.parse can read.
    edit(root, 'policies/calendar.yml', 'start: 2026-11-09T00:00:00+08:00', 'start: 2026-12-31T23:59:60Z');
    const { code, result } = await simulateAt(root);
    expect(code).toBe(1);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'gate.freeze-unreadable', file: 'policies/calendar.yml' })]);
    expect(JSON.stringify(result)).not.toMatch(/policies\/calendar\.yaml/);
  });
});

describe('the live gate names the base policy and calendar file that is there', () => {
  const h = useHarness();

  it('an unknown team in a base policies/approval.yml and an unreadable freeze in its policies/calendar.yml are located there', async () => {
    const b = baseFiles();
    const policy = b['policies/approval.yaml']!.replace('from: { teams: [dba] }', 'from: { teams: [dbas] }');
    const calendar = b['policies/calendar.yaml']!.replace('start: 2026-11-09T00:00:00+08:00', 'start: 2026-12-31T23:59:60Z');
    expect(policy).not.toBe(b['policies/approval.yaml']);
    expect(calendar).not.toBe(b['policies/calendar.yaml']);
    const c = h.repo.commit({
      parent: h.base,
      files: { 'policies/approval.yaml': null, 'policies/approval.yml': policy, 'policies/calendar.yaml': null, 'policies/calendar.yml': calendar },
      author: user('zhang-wei'),
    });
    const head = h.repo.commit({ parent: c, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 1, author: user('li-na'), baseSha: c, commits: [head] });
    h.repo.review(1, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 1);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => [p.code, p.file])).toEqual([
      ['approval.unknown-team', 'policies/approval.yml'],
      ['gate.freeze-unreadable', 'policies/calendar.yml'],
    ]);
  });
});
