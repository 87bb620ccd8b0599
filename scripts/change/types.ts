/**
 * A change plan is data: which hosts, in which batches, and for each host the
 * exact remote commands of its prechecks, steps, verification and rollback.
 * `opsgate plan` prints it; `opsgate apply` executes exactly it.
 */
import type { Diagnostic } from '../model/diagnostic.ts';

export type Phase = 'precheck' | 'step' | 'verification' | 'rollback';
export type ActionKind = 'check' | 'run' | 'upload' | 'restore' | 'converge';

export interface Expectation {
  exit_code: number;
  stdout_contains?: string;
  stdout_matches?: string;
}

/** What a remote command reads on stdin. Secret values are never part of a plan: only their names. */
export type PlannedInput =
  { source: 'repo'; path: string; sha256: string; bytes: number } | { source: 'generated'; label: string; sha256: string; content: string } | { source: 'secrets'; names: string[] };

export interface PlannedAction {
  /** Step or check id from the change (restore actions: `restore:<upload step id>`). */
  id: string;
  name?: string;
  phase: Phase;
  kind: ActionKind;
  idempotent: boolean;
  timeoutMs: number;
  /**
   * The argument list the host-side step runner runs (scripts/remote/step-runner.ts), as root when
   * `sudo`; `command` is it (with `sudo -n --`) quoted by the SSH edge's one quoting function.
   */
  argv: string[];
  sudo: boolean;
  command: string;
  stdin?: PlannedInput;
  /** For checks: what counts as success. Steps succeed on exit 0. */
  expect?: Expectation;
  /** For restore actions: the upload step whose saved copy they put back. */
  restores?: string;
  /**
   * Lockout-sensitive: the files it may change (restored by the host's dead-man timer unless a fresh
   * connection confirms the change) and what to reload after restoring them (scripts/remote/commit-confirm.ts).
   */
  confirm?: { files: string[]; reload: Array<'sshd'> };
}

export interface HostPlan {
  host: string;
  prechecks: PlannedAction[];
  steps: PlannedAction[];
  verification: PlannedAction[];
  rollback: PlannedAction[];
}

export interface Batch {
  index: number;
  canary: boolean;
  hosts: string[];
}

export interface ChangePlan {
  change: string;
  title: string;
  type: 'standard' | 'normal' | 'emergency';
  risk: string;
  /** The risk opsgate derives from targets and step kinds, with its reasons (set by the loader; not part of the plan hash). */
  riskDerivation?: string;
  file: string;
  /** sha256 of the change file as planned. */
  fileSha256: string;
  window: { start: string; end: string };
  rollout: { canary: number; batchSize: number; maxFailures: number; pauseSeconds: number; onWindowEnd: 'stop' | 'rollback' };
  batches: Batch[];
  hosts: HostPlan[];
  /** Problems that make the plan unusable (missing files, unknown hosts, unsafe values). */
  diagnostics: Diagnostic[];
}

/** Every action of a host in execution order, rollback excluded. */
export function forwardActions(h: HostPlan): PlannedAction[] {
  return [...h.prechecks, ...h.steps, ...h.verification];
}

/** Stable key of an action inside a host's run: `phase:id`. */
export function actionKey(a: Pick<PlannedAction, 'phase' | 'id'>): string {
  return `${a.phase}:${a.id}`;
}
