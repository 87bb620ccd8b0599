import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, changePath, changeYaml, runGateCli, startHarness, user, type Harness } from './helpers.ts';

/**
 * Attacks on what a status means (issue 10, item 1), through the real CLI:
 * a status belongs to a commit, so it must name the branch the pull request
 * merges into, and the pull request comes from the event, not from a head.
 */
let h: Harness;
let tmp: string;
beforeEach(async () => {
  h = await startHarness();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'og-scope-'));
});
afterEach(async () => {
  await h.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const loosened = () =>
  readFileSync(path.join(FIXTURES, 'base/policies/approval.yaml'), 'utf8').replace(/governance:[\s\S]*?\n\ndisapproval:/, (g) =>
    g.replace(/require:[\s\S]*$/, 'require:\n    count: 1\n    from: { teams: [ops] }\n\ndisapproval:'),
  );

/** PR 10 into main (unapproved under main's policy) and PR 11 into a side branch cut from a loosened policy, with one head. */
function twoBases() {
  expect(loosened()).not.toBe(readFileSync(path.join(FIXTURES, 'base/policies/approval.yaml'), 'utf8'));
  const side = h.repo.commit({ parent: h.base, files: { 'policies/approval.yaml': loosened() }, author: user('li-na'), committer: user('li-na'), message: 'side: loosen' });
  const head = h.repo.commit({ parent: side, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na'), message: 'the change' });
  h.repo.openPull({ number: 10, author: user('li-na'), baseSha: h.base, commits: [side, head], baseRef: 'main', headRef: 'topic' });
  h.repo.openPull({ number: 11, author: user('li-na'), baseSha: side, commits: [head], baseRef: 'side', headRef: 'topic' });
  h.repo.review(10, user('chen-jie'), 'APPROVED');
  h.repo.review(11, user('chen-jie'), 'APPROVED');
  return head;
}
const statusesOn = (sha: string, context: string) => h.repo.statuses.filter((s) => s.sha === sha && s.context === context).map((s) => s.state);

describe('the status names the base branch', () => {
  it('an approval into a side branch never yields a success that main requires', async () => {
    const head = twoBases();
    expect((await runGateCli(h, ['--pr', '10', '--format', 'github'])).code).toBe(1);
    const side = await runGateCli(h, ['--pr', '11', '--format', 'github']);
    expect(side.code).toBe(0);
    expect(statusesOn(head, 'opsgate/approval (side)')).toEqual(['success']);
    expect(statusesOn(head, 'opsgate/approval (main)')).toEqual(['pending']);
    expect(h.repo.statuses.filter((s) => s.context === 'opsgate/approval')).toEqual([]);
  });

  it('a relay for a fork evaluates every open pull request with that head, each under its own base', async () => {
    const head = twoBases();
    const event = path.join(tmp, 'event.json');
    writeFileSync(event, JSON.stringify({ action: 'completed', workflow_run: { head_sha: head, head_branch: 'topic', head_repository: { full_name: 'yunfan/ops' }, pull_requests: [] } }));
    const run = await runGateCli(h, ['--format', 'github', '--decision-out', path.join(tmp, 'd.json')], { GITHUB_EVENT_PATH: event });
    expect(run.code).toBe(1);
    expect(statusesOn(head, 'opsgate/approval (main)')).toEqual(['pending']);
    expect(statusesOn(head, 'opsgate/approval (side)')).toEqual(['success']);
    const decisions = JSON.parse(readFileSync(path.join(tmp, 'd.json'), 'utf8')) as { pr: number; base_ref: string; status: string }[];
    expect(decisions.map((d) => [d.pr, d.base_ref, d.status])).toEqual([
      [10, 'main', 'pending'],
      [11, 'side', 'satisfied'],
    ]);
  });

  it('a relay names the pull requests GitHub lists for the run, and only those', async () => {
    const head = twoBases();
    const event = path.join(tmp, 'event.json');
    writeFileSync(event, JSON.stringify({ action: 'completed', workflow_run: { head_sha: head, pull_requests: [{ number: 10 }] } }));
    await runGateCli(h, ['--format', 'github'], { GITHUB_EVENT_PATH: event });
    expect(h.repo.statuses.map((s) => s.context)).toEqual(['opsgate/approval (main)']);
  });

  it('two open pull requests into the same branch with one head both fail: a status cannot tell them apart', async () => {
    const head = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 12, author: user('li-na'), baseSha: h.base, commits: [head] });
    h.repo.openPull({ number: 13, author: user('li-na'), baseSha: h.base, commits: [head] });
    h.repo.review(13, user('chen-jie'), 'APPROVED');
    h.repo.review(12, user('wang-fang'), 'CHANGES_REQUESTED');
    const run = await runGateCli(h, ['--pr', '13', '--format', 'json']);
    expect(run.code).toBe(1);
    const r = JSON.parse(run.stdout);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p: { code: string }) => p.code)).toEqual(['gate.shared-head']);
    expect(r.problems[0].message).toContain('#12');
  });
});

describe("GitHub's caps fail closed", () => {
  it('a pull request at the 3000-file cap fails, even when what is visible is approved', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`runbooks/bulk-${String(i).padStart(4, '0')}.md`] = `# ${i}\n`;
    files['scripts/hidden.ts'] = 'process.exit(0)\n'; // sorts after runbooks/: GitHub never lists it
    const c = h.repo.commit({ parent: h.base, files, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 20, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(20, user('chen-jie'), 'APPROVED');
    const r = JSON.parse((await runGateCli(h, ['--pr', '20', '--format', 'json'])).stdout);
    expect(r.problems.map((p: { code: string }) => p.code)).toEqual(['gate.too-many-files']);
    expect(r.status).toBe('failed');
    expect(r.rules.map((x: { status: string }) => x.status)).toEqual(r.rules.map(() => 'satisfied'));
    expect(r.rules.length).toBeGreaterThan(0);
  }, 60_000);

  it("a pull request at the 250-commit cap fails: the 251st commit could be the approver's", async () => {
    let parent = h.base;
    const commits: string[] = [];
    for (let i = 0; i < 250; i++) {
      parent = h.repo.commit({ parent, files: { [`runbooks/r-${i}.md`]: `# ${i}\n` }, author: user('li-na'), committer: user('li-na') });
      commits.push(parent);
    }
    commits.push(h.repo.commit({ parent, files: { 'runbooks/last.md': '# by the approver\n' }, author: user('chen-jie'), committer: user('chen-jie') }));
    h.repo.openPull({ number: 21, author: user('li-na'), baseSha: h.base, commits });
    h.repo.review(21, user('chen-jie'), 'APPROVED');
    const r = JSON.parse((await runGateCli(h, ['--pr', '21', '--format', 'json'])).stdout);
    expect(r.problems.map((p: { code: string }) => p.code)).toEqual(['gate.too-many-commits']);
    expect(r.status).toBe('failed');
    expect(r.ignored.map((i: { reason: string }) => i.reason)).toEqual([]); // the approver's commit was never listed
  }, 60_000);

  it('a truncated base tree fails, even for a pull request that touches nothing the missing part holds', async () => {
    const c = h.repo.commit({ parent: h.base, files: { 'runbooks/a.md': '# a\n' }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 22, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(22, user('chen-jie'), 'APPROVED');
    expect(JSON.parse((await runGateCli(h, ['--pr', '22', '--format', 'json'])).stdout).status).toBe('satisfied');
    h.repo.treeEntryLimit = 40;
    const r = JSON.parse((await runGateCli(h, ['--pr', '22', '--format', 'json'])).stdout);
    expect(r.status).toBe('failed');
    // (What the cut-off part held, the policy among it, may be reported missing too.)
    expect(r.problems.map((p: { code: string; message: string }) => [p.code, p.message.split(' ').slice(0, 3).join(' ')])).toEqual(
      expect.arrayContaining([
        ['gate.tree-truncated', 'the base tree'],
        ['gate.tree-truncated', 'the head tree'],
      ]),
    );
  });
});
