import type { GateProblem, GateResult } from './types.ts';

/** The result when the facts themselves could not be gathered: failed, with the reason, nothing counted. Pure. */
export function failedClosedResult(args: { repository: string; pr: number; headSha?: string; baseRef?: string; baseSha?: string; now: Date; problems: GateProblem[] }): GateResult {
  const first = args.problems[0]?.message ?? 'unknown error';
  return {
    status: 'failed',
    summary: `failed closed: ${first}`,
    repository: args.repository,
    pr: args.pr,
    head_sha: args.headSha ?? '',
    base_ref: args.baseRef ?? '',
    base_sha: args.baseSha ?? '',
    policy_commit: args.baseSha ?? '',
    evaluated_at: args.now.toISOString(),
    rules: [],
    veto: { status: 'satisfied', why: 'not evaluated', blockers: [] },
    freezes: [],
    uncovered_files: [],
    emergency: [],
    problems: args.problems,
    ignored: [],
    changes: [],
    bindings: [],
    plans: [],
    names: {},
  };
}
