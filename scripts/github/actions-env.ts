import { readFile } from 'node:fs/promises';
import { UsageError } from '../model/errors.ts';

/** What the gate takes from the GitHub Actions environment. The token is kept apart and never printed. */
export interface ActionsContext {
  apiUrl: string;
  repository: string;
  /** The PR numbers the event names (pull_request*: one; workflow_run: every PR GitHub lists for the run). */
  prs?: number[];
  /** workflow_run relay: the head commit, repository and branch of the run that relayed a review event. */
  headSha?: string;
  headRepo?: string;
  headRef?: string;
  eventName?: string;
  stepSummaryFile?: string;
  runUrl?: string;
}

export async function readActionsContext(env: NodeJS.ProcessEnv): Promise<ActionsContext> {
  const repository = env.GITHUB_REPOSITORY ?? '';
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new UsageError(`GITHUB_REPOSITORY is ${repository ? `'${repository}', not owner/name` : 'not set'}`, 'run inside GitHub Actions, or export GITHUB_REPOSITORY=owner/name');
  }
  const ctx: ActionsContext = { apiUrl: env.GITHUB_API_URL || 'https://api.github.com', repository };
  if (env.GITHUB_EVENT_NAME) ctx.eventName = env.GITHUB_EVENT_NAME;
  if (env.GITHUB_STEP_SUMMARY) ctx.stepSummaryFile = env.GITHUB_STEP_SUMMARY;
  if (env.GITHUB_SERVER_URL && env.GITHUB_RUN_ID) ctx.runUrl = `${env.GITHUB_SERVER_URL}/${repository}/actions/runs/${env.GITHUB_RUN_ID}`;
  if (env.GITHUB_EVENT_PATH) {
    let event: unknown;
    try {
      event = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8'));
    } catch (e) {
      throw new UsageError(`cannot read the event payload GITHUB_EVENT_PATH=${env.GITHUB_EVENT_PATH}: ${(e as Error).message}`);
    }
    Object.assign(ctx, prFromEvent(event));
  }
  return ctx;
}

/**
 * pull_request / pull_request_target / pull_request_review carry `pull_request`; workflow_run carries
 * `workflow_run`, whose `pull_requests` is empty for forks: then the head commit, repository and branch
 * are kept, and every open pull request they match is evaluated (never only the newest one).
 */
export function prFromEvent(event: unknown): { prs?: number[]; headSha?: string; headRepo?: string; headRef?: string } {
  const e = (event ?? {}) as {
    pull_request?: { number?: unknown };
    workflow_run?: { head_sha?: unknown; head_branch?: unknown; head_repository?: { full_name?: unknown }; pull_requests?: { number?: unknown }[] };
  };
  if (typeof e.pull_request?.number === 'number') return { prs: [e.pull_request.number] };
  const run = e.workflow_run;
  if (run) {
    const prs = (run.pull_requests ?? []).map((p) => p?.number).filter((n): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0);
    return {
      ...(prs.length ? { prs: [...new Set(prs)] } : {}),
      ...(typeof run.head_sha === 'string' ? { headSha: run.head_sha } : {}),
      ...(typeof run.head_repository?.full_name === 'string' ? { headRepo: run.head_repository.full_name } : {}),
      ...(typeof run.head_branch === 'string' ? { headRef: run.head_branch } : {}),
    };
  }
  return {};
}
