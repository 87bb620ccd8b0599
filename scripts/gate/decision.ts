import { statusContext } from './status-context.ts';
import type { ChangeBinding, GateResult, RequirementResult } from './types.ts';

/**
 * The decision as evidence: which policy commit was applied to which head,
 * who counted for which rule, and why it did or did not pass. Kept so that
 * the decision in force at merge time can be shown to an auditor. Pure.
 */
export interface GateDecision {
  format: 'opsgate.gate-decision/2';
  repository: string;
  pr: number;
  head_sha: string;
  /** The branch the pull request merges into; apply accepts only decisions for the default branch. */
  base_ref: string;
  /** The commit status context the decision was published under. */
  context: string;
  base_sha: string;
  policy_commit: string;
  evaluated_at: string;
  status: GateResult['status'];
  summary: string;
  rules: {
    id: string;
    tier: string;
    status: string;
    requires: string;
    emergency_reduced: boolean;
    approvers: { person: string; login: string; review_id: number; commit_id: string | null; submitted_at: string | null }[];
    still_needed_from: string[];
    matched_files: number;
  }[];
  vetoes: { person: string; review_id: number }[];
  freezes: { change: string; freeze: string }[];
  uncovered_files: string[];
  emergency: { change: string; retro_review_due: string }[];
  problems: { code: string; message: string }[];
  not_counted: { login: string; review_id: number; reason: string; rule: string }[];
  /** What the approval binds: per change request, the blobs of its file and of every file it deploys at head_sha. */
  changes: ChangeBinding[];
}

function allApprovers(r: RequirementResult): RequirementResult['approvers'] {
  return r.approvers;
}

export function buildDecision(result: GateResult): GateDecision {
  return {
    format: 'opsgate.gate-decision/2',
    repository: result.repository,
    pr: result.pr,
    head_sha: result.head_sha,
    base_ref: result.base_ref,
    context: result.base_ref ? statusContext(result.base_ref) : '',
    base_sha: result.base_sha,
    policy_commit: result.policy_commit,
    evaluated_at: result.evaluated_at,
    status: result.status,
    summary: result.summary,
    rules: result.rules.map((r) => ({
      id: r.id,
      tier: r.tier,
      status: r.status,
      requires: r.requirement.description,
      emergency_reduced: r.emergency_reduced,
      approvers: allApprovers(r.requirement).map((a) => ({ person: a.person, login: a.login, review_id: a.review_id, commit_id: a.commit_id, submitted_at: a.submitted_at ?? null })),
      still_needed_from: r.requirement.still_needed_from,
      matched_files: r.matched_files.length,
    })),
    vetoes: result.veto.blockers.map((b) => ({ person: b.person, review_id: b.review_id })),
    freezes: result.freezes.map((f) => ({ change: f.change, freeze: f.freeze })),
    uncovered_files: result.uncovered_files,
    emergency: result.emergency,
    problems: result.problems.map((p) => ({ code: p.code, message: p.message })),
    not_counted: [
      ...result.ignored.map((i) => ({ login: i.login, review_id: i.review_id, reason: i.reason, rule: '*' })),
      ...result.rules.flatMap((r) => r.ignored.map((i) => ({ login: i.login, review_id: i.review_id, reason: i.reason, rule: r.id }))),
    ],
    changes: result.bindings,
  };
}

/** records/gate/<owner>/<repo>/pr-<n>.jsonl: one chained line per evaluation of that pull request. */
export function decisionRecordPath(repository: string, pr: number): string {
  const safe = repository.replace(/[^A-Za-z0-9._/-]/g, '_').replace(/\.\.+/g, '_');
  return `records/gate/${safe}/pr-${pr}.jsonl`;
}
