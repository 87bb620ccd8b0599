import { existsSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, UsageError } from '../model/errors.ts';
import { commands } from './index.ts';
import type { CommandContext } from './context.ts';
import { parseCommandArgs } from './args.ts';

const USAGE = 'usage: opsgate demo [YYYY-MM]';
const HELP = `${USAGE}

The main job on the embedded sample organisation, end to end and offline: lint every
document, decide a sample pull request's approvals, print the plan of a change, verify
the evidence chains, and write the audit report for the month (default 2026-11).
`;
const SPEC = { usage: USAGE, help: HELP, options: {}, positionals: { max: 1 } } as const;

/**
 * `opsgate demo`: the main job on the embedded sample organisation, end to end
 * and offline — lint every document, decide a sample pull request's approvals,
 * print the plan of each open change, verify the evidence chains, and write the
 * audit report. Each step is the real command; the demo only strings them together.
 */
export async function demoCommand(ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(ctx.argv, SPEC);
  const period = positionals[0] ?? '2026-11';
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) throw new UsageError(`the period must be a month as YYYY-MM, not '${period}'`, USAGE);
  const simulation = path.join(ctx.root, 'test/fixtures/gate/simulate-db-change.json');
  const steps: { title: string; command: string; argv: string[]; expect?: number[] }[] = [
    { title: '1. lint: schemas, references and governance rules over every document', command: 'lint', argv: [] },
    ...(existsSync(simulation) ? [{ title: '2. gate: would the reviews on a sample pull request satisfy policies/approval.yaml?', command: 'gate', argv: ['--simulate', simulation], expect: [0, 1] }] : []),
    { title: '3. plan: exactly what apply would run for the high-risk database change', command: 'plan', argv: ['CHG-2026-0103'] },
    { title: '4. records: verify every hash-chained evidence file', command: 'records', argv: ['verify'] },
    { title: `5. report: the ITSS quality audit for ${period} (HTML, Markdown, JSON under reports/)`, command: 'report', argv: ['audit', '--period', period] },
  ];
  let worst = 0;
  for (const step of steps) {
    ctx.stdout.write(`\n━━ ${step.title}\n   $ opsgate ${step.command} ${step.argv.map((a) => (a.startsWith(ctx.root) ? path.relative(ctx.root, a) : a)).join(' ')}\n\n`);
    const entry = commands[step.command];
    if (!entry) {
      ctx.stdout.write(`   (command ${step.command} is not available)\n`);
      continue;
    }
    const code = await (await entry.load())({ ...ctx, argv: step.argv });
    const ok = (step.expect ?? [0]).includes(code);
    ctx.stdout.write(`\n   → exit ${code}${ok ? '' : ' (unexpected)'}\n`);
    if (!ok) worst = Math.max(worst, code);
  }
  ctx.stdout.write(`\nOpen the report: ${path.join(ctx.root, 'reports', `audit-${period}.zh-CN.html`)} (English: --lang en)\n`);
  return worst === 0 ? ExitCode.clean : worst;
}
