import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, UsageError } from '../model/errors.ts';
import samplePullRequest from '../demo/sample-pull-request.json' with { type: 'json' };
import type { Command, CommandContext } from './context.ts';
import { is, parseCommandArgs } from './args.ts';
import { describeFleetDemo, runFleetDemo } from './demo-fleet.ts';
import { SAMPLE_AS_OF } from '../demo/sample-clock.ts';

const USAGE = 'usage: opsgate demo [YYYY-MM] [--out DIR] [--fleet]';
const HELP = `${USAGE}

The main job on the sample organisation (this repository), end to end and offline: lint
every document, decide a sample pull request's approvals, print the plan of a change,
verify the evidence chains, and write the audit report for the month (default 2026-11).
It writes only under --out (default demo-output/, ignored by git): the working tree
stays as it was. The sample is a snapshot, evaluated as of ${SAMPLE_AS_OF} whatever
the date (opsgate --now ISO demo evaluates it at another instant).

  --out DIR   where the demo writes (default: demo-output/ in the repository)
  --fleet     as root, in a checkout of opsgate: also start the local sshd fleet and play
              the sample month live (gate, apply inside its window, inspect, converge
              access, backup restore test), then the report from those records; every
              process it starts is stopped by PID

exit codes: 0 every step as expected, otherwise the worst unexpected exit code
`;
export const ARGS = { usage: USAGE, help: HELP, options: { out: { type: 'string', check: is.given('a directory') }, fleet: { type: 'boolean' } }, positionals: { max: 1 } } as const;

/** The files that make a directory the sample organisation the demo is written for. */
const SAMPLE_MARKERS = ['policies/organisation.yaml', 'changes/2026/CHG-2026-0103.yaml'];

/**
 * `opsgate demo`: the main job on the sample organisation, end to end and
 * offline. Each step is the real command; the demo only strings them together,
 * and points every output at --out so the repository is left untouched.
 */
export async function demoCommand(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx.argv, ARGS);
  const period = positionals[0] ?? '2026-11';
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) throw new UsageError(`the period must be a month as YYYY-MM, not '${period}'`, USAGE);
  const missing = SAMPLE_MARKERS.filter((f) => !existsSync(path.join(ctx.root, f)));
  if (missing.length) {
    throw new UsageError(
      `the demo runs on the sample organisation, and ${ctx.root} is not it (no ${missing.join(', ')})`,
      'run it in a checkout of opsgate (npm run demo), or try the real commands here: opsgate lint, opsgate plan CHG-…, opsgate report audit',
    );
  }
  // The sample is a snapshot: its advisories, waivers and reviews fall due with the calendar, so it is read as of its own date.
  const asOf = ctx.nowSet ? ctx.now() : new Date(SAMPLE_AS_OF);
  const sampleCtx: CommandContext = { ...ctx, now: () => new Date(asOf.getTime()) };
  ctx.stdout.write(`The sample organisation as of ${ctx.nowSet ? `${asOf.toISOString()} (--now)` : `${SAMPLE_AS_OF} (its snapshot date)`}\n`);
  const out = path.resolve(ctx.root, values.out ?? 'demo-output');
  await mkdir(out, { recursive: true });
  const simulation = path.join(out, 'sample-pull-request.json');
  await writeFile(simulation, JSON.stringify(samplePullRequest, null, 2) + '\n');
  const shown = (a: string) => (path.isAbsolute(a) && !path.relative(ctx.root, a).startsWith('..') ? path.relative(ctx.root, a) : a);
  const reports = path.join(out, 'reports');
  // Each step loads its command itself (not through index.ts, which lists demo: no import cycle).
  const steps: { title: string; command: string; load: () => Promise<Command>; argv: string[]; expect?: number[] }[] = [
    { title: '1. lint: schemas, references and governance rules over every document', command: 'lint', load: async () => (await import('./lint.ts')).lintCommand, argv: [] },
    {
      title: '2. gate: would the reviews on a sample pull request satisfy policies/approval.yaml?',
      command: 'gate',
      load: async () => (await import('./gate.ts')).gateCommand,
      argv: ['--simulate', simulation],
      expect: [0, 1],
    },
    { title: '3. plan: exactly what apply would run for the high-risk database change', command: 'plan', load: async () => (await import('./plan.ts')).planCommand, argv: ['CHG-2026-0103'] },
    { title: '4. records: verify every hash-chained evidence file', command: 'records', load: async () => (await import('./records.ts')).recordsCommand, argv: ['verify'] },
    {
      title: `5. report: the ITSS quality audit for ${period} (HTML, Markdown, JSON under ${shown(reports)}/)`,
      command: 'report',
      load: async () => (await import('./report.ts')).reportCommand,
      argv: ['audit', '--period', period, '--out', reports],
    },
  ];
  let worst = 0;
  for (const step of steps) {
    ctx.stdout.write(`\n━━ ${step.title}\n   $ opsgate ${step.command} ${step.argv.map(shown).join(' ')}\n\n`);
    const code = await (await step.load())({ ...sampleCtx, argv: step.argv });
    const ok = (step.expect ?? [0]).includes(code);
    ctx.stdout.write(`\n   → exit ${code}${ok ? '' : ' (unexpected)'}\n`);
    if (!ok) worst = Math.max(worst, code);
  }
  ctx.stdout.write(`\nOpen the report: ${path.join(reports, `audit-${period}.zh-CN.html`)} (English: opsgate report audit --period ${period} --lang en --out ${shown(reports)})\n`);
  if (values.fleet) {
    const code = await runFleetDemo(ctx, path.join(out, 'fleet'));
    if (code !== 0) worst = Math.max(worst, code);
  } else ctx.stdout.write(`\n${describeFleetDemo(ctx)}\n`);
  return worst === 0 ? ExitCode.clean : worst;
}
