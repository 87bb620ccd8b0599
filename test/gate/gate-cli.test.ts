import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRecordFile } from '../../scripts/records/writer.ts';
import { COMMENT_MARKER } from '../../scripts/gate/render.ts';
import { LOGIN, REPO, TOKEN, changePath, changeYaml, client, gate, openPr, runGateCli, startHarness, user, type Harness } from './helpers.ts';

/** `opsgate gate` end to end: real Octokit, local GitHub server, publishing, faults, pagination, secrets. */
let h: Harness;
let tmp: string;
beforeEach(async () => {
  h = await startHarness();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'og-gate-'));
});
afterEach(async () => {
  await h.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const prComments = (pr: number) => [...h.repo.comments.values()].filter((c) => c.issue === pr);

describe('publishing', () => {
  it('sets the opsgate/approval status on the head and keeps one sticky comment, updated in place', async () => {
    const head = openPr(h, 50, 'li-na', { [changePath()]: changeYaml() });
    let run = await runGateCli(h, ['--pr', '50', '--format', 'github']);
    expect(run.code).toBe(1);
    expect(h.repo.statuses.at(-1)).toMatchObject({ sha: head, state: 'pending', context: 'opsgate/approval (main)' });
    expect(prComments(50)).toHaveLength(1);
    expect(prComments(50)[0]!.body).toContain(COMMENT_MARKER);
    expect(prComments(50)[0]!.body).toContain('opsgate approval: pending');
    expect(prComments(50)[0]!.body).toContain('**CHG-2026-0200**');
    expect(prComments(50)[0]!.body).toContain('rollout over 1 host: 1: app-03');

    h.repo.review(50, user('chen-jie'), 'APPROVED');
    run = await runGateCli(h, ['--pr', '50', '--format', 'github']);
    expect(run.code).toBe(0);
    expect(h.repo.statuses.at(-1)).toMatchObject({ sha: head, state: 'success' });
    expect(prComments(50)).toHaveLength(1);
    expect(prComments(50)[0]!.body).toContain('opsgate approval: satisfied');
    expect(h.gh.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/issues/comments/'))).toHaveLength(1);
  });

  it('does not adopt a human comment that carries the marker', async () => {
    openPr(h, 51, 'li-na', { [changePath()]: changeYaml() });
    const forged = h.repo.addComment(51, user('li-na'), `${COMMENT_MARKER}\n## ✅ opsgate approval: satisfied`);
    await runGateCli(h, ['--pr', '51', '--format', 'github']);
    expect(h.repo.comments.get(forged.id)!.body).toContain('satisfied');
    expect(prComments(51)).toHaveLength(2);
    expect(prComments(51).find((c) => c.user.type === 'Bot')!.body).toContain('opsgate approval: pending');
  });

  it('reads the PR number from the pull_request_target event and writes the job summary', async () => {
    openPr(h, 52, 'li-na', { [changePath()]: changeYaml() });
    const event = path.join(tmp, 'event.json');
    writeFileSync(event, JSON.stringify({ action: 'opened', number: 52, pull_request: { number: 52 } }));
    const summary = path.join(tmp, 'summary.md');
    writeFileSync(summary, '');
    const run = await runGateCli(h, [], { GITHUB_EVENT_PATH: event, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(run.code).toBe(1);
    expect(readFileSync(summary, 'utf8')).toContain('opsgate approval: pending');
    expect(readFileSync(summary, 'utf8')).not.toContain(COMMENT_MARKER);
    expect(prComments(52)).toHaveLength(1);
  });

  it('finds the PR of a workflow_run relay by its head commit when the event names none (forks)', async () => {
    const head = openPr(h, 53, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(53, user('chen-jie'), 'APPROVED');
    const event = path.join(tmp, 'event.json');
    writeFileSync(event, JSON.stringify({ action: 'completed', workflow_run: { head_sha: head, pull_requests: [] } }));
    const run = await runGateCli(h, ['--format', 'github'], { GITHUB_EVENT_PATH: event });
    expect(run.code).toBe(0);
    expect(h.repo.statuses.at(-1)).toMatchObject({ sha: head, state: 'success' });
  });

  it('writes the decision as JSON and as a hash-chained record', async () => {
    const head = openPr(h, 54, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(54, user('chen-jie'), 'APPROVED');
    const out = path.join(tmp, 'decision.json');
    const run = await runGateCli(h, ['--pr', '54', '--decision-out', out, '--record', '--root', tmp]);
    expect(run.code).toBe(0);
    const decision = JSON.parse(readFileSync(out, 'utf8'));
    expect(decision).toMatchObject({ format: 'opsgate.gate-decision/2', base_ref: 'main', context: 'opsgate/approval (main)', pr: 54, head_sha: head, policy_commit: h.base, status: 'satisfied' });
    expect(decision.rules.find((r: { id: string }) => r.id === 'change-normal').approvers).toEqual([expect.objectContaining({ person: 'chen-jie', login: LOGIN['chen-jie'], commit_id: head })]);
    const rec = await readRecordFile(path.join(tmp, `records/gate/${REPO}/pr-54.jsonl`));
    expect(rec.ok).toBe(true);
    expect(rec.lines[0]).toMatchObject({ type: 'gate.decision', head_sha: head, status: 'satisfied' });
  });
});

describe('pagination', () => {
  it('reads past 100 files and 100 reviews, one request per page', async () => {
    const files: Record<string, string> = { [changePath()]: changeYaml() };
    for (let i = 0; i < 230; i++) files[`runbooks/generated-${String(i).padStart(3, '0')}.md`] = `# runbook ${i}\n`;
    openPr(h, 60, 'li-na', files);
    for (let i = 0; i < 140; i++) h.repo.review(60, { login: `reviewer-${i}`, type: 'User' }, 'COMMENTED');
    h.repo.review(60, user('chen-jie'), 'APPROVED');
    const r = await gate(h, 60);
    expect(r.status).toBe('satisfied');
    expect(r.rules.find((x) => x.id === 'everything-else')!.matched_files).toHaveLength(231);
    expect(r.ignored).toHaveLength(140);
    const pages = (p: RegExp) => h.gh.requests.filter((q) => p.test(q.path)).length;
    expect(pages(/\/pulls\/60\/files/)).toBe(3);
    expect(pages(/\/pulls\/60\/reviews/)).toBe(4); // two pages, read twice (the second read must agree)
    expect(h.gh.requests.filter((q) => q.path.includes('/contents/runbooks/'))).toHaveLength(0);
  });
});

describe('GitHub failures', () => {
  it('retries a 502 and then decides normally', async () => {
    openPr(h, 70, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(70, user('chen-jie'), 'APPROVED');
    h.gh.fail({ method: 'GET', path: /\/pulls\/70\/reviews$/, kind: 'status', status: 502, times: 2 });
    const r = await gate(h, 70);
    expect(r.status).toBe('satisfied');
    // Then the reviews are read once more after everything else (a review given meanwhile fails closed).
    expect(h.gh.requests.filter((q) => q.path.includes('/pulls/70/reviews')).map((q) => q.status)).toEqual([502, 502, 200, 200]);
  });

  it('fails closed with a clear message when GitHub keeps answering 502', async () => {
    const head = openPr(h, 71, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(71, user('chen-jie'), 'APPROVED');
    h.gh.fail({ method: 'GET', path: /\/pulls\/71\/files$/, kind: 'status', status: 502, times: Infinity });
    const run = await runGateCli(h, ['--pr', '71', '--format', 'github']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAILED — failed closed: GitHub list files of #71 failed \(HTTP 502\).*retried and gave up/);
    expect(h.gh.requests.filter((q) => q.path.includes('/pulls/71/files')).length).toBe(4); // 1 + 3 retries
    expect(h.repo.statuses.at(-1)).toMatchObject({ sha: head, state: 'failure' });
  });

  it('waits out a secondary rate limit and continues', async () => {
    openPr(h, 72, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(72, user('chen-jie'), 'APPROVED');
    h.gh.fail({ method: 'GET', path: /\/pulls\/72\/commits$/, kind: 'secondary-rate-limit', times: 1 });
    const { scm, warnings } = client(h);
    const commits = await scm.listCommits(72);
    expect(commits).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(/secondary rate limit .* retrying in 1s/);
    expect(h.gh.requests.filter((q) => q.path.includes('/pulls/72/commits')).map((q) => q.status)).toEqual([403, 200]);
  });

  it('fails closed after the rate limit persists, saying so', async () => {
    openPr(h, 73, 'li-na', { [changePath()]: changeYaml() });
    h.gh.fail({ method: 'GET', path: /\/pulls\/73$/, kind: 'rate-limit', times: Infinity });
    const run = await runGateCli(h, ['--pr', '73', '--format', 'json']);
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.status).toBe('failed');
    expect(result.problems[0].message).toMatch(/HTTP 403.*rate limit/i);
    expect(run.stderr).toMatch(/rate limit on GET .*giving up/);
  });

  it('a bad token is a clear failure, not a crash', async () => {
    openPr(h, 74, 'li-na', { [changePath()]: changeYaml() });
    const run = await runGateCli(h, ['--pr', '74'], { GITHUB_TOKEN: 'ghs_wrongwrongwrongwrongwrong000000000' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/HTTP 401.*token is missing or invalid/);
  });
});

describe('secrets', () => {
  it('the token never appears in any output, comment, status, record or decision', async () => {
    openPr(h, 80, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(80, user('chen-jie'), 'APPROVED');
    h.gh.fail({ method: 'GET', path: /\/pulls\/80\/reviews$/, kind: 'status', status: 502, times: 1 });
    const out = path.join(tmp, 'd.json');
    const summary = path.join(tmp, 's.md');
    writeFileSync(summary, '');
    const texts: string[] = [];
    for (const format of ['text', 'json', 'github']) {
      const run = await runGateCli(h, ['--pr', '80', '--format', format, '--decision-out', out, '--record', '--root', tmp, '--debug'], { GITHUB_STEP_SUMMARY: summary });
      texts.push(run.stdout, run.stderr, readFileSync(out, 'utf8'));
    }
    h.gh.fail({ method: 'GET', path: /\/pulls\/80$/, kind: 'status', status: 502, times: Infinity });
    const failing = await runGateCli(h, ['--pr', '80', '--format', 'github', '--debug']);
    texts.push(failing.stdout, failing.stderr);
    texts.push(readFileSync(summary, 'utf8'), readFileSync(path.join(tmp, `records/gate/${REPO}/pr-80.jsonl`), 'utf8'));
    texts.push(...[...h.repo.comments.values()].map((c) => c.body), JSON.stringify(h.repo.statuses));
    expect(h.gh.requests.some((q) => q.authorization === `token ${TOKEN}`)).toBe(true);
    for (const t of texts) expect(t).not.toContain(TOKEN);
    expect(texts.join('\n')).not.toContain(TOKEN.slice(4, 20));
  });
});
