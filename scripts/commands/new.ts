import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { ExitCode, UsageError } from '../model/errors.ts';
import { readRepo } from '../repo/read-repo.ts';
import { singletonFileOf } from '../rules/singleton-file.ts';
import { applyScheduleGap } from '../scaffold/apply-schedule.ts';
import { proposeWindow } from '../scaffold/next-window.ts';
import { nextId, renderChangeTemplate, renderIncidentTemplate } from '../scaffold/templates.ts';
import { readCalendarZone } from '../calendar/read-zone.ts';
import type { CommandContext } from './context.ts';
import { refuse } from './refuse.ts';
import { is, oneOf, parseSubcommand, type GroupSpec } from './args.ts';

const TYPES = ['standard', 'normal', 'emergency'] as const;
const PERSON = is.name('a person', /^[a-z][a-z0-9-]*$/);
const title = { type: 'string', value: 'TEXT', help: 'the title (required)', check: is.given('a title') } as const;

/** `opsgate new change|incident`: each kind declares exactly its options. */
export const ARGS = {
  command: 'new',
  what: 'what to create',
  about: 'Writes the next free CHG-YYYY-NNNN (changes/YYYY/) or INC-YYYY-NNNN (incidents/YYYY/)\nfrom a commented template. Never overwrites a file.',
  subcommands: {
    change: {
      summary: "the next change request, in the next maintenance window of policies/calendar.yaml (or .yml) at least a day away, in the calendar's time zone",
      usage: 'usage: opsgate new change --title TEXT [--type standard|normal|emergency] [--requester PERSON]',
      options: {
        title,
        type: { type: 'string', value: 'T', help: 'change type: standard, normal (default) or emergency', check: is.oneOf(TYPES) },
        requester: { type: 'string', value: 'PERSON', help: 'who asks for the change (a person id under policies/access/people/)', check: PERSON },
      },
    },
    incident: {
      summary: 'the next incident record',
      usage: 'usage: opsgate new incident --title TEXT --level 1-4 [--reporter PERSON]',
      options: {
        title,
        level: { type: 'string', value: 'N', help: 'incident level 1-4 (一级…四级; required)', check: is.integer({ min: 1, max: 4 }) },
        reporter: { type: 'string', value: 'PERSON', help: 'who reports the incident', check: PERSON },
      },
    },
  },
} as const satisfies GroupSpec;

/** `opsgate new change|incident`: writes the next free id from a template; never overwrites. */
export async function newCommand(ctx: CommandContext): Promise<number> {
  const { sub: kind, values } = parseSubcommand(ctx.argv, ARGS);
  const USAGE = ARGS.subcommands[kind].usage;
  if (!values.title?.trim()) throw new UsageError('--title is required', USAGE);
  const type = oneOf('type', values.type, TYPES, USAGE) ?? 'normal';
  const zone = await readCalendarZone(ctx.root);
  if ('problems' in zone) return refuse(ctx, zone.problems, "the calendar's time zone cannot be told, so the year and the times cannot be written; nothing was written");
  const repo = await readRepo(ctx.root);
  const calendar = repo.one('calendar')?.data;
  // A change's window comes from the calendar itself: one that exists and did not load is not a calendar without windows.
  const calendarProblems = kind === 'change' && !calendar ? repo.diagnostics.filter((d) => d.file === zone.file && d.severity === 'error') : [];
  if (calendarProblems.length) return refuse(ctx, calendarProblems, `${zone.file} did not load, so no window can be proposed; nothing was written`);
  const now = DateTime.fromJSDate(ctx.now()).setZone(zone.zone);
  const year = now.year;
  const folder = path.join(ctx.root, kind === 'change' ? 'changes' : 'incidents', String(year));
  const existing = (await readdir(folder).catch(() => [] as string[])).map((f) => f.replace(/\.ya?ml$/, ''));
  const id = nextId(kind === 'change' ? 'CHG' : 'INC', year, existing);
  let text: string;
  let window = '';
  if (kind === 'change') {
    const w = proposeWindow(calendar, ctx.now(), type);
    window = w.window
      ? `window: the next occurrence of maintenance window ${w.window} at least a day away, ${w.start} – ${w.end} (${w.zone})\n`
      : `window: ${w.start} – ${w.end}, a week from now: ${singletonFileOf(repo, 'calendar')} has no maintenance window open to this change within a year\n`;
    text = renderChangeTemplate({ id, title: values.title, type, requester: values.requester ?? 'TODO', start: w.start, end: w.end });
    window += await windowShorterThanSchedule(ctx.root, w.start, w.end);
  } else {
    const level = Number(values.level);
    if (![1, 2, 3, 4].includes(level)) throw new UsageError('--level must be 1, 2, 3 or 4 (一级…四级)', USAGE);
    text = renderIncidentTemplate({ id, title: values.title, level, reporter: values.reporter ?? 'TODO', at: now.set({ millisecond: 0 }).toISO({ suppressMilliseconds: true })! });
  }
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, `${id}.yaml`);
  await writeFile(file, text, { flag: 'wx' });
  ctx.stdout.write(`wrote ${path.relative(ctx.root, file)}: fill in the TODOs, then run \`npx opsgate lint ${path.relative(ctx.root, file)}\`\n${window}`);
  return ExitCode.clean;
}

/** The workflow whose schedule applies due changes (the one `opsgate init` writes). */
const APPLY_WORKFLOW = '.github/workflows/apply.yml';

/** A warning line when the window is shorter than the longest gap between two scheduled applies; '' otherwise. */
async function windowShorterThanSchedule(root: string, start: string, end: string): Promise<string> {
  const text = await readFile(path.join(root, APPLY_WORKFLOW), 'utf8').catch(() => undefined);
  const gap = text === undefined ? undefined : applyScheduleGap(text);
  const minutes = (Date.parse(end) - Date.parse(start)) / 60_000;
  if (!gap || !(minutes < gap.minutes)) return '';
  return `warning: the window is ${minutes} minute(s), shorter than the ${gap.minutes} minutes between two scheduled applies (${APPLY_WORKFLOW}: ${gap.crons.join(', ')}): the window may open and close between two runs, and nothing applies the change; widen window.end, or run the apply workflow by hand inside the window\n`;
}
