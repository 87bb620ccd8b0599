/**
 * applyChange: the whole apply of one change — plan, preconditions (fail
 * closed, nothing run), locks, records, execution, resume. Edge; the
 * decisions it calls are pure.
 */
import path from 'node:path';
import { blockingFreezes } from '../rules/calendar.ts';
import type { RepoModel } from '../repo/repo-model.ts';
import { loadSshAuth, openFleet } from '../ssh/fleet.ts';
import { UsageError } from '../model/errors.ts';
import { defaultBranch, GOVERNED_ROOTS, readGateFacts, readGitState } from './apply-facts.ts';
import { CommittedTree, readCommittedRepo } from './committed-tree.ts';
import { executePlan, type ExecuteResult } from './execute.ts';
import { acquireHostLock } from './host-lock.ts';
import { findChange, loadPlan, type FileSource } from './load-plan.ts';
import { planDigest, referencedFiles } from './plan.ts';
import { evaluatePreconditions, type Refusal } from './preconditions.ts';
import { changeRecordDir, listRuns, newRunId, openRecorder } from './recorder.ts';
import { planResume, readRunState, type HostResume } from './resume.ts';
import { acquireRunLock } from './run-lock.ts';
import { toSshTargets } from './targets.ts';
import type { ChangePlan } from './types.ts';
import { readRecordFile } from '../records/writer.ts';
import { allowedSecrets, secretUseProblem } from '../rules/secret-policy.ts';

export interface Resolution {
  host: string;
  phase: string;
  step: string;
  resolution: 'done' | 'failed';
}

export interface ApplyOptions {
  /**
   * The repository; only its root is used: every document apply decides on and
   * every file it sends is read from the committed tree at HEAD (or `committed`).
   */
  repo: RepoModel;
  /** The committed tree and its model, when the caller already read them (apply --due over many changes). */
  committed?: { tree: CommittedTree; repo: RepoModel };
  changeId: string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  resume?: boolean;
  /** Emergency override of window/freeze, with the reason recorded. */
  override?: string;
  resolutions?: Resolution[];
  identityFile?: string;
  concurrency?: number;
  /** Who runs it (recorded): GITHUB_ACTOR or USER. */
  actor?: string;
  lockTtlSeconds?: number;
  onEvent?: (e: Record<string, unknown>) => void;
}

export interface ApplyOutcome {
  status: 'refused' | 'needs_attention' | 'succeeded' | 'partial' | 'failed';
  refusals: Refusal[];
  plan: ChangePlan;
  run?: string;
  record?: string;
  result?: ExecuteResult;
  unknown?: Array<{ host: string; step: string }>;
}

export async function applyChange(o: ApplyOptions): Promise<ApplyOutcome> {
  const now = o.now();
  const committed = o.committed ?? (await openCommitted(o.repo.root));
  if (!committed) throw new UsageError(`${o.repo.root} has no commit to apply from`, 'apply reads the committed tree at HEAD of the default branch');
  const { tree, repo } = committed;
  const change = findChange(repo, o.changeId);
  const source: FileSource = (rel) => tree.read(rel);
  const plan = await loadPlan(repo, change, now, source);
  const refuse = (refusals: Refusal[]): ApplyOutcome => ({ status: 'refused', refusals, plan });
  if (plan.diagnostics.some((d) => d.severity === 'error')) {
    return refuse(plan.diagnostics.map((d) => ({ code: d.code, message: `${d.file}:${d.line}:${d.col} ${d.message}`, ...(d.hint ? { hint: d.hint } : {}) })));
  }
  const root = repo.root;
  const runs = await listRuns(root, change.id);
  const calendar = repo.one('calendar')?.data;
  const facts = {
    change: { id: change.id, type: change.data.type, window: change.data.window, closed: Boolean(change.data.closure) },
    now,
    git: await readGitState(root, o.env, [change.file, ...referencedFiles(change.data), ...GOVERNED_ROOTS]),
    gate: await readGateFacts(tree, { id: change.id, file: change.file, deploys: referencedFiles(change.data) }, await defaultBranch(root, o.env)),
    freezes: calendar ? blockingFreezes(calendar, change.data.type, now.getTime(), now.getTime() + 1).map((f) => ({ id: f.id, title: f.title, end: f.end })) : [],
    runs: runs.map((r) => ({ run: r.run, ...(r.outcome ? { outcome: r.outcome } : {}) })),
    resume: Boolean(o.resume),
    ...(o.override !== undefined ? { override: { reason: o.override } } : {}),
  };
  const refusals = evaluatePreconditions(facts);
  const broken = runs.find((r) => r.problem);
  if (broken) refusals.push({ code: 'apply.record-broken', message: `the record of run ${broken.run} does not verify: ${broken.problem}`, hint: "run 'opsgate records verify'; a person must look at it" });

  // Secrets named in the plan must be present in the runner's environment.
  const secretNames = [...new Set(plan.hosts.flatMap((h) => [...h.steps, ...h.rollback]).flatMap((a) => (a.stdin?.source === 'secrets' ? a.stdin.names : [])))];
  const secrets: Record<string, string> = {};
  const fromJson = readSecretsJson(o.env.OPSGATE_SECRETS_JSON);
  // Only the secrets the committed policy allows, never the workflow's or opsgate's own (lint rejects the rest too).
  const allowed = allowedSecrets(repo.one('organisation')?.data);
  for (const n of secretNames) {
    const notAllowed = secretUseProblem(n, allowed);
    if (notAllowed) { refusals.push({ code: 'apply.secret-not-allowed', message: notAllowed.message, hint: 'list it in allowed_secrets of policies/organisation.yaml by a pull request the governance tier approves' }); continue; }
    const v = o.env[n] ?? fromJson[n];
    if (v === undefined || v === '') refusals.push({ code: 'apply.secret-missing', message: `secret ${n} is not set in the environment`, hint: `map it in the workflow: env: ${n}: \${{ secrets.${n} }}` });
    else if (/[\r\n]/.test(v)) refusals.push({ code: 'apply.secret-multiline', message: `secret ${n} contains a line break; it cannot be passed as one line` });
    else secrets[n] = v;
  }
  if (refusals.length > 0) return refuse(refusals);

  // Where a resumed run continues.
  let runId = newRunId(now);
  let resumeMap: Map<string, HostResume> | undefined;
  let earlierUploads: Map<string, Set<string>> | undefined;
  const unfinished = runs.filter((r) => r.outcome === undefined || r.outcome === 'needs_attention').pop();
  if (o.resume && unfinished) {
    runId = unfinished.run;
    const planned = (await readRecordFile(unfinished.file)).lines.find((l) => l.type === 'run.planned');
    if (planned && planned.file_sha256 !== change.sha256) return refuse([{ code: 'apply.resume-changed', message: `${change.file} changed since run ${runId} started; resuming would run something else than what was planned` }]);
  }

  const runLock = await acquireRunLock(root, change.id);
  if (!runLock.ok) return refuse([{ code: 'apply.locked', message: `another apply of ${change.id} is running on this machine (${runLock.owner})` }]);
  const { auth, secrets: authSecrets } = await loadSshAuth({ env: o.env, ...(o.identityFile ? { identityFile: o.identityFile } : {}) });
  const redact = [...authSecrets, ...Object.values(secrets), ...Object.values(fromJson)];
  const allHosts = repo.all('host');
  const fleet = openFleet(toSshTargets(repo.resolveTargets(change.data.targets), allHosts), { auth, secrets: redact, concurrency: o.concurrency ?? 20 });
  const releases: Array<() => Promise<void>> = [];
  try {
    const state = o.resume && unfinished?.state ? unfinished.state : undefined;
    const resolutions = o.resolutions ?? [];
    if (state) {
      for (const r of resolutions) state.hosts.get(r.host)?.actions.set(`${r.phase}:${r.step}`, r.resolution === 'done' ? 'ok' : 'failed');
      resumeMap = new Map(planResume(plan, state).map((h) => [h.host, h]));
      earlierUploads = new Map(plan.hosts.map((h) => [h.host, new Set(h.steps.filter((a) => a.kind === 'upload' && state.hosts.get(h.host)?.actions.has(`step:${a.id}`)).map((a) => a.id))]));
    }

    // Lock every host that still has work before anything runs: a held host refuses the whole apply.
    const owner = `${change.id} run ${runId} by ${o.actor ?? 'unknown'} (pid ${process.pid}) since ${now.toISOString()}`;
    const unreachable = new Map<string, string>();
    const held: string[] = [];
    const todo = plan.hosts.filter((h) => !resumeMap?.get(h.host)?.finished).map((h) => h.host);
    await Promise.all(todo.map(async (host) => {
      let session;
      try { session = await fleet.session(host); } catch (e) { unreachable.set(host, e instanceof Error ? e.message : String(e)); return; }
      const lock = await acquireHostLock(session, host, owner, o.lockTtlSeconds ?? 30);
      if (lock.status === 'locked') releases.push(lock.release);
      else if (lock.status === 'held') held.push(`${host} is held by ${lock.owner}`);
      else unreachable.set(host, `cannot take the host lock: ${lock.message}`);
    }));
    if (held.length > 0) return refuse(held.map((m) => ({ code: 'apply.host-locked', message: m, hint: 'another apply is working on the host; wait for it to finish' })));

    const file = path.join(changeRecordDir(root, change.id), `${runId}.jsonl`);
    const recorder = await openRecorder(file, { now: o.now, secrets: redact, ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
    const base = { plan, run: runId, record: path.relative(root, file) };
    try {
      const meta = { change: change.id, run: runId, file: change.file, file_sha256: change.sha256, commit: facts.gate.mergeCommit ?? null, pr: facts.gate.pr ?? null, gate_decision: facts.gate.decision?.file ?? null, actor: o.actor ?? null, plan_sha256: planDigest(plan), ...(o.override ? { emergency_override: o.override } : {}) };
      if (state) await recorder.event('run.resumed', meta);
      else await recorder.event('run.planned', { ...meta, window: plan.window, rollout: plan.rollout, batches: plan.batches, hosts: plan.hosts.map((h) => ({ host: h.host, prechecks: h.prechecks.map((a) => a.id), steps: h.steps.map((a) => a.id), verification: h.verification.map((a) => a.id), rollback: h.rollback.map((a) => a.id) })) });
      for (const r of resolutions) await recorder.event('step.resolved', { host: r.host, phase: r.phase, step: r.step, resolution: r.resolution, by: o.actor ?? null });
      const unknown = [...(resumeMap?.values() ?? [])].flatMap((h) => h.unknown.map((a) => ({ host: h.host, phase: a.phase, step: a.id })));
      for (const h of resumeMap?.values() ?? []) for (const a of h.rerun) await recorder.event('step.unknown', { host: h.host, phase: a.phase, step: a.id, idempotent: true, action: 'run again (idempotent)' });
      if (unknown.length > 0) {
        for (const u of unknown) await recorder.event('step.unknown', { ...u, idempotent: false, action: 'stopped for a person' });
        await recorder.event('run.done', { outcome: 'needs_attention', unknown });
        return { ...base, status: 'needs_attention', refusals: [], unknown };
      }
      const result = await executePlan({
        plan, fleet, recorder, root, secrets,
        readRepoFile: async (rel) => {
          const f = await tree.read(rel);
          if (f.kind !== 'file') throw new Error(f.why);
          return f.bytes;
        },
        ...(resumeMap ? { resume: resumeMap } : {}),
        ...(earlierUploads ? { earlierUploads } : {}),
        unreachable,
        concurrency: o.concurrency ?? 20,
      });
      await recorder.event('run.done', { outcome: result.outcome, failures: result.failures, hosts: result.hosts });
      return { ...base, status: result.outcome, refusals: [], result };
    } finally {
      await recorder.close();
    }
  } finally {
    await Promise.all(releases.map((r) => r().catch(() => {})));
    await fleet.close();
    await runLock.release();
  }
}

/** The committed tree at HEAD and the repository model read from it. */
export async function openCommitted(root: string): Promise<{ tree: CommittedTree; repo: RepoModel } | undefined> {
  const tree = await CommittedTree.open(root);
  return tree ? { tree, repo: await readCommittedRepo(tree) } : undefined;
}

/** Changes whose window is open now and that are not closed (the scheduled `apply --due`). Pure over the model. */
export function dueChanges(repo: RepoModel, now: Date): string[] {
  const t = now.getTime();
  return repo.all('change')
    .filter((c) => !c.data.closure && Date.parse(c.data.window.start) <= t && t < Date.parse(c.data.window.end))
    .map((c) => c.id)
    .sort();
}

/** `${{ toJSON(secrets) }}` from the workflow: name → value; anything unreadable is no secrets. */
function readSecretsJson(text: string | undefined): Record<string, string> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

export { readRunState };
