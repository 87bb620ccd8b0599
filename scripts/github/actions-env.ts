import { readFile } from 'node:fs/promises';
import { UsageError } from '../model/errors.ts';

/** What the gate takes from the GitHub Actions environment. The token is kept apart and never printed. */
export interface ActionsContext {
  apiUrl: string;
  repository: string;
  /** The PR number from the event, when the event names one. */
  pr?: number;
  /** workflow_run relay: the head commit of the run that relayed a review event. */
  headSha?: string;
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

/** pull_request / pull_request_target / pull_request_review carry `pull_request`; workflow_run carries `workflow_run`. */
export function prFromEvent(event: unknown): { pr?: number; headSha?: string } {
  const e = (event ?? {}) as {
    pull_request?: { number?: unknown };
    workflow_run?: { head_sha?: unknown; pull_requests?: { number?: unknown }[] };
    number?: unknown;
  };
  if (typeof e.pull_request?.number === 'number') return { pr: e.pull_request.number };
  if (e.workflow_run) {
    const n = e.workflow_run.pull_requests?.[0]?.number;
    const headSha = typeof e.workflow_run.head_sha === 'string' ? e.workflow_run.head_sha : undefined;
    return { ...(typeof n === 'number' ? { pr: n } : {}), ...(headSha ? { headSha } : {}) };
  }
  return {};
}
