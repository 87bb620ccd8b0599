/**
 * From merge to host, as CI runs it: gate-record.yml on `pull_request_target:
 * closed` (steps of reusable-gate-record.yml in order, test/workflows/run-workflow.ts)
 * evaluates the merged pull request through the real Octokit client against the
 * local GitHub server, which mirrors the git history commit for commit; the
 * decision lands on a protected origin through the App; its completion starts
 * apply.yml (workflow_run), which applies the change on a real sshd host.
 *
 * It shows: an approved merge is recorded against the head GitHub merged and
 * the change runs once; a decision for another head than the one GitHub merged
 * lands nothing and starts nothing; an unapproved merge is recorded as such
 * and apply refuses it.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { changeDoc, git, makeRepo, type TestRepo } from '../change/harness.ts';
import { startGitHubServer, type FakeEntry, type FakeRepo, type GitHubServer } from '../github-server/server.ts';
import { createProtectedOrigin, type ProtectedOrigin } from './protected-origin.ts';
import { runWorkflow, WORKFLOW_TOKEN, type RunResult, type Runner } from './run-workflow.ts';

let fleet: RunningFleet;
let repo: TestRepo;
let origin: ProtectedOrigin;
let gh: GitHubServer;
let fake: FakeRepo;
let runner: Runner;
let scratch: string;

const AUTHOR = { login: 'carol-gh', type: 'User' as const };
const REVIEWER = { login: 'bob-gh', type: 'User' as const };
/** What the change of pull request `pr` wrote on its host (gr-<pr>). */
const counter = (pr: number, name: string) => readFile(path.join(fleet.dir, `gr-${pr}`, 'home', 'opsgate', name), 'utf8').catch(() => '');
const job = (r: RunResult, id: string) => {
  const j = r.jobs[id];
  if (!j) throw new Error(`no job ${id}: ${Object.keys(r.jobs).join(', ')}`);
  return j;
};
const decisionOnMain = (pr: number) => origin.show('main', `records/gate/org/ops/pr-${pr}.jsonl`);

/** The files of a git commit, as the local GitHub server holds a tree. */
function treeOf(sha: string): Record<string, FakeEntry> {
  const out: Record<string, FakeEntry> = {};
  for (const line of git(repo.root, 'ls-tree', '-r', sha).split('\n').filter(Boolean)) {
    const [meta, p] = line.split('\t') as [string, string];
    const [mode, , blob] = meta.split(' ') as [string, string, string];
    const text = git(repo.root, 'cat-file', 'blob', blob);
    out[p] = mode === '120000' ? { link: text } : mode === '100755' ? { mode: '100755', content: text } : text;
  }
  return out;
}

/** Mirrors a git commit into the local GitHub server under its own sha. */
function mirror(sha: string, parent: string | undefined, author: { login: string; type: 'User' }) {
  if (fake.commits.has(sha)) return;
  const files: Record<string, FakeEntry | null> = treeOf(sha);
  if (parent) for (const p of fake.commits.get(parent)!.tree.keys()) if (!(p in files)) files[p] = null;
  fake.commit({ sha, ...(parent ? { parent } : {}), files, author, committer: author, message: git(repo.root, 'log', '-1', '--format=%B', sha) });
}

/** A pull request by carol adding a change that writes `marker` on gr-<pr>, merged into origin's main. */
async function mergePr(pr: number, id: string, marker: string, approve: boolean): Promise<{ head: string; merge: string }> {
  git(repo.root, 'pull', '-q', '--ff-only', origin.bare, 'main');
  const base = git(repo.root, 'rev-parse', 'HEAD').trim();
  mirror(base, undefined, REVIEWER);
  await repo.mergeChange(
    changeDoc(id, { requester: 'carol', implementer: 'alice', targets: { hosts: [`gr-${pr}`] }, steps: [{ id: 's1', kind: 'run', argv: ['sh', '-c', `echo ran >> "$HOME/${marker}"`] }] }),
    pr,
    'none',
  );
  origin.git(repo.root, ['push', '-q', origin.bare, 'HEAD:main'], 'merge');
  const head = git(repo.root, 'rev-parse', `pr-${pr}`).trim();
  mirror(head, base, AUTHOR);
  const pull = fake.openPull({ number: pr, author: AUTHOR, baseSha: base, commits: [head], headRef: `pr-${pr}` });
  if (approve) fake.review(pr, REVIEWER, 'APPROVED', head);
  pull.state = 'closed';
  return { head, merge: git(repo.root, 'rev-parse', 'HEAD').trim() };
}

const closed = (pr: number, head: string, merge: string) => ({
  action: 'closed',
  number: pr,
  pull_request: { number: pr, merged: true, head: { sha: head, ref: `pr-${pr}` }, merge_commit_sha: merge, base: { ref: 'main' } },
  repository: { default_branch: 'main', full_name: 'org/ops' },
});
const recordCompleted = (runId: string, conclusion: 'success' | 'failure') =>
  runWorkflow(runner, 'apply.yml', { name: 'workflow_run', runId, payload: { workflow_run: { name: 'opsgate gate record', conclusion, event: 'pull_request_target' } } });

beforeAll(async () => {
  fleet = await startFleet({ hosts: ['gr-7', 'gr-8', 'gr-9'].map((id) => ({ id, groups: ['web'], env: 'staging' })) });
  repo = await makeRepo(fleet);
  // The organisation: who may approve a change (bob, in ops), who writes and implements them.
  await repo.write(
    'policies/approval.yaml',
    stringify({
      id: 'approval',
      teams: { ops: { title: 'Operations', members: ['bob'] } },
      governance: { paths: ['policies/approval.yaml'], require: { count: 1, from: { teams: ['ops'] } } },
      rules: [{ id: 'change', title: 'Every change', if: { kinds: ['change'] }, require: { count: 1, from: { teams: ['ops'] } } }],
    }),
  );
  for (const [id, login] of [
    ['alice', 'alice-gh'],
    ['bob', 'bob-gh'],
    ['carol', 'carol-gh'],
  ] as const) {
    await repo.write(`policies/access/people/${id}.yaml`, stringify({ id, name: id, github: login, status: 'active' }));
  }
  repo.commit('the organisation');
  origin = createProtectedOrigin({});
  git(repo.root, 'fetch', '-q', origin.bare, 'main');
  git(repo.root, 'rebase', '-q', 'FETCH_HEAD');
  origin.git(repo.root, ['push', '-q', origin.bare, 'HEAD:main'], 'merge');
  gh = await startGitHubServer({ token: WORKFLOW_TOKEN });
  fake = gh.repo('org/ops');
  scratch = await mkdtemp(path.join(os.tmpdir(), 'og-wf-record-'));
  runner = {
    origin,
    dir: scratch,
    repository: 'org/ops',
    apiUrl: gh.url,
    vars: { OPSGATE_APP_ID: '123456' },
    secrets: {
      repository: {},
      environments: {
        production: { OPSGATE_SSH_KEY: readFileSync(fleet.clientKeyPath, 'utf8') },
        opsgate: { OPSGATE_APP_PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\ntest-only\n-----END RSA PRIVATE KEY-----' },
      },
    },
  };
}, 120_000);

afterAll(async () => {
  await gh?.stop();
  await fleet?.stop();
  await repo?.cleanup();
  origin?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('from merge to host', () => {
  it('an approved merge: the decision names the merged head, lands through the App, and its landing applies the change once', async () => {
    const { head, merge } = await mergePr(7, 'CHG-2026-0007', 'seventh', true);
    const r = await runWorkflow(runner, 'gate-record.yml', { name: 'pull_request_target', runId: '3001', payload: closed(7, head, merge) });
    expect(job(r, 'record/record').result, r.log).toBe('success');
    expect(job(r, 'record/record').environment).toBe('opsgate');
    const decision = JSON.parse(decisionOnMain(7)!.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(decision).toMatchObject({ type: 'gate.decision', pr: 7, head_sha: head, status: 'satisfied', base_ref: 'main' });
    expect(origin.git(origin.bare, ['log', '-1', '--format=%an', 'main']).trim()).toBe('opsgate-bot');
    expect(await counter(7, 'seventh')).toBe('');

    const applied = await recordCompleted('3002', 'success');
    expect(job(applied, 'apply/apply').result, applied.log).toBe('success');
    expect(await counter(7, 'seventh')).toBe('ran\n');
    expect(job(applied, 'apply/land').result, applied.log).toBe('success');

    // Recorded again by hand, and the schedule after it: nothing runs twice.
    const again = await runWorkflow(runner, 'gate-record.yml', { name: 'workflow_dispatch', runId: '3003', inputs: { pr: '7' } });
    expect(job(again, 'record/record').result, again.log).toBe('success');
    expect(decisionOnMain(7)!.trim().split('\n')).toHaveLength(2);
    await recordCompleted('3004', 'success');
    expect(await counter(7, 'seventh')).toBe('ran\n');
  }, 240_000);

  it('a decision for another head than the one GitHub merged lands nothing and starts nothing', async () => {
    const { head, merge } = await mergePr(8, 'CHG-2026-0008', 'eighth', true);
    // GitHub merged `head`; the API now answers with a commit pushed after it (the race the check exists for).
    const later = fake.push(8, { 'runbooks/late.md': '# late\n' }, AUTHOR);
    fake.review(8, REVIEWER, 'APPROVED', later);
    const r = await runWorkflow(runner, 'gate-record.yml', { name: 'pull_request_target', runId: '3005', payload: closed(8, head, merge) });
    expect(job(r, 'record/record').result).toBe('failure');
    expect(r.log).toContain(`the decision is for head ${later}, but GitHub merged ${head}`);
    expect(decisionOnMain(8)).toBeUndefined();
    const started = await recordCompleted('3006', 'failure');
    expect(job(started, 'apply').result).toBe('skipped');
    expect(await counter(8, 'eighth')).toBe('');
  }, 240_000);

  it('an unapproved merge is recorded as pending, lands as evidence, and apply refuses the change', async () => {
    const { head, merge } = await mergePr(9, 'CHG-2026-0009', 'ninth', false);
    // Closed without merging: nothing is recorded.
    const unmerged = closed(9, head, merge);
    (unmerged.pull_request as { merged: boolean }).merged = false;
    const skipped = await runWorkflow(runner, 'gate-record.yml', { name: 'pull_request_target', runId: '3009', payload: unmerged });
    expect(job(skipped, 'record').result).toBe('skipped');
    expect(decisionOnMain(9)).toBeUndefined();
    const r = await runWorkflow(runner, 'gate-record.yml', { name: 'pull_request_target', runId: '3007', payload: closed(9, head, merge) });
    expect(job(r, 'record/record').result, r.log).toBe('success');
    expect(JSON.parse(decisionOnMain(9)!.trim().split('\n').at(-1)!)).toMatchObject({ pr: 9, head_sha: head, status: 'pending' });
    const applied = await recordCompleted('3008', 'success');
    expect(applied.log).toMatch(/refusing to apply CHG-2026-0009; nothing was run:\n\s+apply\.not-approved/);
    // And the change of #8, whose decision never landed, is refused too.
    expect(applied.log).toMatch(/refusing to apply CHG-2026-0008; nothing was run:\n\s+apply\.gate-missing/);
    expect(await counter(9, 'ninth')).toBe('');
  }, 240_000);
});
