/**
 * applyChange: the whole apply of one change — plan, preconditions (fail
 * closed, nothing run), host locks and markers, records, execution, resume and
 * retry. Edge; the decisions it calls are pure (ARCHITECTURE.md, "Safe execution").
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { blockingFreezes } from '../rules/calendar.ts';
import type { RepoModel } from '../repo/repo-model.ts';
import { loadSshAuth, openFleet } from '../ssh/fleet.ts';
import { UsageError } from '../model/errors.ts';
import { defaultBranch, GOVERNED_ROOTS, readGateFacts, readGitState } from './apply-facts.ts';
import { lockHosts } from './apply-locks.ts';
import { CommittedTree, readCommittedRepo } from './committed-tree.ts';
import { executePlan, type ExecuteResult } from './execute.ts';
import { findChange, loadPlan, type FileSource } from './load-plan.ts';
import { planDigest, referencedFiles } from './plan.ts';
import { evaluatePreconditions, type Refusal } from './preconditions.ts';
import { changeRecordDir, listRuns, newRunId, openRecorder } from './recorder.ts';
import { planResume, planRetry, readRunState, type HostResume, type RunState } from './resume.ts';
import { acquireRunLock } from './run-lock.ts';
import { toSshTargets } from '../remote/targets.ts';
import type { ChangePlan } from './types.ts';
import { windowVerdict } from './window-gate.ts';
import { readRecordFile } from '../records/writer.ts';
import { allowedSecrets, secretUseProblem } from '../rules/secret-policy.ts';
import { singletonFileOf } from '../rules/singleton-file.ts';
import { makeConfirmHooks } from './confirm-hooks.ts';
import { repoIdentity } from './repo-identity.ts';

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
  /** The clock: asked at the start and before every batch and step. */
  now: () => Date;
  resume?: boolean;
  /** Emergency override of window/freeze, with the reason recorded. */
  override?: string;
  resolutions?: Resolution[];
  /** A retry runs hosts that succeeded in an earlier run again too. */
  rerunSucceeded?: boolean;
  identityFile?: string;
  concurrency?: number;
  /** Who runs it (recorded): GITHUB_ACTOR or USER. */
  actor?: string;
  lockTtlSeconds?: number;
  /** Seconds before a commit-confirmed change reverts itself unless confirmed (default 120). */
  confirmSeconds?: number;
  onEvent?: (e: Record<string, unknown>) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface ApplyOutcome {
  status: 'refused' | ExecuteResult['outcome'];
  refusals: Refusal[];
  plan: ChangePlan;
  run?: string;
  record?: string;
  result?: ExecuteResult;
  unknown?: Array<{ host: string; phase: string; step: string; evidence: string }>;
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
  if (broken)
    refusals.push({ code: 'apply.record-broken', message: `the record of run ${broken.run} does not verify: ${broken.problem}`, hint: "run 'opsgate records verify'; a person must look at it" });

  // Secrets named in the plan must be present in the runner's environment.
  const secretNames = [...new Set(plan.hosts.flatMap((h) => [...h.prechecks, ...h.steps, ...h.verification, ...h.rollback]).flatMap((a) => (a.stdin?.source === 'secrets' ? a.stdin.names : [])))];
  const secrets: Record<string, string> = {};
  const fromJson = readSecretsJson(o.env.OPSGATE_SECRETS_JSON);
  // Only the secrets the committed policy allows, never the workflow's or opsgate's own (lint rejects the rest too).
  const allowed = allowedSecrets(repo.one('organisation')?.data);
  const organisationFile = singletonFileOf(repo, 'organisation');
  for (const n of secretNames) {
    const notAllowed = secretUseProblem(n, allowed, organisationFile);
    if (notAllowed) {
      refusals.push({ code: 'apply.secret-not-allowed', message: notAllowed.message, hint: `list it in allowed_secrets of ${organisationFile} by a pull request the governance tier approves` });
      continue;
    }
    const v = o.env[n] ?? fromJson[n];
    if (v === undefined || v === '')
      refusals.push({ code: 'apply.secret-missing', message: `secret ${n} is not set in the environment`, hint: `map it in the workflow: env: ${n}: \${{ secrets.${n} }}` });
    else if (/[\r\n]/.test(v)) refusals.push({ code: 'apply.secret-multiline', message: `secret ${n} contains a line break; it cannot be passed as one line` });
    else secrets[n] = v;
  }
  if (refusals.length > 0) return refuse(refusals);

  // Where this run continues: the interrupted run (--resume), a retry after failed runs, or a fresh start.
  let runId = newRunId(
    now,
    runs.map((r) => r.run),
  );
  const unfinished = runs.filter((r) => r.outcome === undefined || r.outcome === 'needs_attention').pop();
  let state: RunState | undefined;
  let stateRun = new Map<string, string>();
  let retry: ReturnType<typeof planRetry> | undefined;
  if (o.resume && unfinished) {
    runId = unfinished.run;
    const planned = (await readRecordFile(unfinished.file)).lines.find((l) => l.type === 'run.planned');
    if (planned && planned.file_sha256 !== change.sha256)
      return refuse([{ code: 'apply.resume-changed', message: `${change.file} changed since run ${runId} started; resuming would run something else than what was planned` }]);
    state = unfinished.state;
    stateRun = new Map(plan.hosts.map((h) => [h.host, runId]));
  } else if (runs.length > 0) {
    retry = planRetry(
      plan,
      runs.flatMap((r) => (r.state ? [{ run: r.run, state: r.state }] : [])),
      Boolean(o.rerunSucceeded),
    );
    state = retry.state;
    stateRun = retry.from;
  }
  const resolutions = o.resolutions ?? [];
  if (state) for (const r of resolutions) state.hosts.get(r.host)?.actions.set(`${r.phase}:${r.step}`, r.resolution === 'done' ? 'succeeded' : 'failed');

  const runLock = await acquireRunLock(root, change.id);
  if (!runLock.ok) return refuse([{ code: 'apply.locked', message: `another apply of ${change.id} is running on this machine (${runLock.owner})` }]);
  const { auth, secrets: authSecrets } = await loadSshAuth({ env: o.env, ...(o.identityFile ? { identityFile: o.identityFile } : {}) });
  const redact = [...authSecrets, ...Object.values(secrets), ...Object.values(fromJson)];
  const allHosts = repo.all('host');
  const targets = toSshTargets(repo.resolveTargets(change.data.targets), allHosts);
  const fleet = openFleet(targets, { auth, secrets: redact, concurrency: o.concurrency ?? 20 });
  let releaseLocks: () => Promise<void> = async () => {};
  try {
    // Lock every host that still has work before anything runs: a held host refuses the whole apply.
    const owner = `${change.id} run ${runId} by ${o.actor ?? 'unknown'} (pid ${process.pid}) since ${now.toISOString()}`;
    const todo = plan.hosts.filter((h) => !state?.hosts.get(h.host)?.outcome || resolutions.some((r) => r.host === h.host)).map((h) => h.host);
    const locks = await lockHosts({
      fleet,
      hosts: todo,
      owner,
      ttlSeconds: o.lockTtlSeconds ?? 30,
      scope: `${await repoIdentity(root, o.env)}/${change.id}`,
      run: runId,
      runs,
      resolutions,
      stateRun,
      nonce: randomBytes(8).toString('hex'),
    });
    releaseLocks = locks.release;
    if (locks.held.length > 0)
      return refuse(locks.held.map((m) => ({ code: 'apply.host-locked', message: m, hint: 'another apply, or a step an earlier apply left running, holds the host; wait for it to finish' })));
    const resumeMap = new Map<string, HostResume>(planResume(plan, state, locks.markers).map((h) => [h.host, h]));
    const earlierUploads = new Map(plan.hosts.map((h) => [h.host, new Set(h.steps.filter((a) => a.kind === 'upload' && state?.hosts.get(h.host)?.actions.has(`step:${a.id}`)).map((a) => a.id))]));

    const file = path.join(changeRecordDir(root, change.id), `${runId}.jsonl`);
    const recorder = await openRecorder(file, { now: o.now, secrets: redact, ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
    const base = { plan, run: runId, record: path.relative(root, file) };
    try {
      const meta = {
        change: change.id,
        run: runId,
        file: change.file,
        file_sha256: change.sha256,
        commit: facts.gate.mergeCommit ?? null,
        pr: facts.gate.pr ?? null,
        gate_decision: facts.gate.decision?.file ?? null,
        actor: o.actor ?? null,
        plan_sha256: planDigest(plan),
        ...(o.override ? { emergency_override: o.override } : {}),
      };
      if (o.resume && unfinished) await recorder.event('run.resumed', meta);
      else {
        await recorder.event('run.planned', {
          ...meta,
          window: plan.window,
          rollout: plan.rollout,
          batches: plan.batches,
          hosts: plan.hosts.map((h) => ({
            host: h.host,
            prechecks: h.prechecks.map((a) => a.id),
            steps: h.steps.map((a) => a.id),
            verification: h.verification.map((a) => a.id),
            rollback: h.rollback.map((a) => a.id),
          })),
          ...(retry
            ? {
                retry_of: runs.map((r) => r.run),
                skipped_succeeded: Object.fromEntries([...retry.succeeded].filter(([h]) => !o.rerunSucceeded || !todo.includes(h))),
                ...(o.rerunSucceeded ? { rerun_succeeded: rerunList(plan, retry.succeeded) } : {}),
              }
            : {}),
        });
        // A retry's new record carries what it builds on, so it is complete by itself.
        for (const [h, from] of retry?.from ?? []) {
          const hs = state?.hosts.get(h);
          if (hs?.outcome === 'succeeded') await recorder.event('host.done', { host: h, outcome: 'succeeded', carried_from: from });
          else
            for (const [key, v] of hs?.actions ?? [])
              if (v === 'succeeded') await recorder.event('step.carried', { host: h, phase: key.split(':')[0], step: key.slice(key.indexOf(':') + 1), from_run: from });
        }
      }
      for (const r of resolutions) {
        const markerRun = locks.markerRunOf(r.host, `${r.phase}.${r.step}`);
        await recorder.event('step.resolved', {
          host: r.host,
          phase: r.phase,
          step: r.step,
          resolution: r.resolution,
          by: o.actor ?? null,
          ...(markerRun && markerRun !== runId ? { marker_run: markerRun } : {}),
        });
      }
      for (const h of resumeMap.values())
        for (const a of h.rerun) await recorder.event('step.unknown', { host: h.host, phase: a.phase, step: a.id, idempotent: true, action: 'run again (idempotent)' });
      const unknown = [...resumeMap.values()].flatMap((h) =>
        h.unknown.map((u) => ({ host: h.host, phase: u.action.phase, step: u.action.id, evidence: u.evidence, ...(u.markerRun ? { marker_run: u.markerRun } : {}) })),
      );
      if (unknown.length > 0) {
        for (const u of unknown) await recorder.event('step.unknown', { ...u, idempotent: false, action: 'stopped for a person' });
        await recorder.event('run.done', { outcome: 'needs_attention', unknown });
        return { ...base, status: 'needs_attention', refusals: [], unknown };
      }
      const result = await executePlan({
        plan,
        fleet,
        recorder,
        root,
        secrets,
        readRepoFile: async (rel) => {
          const f = await tree.read(rel);
          if (f.kind !== 'file') throw new Error(f.why);
          return f.bytes;
        },
        resume: resumeMap,
        earlierUploads,
        unreachable: locks.unreachable,
        runners: locks.runners,
        ...(o.override ? {} : { gate: (spanMs?: number) => windowVerdict(change.data, calendar, o.now(), spanMs) }),
        onWindowEnd: plan.rollout.onWindowEnd,
        confirm: makeConfirmHooks({ targets, auth, secrets: redact, scope: change.id, run: runId, seconds: o.confirmSeconds ?? 120, ...(o.sleep ? { sleep: o.sleep } : {}) }),
        concurrency: o.concurrency ?? 20,
        ...(o.sleep ? { sleep: o.sleep } : {}),
      });
      await recorder.event('run.done', { outcome: result.outcome, failures: result.failures, hosts: result.hosts });
      return { ...base, status: result.outcome, refusals: [], result };
    } finally {
      await recorder.close();
    }
  } finally {
    await releaseLocks();
    await fleet.close();
    await runLock.release();
  }
}

/** The committed tree at HEAD and the repository model read from it. */
export async function openCommitted(root: string): Promise<{ tree: CommittedTree; repo: RepoModel } | undefined> {
  const tree = await CommittedTree.open(root);
  return tree ? { tree, repo: await readCommittedRepo(tree) } : undefined;
}

/** Per host that succeeded earlier: the non-idempotent steps a retry with --rerun-succeeded runs again. Pure. */
export function rerunList(plan: ChangePlan, succeeded: ReadonlyMap<string, string>): Record<string, string[]> {
  return Object.fromEntries([...succeeded.keys()].map((h) => [h, (plan.hosts.find((x) => x.host === h)?.steps ?? []).filter((a) => !a.idempotent).map((a) => a.id)]));
}

/** Changes whose window is open now and that are not closed (the scheduled `apply --due`). Pure over the model. */
export function dueChanges(repo: RepoModel, now: Date): string[] {
  const t = now.getTime();
  return repo
    .all('change')
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
