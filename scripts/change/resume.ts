/**
 * Reading a run's record back: what finished, what was left `executing`, and
 * where `--resume` continues. Pure: record lines in, state out.
 */
import type { RecordLine } from '../records/chain.ts';
import { actionKey, forwardActions, type ChangePlan, type PlannedAction } from './types.ts';

export type ActionState = 'ok' | 'failed' | 'executing';

export interface HostRunState {
  /** Set when a host.done line exists. */
  outcome?: string;
  actions: Map<string, ActionState>;
  rollbackStarted: boolean;
}

export interface RunState {
  run?: string;
  planDigest?: string;
  /** run.done outcome, when the run finished. */
  outcome?: string;
  hosts: Map<string, HostRunState>;
}

export const FAILED_OUTCOMES = new Set(['failed', 'rolled_back', 'rollback_failed', 'unreachable', 'precheck_failed']);

export function readRunState(lines: readonly RecordLine[]): RunState {
  const state: RunState = { hosts: new Map() };
  const host = (id: unknown): HostRunState => {
    const key = String(id);
    let h = state.hosts.get(key);
    if (!h) { h = { actions: new Map(), rollbackStarted: false }; state.hosts.set(key, h); }
    return h;
  };
  for (const l of lines) {
    switch (l.type) {
      case 'run.planned':
        state.run = String(l.run);
        if (typeof l.plan_sha256 === 'string') state.planDigest = l.plan_sha256;
        break;
      case 'step.executing':
        host(l.host).actions.set(`${l.phase}:${l.step}`, 'executing');
        break;
      case 'step.done':
        host(l.host).actions.set(`${l.phase}:${l.step}`, l.ok === true ? 'ok' : 'failed');
        break;
      case 'step.resolved':
        host(l.host).actions.set(`${l.phase}:${l.step}`, l.resolution === 'done' ? 'ok' : 'failed');
        break;
      case 'rollback.started':
        host(l.host).rollbackStarted = true;
        break;
      case 'host.done':
        host(l.host).outcome = String(l.outcome);
        break;
      case 'run.done':
        state.outcome = String(l.outcome);
        break;
      case 'run.resumed':
        delete state.outcome;
        break;
    }
  }
  return state;
}

export interface HostResume {
  host: string;
  /** The host finished in the earlier attempt: nothing runs there. */
  finished?: string;
  /** Actions that completed successfully: skipped. */
  skip: Set<string>;
  /** Actions left `executing` that are idempotent: run again. */
  rerun: PlannedAction[];
  /** Actions left `executing` that are not idempotent: a person must decide. */
  unknown: PlannedAction[];
  /** An action failed or rollback began: the host resumes in rollback. */
  inRollback: boolean;
}

/** Where each host continues. Pure. */
export function planResume(plan: ChangePlan, state: RunState): HostResume[] {
  return plan.hosts.map((h) => {
    const hs = state.hosts.get(h.host);
    const r: HostResume = { host: h.host, skip: new Set(), rerun: [], unknown: [], inRollback: false };
    if (!hs) return r;
    if (hs.outcome) return { ...r, finished: hs.outcome };
    for (const a of [...forwardActions(h), ...h.rollback]) {
      const s = hs.actions.get(actionKey(a));
      if (s === 'ok') r.skip.add(actionKey(a));
      else if (s === 'executing') (a.idempotent ? r.rerun : r.unknown).push(a);
      else if (s === 'failed' && a.phase !== 'rollback') r.inRollback = true;
    }
    if (hs.rollbackStarted) r.inRollback = true;
    return r;
  });
}

/** Actions of a host that ran (or may have run) in an earlier attempt, by key. */
export function startedActions(state: RunState, host: string): Set<string> {
  return new Set(state.hosts.get(host)?.actions.keys() ?? []);
}
