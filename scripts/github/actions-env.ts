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
    const read = prFromEvent(event);
    if (read.errors.length)
      throw new UsageError(
        `the event payload GITHUB_EVENT_PATH=${env.GITHUB_EVENT_PATH} does not have the shape of a GitHub event:\n${read.errors.map((e) => `${env.GITHUB_EVENT_PATH}: ${e}`).join('\n')}`,
        'the gate reads pull_request.number (pull_request*, pull_request_review events) or workflow_run.{pull_requests[].number, head_sha, head_branch, head_repository.full_name}',
      );
    Object.assign(ctx, read.context);
  }
  return ctx;
}

type EventContext = { prs?: number[]; headSha?: string; headRepo?: string; headRef?: string };

/**
 * pull_request / pull_request_target / pull_request_review carry `pull_request`; workflow_run carries
 * `workflow_run`, whose `pull_requests` is empty for forks: then the head commit, repository and branch
 * are kept, and every open pull request they match is evaluated (never only the newest one).
 * Every field the gate reads that has the wrong shape is an error, located by its path in the payload:
 * a PR number that is not a number must not quietly become "no pull request". Pure.
 */
export function prFromEvent(event: unknown): { context: EventContext; errors: string[] } {
  const errors: string[] = [];
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const shape = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? JSON.stringify(v.slice(0, 60)) : typeof v === 'object' ? 'an object' : String(v));
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
  const want = (where: string, expected: string, v: unknown) => errors.push(`${where}: must be ${expected} (it is ${shape(v)})`);
  if (!isObj(event)) {
    want('the event', 'an object', event);
    return { context: {}, errors };
  }
  const context: EventContext = {};
  if (event.pull_request !== undefined) {
    const pr = event.pull_request;
    if (!isObj(pr)) want('pull_request', 'an object', pr);
    else if (!isNumber(pr.number)) want('pull_request.number', 'a pull request number (a positive whole number)', pr.number);
    else context.prs = [pr.number];
  }
  const run = event.workflow_run;
  if (run !== undefined && !context.prs) {
    if (!isObj(run)) want('workflow_run', 'an object', run);
    else {
      const prs: number[] = [];
      if (run.pull_requests !== undefined && run.pull_requests !== null) {
        if (!Array.isArray(run.pull_requests)) want('workflow_run.pull_requests', 'a list', run.pull_requests);
        else
          run.pull_requests.forEach((p: unknown, i) => {
            if (!isObj(p)) want(`workflow_run.pull_requests[${i}]`, 'an object', p);
            else if (!isNumber(p.number)) want(`workflow_run.pull_requests[${i}].number`, 'a pull request number (a positive whole number)', p.number);
            else prs.push(p.number);
          });
      }
      if (prs.length) context.prs = [...new Set(prs)];
      const text = (v: unknown, where: string, pattern?: RegExp) => {
        if (v === undefined || v === null) return undefined;
        if (typeof v !== 'string' || (pattern && !pattern.test(v))) {
          want(where, pattern ? `a string of the form ${pattern.source}` : 'a string', v);
          return undefined;
        }
        return v;
      };
      const headSha = text(run.head_sha, 'workflow_run.head_sha', /^[0-9a-f]{40}([0-9a-f]{24})?$/i);
      const headRef = text(run.head_branch, 'workflow_run.head_branch');
      let headRepo: string | undefined;
      if (run.head_repository !== undefined && run.head_repository !== null) {
        if (!isObj(run.head_repository)) want('workflow_run.head_repository', 'an object', run.head_repository);
        else headRepo = text(run.head_repository.full_name, 'workflow_run.head_repository.full_name', /^[\w.-]+\/[\w.-]+$/);
      }
      if (headSha) context.headSha = headSha;
      if (headRepo) context.headRepo = headRepo;
      if (headRef) context.headRef = headRef;
    }
  }
  return { context, errors };
}
