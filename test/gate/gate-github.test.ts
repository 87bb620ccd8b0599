import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { GateResult } from '../../scripts/gate/types.ts';
import { FIXTURES, LOGIN, changePath, changeYaml, gate, openPr, user, useHarness } from './helpers.ts';

/**
 * Decisions through the real Octokit client against the local GitHub server,
 * with the sample organisation's policy (test/fixtures/gate/base/policies/approval.yaml).
 */
const h = useHarness();

const rule = (r: GateResult, id: string) => {
  const found = r.rules.find((x) => x.id === id);
  if (!found) throw new Error(`rule ${id} did not apply; applied: ${r.rules.map((x) => x.id).join(', ')}`);
  return found;
};
const ignoredReasons = (r: GateResult) => r.ignored.map((i) => [i.login, i.reason]);

describe('separation of duties', () => {
  it('does not count the author approving their own pull request', async () => {
    openPr(h, 1, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(1, user('li-na'), 'APPROVED');
    const r = await gate(h, 1);
    expect(r.status).toBe('pending');
    expect(ignoredReasons(r)).toEqual([[LOGIN['li-na'], 'author']]);
    expect(rule(r, 'change-normal').requirement.still_needed_from).not.toContain('li-na');
  });

  it('does not count a reviewer who authored or committed a commit of the pull request', async () => {
    openPr(h, 2, 'li-na', { [changePath()]: changeYaml() });
    h.repo.push(2, { 'runbooks/extra.md': '# extra\n' }, user('chen-jie'));
    h.repo.review(2, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 2);
    expect(r.status).toBe('pending');
    expect(ignoredReasons(r)).toEqual([[LOGIN['chen-jie'], 'contributor']]);
  });

  it('does not count the implementer of a changed change request', async () => {
    openPr(h, 3, 'li-na', { [changePath()]: changeYaml({ implementer: 'zhao-min' }) });
    h.repo.review(3, user('zhao-min'), 'APPROVED');
    const r = await gate(h, 3);
    expect(r.status).toBe('pending');
    expect(ignoredReasons(r)).toEqual([[LOGIN['zhao-min'], 'implementer']]);
  });

  it('never counts a bot, whatever it is called', async () => {
    openPr(h, 4, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(4, { login: 'renovate[bot]', type: 'Bot' }, 'APPROVED');
    h.repo.review(4, { login: LOGIN['chen-jie'], type: 'Bot' }, 'APPROVED');
    const r = await gate(h, 4);
    expect(r.status).toBe('pending');
    expect(r.ignored.map((i) => i.reason)).toEqual(['bot', 'bot']);
  });

  it('does not count people outside the required teams, unknown logins, or people who left', async () => {
    openPr(h, 5, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(5, user('huang-lei'), 'APPROVED');
    h.repo.review(5, { login: 'random-outsider', type: 'User' }, 'APPROVED');
    h.repo.review(5, user('sun-hao'), 'APPROVED');
    const r = await gate(h, 5);
    expect(r.status).toBe('pending');
    expect(ignoredReasons(r)).toEqual([
      ['random-outsider', 'unknown_user'],
      [LOGIN['sun-hao'], 'inactive'],
    ]);
    expect(rule(r, 'change-normal').ignored.map((i) => [i.person, i.reason])).toEqual([['huang-lei', 'not_eligible']]);
  });

  it('counts a person in two teams once', async () => {
    // high risk: change-high-risk needs 2 of cab; zhang-wei is in ops, sre-leads and cab.
    openPr(h, 6, 'li-na', { [changePath()]: changeYaml({ risk: 'high' }) });
    h.repo.review(6, user('zhang-wei'), 'APPROVED');
    let r = await gate(h, 6);
    expect(rule(r, 'change-high-risk').status).toBe('pending');
    expect(rule(r, 'change-high-risk').requirement.approvers.map((a) => a.person)).toEqual(['zhang-wei']);
    expect(rule(r, 'change-high-risk').requirement.missing).toBe(1);
    expect(rule(r, 'change-normal').status).toBe('satisfied');
    h.repo.review(6, user('liu-yang'), 'APPROVED');
    r = await gate(h, 6);
    expect(rule(r, 'change-high-risk').status).toBe('satisfied');
    expect(r.status).toBe('satisfied');
  });
});

describe('latest review, veto and staleness', () => {
  it('a changes-requested review blocks until that reviewer approves', async () => {
    openPr(h, 10, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(10, user('chen-jie'), 'APPROVED');
    h.repo.review(10, user('wang-fang'), 'CHANGES_REQUESTED');
    let r = await gate(h, 10);
    expect(r.status).toBe('failed');
    expect(r.veto.blockers.map((b) => b.person)).toEqual(['wang-fang']);
    h.repo.review(10, user('wang-fang'), 'COMMENTED');
    r = await gate(h, 10);
    expect(r.veto.blockers.map((b) => b.person)).toEqual(['wang-fang']);
    h.repo.review(10, user('wang-fang'), 'APPROVED');
    r = await gate(h, 10);
    expect(r.veto.status).toBe('satisfied');
    expect(r.status).toBe('satisfied');
    expect(r.ignored.filter((i) => i.login === LOGIN['wang-fang']).map((i) => i.reason)).toEqual(['superseded', 'comment']);
  });

  it('only the latest decisive review counts: approve then request changes is a veto', async () => {
    openPr(h, 11, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(11, user('chen-jie'), 'APPROVED');
    h.repo.review(11, user('chen-jie'), 'CHANGES_REQUESTED');
    const r = await gate(h, 11);
    expect(r.status).toBe('failed');
    expect(r.ignored.map((i) => i.reason)).toEqual(['superseded']);
    expect(rule(r, 'change-normal').requirement.approvers).toEqual([]);
  });

  it('an approval goes stale when a file its rule governs changes after it', async () => {
    openPr(h, 12, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(12, user('chen-jie'), 'APPROVED');
    expect((await gate(h, 12)).status).toBe('satisfied');
    h.repo.push(12, { [changePath()]: changeYaml({ title: 'edited after approval' }) }, user('li-na'));
    const r = await gate(h, 12);
    expect(r.status).toBe('pending');
    const stale = rule(r, 'change-normal').ignored;
    expect(stale.map((i) => [i.person, i.reason])).toEqual([['chen-jie', 'stale']]);
    expect(stale[0]!.detail).toContain(changePath());
  });

  it('an approval stays fresh when only a file outside its rule changes', async () => {
    const files = { [changePath()]: changeYaml(), 'runbooks/jdk-upgrade.md': '# JDK\n' };
    openPr(h, 13, 'li-na', files);
    h.repo.review(13, user('chen-jie'), 'APPROVED');
    h.repo.push(13, { 'runbooks/jdk-upgrade.md': '# JDK, edited\n' }, user('li-na'));
    const r = await gate(h, 13);
    // change-normal governs only the change file: still satisfied by the earlier approval.
    expect(rule(r, 'change-normal').status).toBe('satisfied');
    // the catch-all governs the runbook too, so there the approval is stale.
    expect(rule(r, 'everything-else').ignored.map((i) => i.reason)).toEqual(['stale']);
    expect(r.status).toBe('pending');
  });
});

describe('staleness beyond the simple cases', () => {
  it('after a force-push the approved commit is gone, so the approval is stale', async () => {
    const c1 = openPr(h, 14, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(14, user('chen-jie'), 'APPROVED', c1);
    const rewritten = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml({ title: 'rewritten' }) }, author: user('li-na'), committer: user('li-na') });
    h.repo.pull(14).commits = [rewritten];
    const r = await gate(h, 14);
    expect(rule(r, 'change-normal').ignored.map((i) => i.reason)).toEqual(['stale']);
    expect(rule(r, 'change-normal').ignored[0]!.detail).toMatch(/cannot tell what changed/);
  });

  it('when compare is capped at 300 files, the trees are diffed instead (an unrelated bulk change keeps the approval)', async () => {
    const c1 = openPr(h, 15, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(15, user('chen-jie'), 'APPROVED', c1);
    const bulk: Record<string, string> = {};
    for (let i = 0; i < 320; i++) bulk[`runbooks/bulk-${i}.md`] = `# ${i}\n`;
    h.repo.push(15, bulk, user('li-na'));
    let r = await gate(h, 15);
    expect(h.gh.requests.filter((q) => q.path.includes('/git/trees/')).length).toBe(3); // base and head, and the approved commit's for the diff
    expect(rule(r, 'change-normal').status).toBe('satisfied');
    h.repo.push(15, { ...bulk, [changePath()]: changeYaml({ title: 'edited' }), 'runbooks/bulk-0.md': '# changed\n' }, user('li-na'));
    r = await gate(h, 15);
    expect(rule(r, 'change-normal').ignored.map((i) => i.reason)).toEqual(['stale']);
  });
});

describe('policy from the base branch', () => {
  it('a PR that lowers its own bar is judged by the base policy, and needs the highest tier', async () => {
    const base = readFileSync(path.join(FIXTURES, 'base/policies/approval.yaml'), 'utf8');
    const lowered = base.replace(/count: 2\n(\s+)from: \{ teams: \[cab\] \}/g, 'count: 1\n$1from: { teams: [ops] }');
    expect(lowered).not.toBe(base);
    openPr(h, 20, 'li-na', { 'policies/approval.yaml': lowered, [changePath()]: changeYaml({ risk: 'high' }) });
    h.repo.review(20, user('zhao-min'), 'APPROVED');
    const r = await gate(h, 20);
    expect(r.status).toBe('pending');
    const gov = rule(r, 'governance');
    expect(gov.tier).toBe('governance');
    expect(gov.matched_files).toContain('policies/approval.yaml');
    expect(gov.status).toBe('pending');
    expect(rule(r, 'change-high-risk').requirement.description).toBe('2 of team cab');
    expect(r.policy_commit).toBe(h.base);
  });

  it('the governance tier is satisfied only by sre-leads, security and two CAB members', async () => {
    openPr(h, 21, 'li-na', { '.github/workflows/gate.yml': 'name: changed\n' });
    h.repo.review(21, user('chen-jie'), 'APPROVED');
    let r = await gate(h, 21);
    expect(rule(r, 'governance').status).toBe('pending');
    h.repo.review(21, user('liu-yang'), 'APPROVED');
    r = await gate(h, 21);
    expect(rule(r, 'governance').status).toBe('satisfied');
    expect(r.status).toBe('satisfied');
  });
});

describe('group owners, emergency, freeze', () => {
  it('a prod change needs an owner of the target group', async () => {
    // Thursday night: inside cache-01's prod maintenance window (the gate enforces lint's change rules too).
    openPr(h, 30, 'li-na', { [changePath()]: changeYaml({ hosts: ['cache-01'], risk: 'medium', window: { start: '2026-12-03T22:00:00+08:00', end: '2026-12-03T23:00:00+08:00' } }) });
    h.repo.review(30, user('zhao-min'), 'APPROVED');
    let r = await gate(h, 30);
    const owners = rule(r, 'change-target-owners');
    expect(owners.status).toBe('pending');
    expect(owners.requirement.still_needed_from).toEqual(['chen-jie']); // li-na owns cache too but is the author
    h.repo.review(30, user('chen-jie'), 'APPROVED');
    r = await gate(h, 30);
    expect(rule(r, 'change-target-owners').status).toBe('satisfied');
    expect(r.status).toBe('satisfied');
  });

  it('an emergency change passes with one SRE lead and carries its retro-review due time', async () => {
    openPr(h, 31, 'li-na', { [changePath()]: changeYaml({ type: 'emergency', risk: 'high', hosts: ['bastion-01'], implementer: 'zhao-min' }) });
    h.repo.review(31, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 31);
    expect(r.status).toBe('satisfied');
    expect(rule(r, 'change-high-risk').emergency_reduced).toBe(true);
    expect(r.emergency).toEqual([{ change: 'CHG-2026-0200', retro_review_due: '2026-12-04T18:00:00+08:00' }]);
  });

  it('an emergency critical change still needs security (rule says emergency: full)', async () => {
    openPr(h, 32, 'li-na', { [changePath()]: changeYaml({ type: 'emergency', risk: 'critical', hosts: ['bastion-01'] }) });
    h.repo.review(32, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 32);
    expect(rule(r, 'change-critical-security').emergency_reduced).toBe(false);
    expect(rule(r, 'change-critical-security').status).toBe('pending');
    expect(r.status).toBe('pending');
  });

  it('a normal change inside a freeze fails whatever the approvals; an emergency one may pass', async () => {
    const window = { start: '2026-11-10T22:00:00+08:00', end: '2026-11-10T23:00:00+08:00' };
    openPr(h, 33, 'li-na', { [changePath()]: changeYaml({ window }) });
    h.repo.review(33, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 33);
    expect(r.status).toBe('failed');
    expect(r.freezes.map((f) => [f.change, f.freeze])).toEqual([['CHG-2026-0200', 'double-eleven-2026']]);
    openPr(h, 34, 'li-na', { [changePath()]: changeYaml({ window, type: 'emergency' }) });
    h.repo.review(34, user('chen-jie'), 'APPROVED');
    const e = await gate(h, 34);
    expect(e.freezes).toEqual([]);
    expect(e.status).toBe('satisfied');
  });
});

describe('removed documents', () => {
  it('deleting a high-risk change request is judged by what it said at base', async () => {
    const withChange = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml({ risk: 'high' }) }, author: user('zhang-wei'), committer: user('zhang-wei') });
    const del = h.repo.commit({ parent: withChange, files: { [changePath()]: null }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 35, author: user('li-na'), baseSha: withChange, commits: [del] });
    h.repo.review(35, user('zhao-min'), 'APPROVED');
    const r = await gate(h, 35);
    expect(r.rules.map((x) => x.id)).toEqual(expect.arrayContaining(['change-normal', 'change-high-risk']));
    expect(rule(r, 'change-high-risk').status).toBe('pending');
    expect(r.changes).toEqual([]);
  });
});

describe('fail closed', () => {
  it('an unreadable changed document fails the gate with its location', async () => {
    openPr(h, 40, 'li-na', { [changePath()]: 'id: CHG-2026-0200\ntitle: [unclosed\n' });
    h.repo.review(40, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 40);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => [p.code, p.file])).toEqual([['gate.document-unreadable', changePath()]]);
  });

  it('a base branch without a policy fails closed', async () => {
    const c = h.repo.commit({ parent: h.base, files: { 'policies/approval.yaml': null }, author: user('zhang-wei') });
    const head = h.repo.commit({ parent: c, files: { 'runbooks/a.md': '# a\n' }, author: user('li-na') });
    h.repo.openPull({ number: 41, author: user('li-na'), baseSha: c, commits: [head] });
    h.repo.review(41, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 41);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => p.code)).toContain('gate.no-policy');
  });
});
