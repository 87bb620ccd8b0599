/**
 * Reading runs back: what finished, what is in doubt, and where a resumed or
 * retried run continues on each host. Pure: record lines and the markers the
 * hosts reported in, decisions out (ARCHITECTURE.md, "Safe execution").
 *
 * A step is in doubt (`unknown`) when a record says it started but not how it
 * ended, or when a host holds a marker for it that no record accounts for
 * (records lost, cut, or reset to an older commit). A non-idempotent step in
 * doubt is never run again: the run stops for a person. The marker is written
 * by the host before the step's first side effect, so a recorded `executing`
 * with no marker on the host proves the step never started.
 */
import type { RecordLine } from '../records/chain.ts';
import { CLEAN_HOST_OUTCOMES, type StepOutcome } from '../model/outcome.ts';
import { actionKey, forwardActions, type ChangePlan, type PlannedAction } from './types.ts';

/** A step's state in the records: its outcome (model/outcome.ts; a timed-out step failed), or still `executing`. */
export type ActionState = Exclude<StepOutcome, 'timed_out'> | 'executing';

export interface HostRunState {
  /** Set when a host.done line exists. */
  outcome?: string;
  actions: Map<string, ActionState>;
  rollbackStarted: boolean;
  /**
   * Dead-man timers armed on the host (`confirm.armed`) that no `confirm.done` answered: the run stopped between a
   * change that can lock opsgate out and its confirmation. A resume confirms them first (or learns the host reverted).
   */
  openConfirms?: string[];
}

export interface RunState {
  run?: string;
  planDigest?: string;
  /** run.done outcome, when the run finished (and was not resumed after). */
  outcome?: string;
  /** The last line is a terminal event (run.done). */
  complete: boolean;
  hosts: Map<string, HostRunState>;
}

export function readRunState(lines: readonly RecordLine[]): RunState {
  const state: RunState = { hosts: new Map(), complete: false };
  const host = (id: unknown): HostRunState => {
    const key = String(id);
    let h = state.hosts.get(key);
    if (!h) {
      h = { actions: new Map(), rollbackStarted: false };
      state.hosts.set(key, h);
    }
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
        host(l.host).actions.set(`${l.phase}:${l.step}`, l.outcome === 'unknown' ? 'unknown' : l.ok === true ? 'succeeded' : 'failed');
        break;
      case 'step.unknown':
        host(l.host).actions.set(`${l.phase}:${l.step}`, 'unknown');
        break;
      case 'step.resolved':
        host(l.host).actions.set(`${l.phase}:${l.step}`, l.resolution === 'done' ? 'succeeded' : 'failed');
        break;
      case 'step.carried':
        host(l.host).actions.set(`${l.phase}:${l.step}`, 'succeeded');
        break;
      case 'rollback.started':
        host(l.host).rollbackStarted = true;
        break;
      case 'confirm.armed':
        if (l.ok === true && typeof l.id === 'string') host(l.host).openConfirms = [...(host(l.host).openConfirms ?? []), l.id];
        break;
      case 'confirm.done': {
        const h = host(l.host);
        if (h.openConfirms) h.openConfirms = h.openConfirms.filter((id) => id !== l.id);
        break;
      }
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
  state.complete = lines.length > 0 && lines[lines.length - 1]!.type === 'run.done';
  return state;
}

/** `<run>|<host>|<phase>.<step>` of every marker a record accounts for: its run recorded how the step ended, or a person resolved it. */
export function accountedMarkers(runs: ReadonlyArray<{ run: string; lines: readonly RecordLine[] }>): Set<string> {
  const out = new Set<string>();
  for (const { run, lines } of runs) {
    for (const l of lines) {
      if (l.type === 'step.done' && l.outcome !== 'unknown') out.add(`${run}|${l.host}|${l.phase}.${l.step}`);
      if (l.type === 'step.resolved') out.add(`${typeof l.marker_run === 'string' ? l.marker_run : run}|${l.host}|${l.phase}.${l.step}`);
    }
  }
  return out;
}

/** The file name key of an action's marker on the host. */
export function markerKey(a: Pick<PlannedAction, 'phase' | 'id'>): string {
  return `${a.phase}.${a.id}`;
}

export interface HostMarkerView {
  /** Markers of the run being continued, by key, with their state line. */
  current: ReadonlyMap<string, string>;
  /** Markers (of any run) that no record accounts for. */
  unaccounted: ReadonlyArray<{ run: string; key: string; state: string }>;
}

export interface HostResume {
  host: string;
  /** The host finished in the earlier attempt: nothing runs there. */
  finished?: string;
  /** Actions that completed successfully (or a person resolved as done): skipped. */
  skip: Set<string>;
  /** Actions in doubt that are idempotent: run again. */
  rerun: PlannedAction[];
  /** Non-idempotent actions in doubt: a person must decide. */
  unknown: Array<{ action: PlannedAction; evidence: string; markerRun?: string }>;
  /** Recorded as started, but the host has no marker: they never started and run normally. */
  notStarted: PlannedAction[];
  /** An action failed or rollback began: the host resumes in rollback. */
  inRollback: boolean;
  /** Dead-man timers armed in the earlier attempt and never answered: confirmed (or found reverted) before anything runs. */
  confirms?: string[];
}

/**
 * Where each host continues. Pure.
 * `state` is the run being continued (resume) or the host's last run (retry); `markers` what each host
 * reported (absent: the host was not asked, e.g. unreachable).
 */
export function planResume(plan: ChangePlan, state: RunState | undefined, markers: ReadonlyMap<string, HostMarkerView> = new Map()): HostResume[] {
  return plan.hosts.map((h) => {
    const hs = state?.hosts.get(h.host);
    const mv = markers.get(h.host);
    const r: HostResume = { host: h.host, skip: new Set(), rerun: [], unknown: [], notStarted: [], inRollback: false };
    const actions = [...forwardActions(h), ...h.rollback];
    // A marker no record accounts for: the step ran (or runs) with no evidence of how it ended.
    for (const m of mv?.unaccounted ?? []) {
      const a = actions.find((x) => markerKey(x) === m.key);
      if (a) r.unknown.push({ action: a, evidence: `the host holds marker '${m.state}' from run ${m.run}, which no record accounts for`, markerRun: m.run });
    }
    if (hs?.outcome && r.unknown.length === 0) return { ...r, finished: hs.outcome };
    if (hs?.openConfirms?.length) r.confirms = [...hs.openConfirms];
    for (const a of actions) {
      const s = hs?.actions.get(actionKey(a));
      if (s === 'succeeded') r.skip.add(actionKey(a));
      else if (s === 'executing' || s === 'unknown') {
        if (a.idempotent) r.rerun.push(a);
        else if (r.unknown.some((u) => u.action === a)) continue;
        else if (mv && !mv.current.has(markerKey(a))) r.notStarted.push(a);
        else r.unknown.push({ action: a, evidence: mv ? `the record shows it started; the host's marker says '${mv.current.get(markerKey(a))}'` : 'the record shows it started but not how it ended' });
      } else if (s === 'failed' && a.phase !== 'rollback') r.inRollback = true;
    }
    if (hs?.rollbackStarted) r.inRollback = true;
    // Prechecks guard the first side effect; once a step took effect they no longer apply.
    if (h.steps.some((a) => r.skip.has(actionKey(a)))) for (const a of h.prechecks) r.skip.add(actionKey(a));
    return r;
  });
}

/**
 * Where a retry (a new run after a failed one) starts on each host, from the host's last earlier run, as
 * a run state the new run continues: a host that succeeded is finished (unless rerunSucceeded); a host left
 * clean (rolled back, precheck failed, reverted, not started) starts from the beginning; a host left part-way
 * keeps what its last run recorded as done (so no step runs twice) and what is in doubt; after a rollback
 * that did not finish, every step that ran there is in doubt. Pure.
 */
export function planRetry(
  plan: ChangePlan,
  earlier: ReadonlyArray<{ run: string; state: RunState }>,
  rerunSucceeded: boolean,
): { state: RunState; from: Map<string, string>; succeeded: Map<string, string> } {
  const state: RunState = { hosts: new Map(), complete: false };
  const from = new Map<string, string>();
  const succeeded = new Map<string, string>();
  for (const h of plan.hosts) {
    const last = [...earlier].reverse().find((r) => r.state.hosts.has(h.host));
    const hs = last?.state.hosts.get(h.host);
    if (!last || !hs) continue;
    if (hs.outcome === 'succeeded') {
      succeeded.set(h.host, last.run);
      if (!rerunSucceeded) {
        state.hosts.set(h.host, { outcome: 'succeeded', actions: new Map(), rollbackStarted: false });
        from.set(h.host, last.run);
      }
      continue;
    }
    if (hs.outcome && CLEAN_HOST_OUTCOMES.has(hs.outcome)) continue;
    // After a rollback that did not finish, what a step left behind is for a person to judge.
    const doubt = hs.rollbackStarted || hs.outcome === 'rollback_failed';
    const kept = new Map([...hs.actions].filter(([k, v]) => v !== 'failed' && !k.startsWith('rollback:')).map(([k, v]) => [k, doubt ? ('unknown' as const) : v]));
    if (kept.size === 0) continue;
    state.hosts.set(h.host, { actions: kept, rollbackStarted: false, ...(hs.openConfirms?.length && !doubt ? { openConfirms: [...hs.openConfirms] } : {}) });
    from.set(h.host, last.run);
  }
  return { state, from, succeeded };
}

/** Actions of a host that ran (or may have run) in an earlier attempt, by key. */
export function startedActions(state: RunState, host: string): Set<string> {
  return new Set(state.hosts.get(host)?.actions.keys() ?? []);
}
