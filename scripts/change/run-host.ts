/**
 * One host's part of a run: prechecks → steps → verification, rollback on
 * failure, the window and freezes checked before every step, and
 * commit-confirmation of lockout-sensitive steps. Edge
 * (ARCHITECTURE.md, "Safe execution").
 */
import type { HostOutcome, StepOutcome } from '../model/outcome.ts';
import { armedIds } from '../remote/commit-confirm.ts';
import { guardChanges } from '../remote/step-guard.ts';
import type { HostSession } from '../ssh/types.ts';
import type { Recorder } from './recorder.ts';
import type { HostResume } from './resume.ts';
import { runAction, type ActionContext, type ActionResult } from './run-action.ts';
import { actionKey, type HostPlan, type PlannedAction } from './types.ts';

/** Whether the next step may start now: inside the window, no freeze. */
export type GateVerdict = { ok: true } | { ok: false; code: 'window_closed'; reason: string };

/** Commit-confirmation of a host's lockout-sensitive steps (scripts/remote/commit-confirm.ts). */
export interface ConfirmHooks {
  /** Arms the host-side dead-man timer for these actions' files; returns false when it could not be armed (nothing runs). */
  arm(host: string, session: HostSession, actions: readonly PlannedAction[]): Promise<{ ok: true; id: string } | { ok: false; why: string }>;
  /** Confirms over a fresh connection; on failure waits until the host restored itself. */
  confirm(host: string, id: string): Promise<{ confirmed: true; ms: number } | { confirmed: false; reverted: boolean; why: string; ms: number }>;
  /** The protected-set guard of every root step on this host (step-guard.ts): its directory prefix and confirm window. */
  guard?(host: string): { prefix: string; seconds: number; loginRoot?: boolean };
}

export interface HostContext {
  action: ActionContext;
  recorder: Recorder;
  session: () => Promise<HostSession>;
  /** Window and freezes; a step passes its timeout, so it starts only if it would end inside (window-gate.ts). */
  gate: (spanMs?: number) => GateVerdict;
  confirm?: ConfirmHooks;
}

export interface HostRunResult {
  outcome: HostOutcome;
  /** Some step took effect in this attempt or an earlier one (for on_window_end: rollback). */
  applied: boolean;
  /** Uploads that ran (their saved copies exist on the host). */
  uploads: Set<string>;
  /** The window closed before a step of this host. */
  windowClosed?: boolean;
}

/** Lockout-sensitive actions of a host: the ones commit-confirmation covers. */
export function sensitiveActions(hp: HostPlan): PlannedAction[] {
  return hp.steps.filter((a) => (a.confirm?.files.length ?? 0) > 0);
}

export async function runHost(ctx: HostContext, hp: HostPlan, resume: HostResume | undefined, earlierUploads: ReadonlySet<string>): Promise<HostRunResult> {
  const { recorder } = ctx;
  const host = hp.host;
  const skip = resume?.skip ?? new Set<string>();
  const rerun = new Set((resume?.rerun ?? []).map(actionKey));
  const notStarted = new Set((resume?.notStarted ?? []).map(actionKey));
  const uploads = new Set(earlierUploads);
  let applied = hp.steps.some((a) => skip.has(actionKey(a)));
  const done = async (outcome: HostOutcome, extra: Record<string, unknown> = {}): Promise<HostRunResult> => {
    await recorder.event('host.done', { host, outcome, ...extra });
    return { outcome, applied, uploads, ...(outcome === 'window_closed' ? { windowClosed: true } : {}) };
  };
  let session: HostSession;
  try {
    session = await ctx.session();
  } catch (e) {
    return done('unreachable', { error: e instanceof Error ? e.message : String(e) });
  }
  const note = (a: PlannedAction) =>
    rerun.has(actionKey(a)) ? { rerun_after_interruption: true } : notStarted.has(actionKey(a)) ? { started_before: false, evidence: 'no marker on the host: it never started' } : {};

  // Commit-confirmation failed: the host put the protected files back by itself (or says nothing: a person looks).
  const reverted = async (c: { reverted: boolean; why: string }): Promise<HostRunResult> => {
    if (!c.reverted) return done('needs_attention', { reason: `commit-confirmation failed and the host did not report its revert: ${c.why}` });
    const rb = await rollBack(ctx, hp, session, `commit-confirmation failed (${c.why}); the host restored the sensitive files`, uploads, skip, rerun);
    return done(rb === 'unreachable' ? 'unreachable' : 'reverted', { reason: c.why, rollback_ok: rb === 'succeeded' });
  };
  // The earlier attempt stopped between a change that can lock opsgate out and its confirmation: confirm it now over a
  // fresh connection (the timer may still wait), or learn that the host put it back. Never by running the step again.
  for (const id of resume?.confirms ?? []) {
    if (!ctx.confirm) return done('needs_attention', { reason: `the earlier attempt armed ${id} and never confirmed it; nothing here can confirm` });
    const c = await ctx.confirm.confirm(host, id);
    await recorder.event('confirm.done', { host, id, confirmed: c.confirmed, confirm_ms: c.ms, after_interruption: true, ...(c.confirmed ? {} : { reverted: c.reverted, why: c.why }) });
    if (!c.confirmed) return reverted(c);
  }
  let failed: PlannedAction | undefined;
  if (!resume?.inRollback) {
    const sensitive = sensitiveActions(hp).filter((a) => !skip.has(actionKey(a)));
    // Dead-man timers to confirm after the last step: armed here before sensitive uploads, or by converge scripts themselves.
    const armed: string[] = [];
    for (const a of [...hp.prechecks, ...hp.steps]) {
      if (skip.has(actionKey(a))) continue;
      if (a.phase === 'step') {
        const g = ctx.gate(a.timeoutMs);
        if (!g.ok) {
          await recorder.event('window.closed', { host, before_step: a.id, reason: g.reason });
          // A host the change has not touched yet is simply not started.
          return done(applied ? 'window_closed' : 'not_started', { before_step: a.id, reason: g.reason });
        }
        if (sensitive[0] === a && ctx.confirm) {
          const arm = await ctx.confirm.arm(host, session, sensitive);
          await recorder.event('confirm.armed', { host, ok: arm.ok, ...(arm.ok ? { id: arm.id } : { why: arm.why }) });
          if (!arm.ok) {
            failed = a;
            break;
          }
          armed.push(arm.id);
        }
      }
      if (a.kind === 'upload') uploads.add(a.id);
      const r = await runAction(ctx.action, session, host, a, note(a));
      if (a.phase === 'step' && !r.notStarted) applied = true;
      const gc = await confirmGuard(ctx, host, a, r);
      if (gc) return reverted(gc);
      for (const id of armedIds(r.stdout ?? '')) {
        armed.push(id);
        await recorder.event('confirm.armed', { host, ok: true, id, by: a.id });
      }
      if (r.outcome === 'unknown') return done(a.idempotent && r.lost ? 'unreachable' : 'needs_attention', { at_step: a.id, step_outcome: 'unknown' });
      if (r.notStarted) return done('unreachable', { at_step: a.id });
      if (r.outcome !== 'succeeded') {
        failed = a;
        break;
      }
    }
    if (failed?.phase === 'precheck') return done('precheck_failed', { at_step: failed.id });
    for (const id of ctx.confirm ? armed : []) {
      // Confirmed over a fresh connection after the last step, or the host restores itself.
      const c = await ctx.confirm!.confirm(host, id);
      await recorder.event('confirm.done', { host, id, confirmed: c.confirmed, confirm_ms: c.ms, ...(c.confirmed ? {} : { reverted: c.reverted, why: c.why }) });
      if (!c.confirmed) return reverted(c);
    }
    if (!failed && hp.verification.length > 0) {
      let verified = true;
      for (const a of hp.verification) {
        if (skip.has(actionKey(a))) continue;
        const r = await runAction(ctx.action, session, host, a, note(a));
        const gc = await confirmGuard(ctx, host, a, r);
        if (gc) return reverted(gc);
        if (r.outcome === 'unknown' || r.notStarted) return done('unreachable', { at_step: a.id });
        if (r.outcome !== 'succeeded') {
          verified = false;
          failed = a;
          break;
        }
      }
      await recorder.event('verification', { host, ok: verified, ...(failed ? { failed: failed.id } : {}) });
    }
    if (!failed) return done('succeeded');
  }
  const rb = await rollBack(ctx, hp, session, failed ? `${failed.phase} ${failed.id} failed` : 'resuming an interrupted rollback', uploads, skip, rerun);
  if (rb === 'unreachable') return done('unreachable', { in_rollback: true });
  if (rb === 'unknown') return done('needs_attention', { in_rollback: true });
  return done(rb === 'succeeded' ? 'rolled_back' : 'rollback_failed', failed ? { at_step: failed.id } : {});
}

/**
 * A root step changed protected files (sshd, PAM, sudo, accounts, firewall: step-guard.ts): the host's dead-man timer is
 * armed; only a confirmation over a fresh connection, now, cancels it. Returns how that failed, or undefined.
 */
async function confirmGuard(ctx: HostContext, host: string, a: PlannedAction, r: ActionResult): Promise<{ reverted: boolean; why: string } | undefined> {
  if (!r.guard || r.guard.state === 'unchanged') return undefined;
  const changed = r.guard.state === 'changed' ? guardChanges(r.guard.detail).changed : [];
  await ctx.recorder.event('confirm.armed', { host, ok: true, id: r.guard.id, by: a.id, guard: 'protected-set', ...(r.guard.state === 'changed' ? { changed } : { why: r.guard.detail }) });
  if (!ctx.confirm) return { reverted: false, why: 'nothing can confirm the change' };
  const c = await ctx.confirm.confirm(host, r.guard.id);
  await ctx.recorder.event('confirm.done', { host, id: r.guard.id, by: a.id, confirmed: c.confirmed, confirm_ms: c.ms, ...(c.confirmed ? {} : { reverted: c.reverted, why: c.why }) });
  return c.confirmed ? undefined : { reverted: c.reverted, why: c.why };
}

/** Runs a host's rollback: restores of the uploads that ran (last first), then the declared rollback steps. */
/** How a rollback ended, in the step words (model/outcome.ts); `unreachable`: the connection was lost before it finished. */
export type RollbackOutcome = Exclude<StepOutcome, 'timed_out'> | 'unreachable';

export async function rollBack(
  ctx: HostContext,
  hp: HostPlan,
  session: HostSession,
  reason: string,
  uploads: ReadonlySet<string>,
  skip: ReadonlySet<string> = new Set(),
  rerun: ReadonlySet<string> = new Set(),
): Promise<RollbackOutcome> {
  const { recorder } = ctx;
  await recorder.event('rollback.started', { host: hp.host, reason });
  let result: RollbackOutcome = 'succeeded';
  for (const a of hp.rollback) {
    if (skip.has(actionKey(a))) continue;
    if (a.kind === 'restore' && a.restores && !uploads.has(a.restores)) continue;
    const r = await runAction(ctx.action, session, hp.host, a, rerun.has(actionKey(a)) ? { rerun_after_interruption: true } : {});
    if (await confirmGuard(ctx, hp.host, a, r)) {
      result = 'failed';
      break;
    }
    if (r.notStarted || (r.outcome === 'unknown' && r.lost)) {
      result = 'unreachable';
      break;
    }
    if (r.outcome === 'unknown') {
      result = 'unknown';
      break;
    }
    if (r.outcome !== 'succeeded') {
      result = 'failed';
      break;
    }
  }
  await recorder.event('rollback.done', { host: hp.host, ok: result === 'succeeded' });
  return result;
}
