import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command, CommandContext } from './context.ts';
import { ExitCode, GitHubApiError, UsageError } from '../model/errors.ts';
import { buildDecision, decisionRecordPath } from '../gate/decision.ts';
import { evaluateGate } from '../gate/evaluate.ts';
import { failedClosedResult } from '../gate/fail-closed.ts';
import { COMMENT_MARKER, renderComment, renderMarkdown, renderStatusDescription, renderText } from '../gate/render.ts';
import { notPublishable, statusContext } from '../gate/status-context.ts';
import type { ActionsContext } from '../github/actions-env.ts';
import type { GitHubScm } from '../github/scm.ts';
import type { GateResult } from '../gate/types.ts';
import { loadSimulation } from '../gate/simulate.ts';
import { reviewersToRequest } from '../gate/review-requests.ts';
import { RecordWriter } from '../records/writer.ts';
import { createSchemaValidator } from '../repo/validate-schema.ts';
import { readSchemas } from '../repo/read-repo.ts';
import { codeRoot } from '../model/code-root.ts';
import { is, oneOf, parseCommandArgs } from './args.ts';

type Format = 'text' | 'json' | 'github';
interface GateArgs {
  pr?: number;
  simulate?: string;
  format?: Format;
  decisionOut?: string;
  record: boolean;
  /** Ask GitHub to request reviews from the people a pending rule still needs (publishing only). */
  requestReviews?: boolean;
}

const USAGE = 'usage: opsgate gate [--pr N] [--simulate FILE] [--format text|json|github] [--decision-out FILE] [--record] [--request-reviews]';

export function parseGateArgs(argv: string[]): GateArgs {
  const { values } = parseCommandArgs(argv, ARGS);
  if (values.pr !== undefined && !/^[1-9]\d{0,9}$/.test(values.pr)) throw new UsageError(`--pr must be a pull request number, not '${values.pr}'`, USAGE);
  if (values.simulate !== undefined && values.pr !== undefined) throw new UsageError('--simulate and --pr exclude each other: a simulation reads its PR facts from the file', USAGE);
  const format = oneOf('format', values.format, ['text', 'json', 'github'], USAGE);
  return {
    record: values.record === true,
    ...(values.pr !== undefined ? { pr: Number(values.pr) } : {}),
    ...(values.simulate !== undefined ? { simulate: values.simulate } : {}),
    ...(format ? { format } : {}),
    ...(values['decision-out'] !== undefined ? { decisionOut: values['decision-out'] } : {}),
    ...(values['request-reviews'] ? { requestReviews: true } : {}),
  };
}

/** Where the gate's own schemas live: next to the code that runs (base-branch code in CI), never the PR's. */
const CODE_ROOT = codeRoot;

const HELP = `${USAGE}

Decides whether the reviews on a pull request satisfy policies/approval.yaml (or .yml), read
from the pull request's BASE commit through the GitHub API (never the working tree).

  --pr N              the pull request (default: from GITHUB_EVENT_PATH)
  --simulate FILE     evaluate PR facts from a JSON file offline; policy, people, groups
                      and freezes come from the file or else from --root's working tree
  --format F          text (default), json (the explained tree), github (publish the
                      commit status 'opsgate/approval (BASE)', e.g. 'opsgate/approval (main)',
                      the sticky comment and the job summary; with --simulate: print the
                      comment instead)
  --decision-out FILE write the decision (policy commit, head, rules, approvers) as JSON
  --record            append the decision to records/gate/<owner>/<repo>/pr-<n>.jsonl
  --request-reviews   with --format github: while the decision is pending, ask GitHub to request
                      a review from each person a rule still needs (not one already requested
                      or who reviewed the head; at most 15); needs pull-requests: write

environment: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_EVENT_PATH, GITHUB_STEP_SUMMARY,
             OPSGATE_BOT_LOGINS (whose comment is the sticky one; default github-actions[bot])
FILE arguments (--simulate, --decision-out) are relative to --root (default: the current directory).
exit codes: 0 satisfied, 1 pending or failed (or GitHub unreadable: fails closed), 2 usage, 3 internal
`;
export const ARGS = {
  usage: USAGE,
  help: HELP,
  options: {
    pr: { type: 'string', check: is.matches('a pull request number', /^[1-9]\d{0,9}$/) },
    simulate: { type: 'string', check: is.given('a file') },
    format: { type: 'string', check: is.oneOf(['text', 'json', 'github']) },
    'decision-out': { type: 'string', check: is.given('a file') },
    record: { type: 'boolean' },
    'request-reviews': { type: 'boolean' },
  },
} as const;

export const gateCommand: Command = async (ctx) => {
  const args = parseGateArgs(ctx.argv);
  const validator = createSchemaValidator(await readSchemas(CODE_ROOT));
  let evaluations: Evaluation[];
  if (args.simulate) {
    const input = await loadSimulation(path.resolve(ctx.root, args.simulate), ctx.root, validator, ctx.now());
    evaluations = [{ result: evaluateGate(input) }];
  } else {
    evaluations = await evaluateLive(ctx, args, validator);
  }
  const format: Format = args.format ?? (args.simulate ? 'text' : ctx.env.GITHUB_ACTIONS === 'true' ? 'github' : 'text');
  let exit: number = ExitCode.clean;
  for (const { result, publish } of evaluations) {
    if (format === 'json') ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else if (format === 'github' && !publish)
      ctx.stdout.write(renderMarkdown(result)); // simulation: preview the comment
    else ctx.stdout.write(renderText(result));
    if (args.record) {
      const w = await RecordWriter.open(path.join(ctx.root, decisionRecordPath(result.repository, result.pr)));
      try {
        await w.append({ at: result.evaluated_at, type: 'gate.decision', ...buildDecision(result) });
      } finally {
        await w.close();
      }
    }
    let code: number = result.status === 'satisfied' ? ExitCode.clean : ExitCode.findings;
    if (format === 'github' && publish) {
      const failures = await publish(result);
      for (const f of failures) ctx.stderr.write(`opsgate: ${f}\n`);
      if (failures.length) code = ExitCode.findings;
    }
    exit = Math.max(exit, code);
  }
  if (args.decisionOut) {
    // One pull request: its decision; a relay that evaluated several: the list.
    const decisions = evaluations.map((e) => buildDecision(e.result));
    await writeFile(path.resolve(ctx.root, args.decisionOut), JSON.stringify(decisions.length === 1 ? decisions[0] : decisions, null, 2) + '\n');
  }
  return exit;
};

interface Evaluation {
  result: GateResult;
  publish?: (r: GateResult) => Promise<string[]>;
}

async function evaluateLive(ctx: CommandContext, args: GateArgs, validator: ReturnType<typeof createSchemaValidator>): Promise<Evaluation[]> {
  const { readActionsContext } = await import('../github/actions-env.ts');
  const { createGitHubClient } = await import('../github/client.ts');
  const { createGitHubScm } = await import('../github/scm.ts');
  const { collectGateInput } = await import('../gate/collect-facts.ts');
  const actions = await readActionsContext(ctx.env);
  const token = ctx.env.GITHUB_TOKEN || undefined;
  const octokit = createGitHubClient({
    ...(token ? { token } : {}),
    baseUrl: actions.apiUrl,
    warn: (m) => ctx.stderr.write(`opsgate: ${m}\n`),
    ...tuning(ctx.env),
  });
  const scm = createGitHubScm(octokit, actions.repository, { botLogins: botLogins(ctx.env) });
  const now = ctx.now();
  const failClosed = (pr: number, err: GitHubApiError, known: { headSha?: string; baseRef?: string } = {}) =>
    failedClosedResult({ repository: actions.repository, pr, ...known, now, problems: [{ code: 'gate.github', message: err.message }] });

  // The pull request comes from the event's number. A fork's workflow_run names none: then every open
  // pull request with that head (repository and branch) is evaluated, each under the status of its own base.
  let prs: number[];
  try {
    prs = args.pr !== undefined ? [args.pr] : actions.prs?.length ? actions.prs : [];
    if (!prs.length && actions.headSha) {
      prs = await scm.findOpenPullRequestsByHead(actions.headSha, { ...(actions.headRepo ? { repo: actions.headRepo } : {}), ...(actions.headRef ? { ref: actions.headRef } : {}) });
      if (!prs.length) throw new UsageError(`no open pull request has the head ${actions.headSha.slice(0, 12)}`, 'nothing to evaluate: the pull request was closed or pushed to since');
    }
  } catch (err) {
    if (!(err instanceof GitHubApiError)) throw err;
    return [{ result: failClosed(0, err) }];
  }
  if (!prs.length) throw new UsageError('no pull request to evaluate', 'pass --pr N, or run on a pull_request_target or workflow_run event');

  const out: Evaluation[] = [];
  for (const pr of prs) {
    let known: { headSha?: string; baseRef?: string } = {};
    /** The pull request's `state` as last read; undefined when it could not be read at all. */
    let state: string | undefined;
    let result: GateResult;
    try {
      const pull = await scm.getPullRequest(pr);
      known = { headSha: pull.head.sha, baseRef: pull.base.ref };
      state = pull.state;
      const input = await collectGateInput(scm, pull, validator, now);
      result = evaluateGate(input);
      // A success is for one head: a push (or a retarget, a close) since the gate's last read would publish it for
      // a state the pull request is no longer in. Read it once more, just before anything is printed, recorded or
      // published; if it moved, the decision fails closed (the run for the new head decides that one). What moves
      // in the milliseconds between this read and the status lands on the head it was decided for, never another.
      if (result.status === 'satisfied') {
        const { pullMoved } = await import('../gate/consistency.ts');
        const again = await scm.getPullRequest(pr);
        state = again.state;
        const moved = pullMoved(pull, again);
        if (moved.length) result = evaluateGate({ ...input, problems: [...input.problems, ...moved] });
      }
    } catch (err) {
      if (!(err instanceof GitHubApiError)) throw err;
      result = failClosed(pr, err, known);
    }
    const warn = (m: string) => ctx.stderr.write(`opsgate: ${m}\n`);
    // A closed or merged pull request is still decided (gate-record.yml records merged ones), never published.
    const refusal = state === undefined ? undefined : notPublishable(pr, state);
    out.push({
      result,
      publish: refusal ? (r) => summaryOnly(actions, r, refusal, warn) : (r) => publishResult(scm, actions, r, { requestReviews: args.requestReviews === true, warn }),
    });
  }
  return out;
}

/** Status (scoped to the base branch), sticky comment and job summary. Returns what could not be published. */
async function publishResult(scm: GitHubScm, actions: ActionsContext, r: GateResult, opts: { requestReviews: boolean; warn: (m: string) => void }): Promise<string[]> {
  const failures: string[] = [];
  const run = actions.runUrl ? { runUrl: actions.runUrl } : {};
  if (actions.stepSummaryFile) await appendFile(actions.stepSummaryFile, renderMarkdown(r, { marker: false, ...run }));
  // Without the head and the base branch the pull request itself could not be read: there is nothing
  // to put a status on, and it may not be a pull request to comment on.
  if (!r.head_sha || !r.base_ref) return [`pull request #${r.pr} could not be read; no status was published (branch protection keeps it unmergeable)`];
  const state = r.status === 'satisfied' ? 'success' : r.status === 'pending' ? 'pending' : 'failure';
  await Promise.all([
    scm
      .setStatus(r.head_sha, { state, context: statusContext(r.base_ref), description: renderStatusDescription(r), ...(actions.runUrl ? { target_url: actions.runUrl } : {}) })
      .catch((e: Error) => failures.push(e.message)),
    scm.upsertStickyComment(r.pr, COMMENT_MARKER, renderComment(r, run)).catch((e: Error) => failures.push(e.message)),
  ]);
  if (opts.requestReviews) await requestReviews(scm, r, opts.warn);
  return failures;
}

/** For a pull request that is not open: the job summary and the reason nothing else was published, on stderr too. */
async function summaryOnly(actions: ActionsContext, r: GateResult, why: string, warn: (m: string) => void): Promise<string[]> {
  if (actions.stepSummaryFile) await appendFile(actions.stepSummaryFile, renderMarkdown(r, { marker: false, ...(actions.runUrl ? { runUrl: actions.runUrl } : {}) }) + `\n> ${why}\n`);
  warn(why);
  return [];
}

/** Asks the people still needed to review. Advisory: a refusal is a warning, never a changed decision. */
async function requestReviews(scm: GitHubScm, r: GateResult, warn: (m: string) => void): Promise<void> {
  if (r.status !== 'pending') return;
  try {
    const [requested, reviews] = await Promise.all([scm.listRequestedReviewers(r.pr), scm.listReviews(r.pr)]);
    const logins = reviewersToRequest(r, { requested, reviews });
    if (!logins.length) return;
    const refused = await scm.requestReviewers(r.pr, logins);
    for (const x of refused) warn(`could not request a review from ${x.login}: ${x.reason}`);
    const asked = logins.filter((l) => !refused.some((x) => x.login === l));
    if (asked.length) warn(`requested reviews on #${r.pr} from ${asked.join(', ')}`);
  } catch (err) {
    if (!(err instanceof GitHubApiError)) throw err;
    warn(`could not request reviews on #${r.pr}: ${err.message}`);
  }
}

/** The logins whose marked comment is the gate's own (OPSGATE_BOT_LOGINS, comma-separated; default the Actions bot). */
function botLogins(env: NodeJS.ProcessEnv): string[] {
  const list = (env.OPSGATE_BOT_LOGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : ['github-actions[bot]'];
}

/** Test and benchmark knobs (never needed in production): retry timing, write spacing, the wait for one answer. */
function tuning(env: NodeJS.ProcessEnv): { retryUnitMs?: number; writeSpacingMs?: number; timeoutMs?: number } {
  const out: { retryUnitMs?: number; writeSpacingMs?: number; timeoutMs?: number } = {};
  if (env.OPSGATE_GITHUB_TIMEOUT_MS && /^[1-9]\d*$/.test(env.OPSGATE_GITHUB_TIMEOUT_MS)) out.timeoutMs = Number(env.OPSGATE_GITHUB_TIMEOUT_MS);
  if (env.OPSGATE_GITHUB_RETRY_UNIT_MS && /^\d+$/.test(env.OPSGATE_GITHUB_RETRY_UNIT_MS)) out.retryUnitMs = Number(env.OPSGATE_GITHUB_RETRY_UNIT_MS);
  if (env.OPSGATE_GITHUB_WRITE_SPACING_MS === '0') out.writeSpacingMs = 0;
  return out;
}
