import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadOfficialSchedule } from '../calendar/official-source.ts';
import { syncCalendarText } from '../calendar/sync.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { singletonPath } from '../repo/singleton-path.ts';
import { sanitizeForLog as clean } from '../render/sanitize.ts';
import type { Command, CommandContext } from './context.ts';
import { is, parseSubcommand, type GroupSpec } from './args.ts';

const USAGE = 'usage: opsgate calendar sync --year YYYY [--dry-run]';

/** `opsgate calendar sync|export`: each subcommand declares exactly its options. */
export const ARGS = {
  command: 'calendar',
  subcommands: {
    sync: {
      summary: "writes the year's official public holidays and make-up workdays (调休) into policies/calendar.yaml (or .yml), keeping its comments and layout",
      usage: 'usage: opsgate calendar sync --year YYYY [--dry-run]',
      options: {
        year: { type: 'string', value: 'YYYY', help: 'the year to sync (required)', check: is.year },
        'dry-run': { type: 'boolean', help: 'print the result and write nothing' },
      },
    },
    export: {
      summary: 'writes iCalendar (RFC 5545) subscriptions: maintenance windows and freezes, the change calendar, the duty rota per person and for the team',
      usage: 'usage: opsgate calendar export --ics [--out DIR] [--from YYYY-MM-DD] [--until YYYY-MM-DD]',
      options: {
        ics: { type: 'boolean', help: 'iCalendar files (required)' },
        out: { type: 'string', value: 'DIR', help: 'where to write them (default: calendars/)', check: is.given('a directory') },
        from: { type: 'string', value: 'YYYY-MM-DD', help: 'the first day (default: the start of the earliest year)', check: is.date },
        until: { type: 'string', value: 'YYYY-MM-DD', help: 'the last day', check: is.date },
      },
    },
  },
} as const satisfies GroupSpec;

/** `opsgate calendar sync|export`. */
export const calendarCommand: Command = async (ctx) => {
  const { sub, values } = parseSubcommand(ctx.argv, ARGS);
  if (sub === 'sync') return syncCommand(ctx, values);
  return (await import('./calendar-export.ts')).exportCommand(ctx, values);
};

/** Writes the year's official holidays and make-up workdays into policies/calendar.yaml, keeping comments and layout. */
async function syncCommand(ctx: CommandContext, values: { year?: string; 'dry-run'?: boolean }): Promise<number> {
  if (!values.year || !/^\d{4}$/.test(values.year)) throw new UsageError(`--year must be a year as YYYY${values.year ? `, not '${values.year}'` : ''}`, USAGE);
  const year = Number(values.year);
  const CALENDAR = singletonPath(ctx.root, 'policies/calendar');
  const file = path.join(ctx.root, CALENDAR);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new UsageError(`${CALENDAR} not found under ${ctx.root}`, 'run from the repository, or pass --root DIR');
  });
  const official = loadOfficialSchedule();
  let result;
  try {
    result = syncCalendarText(text, official, year, CALENDAR);
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
