/**
 * The apply path as CI runs it: apply.yml, as the schedule starts it, with the
 * steps of reusable-apply.yml run in order (test/workflows/run-workflow.ts),
 * against a bare origin whose pre-receive hook enforces the README's branch
 * protection (the workflow token cannot write main; the App can, records
 * only), applying a change to real sshd hosts (test/fleet).
 *
 * It shows: the records land on main and the lease is released; a second
 * scheduled run does not apply again; when a run's records do not land, the
 * next run refuses to start (nothing runs twice) until a person lands that
 * run's artifact with land-run; the keys are read only inside their
 * environments.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { changeDoc, git, makeRepo, recordDecision, type TestRepo } from '../change/harness.ts';
import { createProtectedOrigin, type ProtectedOrigin } from './protected-origin.ts';
import { APP_TOKEN, runWorkflow, WORKFLOW_TOKEN, type RunResult, type Runner } from './run-workflow.ts';

let fleet: RunningFleet;
let repo: TestRepo;
let origin: ProtectedOrigin;
let runner: Runner;
let scratch: string;

const counter = (host: string, name: string) => readFile(path.join(fleet.dir, host, 'home', 'opsgate', name), 'utf8').catch(() => '');
const step = (name: string) => ({ id: name, kind: 'run', argv: ['sh', '-c', `echo ran >> "$HOME/${name}"`] });
const schedule = async (runId: string, vars: Record<string, string> = {}) => {
  const saved = runner.vars;
  runner.vars = { ...saved, ...vars };
  try {
    return await runWorkflow(runner, 'apply.yml', { name: 'schedule', runId, payload: { schedule: '*/15 * * * *' } });
  } finally {
    runner.vars = saved;
  }
};
const job = (r: RunResult, id: string) => {
  const j = r.jobs[id];
  if (!j) throw new Error(`no job ${id}: ${Object.keys(r.jobs).join(', ')}`);
  return j;
};
const stepOf = (r: RunResult, jobId: string, re: RegExp) => job(r, jobId).steps.find((s) => re.test(s.name))!;
const onMain = (rel: string) => origin.show('main', rel);
const recordsOnMain = (change: string) =>
  origin
    .git(origin.bare, ['ls-tree', '-r', '--name-only', 'main', '--', `records/changes/${change}/`])
    .trim()
    .split('\n')
    .filter(Boolean);

/** Merges a change through "PR" `pr` in the developer repository and pushes it to origin as a protected merge. */
async function mergeToOrigin(id: string, pr: number, host: string, marker: string, decision: 'satisfied' | 'none' = 'satisfied') {
  git(repo.root, 'pull', '-q', '--ff-only', origin.bare, 'main');
  await repo.mergeChange(changeDoc(id, { targets: { hosts: [host] }, steps: [step(marker)] }), pr, decision);
  origin.git(repo.root, ['push', '-q', origin.bare, 'HEAD:main'], 'merge');
}

beforeAll(async () => {
  fleet = await startFleet({
    hosts: [
      { id: 'wf-1', groups: ['web'] },
      { id: 'wf-2', groups: ['web'] },
    ],
  });
  repo = await makeRepo(fleet);
  origin = createProtectedOrigin({});
  git(repo.root, 'fetch', '-q', origin.bare, 'main');
  git(repo.root, 'rebase', '-q', 'FETCH_HEAD');
  origin.git(repo.root, ['push', '-q', origin.bare, 'HEAD:main'], 'merge');
  scratch = await mkdtemp(path.join(os.tmpdir(), 'og-wf-e2e-'));
  runner = {
    origin,
    dir: scratch,
    repository: 'org/ops',
    vars: { OPSGATE_APP_ID: '123456', OPSGATE_APPLY_RUNNER: '["self-hosted","ops-network"]' },
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
  await fleet?.stop();
  await repo?.cleanup();
  origin?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('apply as CI runs it', () => {
  it('a scheduled run applies the merged change once, and its records land on main through the App', async () => {
    await mergeToOrigin('CHG-2026-0001', 1, 'wf-1', 'first');
    const r = await schedule('1001');
    expect(job(r, 'apply/apply').result, r.log).toBe('success');
    expect(job(r, 'apply/apply').outputs.leased).toBe('true');
    expect(await counter('wf-1', 'first')).toBe('ran\n');
    expect(job(r, 'apply/land').result, r.log).toBe('success');

    const files = recordsOnMain('CHG-2026-0001');
    expect(files).toHaveLength(1);
    const lines = onMain(files[0]!)!
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; outcome?: string });
    expect(lines.at(-1)).toMatchObject({ type: 'run.done', outcome: 'succeeded' });
    expect(origin.refExists('refs/heads/opsgate/lease/apply')).toBe(false);
    expect(origin.git(origin.bare, ['log', '-1', '--format=%an|%s', 'main']).trim()).toBe('opsgate-bot|records: opsgate apply run 1001 (1 file)');

    // Where each job ran and what it could read.
    expect(job(r, 'apply/apply').runsOn).toEqual(['self-hosted', 'ops-network']);
    expect(job(r, 'apply/apply').environment).toBe('production');
    expect(job(r, 'apply/land').environment).toBe('opsgate');
    expect(r.log).not.toContain(APP_TOKEN);
    expect(r.log).not.toContain(WORKFLOW_TOKEN);
    expect(r.log).not.toContain('BEGIN OPENSSH PRIVATE KEY');
  }, 180_000);

  it('the next scheduled run takes no lease and applies nothing again', async () => {
    const before = origin.git(origin.bare, ['rev-parse', 'main']);
    const r = await schedule('1002');
    expect(job(r, 'apply/apply').result, r.log).toBe('success');
    expect(job(r, 'apply/apply').outputs.leased).toBe('false');
    expect(stepOf(r, 'apply/apply', /^Apply every/).outcome).toBe('skipped');
    expect(job(r, 'apply/land').result).toBe('skipped');
    expect(await counter('wf-1', 'first')).toBe('ran\n');
    expect(origin.git(origin.bare, ['rev-parse', 'main'])).toBe(before);
  }, 120_000);

  it("when a run's records do not land, the next run refuses to start, and a person lands that run's artifact", async () => {
    await mergeToOrigin('CHG-2026-0002', 2, 'wf-2', 'second');
    // No App configured: the landing job falls back to the workflow token, which the protection refuses.
    const lost = await schedule('1003', { OPSGATE_APP_ID: '' });
    expect(await counter('wf-2', 'second')).toBe('ran\n');
    expect(job(lost, 'apply/land').result).toBe('failure');
    expect(lost.log).toMatch(/no bypass actor/);
    expect(recordsOnMain('CHG-2026-0002')).toEqual([]);
    expect(origin.refExists('refs/heads/opsgate/lease/apply')).toBe(true);

    // The change is due again as far as main can tell; the lease stops the run before anything starts.
    const refused = await schedule('1004');
    expect(job(refused, 'apply/apply').result).toBe('failure');
    expect(stepOf(refused, 'apply/apply', /^Refuse to start/).output).toMatch(/records of apply run 1003\b.*have not landed[\s\S]*land-run=1003/);
    expect(stepOf(refused, 'apply/apply', /^Apply every/).outcome).toBe('skipped');
    expect(job(refused, 'apply/land').result).toBe('skipped');
    expect(await counter('wf-2', 'second')).toBe('ran\n');

    // A person lands run 1003's artifact by hand; its lease goes with it.
    const landed = await runWorkflow(runner, 'apply.yml', { name: 'workflow_dispatch', runId: '1005', inputs: { 'land-run': '1003' } });
    expect(job(landed, 'apply/apply').result).toBe('skipped');
    expect(job(landed, 'apply/land').result, landed.log).toBe('success');
    expect(recordsOnMain('CHG-2026-0002')).toHaveLength(1);
    expect(origin.refExists('refs/heads/opsgate/lease/apply')).toBe(false);

    const after = await schedule('1006');
    expect(job(after, 'apply/apply').outputs.leased).toBe('false');
    expect(await counter('wf-2', 'second')).toBe('ran\n');
  }, 240_000);

  it('the SSH key is an environment secret: outside `production` the apply job cannot reach a host', async () => {
    await mergeToOrigin('CHG-2026-0003', 3, 'wf-1', 'third');
    const saved = runner.secrets.environments.production!;
    runner.secrets.environments.production = {};
    runner.secrets.repository = {};
    try {
      const r = await schedule('1007');
      expect(job(r, 'apply/apply').result).toBe('failure');
      expect(await counter('wf-1', 'third')).toBe('');
      // The records of the failed run still land and release the lease; the schedule leaves the change to a person.
      expect(job(r, 'apply/land').result, r.log).toBe('success');
      expect(origin.refExists('refs/heads/opsgate/lease/apply')).toBe(false);
    } finally {
      runner.secrets.environments.production = saved;
    }
  }, 180_000);

  it('a merged change waits for its gate decision to land: before it nothing runs and nothing sticks; the landing starts apply', async () => {
    // PR #4 is merged; "opsgate gate record" has not landed its decision yet when the schedule fires.
    await mergeToOrigin('CHG-2026-0004', 4, 'wf-2', 'fourth', 'none');
    const early = await schedule('1008');
    expect(await counter('wf-2', 'fourth')).toBe('');
    expect(stepOf(early, 'apply/apply', /^Apply every/).output).toMatch(/CHG-2026-0004[\s\S]*decision/);
    expect(recordsOnMain('CHG-2026-0004')).toEqual([]);
    expect(origin.refExists('refs/heads/opsgate/lease/apply')).toBe(false);

    // A gate-record run that failed starts nothing.
    const failed = await runWorkflow(runner, 'apply.yml', {
      name: 'workflow_run',
      runId: '1009',
      payload: { workflow_run: { name: 'opsgate gate record', conclusion: 'failure', event: 'pull_request_target' } },
    });
    expect(job(failed, 'apply').result).toBe('skipped');
    expect(await counter('wf-2', 'fourth')).toBe('');

    // The decision lands (the App, records/** only), and its workflow_run starts apply: the change runs, once.
    git(repo.root, 'pull', '-q', '--ff-only', origin.bare, 'main');
    await recordDecision(repo.root, 4, git(repo.root, 'rev-parse', 'pr-4').trim(), 'satisfied', [{ file: 'changes/2026/CHG-2026-0004.yaml', id: 'CHG-2026-0004' }]);
    git(repo.root, 'add', '-A');
    git(repo.root, 'commit', '-q', '-m', 'records: gate decision for #4');
    origin.git(repo.root, ['push', '-q', origin.bare, 'HEAD:main'], 'opsgate-app');
    const started = await runWorkflow(runner, 'apply.yml', {
      name: 'workflow_run',
      runId: '1010',
      payload: { workflow_run: { name: 'opsgate gate record', conclusion: 'success', event: 'pull_request_target' } },
    });
    // (The job itself ends failed: CHG-2026-0003's failed run above still waits for a person.)
    expect(stepOf(started, 'apply/apply', /^Apply every/).output).toMatch(/CHG-2026-0004: succeeded/);
    expect(await counter('wf-2', 'fourth')).toBe('ran\n');
    expect(job(started, 'apply/land').result, started.log).toBe('success');
    expect(recordsOnMain('CHG-2026-0004')).toHaveLength(1);
    expect(origin.refExists('refs/heads/opsgate/lease/apply')).toBe(false);
  }, 240_000);
});
