/**
 * executePlan: carries out a ChangePlan over open SSH sessions, batch by
 * batch, writing `step.executing` (flushed) before every side effect and the
 * result after it. A failed host is rolled back; the rollout stops once more
 * than max_failures hosts failed, and later batches are not started. Edge.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SshError } from '../model/errors.ts';
import { redactSecrets } from '../ssh/redact.ts';
import type { Fleet } from '../ssh/fleet.ts';
import type { HostSession } from '../ssh/types.ts';
import { parseAccessOutput } from '../converge/access-script.ts';
import { evaluateExpectation, truncateOutput } from './check.ts';
import type { Recorder } from './recorder.ts';
import { FAILED_OUTCOMES, type HostResume } from './resume.ts';
import { actionKey, type Batch, type ChangePlan, type HostPlan, type PlannedAction } from './types.ts';

export interface ExecuteInput {
  plan: ChangePlan;
  fleet: Fleet;
  recorder: Recorder;
  root: string;
  /** Secret values by name, read from the runner's environment (sent on stdin only). */
  secrets: Readonly<Record<string, string>>;
  /** Where each host continues (from --resume); absent for a fresh run. */
  resume?: ReadonlyMap<string, HostResume>;
  /** Upload steps that ran in an earlier attempt, per host (their saved copies exist). */
  earlierUploads?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Hosts that could not be reached when locks were taken. */
  unreachable?: ReadonlyMap<string, string>;
  concurrency?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Reads a repository file a step sends (apply: from the committed tree, never through a link); default the working tree. */
  readRepoFile?: (rel: string) => Promise<Buffer>;
}

export type HostOutcome = 'succeeded' | 'precheck_failed' | 'rolled_back' | 'rollback_failed' | 'unreachable';

export interface ExecuteResult {
  outcome: 'succeeded' | 'partial' | 'failed';
  hosts: Record<string, HostOutcome | 'not_started'>;
  failures: number;
}

interface ActionResult {
  ok: boolean;
  lost?: boolean;
}

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

export async function executePlan(input: ExecuteInput): Promise<ExecuteResult> {
  const { plan, recorder } = input;
  const hosts: ExecuteResult['hosts'] = Object.fromEntries(plan.hosts.map((h) => [h.host, 'not_started' as const]));
  const byHost = new Map(plan.hosts.map((h) => [h.host, h]));
  const fileCache = new Map<string, Buffer>();
  let failures = 0;
  for (const h of plan.hosts) {
    const f = input.resume?.get(h.host)?.finished;
    if (f) { hosts[h.host] = f as HostOutcome; if (FAILED_OUTCOMES.has(f)) failures++; }
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

  const runAction = async (session: HostSession, host: string, a: PlannedAction, rerun = false): Promise<ActionResult> => {
    const stdin = await stdinFor(a);
    await recorder.event('step.executing', {
      host, phase: a.phase, step: a.id, kind: a.kind, command: a.command,
      ...(a.stdin ? { stdin: a.stdin.source === 'generated' ? { source: 'generated', label: a.stdin.label, sha256: a.stdin.sha256 } : a.stdin } : {}),
      ...(rerun ? { rerun_after_interruption: true } : {}),
    });
    try {
      const r = await session.exec(a.argv, { timeoutMs: a.timeoutMs, ...(stdin !== undefined ? { stdin } : {}) });
      const verdict = evaluateExpectation(r, a.expect);
      // Hashes are of the redacted text: a hash of a secret-bearing output would let anyone confirm a guessed secret.
      const known = Object.values(input.secrets);
      const stdoutText = redactSecrets(r.stdout, known);
      const stderrText = redactSecrets(r.stderr, known);
      const out = truncateOutput(stdoutText);
      const err = truncateOutput(stderrText);
      await recorder.event('step.done', {
        host, phase: a.phase, step: a.id, ok: verdict.ok, exit_code: r.code, ...(r.signal ? { signal: r.signal } : {}),
        duration_ms: r.durationMs, ...(verdict.why ? { why: verdict.why } : {}),
        stdout: out.text, stderr: err.text, stdout_sha256: sha(stdoutText), stderr_sha256: sha(stderrText),
        ...(out.truncated || err.truncated || r.truncated ? { truncated: true } : {}),
        ...(a.kind === 'converge' ? { converge: parseAccessOutput(r.stdout) } : {}),
      });
      return { ok: verdict.ok };
    } catch (e) {
      const lost = e instanceof SshError && e.phase !== 'timeout';
      await recorder.event('step.done', {
        host, phase: a.phase, step: a.id, ok: false, exit_code: null,
        error: e instanceof Error ? e.message : String(e),
        why: lost ? 'the connection was lost: whether the step took effect on the host is unknown' : 'timed out',
      });
      return { ok: false, lost };
    }
  };

  const runHost = async (hp: HostPlan, batch: Batch): Promise<HostOutcome> => {
    const host = hp.host;
    const resume = input.resume?.get(host);
    const skip = resume?.skip ?? new Set<string>();
    const rerun = new Set((resume?.rerun ?? []).map(actionKey));
    await recorder.event('host.started', { host, batch: batch.index, ...(resume && (skip.size || rerun.size || resume.inRollback) ? { resumed: true } : {}) });
    const done = async (outcome: HostOutcome, extra: Record<string, unknown> = {}) => {
      await recorder.event('host.done', { host, outcome, ...extra });
      return outcome;
    };
    const early = input.unreachable?.get(host);
    if (early) return done('unreachable', { error: early });
    let session: HostSession;
    try { session = await input.fleet.session(host); } catch (e) { return done('unreachable', { error: e instanceof Error ? e.message : String(e) }); }

    const uploads = new Set(input.earlierUploads?.get(host) ?? []);
    let failed: PlannedAction | undefined;
    if (!resume?.inRollback) {
      for (const a of [...hp.prechecks, ...hp.steps]) {
        if (skip.has(actionKey(a))) continue;
        if (a.kind === 'upload') uploads.add(a.id);
        const r = await runAction(session, host, a, rerun.has(actionKey(a)));
        if (r.lost) return done('unreachable', { at_step: a.id });
        if (!r.ok) { failed = a; break; }
      }
      if (failed?.phase === 'precheck') return done('precheck_failed', { at_step: failed.id });
      if (!failed && hp.verification.length > 0) {
        let verified = true;
        for (const a of hp.verification) {
          if (skip.has(actionKey(a))) continue;
          const r = await runAction(session, host, a);
          if (r.lost) return done('unreachable', { at_step: a.id });
          if (!r.ok) { verified = false; failed = a; break; }
        }
        await recorder.event('verification', { host, ok: verified, ...(failed ? { failed: failed.id } : {}) });
      }
      if (!failed) return done('succeeded');
    }

    await recorder.event('rollback.started', { host, reason: failed ? `${failed.phase} ${failed.id} failed` : 'resuming an interrupted rollback' });
    let rollbackOk = true;
    for (const a of hp.rollback) {
      if (skip.has(actionKey(a))) continue;
      if (a.kind === 'restore' && a.restores && !uploads.has(a.restores)) continue;
      const r = await runAction(session, host, a, rerun.has(actionKey(a)));
      if (r.lost) { await recorder.event('rollback.done', { host, ok: false }); return done('unreachable', { at_step: a.id }); }
      if (!r.ok) { rollbackOk = false; break; }
    }
    await recorder.event('rollback.done', { host, ok: rollbackOk });
    return done(rollbackOk ? 'rolled_back' : 'rollback_failed', failed ? { at_step: failed.id } : {});
  };

  const limit = Math.max(1, input.concurrency ?? 20);
  let stoppedAt: number | undefined;
  for (const batch of plan.batches) {
    if (failures > plan.rollout.maxFailures) { stoppedAt = batch.index; break; }
    const todo = batch.hosts.filter((h) => hosts[h] === 'not_started');
    if (todo.length === 0) continue;
    await recorder.event('batch.started', { batch: batch.index, canary: batch.canary, hosts: batch.hosts });
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const id = todo[next++]!;
        const outcome = await runHost(byHost.get(id)!, batch);
        hosts[id] = outcome;
        if (FAILED_OUTCOMES.has(outcome)) failures++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, todo.length) }, worker));
    await recorder.event('batch.done', { batch: batch.index, failures });
    const more = plan.batches.some((b) => b.index > batch.index);
    if (more && plan.rollout.pauseSeconds > 0 && failures <= plan.rollout.maxFailures) await (input.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(plan.rollout.pauseSeconds * 1000);
  }
  if (stoppedAt !== undefined) {
    await recorder.event('rollout.stopped', {
      reason: `${failures} host(s) failed; the change allows ${plan.rollout.maxFailures}`,
      batches_not_started: plan.batches.filter((b) => b.index >= stoppedAt!).map((b) => b.index),
    });
  }
  const all = Object.values(hosts);
  const outcome: ExecuteResult['outcome'] = all.every((o) => o === 'succeeded') ? 'succeeded' : failures > plan.rollout.maxFailures || all.every((o) => o !== 'succeeded') ? 'failed' : 'partial';
  return { outcome, hosts, failures };
}
