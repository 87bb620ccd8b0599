/**
 * Runs one of our workflows the way GitHub Actions would, on this machine:
 * the trigger file's jobs, the reusable workflow they call (its inputs from
 * the call's `with`), jobs in `needs` order with their `if:`, every step in
 * order with its `if:`, `env` and outputs, `run:` under `bash -e`. The `uses:`
 * steps are the few actions we pin, played by local equivalents:
 *
 * - actions/checkout: a real `git clone` of the protected origin; whoever
 *   pushes from that clone later is the token it was given (the App's token,
 *   or the workflow token), which the origin's hook sees as OG_PUSHER;
 * - actions/setup-node: nothing (this Node); `npm ci` is a shim that accepts
 *   only the install line the workflows must use; `npx opsgate` runs this
 *   repository's opsgate;
 * - actions/upload-artifact, download-artifact: a directory per artifact
 *   name, kept across runs (as GitHub keeps them);
 * - actions/create-github-app-token: a token, when the client id and the key
 *   (an environment secret) are both there — as the real action demands.
 *
 * Secrets are scoped as GitHub scopes them: a job sees repository secrets plus
 * the secrets of the environment it names, nothing else.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { condition, interpolate, toText, type Scope, type Value } from './expressions.ts';
import { ROOT, WORKFLOWS, type Job, type Step } from './load.ts';
import type { ProtectedOrigin } from './protected-origin.ts';

export const APP_TOKEN = 'ghs_AppTokenMintedForTheTestOnly0000000';
export const WORKFLOW_TOKEN = 'ghs_WorkflowTokenForTheTestOnly00000000';

export interface Runner {
  origin: ProtectedOrigin;
  /** Scratch space: workspaces, runner temp, artifacts, shims. */
  dir: string;
  repository: string;
  vars: Record<string, string>;
  secrets: { repository: Record<string, string>; environments: Record<string, Record<string, string>> };
  /** The REST API the steps talk to (GITHUB_API_URL): the local GitHub server, when a flow reads GitHub. */
  apiUrl?: string;
}

export interface StepResult {
  name: string;
  outcome: 'success' | 'failure' | 'skipped';
  output: string;
}
export interface JobResult {
  id: string;
  result: 'success' | 'failure' | 'skipped';
  runsOn?: Value;
  environment?: string;
  outputs: Record<string, string>;
  steps: StepResult[];
}
export interface RunResult {
  jobs: Record<string, JobResult>;
  log: string;
}

function shims(dir: string): string {
  const bin = path.join(dir, 'bin');
  if (existsSync(bin)) return bin;
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    path.join(bin, 'npx'),
    `#!/bin/bash
[ "$1" = --no-install ] && shift
[ "$1" = opsgate ] || { echo "npx shim: only opsgate runs here, not $1" >&2; exit 127; }
shift
exec node "${path.join(ROOT, 'scripts/bin/opsgate.mjs')}" "$@"
`,
  );
  writeFileSync(
    path.join(bin, 'npm'),
    `#!/bin/bash
# The workflows install production dependencies only and never run install scripts.
[ "$*" = "ci --ignore-scripts --omit=dev" ] && exit 0
echo "npm shim: unexpected 'npm $*'" >&2; exit 1
`,
  );
  for (const f of ['npx', 'npm']) chmodSync(path.join(bin, f), 0o755);
  return bin;
}

const load = (file: string) => parse(readFileSync(path.join(WORKFLOWS, file), 'utf8')) as { on: Record<string, { inputs?: Record<string, { default?: unknown }> }>; jobs: Record<string, Job> };

function order(jobs: Record<string, Job>): string[] {
  const done: string[] = [];
  const visit = (id: string) => {
    if (done.includes(id)) return;
    const needs = jobs[id]!.needs;
    for (const n of typeof needs === 'string' ? [needs] : (needs ?? [])) visit(n);
    done.push(id);
  };
  Object.keys(jobs).forEach(visit);
  return done;
}

/** Runs `file` for an event. `event.inputs` are workflow_dispatch inputs. */
export async function runWorkflow(r: Runner, file: string, event: { name: string; runId: string; inputs?: Record<string, string>; payload?: Record<string, Value> }): Promise<RunResult> {
  const trigger = load(file);
  const runDir = path.join(r.dir, `run-${event.runId}`);
  mkdirSync(runDir, { recursive: true });
  const github: Record<string, Value> = {
    event_name: event.name,
    event: event.payload ?? {},
    ref: 'refs/heads/main',
    ref_name: 'main',
    run_id: event.runId,
    run_attempt: '1',
    repository: r.repository,
    server_url: 'https://github.local',
    api_url: 'https://api.github.local',
    token: WORKFLOW_TOKEN,
    sha: r.origin.git(r.origin.bare, ['rev-parse', 'main']).trim(),
  };
  const base = { github, vars: r.vars as Value, inputs: (event.inputs ?? {}) as Value };
  const result: RunResult = { jobs: {}, log: '' };
  for (const callerId of order(trigger.jobs)) {
    const caller = trigger.jobs[callerId]!;
    if (!condition(caller.if, { contexts: base })) {
      result.jobs[callerId] = { id: callerId, result: 'skipped', outputs: {}, steps: [] };
      continue;
    }
    if (!caller.uses) throw new Error(`${file}: job ${callerId} runs steps directly; this runner plays reusable workflows`);
    const called = load(caller.uses.replace('./.github/workflows/', ''));
    const declared = called.on.workflow_call?.inputs ?? {};
    const inputs: Record<string, Value> = {};
    for (const [k, d] of Object.entries(declared)) inputs[k] = (d.default ?? null) as Value;
    for (const [k, v] of Object.entries(caller.with ?? {})) inputs[k] = interpolate(v, { contexts: base });
    const ctx = { github, vars: r.vars as Value, inputs: inputs as Value };
    const jobResults: Record<string, JobResult> = {};
    for (const id of order(called.jobs)) {
      const job = called.jobs[id]!;
      const needs = typeof job.needs === 'string' ? [job.needs] : (job.needs ?? []);
      const needsCtx: Record<string, Value> = Object.fromEntries(needs.map((n) => [n, { result: jobResults[n]!.result, outputs: jobResults[n]!.outputs }]));
      const needsFailed = needs.some((n) => jobResults[n]!.result !== 'success');
      const run = condition(job.if, { contexts: { ...ctx, needs: needsCtx }, status: { failed: needsFailed } });
      const jr = run ? await runJob(r, runDir, `${callerId}/${id}`, job, { ...ctx, needs: needsCtx }, result) : { id, result: 'skipped' as const, outputs: {}, steps: [] };
      jobResults[id] = jr;
      result.jobs[`${callerId}/${id}`] = jr;
    }
  }
  return result;
}

async function runJob(r: Runner, runDir: string, id: string, job: Job, contexts: Record<string, Value>, result: RunResult): Promise<JobResult> {
  const jobDir = path.join(runDir, id.replace(/\//g, '--'));
  const workspace = path.join(jobDir, 'workspace');
  const temp = path.join(jobDir, 'temp');
  mkdirSync(temp, { recursive: true });
  const environment = job.environment === undefined ? undefined : toText(interpolate(typeof job.environment === 'string' ? job.environment : job.environment.name, { contexts }));
  const secrets: Record<string, Value> = { GITHUB_TOKEN: WORKFLOW_TOKEN, ...r.secrets.repository, ...(environment ? (r.secrets.environments[environment] ?? {}) : {}) };
  const steps: Record<string, { outputs: Record<string, string>; outcome: string }> = {};
  let failed = false;
  const scope = (): Scope => ({ contexts: { ...contexts, secrets, steps: steps as unknown as Value, runner: { temp, os: 'Linux' } }, status: { failed } });
  const jr: JobResult = { id, result: 'success', runsOn: interpolate(job['runs-on'], { contexts }), ...(environment ? { environment } : {}), outputs: {}, steps: [] };
  let pusher = 'github-actions';
  for (const [i, step] of (job.steps ?? []).entries()) {
    const name = step.name ?? step.uses ?? step.run?.split('\n')[0] ?? `step ${i}`;
    if (!condition(step.if, scope())) {
      jr.steps.push({ name, outcome: 'skipped', output: '' });
      if (step.id) steps[step.id] = { outputs: {}, outcome: 'skipped' };
      continue;
    }
    const s = scope();
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, toText(interpolate(v, s))]));
    const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, toText(interpolate(v, s))]));
    const outputFile = path.join(temp, `output-${i}`);
    writeFileSync(outputFile, '');
    let ok: boolean;
    let output = '';
    const outputs: Record<string, string> = {};
    if (step.run !== undefined) {
      const scriptFile = path.join(temp, `step-${i}.sh`);
      writeFileSync(scriptFile, step.run);
      const p = await runScript('bash', ['--noprofile', '--norc', '-e', scriptFile], {
        cwd: existsSync(workspace) ? workspace : jobDir,
        env: {
          PATH: `${shims(r.dir)}:${process.env.PATH}`,
          HOME: process.env.HOME,
          LANG: 'C.UTF-8',
          CI: 'true',
          GITHUB_ACTIONS: 'true',
          GITHUB_REF: toText((contexts.github as Record<string, Value>).ref ?? null),
          GITHUB_REF_NAME: 'main',
          GITHUB_RUN_ID: toText((contexts.github as Record<string, Value>).run_id ?? null),
          GITHUB_REPOSITORY: r.repository,
          GITHUB_SERVER_URL: 'https://github.local',
          GITHUB_WORKSPACE: workspace,
          GITHUB_OUTPUT: outputFile,
          GITHUB_STEP_SUMMARY: path.join(temp, 'summary.md'),
          RUNNER_TEMP: temp,
          OG_PUSHER: pusher,
          OPSGATE_LAND_RETRY_MS: '0',
          NO_COLOR: '1',
          ...(r.apiUrl ? { GITHUB_API_URL: r.apiUrl, OPSGATE_GITHUB_RETRY_UNIT_MS: '5', OPSGATE_GITHUB_WRITE_SPACING_MS: '0' } : {}),
          ...env,
        },
        timeout: 300_000,
      });
      ok = p.status === 0;
      output = `${p.stdout}${p.stderr}`;
      for (const line of readFileSync(outputFile, 'utf8').split('\n')) {
        const m = /^([\w-]+)=(.*)$/.exec(line);
        if (m) outputs[m[1]!] = m[2]!;
      }
    } else if (step.uses?.startsWith('actions/checkout@')) {
      const p = spawnSync('git', ['clone', '-q', '--branch', toText(inputs.ref ?? '').replace(/^refs\/heads\//, '') || 'main', r.origin.bare, workspace], { encoding: 'utf8' });
      ok = p.status === 0;
      output = p.stderr;
      pusher = (inputs.token ?? WORKFLOW_TOKEN) === APP_TOKEN ? 'opsgate-app' : 'github-actions';
    } else if (step.uses?.startsWith('actions/setup-node@')) {
      ok = true;
    } else if (step.uses?.startsWith('actions/create-github-app-token@')) {
      ok = Boolean(inputs['client-id']) && Boolean(inputs['private-key']);
      if (ok) outputs.token = APP_TOKEN;
      else output = 'create-github-app-token: client-id and private-key must be set';
    } else if (step.uses?.startsWith('actions/upload-artifact@')) {
      const from = inputs.path!;
      const store = path.join(r.dir, 'artifacts', inputs.name!);
      ok = existsSync(from) && (readdirSync(from).length > 0 || inputs['if-no-files-found'] !== 'error') && !existsSync(store);
      if (ok) cpSync(from, store, { recursive: true });
      else output = `upload-artifact: nothing at ${from}, or ${inputs.name} exists`;
    } else if (step.uses?.startsWith('actions/download-artifact@')) {
      const store = path.join(r.dir, 'artifacts', inputs.name!);
      ok = existsSync(store);
      if (ok) cpSync(store, inputs.path!, { recursive: true });
      else output = `download-artifact: no artifact ${inputs.name}`;
    } else {
      throw new Error(`${id}: no local stand-in for ${step.uses}`);
    }
    if (step.id) steps[step.id] = { outputs, outcome: ok ? 'success' : 'failure' };
    jr.steps.push({ name, outcome: ok ? 'success' : 'failure', output });
    result.log += `--- ${id}: ${name} (${ok ? 'ok' : 'FAILED'})\n${output}`;
    if (!ok) failed = true;
  }
  jr.result = failed ? 'failure' : 'success';
  for (const [k, v] of Object.entries(job.outputs ?? {})) jr.outputs[k] = toText(interpolate(v, scope()));
  return jr;
}

/**
 * Runs a step's script without blocking this process: the local GitHub server a
 * step talks to answers from this same event loop.
 */
function runScript(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeout: number }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

export type { Step };
