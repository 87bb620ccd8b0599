import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadOfficialSchedule } from '../calendar/official-source.ts';
import { syncCalendarText } from '../calendar/sync.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { sanitizeForLog as clean } from '../render/sanitize.ts';
import type { Command, CommandContext } from './context.ts';
import { parseCommandArgs } from './args.ts';

const USAGE = 'usage: opsgate calendar sync --year YYYY [--dry-run] | opsgate calendar export --ics [--out DIR] [--from YYYY-MM-DD] [--until YYYY-MM-DD]';
const CALENDAR = 'policies/calendar.yaml';

const HELP = `${USAGE}

sync     writes the year's official public holidays and make-up workdays (调休) into
         policies/calendar.yaml, keeping its comments and layout
export   writes iCalendar (RFC 5545) subscriptions: maintenance windows and freezes, the
         change calendar, the duty rota per person and for the team

  --year YYYY         sync: the year to sync
  --dry-run           sync: print the result and write nothing
  --ics               export: iCalendar files
  --out DIR           export: where to write them (default: calendars/)
  --from YYYY-MM-DD   export: the first day (default: the start of the earliest year)
  --until YYYY-MM-DD  export: the last day
`;
const SPEC = {
  usage: USAGE,
  help: HELP,
  positionals: { min: 1, max: 1, name: 'a subcommand: sync or export' },
  options: { year: { type: 'string' }, 'dry-run': { type: 'boolean' }, ics: { type: 'boolean' }, out: { type: 'string' }, from: { type: 'string' }, until: { type: 'string' } },
} as const;

/** Each subcommand's own options: one of the other's is a usage error, never silently ignored. */
const OPTIONS_OF = { sync: ['year', 'dry-run'], export: ['ics', 'out', 'from', 'until'] } as const;

/** `opsgate calendar sync|export`. */
export const calendarCommand: Command = async (ctx) => {
  const named = ctx.argv[0];
  if (named === 'sync' || named === 'export') {
    const own = OPTIONS_OF[named] as readonly string[];
    parseCommandArgs(ctx.argv, { ...SPEC, options: Object.fromEntries(Object.entries(SPEC.options).filter(([k]) => own.includes(k))) });
  }
  const { values, positionals } = parseCommandArgs(ctx.argv, SPEC);
  const sub = positionals[0];
  if (sub === 'sync') return syncCommand(ctx, values);
  if (sub === 'export') return (await import('./calendar-export.ts')).exportCommand(ctx, values);
  throw new UsageError(`unknown calendar subcommand '${sub}'; name sync or export`, USAGE);
};

/** Writes the year's official holidays and make-up workdays into policies/calendar.yaml, keeping comments and layout. */
async function syncCommand(ctx: CommandContext, values: { year?: string; 'dry-run'?: boolean }): Promise<number> {
  if (!values.year || !/^\d{4}$/.test(values.year)) throw new UsageError(`--year must be a year as YYYY${values.year ? `, not '${values.year}'` : ''}`, USAGE);
  const year = Number(values.year);
  const file = path.join(ctx.root, CALENDAR);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new UsageError(`${CALENDAR} not found under ${ctx.root}`, 'run from the repository, or pass --root DIR');
  });
  const official = loadOfficialSchedule();
  let result;
  try {
    result = syncCalendarText(text, official, year);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (result.unknownYear) {
    ctx.stdout.write(
      `notice: ${official.source} has no official holiday schedule for ${year} yet; ${CALENDAR} is left as it is (nothing is guessed). Update chinese-days once the State Council publishes it, then sync again.\n`,
    );
    return ExitCode.clean;
  }
  for (const a of result.added) ctx.stdout.write(`${values['dry-run'] ? 'would add' : 'added'}  ${a.list}  ${a.date}  ${clean(a.name)}\n`);
  for (const u of result.unofficial) ctx.stdout.write(`left     ${u.list}  ${u.date}  ${clean(u.name)}: not in the official schedule; declare it under deviations with the reason, or delete it\n`);
  if (result.added.length && !values['dry-run']) {
    const tmp = `${file}.tmp-${process.pid}`;
    await writeFile(tmp, result.text);
    await rename(tmp, file);
  }
  ctx.stdout.write(
    `${CALENDAR}: ${result.added.length} official day(s) of ${year} ${values['dry-run'] ? 'missing' : 'added'} (${official.source})${result.added.length === 0 ? ', already complete' : ''}\n`,
  );
  return ExitCode.clean;
}
