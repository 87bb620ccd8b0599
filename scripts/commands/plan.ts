import type { Command } from './context.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { readRepo } from '../repo/read-repo.ts';
import { parseFlags } from '../change/cli-args.ts';
import { findChange, loadPlan } from '../change/load-plan.ts';
import { renderPlanJson, renderPlanMarkdown, renderPlanText } from '../change/render-plan.ts';

const USAGE = 'usage: opsgate plan CHG-YYYY-NNNN [--format text|markdown|json]';

/** Prints what `opsgate apply` would run, host by host, batch by batch. Runs nothing. */
export const planCommand: Command = async (ctx) => {
  const { flags, positional } = parseFlags(ctx.argv, { boolean: [], value: ['format'] }, USAGE);
  const format = (flags.format as string | undefined) ?? 'text';
  if (!['text', 'markdown', 'json'].includes(format)) throw new UsageError(`--format must be text, markdown or json, not '${format}'`, USAGE);
  if (positional.length !== 1) throw new UsageError('name exactly one change', USAGE);
  const repo = await readRepo(ctx.root);
  const plan = await loadPlan(repo, findChange(repo, positional[0]!), ctx.now());
  if (format === 'json') {
    ctx.stdout.write(renderPlanJson(plan));
  } else ctx.stdout.write(format === 'markdown' ? renderPlanMarkdown(plan) : renderPlanText(plan));
  return plan.diagnostics.some((d) => d.severity === 'error') ? ExitCode.unusable : ExitCode.clean;
};
