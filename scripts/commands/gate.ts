import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command, CommandContext } from './context.ts';
import { ExitCode, GitHubApiError, UsageError } from '../model/errors.ts';
import { buildDecision, decisionRecordPath } from '../gate/decision.ts';
import { evaluateGate } from '../gate/evaluate.ts';
import { failedClosedResult } from '../gate/fail-closed.ts';
import { COMMENT_MARKER, renderMarkdown, renderStatusDescription, renderText } from '../gate/render.ts';
import type { GateResult } from '../gate/types.ts';
import { loadSimulation } from '../gate/simulate.ts';
import { RecordWriter } from '../records/writer.ts';
import { createSchemaValidator } from '../repo/validate-schema.ts';
import { readSchemas } from '../repo/read-repo.ts';
import { codeRoot } from '../model/code-root.ts';

type Format = 'text' | 'json' | 'github';
interface GateArgs {
  pr?: number;
  simulate?: string;
  format?: Format;
  decisionOut?: string;
  record: boolean;
}

const USAGE = 'usage: opsgate gate [--pr N] [--simulate FILE] [--format text|json|github] [--decision-out FILE] [--record]';

export function parseGateArgs(argv: string[]): GateArgs {
  const args: GateArgs = { record: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`, USAGE);
      return v;
    };
    if (flag === '--pr') {
      const v = value();
      if (!/^[1-9]\d{0,9}$/.test(v)) throw new UsageError(`--pr must be a pull request number, not '${v}'`, USAGE);
      args.pr = Number(v);
    } else if (flag === '--simulate') args.simulate = value();
    else if (flag === '--format') {
      const v = value();
      if (v !== 'text' && v !== 'json' && v !== 'github') throw new UsageError(`--format must be text, json or github, not '${v}'`, USAGE);
      args.format = v;
    } else if (flag === '--decision-out') args.decisionOut = value();
    else if (flag === '--record') args.record = true;
    else throw new UsageError(`unknown option '${a}'`, USAGE);
  }
  if (args.simulate && args.pr !== undefined) throw new UsageError('--simulate and --pr exclude each other: a simulation reads its PR facts from the file', USAGE);
  return args;
}

/** Where the gate's own schemas live: next to the code that runs (base-branch code in CI), never the PR's. */
const CODE_ROOT = codeRoot;

const HELP = `${USAGE}

Decides whether the reviews on a pull request satisfy policies/approval.yaml, read
from the pull request's BASE commit through the GitHub API (never the working tree).

  --pr N              the pull request (default: from GITHUB_EVENT_PATH)
  --simulate FILE     evaluate PR facts from a JSON file offline; policy, people, groups
                      and freezes come from the file or else from --root's working tree
  --format F          text (default), json (the explained tree), github (publish the
                      opsgate/approval status, the sticky comment and the job summary;
                      with --simulate: print the comment instead)
  --decision-out FILE write the decision (policy commit, head, rules, approvers) as JSON
  --record            append the decision to records/gate/<owner>/<repo>/pr-<n>.jsonl

environment: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_EVENT_PATH, GITHUB_STEP_SUMMARY
exit codes: 0 satisfied, 1 pending or failed (or GitHub unreadable: fails closed), 2 usage, 3 internal
`;

export const gateCommand: Command = async (ctx) => {
  if (ctx.argv.includes('--help') || ctx.argv.includes('-h')) {
    ctx.stdout.write(HELP);
    return ExitCode.clean;
  }
  const args = parseGateArgs(ctx.argv);
  const validator = createSchemaValidator(await readSchemas(CODE_ROOT));
  let result: GateResult;
  let publish: ((r: GateResult) => Promise<string[]>) | undefined;
  if (args.simulate) {
    const input = await loadSimulation(path.resolve(ctx.root, args.simulate), ctx.root, validator, ctx.now());
    result = evaluateGate(input);
  } else {
    const live = await evaluateLive(ctx, args, validator);
    result = live.result;
    publish = live.publish;
  }
  const format: Format = args.format ?? (args.simulate ? 'text' : ctx.env.GITHUB_ACTIONS === 'true' ? 'github' : 'text');
  if (format === 'json') ctx.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else if (format === 'github' && !publish) ctx.stdout.write(renderMarkdown(result)); // simulation: preview the comment
  else ctx.stdout.write(renderText(result));
  if (args.decisionOut) await writeFile(path.resolve(ctx.root, args.decisionOut), JSON.stringify(buildDecision(result), null, 2) + '\n');
  if (args.record) {
    const w = await RecordWriter.open(path.join(ctx.root, decisionRecordPath(result.repository, result.pr)));
    try {
      await w.append({ at: result.evaluated_at, type: 'gate.decision', ...buildDecision(result) });
    } finally {
      await w.close();
    }
  }
  if (format === 'github' && publish) {
    const failures = await publish(result);
    for (const f of failures) ctx.stderr.write(`opsgate: ${f}\n`);
    if (failures.length && result.status === 'satisfied') return ExitCode.findings;
  }
  return result.status === 'satisfied' ? ExitCode.clean : ExitCode.findings;
};

async function evaluateLive(ctx: CommandContext, args: GateArgs, validator: ReturnType<typeof createSchemaValidator>) {
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
  const scm = createGitHubScm(octokit, actions.repository, { botLogins: (ctx.env.OPSGATE_BOT_LOGINS ?? '').split(',').filter(Boolean) });
  const now = ctx.now();
  let pr = args.pr ?? actions.pr;
  let headSha: string | undefined;
  let result: GateResult;
  try {
    if (pr === undefined && actions.headSha) pr = await scm.findOpenPullRequestByHead(actions.headSha);
    if (pr === undefined) throw new UsageError('no pull request to evaluate', 'pass --pr N, or run on a pull_request_target or workflow_run event');
    const input = await collectGateInput(scm, pr, validator, now);
    headSha = input.pr.head.sha;
    result = evaluateGate(input);
  } catch (err) {
    if (!(err instanceof GitHubApiError)) throw err;
    result = failedClosedResult({ repository: actions.repository, pr: pr ?? 0, ...(headSha ? { headSha } : {}), now, problems: [{ code: 'gate.github', message: err.message }] });
  }
  const publish = async (r: GateResult): Promise<string[]> => {
    const failures: string[] = [];
    const body = renderMarkdown(r, actions.runUrl ? { runUrl: actions.runUrl } : {});
    if (actions.stepSummaryFile) await appendFile(actions.stepSummaryFile, renderMarkdown(r, { marker: false, ...(actions.runUrl ? { runUrl: actions.runUrl } : {}) }));
    let sha = r.head_sha;
    try {
      if (!sha && pr) sha = (await scm.getPullRequest(pr)).head.sha;
    } catch (e) {
      failures.push(`cannot find the head commit to publish the status: ${(e as Error).message}`);
    }
    const state = r.status === 'satisfied' ? 'success' : r.status === 'pending' ? 'pending' : 'failure';
    await Promise.all([
      sha
        ? scm
            .setStatus(sha, { state, context: 'opsgate/approval', description: renderStatusDescription(r), ...(actions.runUrl ? { target_url: actions.runUrl } : {}) })
            .catch((e: Error) => failures.push(e.message))
        : Promise.resolve(),
      // Without a head commit the PR itself could not be read: do not comment on what may not be a pull request.
      pr && sha ? scm.upsertStickyComment(pr, COMMENT_MARKER, body).catch((e: Error) => failures.push(e.message)) : Promise.resolve(),
    ]);
    return failures;
  };
  return { result, publish };
}

/** Test and benchmark knobs (never needed in production): retry timing and write spacing. */
function tuning(env: NodeJS.ProcessEnv): { retryUnitMs?: number; writeSpacingMs?: number } {
  const out: { retryUnitMs?: number; writeSpacingMs?: number } = {};
  if (env.OPSGATE_GITHUB_RETRY_UNIT_MS && /^\d+$/.test(env.OPSGATE_GITHUB_RETRY_UNIT_MS)) out.retryUnitMs = Number(env.OPSGATE_GITHUB_RETRY_UNIT_MS);
  if (env.OPSGATE_GITHUB_WRITE_SPACING_MS === '0') out.writeSpacingMs = 0;
  return out;
}

