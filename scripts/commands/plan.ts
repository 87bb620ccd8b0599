import type { Command } from './context.ts';
import { ExitCode } from '../model/errors.ts';
import { readRepo } from '../repo/read-repo.ts';
import { is, oneOf, parseCommandArgs, type CommandSpec } from './args.ts';
import { findChange, loadPlan } from '../change/load-plan.ts';
import { renderPlanJson, renderPlanMarkdown, renderPlanText } from '../change/render-plan.ts';

const USAGE = 'usage: opsgate plan CHG-YYYY-NNNN [--format text|markdown|json]';
const HELP = `${USAGE}

Prints what \`opsgate apply\` would run for one change, and runs nothing: the hosts in
batches (canary first), every remote command exactly as it will be sent, verification
and rollback.

  --format F   text (default), markdown (what the pull request comment shows), json

exit codes: 0 the plan, 2 the change cannot be planned (located diagnostics), 3 internal error
`;
export const ARGS = {
  usage: USAGE,
  help: HELP,
  options: { format: { type: 'string', check: is.oneOf(['text', 'markdown', 'json']) } },
  positionals: { min: 1, max: 1, name: 'the change to plan (CHG-YYYY-NNNN)' },
} as const satisfies CommandSpec;

/** Prints what `opsgate apply` would run, host by host, batch by batch. Runs nothing. */
export const planCommand: Command = async (ctx) => {
  const { values, positionals } = parseCommandArgs(ctx.argv, ARGS);
  const format = oneOf('format', values.format, ['text', 'markdown', 'json'], USAGE) ?? 'text';
  const repo = await readRepo(ctx.root);
  const plan = await loadPlan(repo, findChange(repo, positionals[0]!), ctx.now());
  if (format === 'json') {
    ctx.stdout.write(renderPlanJson(plan));
  } else ctx.stdout.write(format === 'markdown' ? renderPlanMarkdown(plan) : renderPlanText(plan));
  return plan.diagnostics.some((d) => d.severity === 'error') ? ExitCode.unusable : ExitCode.clean;
};
