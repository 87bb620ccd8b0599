import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRecordFile } from '../../scripts/records/writer.ts';
import { notPublishable } from '../../scripts/gate/status-context.ts';
import { REPO, changePath, changeYaml, openPr, runGateCli, startHarness, user, type Harness } from './helpers.ts';

/**
 * A closed or merged pull request never receives a status (nor a comment) from the gate. A status belongs to a
 * commit: a success posted on a closed pull request's head under `opsgate/approval (main)` counts for any open
 * pull request with that head (whose own gate sees no other OPEN pull request sharing it). The decision is still
 * computed, printed and recorded (gate-record.yml records merged pull requests).
 */
let h: Harness;
let tmp: string;
beforeEach(async () => {
  h = await startHarness();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'og-closed-'));
});
afterEach(async () => {
  await h.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const prComments = (pr: number) => [...h.repo.comments.values()].filter((c) => c.issue === pr);
const writes = () => h.gh.requests.filter((r) => r.method !== 'GET');

describe('a pull request that is not open gets no status', () => {
  it('a merged pull request whose reviews satisfy the policy: no status, no comment; the decision is printed, recorded and written', async () => {
    const head = openPr(h, 1, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(1, user('chen-jie'), 'APPROVED');
    h.repo.pull(1).state = 'closed'; // GitHub's state for a merged pull request too
    const summary = path.join(tmp, 'summary.md');
    writeFileSync(summary, '');
    const out = path.join(tmp, 'd.json');
    const run = await runGateCli(h, ['--pr', '1', '--format', 'github', '--record', '--decision-out', out, '--root', tmp], { GITHUB_STEP_SUMMARY: summary });
    expect(h.repo.statuses).toEqual([]);
    expect(prComments(1)).toEqual([]);
    expect(writes()).toEqual([]);
    expect(run.code).toBe(0); // the decision is satisfied; not publishing is not a failure
    expect(run.stdout).toContain('satisfied');
    expect(run.stderr).toMatch(/pull request #1 is closed.*no status/);
    expect(readFileSync(summary, 'utf8')).toMatch(/opsgate approval: satisfied[\s\S]*pull request #1 is closed.*no status/);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ pr: 1, head_sha: head, status: 'satisfied' });
    const rec = await readRecordFile(path.join(tmp, `records/gate/${REPO}/pr-1.jsonl`));
    expect(rec.ok).toBe(true);
    expect(rec.lines[0]).toMatchObject({ type: 'gate.decision', head_sha: head, status: 'satisfied' });
  });

  it('the gate of a closed pull request never overwrites the status of an open one with the same head', async () => {
    const head = h.repo.commit({ parent: h.base, files: { [changePath()]: changeYaml() }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 2, author: user('li-na'), baseSha: h.base, commits: [head], headRef: 'old' });
    h.repo.pull(2).state = 'closed';
    h.repo.openPull({ number: 3, author: user('li-na'), baseSha: h.base, commits: [head], headRef: 'new' });
    h.repo.review(3, user('chen-jie'), 'APPROVED');
    expect((await runGateCli(h, ['--pr', '3', '--format', 'github'])).code).toBe(0);
    // A review relay for the closed pull request (a review submitted on it) runs the gate with its number: its
    // decision (here: failed, the open #3 shares its head) is for a pull request that can no longer be merged.
    const closed = await runGateCli(h, ['--pr', '2', '--format', 'github']);
    expect(closed.stderr).toMatch(/pull request #2 is closed.*no status/);
    expect(h.repo.statuses.filter((s) => s.sha === head).map((s) => s.state)).toEqual(['success']);
    expect(prComments(2)).toEqual([]);
  });

  it('a pull request closed while the gate reads it: the decision fails closed and nothing is published', async () => {
    openPr(h, 4, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(4, user('chen-jie'), 'APPROVED');
    // Closed once the pull request has been read the second time (with its reviews, after every other read): only
    // the last read, just before publishing, sees it.
    let reads = 0;
    h.gh.rewrite({ path: /\/pulls\/4$/, edit: (d) => (++reads === 2 && (h.repo.pull(4).state = 'closed'), d) });
    const run = await runGateCli(h, ['--pr', '4', '--format', 'github']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/state open → closed/);
    expect(h.repo.statuses).toEqual([]);
    expect(prComments(4)).toEqual([]);
  });

  it('an open pull request is published as before', async () => {
    const head = openPr(h, 5, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(5, user('chen-jie'), 'APPROVED');
    expect((await runGateCli(h, ['--pr', '5', '--format', 'github'])).code).toBe(0);
    expect(h.repo.statuses.map((s) => [s.sha, s.state])).toEqual([[head, 'success']]);
    expect(prComments(5)).toHaveLength(1);
  });
});

describe('notPublishable', () => {
  it('only an open pull request is published; a missing or unknown state is not open', () => {
    expect(notPublishable(7, 'open')).toBeUndefined();
    expect(notPublishable(7, 'closed')).toMatch(/^pull request #7 is closed: no status and no comment/);
    expect(notPublishable(7, '')).toMatch(/^pull request #7 names no state: no status/);
    expect(notPublishable(7, 'OPEN')).toMatch(/is OPEN: no status/);
  });
});
