/**
 * executePlan: carries out a ChangePlan over open SSH sessions, batch by
 * batch. Every action runs under the host-side step runner, with
 * `step.executing` flushed before it (run-action.ts). A failed host is rolled
 * back; the rollout stops once more than max_failures hosts failed; the window
 * and freezes are checked before every batch and every step, and when they
 * close the remaining hosts are left untouched (`on_window_end: stop`) or the
 * hosts already changed are rolled back too (`rollback`). Edge.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FAILED_HOST_OUTCOMES, runOutcomeOf, type HostOutcome, type RunOutcome } from '../model/outcome.ts';
import { loginIsRoot } from '../remote/step-guard.ts';
import type { RunnerContext } from '../remote/step-runner.ts';
import type { Fleet } from '../ssh/fleet.ts';
import type { Recorder } from './recorder.ts';
import type { HostResume } from './resume.ts';
import { rollBack, runHost, type ConfirmHooks, type GateVerdict, type HostRunResult } from './run-host.ts';
import type { ChangePlan, PlannedAction } from './types.ts';

export interface ExecuteInput {
  plan: ChangePlan;
  fleet: Fleet;
  recorder: Recorder;
  root: string;
  /** Secret values by name, read from the runner's environment (sent on stdin only). */
  secrets: Readonly<Record<string, string>>;
  /** Where each host continues (resume or retry); absent for a fresh run. */
  resume?: ReadonlyMap<string, HostResume>;
  /** Upload steps that ran in an earlier attempt, per host (their saved copies exist). */
  earlierUploads?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Hosts that could not be reached when locks were taken. */
  unreachable?: ReadonlyMap<string, string>;
  /** Per host: where the step runner keeps markers and output, and the steps lock (from the host lock). */
  runners: ReadonlyMap<string, RunnerContext>;
  /** Window and freezes, asked before every batch and step; absent: always open (emergency override). */
  gate?: (spanMs?: number) => GateVerdict;
  onWindowEnd?: 'stop' | 'rollback';
  confirm?: ConfirmHooks;
  concurrency?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Reads a repository file a step sends (apply: from the committed tree, never through a link); default the working tree. */
  readRepoFile?: (rel: string) => Promise<Buffer>;
}

export interface ExecuteResult {
  outcome: RunOutcome;
  hosts: Record<string, HostOutcome>;
  failures: number;
}

export async function executePlan(input: ExecuteInput): Promise<ExecuteResult> {
  const { plan, recorder } = input;
  const hosts: Record<string, HostOutcome> = Object.fromEntries(plan.hosts.map((h) => [h.host, 'not_started' as const]));
  const byHost = new Map(plan.hosts.map((h) => [h.host, h]));
  const fileCache = new Map<string, Buffer>();
  const results = new Map<string, HostRunResult>();
  let failures = 0;
  for (const h of plan.hosts) {
    const f = input.resume?.get(h.host)?.finished;
    if (f) {
      hosts[h.host] = f as HostOutcome;
      if (FAILED_HOST_OUTCOMES.has(f)) failures++;
    }
  }

  const stdinFor = async (a: PlannedAction): Promise<string | Buffer | undefined> => {
    const s = a.stdin;
    if (!s) return undefined;
    if (s.source === 'generated') return s.content;
    if (s.source === 'secrets') return s.names.map((n) => input.secrets[n] ?? '').join('\n') + '\n';
    let buf = fileCache.get(s.path);
    if (!buf) {
      buf = input.readRepoFile ? await input.readRepoFile(s.path) : await readFile(path.join(input.root, s.path));
      if (createHash('sha256').update(buf).digest('hex') !== s.sha256) throw new Error(`${s.path} changed after the plan was made`);
      fileCache.set(s.path, buf);
    }
    return buf;
  };

  let closed: string | undefined;
  const gate = (spanMs?: number): GateVerdict => {
    if (closed) return { ok: false, code: 'window_closed', reason: closed };
    const g = input.gate?.(spanMs) ?? { ok: true };
    if (!g.ok) closed = g.reason;
    return g;
  };
  // Root steps run under the protected-set guard when something can confirm its changes (step-guard.ts); the host's
  // own uid of the login, learned with the host lock, says whether every step is one.
  const runnerFor = (host: string): RunnerContext => {
    const r = input.runners.get(host) ?? { runDir: '/nonexistent', stepsLock: '/nonexistent', nonce: 'none' };
    const guard = input.confirm?.guard?.(host);
    return guard ? { ...r, guard: { ...guard, loginRoot: loginIsRoot(r.loginUid, guard.loginRoot ?? false) } } : r;
  };
  const contextFor = (host: string) => ({
    recorder,
    gate,
    ...(input.confirm ? { confirm: input.confirm } : {}),
    session: () => input.fleet.session(host),
    action: { recorder, secrets: input.secrets, stdinFor, runner: runnerFor(host) },
  });

  const limit = Math.max(1, input.concurrency ?? 20);
  let stoppedAt: number | undefined;
  for (const batch of plan.batches) {
    if (failures > plan.rollout.maxFailures) {
      stoppedAt = batch.index;
      break;
    }
    const todo = batch.hosts.filter((h) => hosts[h] === 'not_started');
    if (todo.length === 0) continue;
    if (!gate().ok) {
      stoppedAt = batch.index;
      break;
    }
    await recorder.event('batch.started', { batch: batch.index, canary: batch.canary, hosts: batch.hosts });
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const id = todo[next++]!;
        if (!gate().ok) continue;
        const hp = byHost.get(id)!;
        const resume = input.resume?.get(id);
        await recorder.event('host.started', { host: id, batch: batch.index, ...(resume && (resume.skip.size || resume.rerun.length || resume.inRollback) ? { resumed: true } : {}) });
        const early = input.unreachable?.get(id);
        const r: HostRunResult = early
          ? (await recorder.event('host.done', { host: id, outcome: 'unreachable', error: early }), { outcome: 'unreachable', applied: false, uploads: new Set() })
          : await runHost(contextFor(id), hp, resume, input.earlierUploads?.get(id) ?? new Set());
        results.set(id, r);
        hosts[id] = r.outcome;
        if (FAILED_HOST_OUTCOMES.has(r.outcome)) failures++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, todo.length) }, worker));
    await recorder.event('batch.done', { batch: batch.index, failures });
    if (closed) {
      stoppedAt = plan.batches.find((b) => b.index > batch.index)?.index;
      break;
    }
    const more = plan.batches.some((b) => b.index > batch.index);
    if (more && plan.rollout.pauseSeconds > 0 && failures <= plan.rollout.maxFailures) await (input.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(plan.rollout.pauseSeconds * 1000);
  }
  if (stoppedAt !== undefined || closed) {
    const notStarted = plan.batches.filter((b) => b.hosts.some((h) => hosts[h] === 'not_started')).map((b) => b.index);
    await recorder.event('rollout.stopped', {
      reason: closed ? `window_closed: ${closed}` : `${failures} host(s) failed; the change allows ${plan.rollout.maxFailures}`,
      ...(closed ? { code: 'window_closed', on_window_end: input.onWindowEnd ?? 'stop' } : {}),
      batches_not_started: notStarted,
    });
  }
  if (closed && input.onWindowEnd === 'rollback') {
    // Hosts this run already changed are rolled back, one after another, whatever the window says.
    for (const [id, r] of results) {
      if (!r.applied || !(r.outcome === 'succeeded' || r.outcome === 'window_closed')) continue;
      let outcome: HostOutcome;
      try {
        const session = await input.fleet.session(id);
        const rb = await rollBack(contextFor(id), byHost.get(id)!, session, `the window closed (${closed}); on_window_end: rollback`, r.uploads);
        outcome = rb === 'succeeded' ? 'rolled_back' : rb === 'failed' ? 'rollback_failed' : rb === 'unreachable' ? 'unreachable' : 'needs_attention';
      } catch {
        outcome = 'unreachable';
      }
      await recorder.event('host.done', { host: id, outcome, reason: 'window_closed' });
      hosts[id] = outcome;
    }
  }
  return { outcome: runOutcomeOf(hosts, { maxFailures: plan.rollout.maxFailures, windowClosed: Boolean(closed) }), hosts, failures };
}
