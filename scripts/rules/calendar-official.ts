import type { Diagnostic } from '../model/diagnostic.ts';
import { workdayName } from '../calendar/official.ts';
import type { CalendarDocument } from '../model/documents.generated.ts';
import type { Doc } from '../repo/parse-document.ts';
import type { RepoModel } from '../repo/repo-model.ts';
import { at, type RuleInput } from './rule-context.ts';

/**
 * The calendar against the official State Council schedule, for every year the
 * calendar or an open change covers:
 * - `calendar.holiday-missing` / `calendar.workday-missing`: an official holiday
 *   or make-up workday (调休) the calendar lacks;
 * - `calendar.holiday-unofficial` / `calendar.workday-unofficial`: a day the
 *   calendar adds that the schedule does not have;
 * - `calendar.deviation-unused` (warning): a declared deviation on a day that
 *   does not deviate;
 * - `calendar.year-unknown` (notice): the installed schedule does not know the
 *   year yet, so the calendar's days are taken as declared, not checked.
 * A day listed under `deviations` (with its reason) may differ. Only calendars in
 * mainland China's time zone are held to it: an organisation elsewhere (opsgate init
 * --timezone Europe/Berlin) keeps its own holidays. Pure.
 */
/** IANA names of mainland China's time zone (the State Council's schedule applies there; Hong Kong and Macau keep their own). */
const OFFICIAL_SCHEDULE_ZONES = new Set(['Asia/Shanghai', 'Asia/Chongqing', 'Asia/Chungking', 'Asia/Harbin', 'Asia/Urumqi', 'Asia/Kashgar', 'PRC']);

export function checkOfficialCalendar(input: RuleInput): Diagnostic[] {
  const official = input.official;
  const cal = input.repo.one('calendar');
  if (!official || !cal || !OFFICIAL_SCHEDULE_ZONES.has(cal.data.timezone)) return [];
  const data = cal.data;
  const out: Diagnostic[] = [];
  const deviations = new Map((data.deviations ?? []).map((d, i) => [d.date, i]));
  const holidays = new Map((data.holidays ?? []).map((d, i) => [d.date, i]));
  const workdays = new Map((data.makeup_workdays ?? []).map((d, i) => [d.date, i]));
  const sync = (y: number) => `opsgate calendar sync --year ${y}`;

  for (const [year, where] of coveredYears(cal, input.repo)) {
    if (!official.years.has(year)) {
      out.push(
        at(
          cal,
          where,
          'calendar.year-unknown',
          `${official.source} has no official holiday schedule for ${year} yet: the calendar's ${year} holidays and make-up workdays are taken as declared, not checked`,
          `when the State Council publishes the ${year} schedule (usually in November of the year before), update chinese-days and run ${sync(year)}`,
          'notice',
        ),
      );
      continue;
    }
    const inYear = (d: string) => d.startsWith(`${year}-`);
    for (const day of [...official.holidays.values()].filter((d) => inYear(d.date))) {
      if (holidays.has(day.date) || deviations.has(day.date)) continue;
      const also = workdays.has(day.date) ? `; the calendar lists it as a make-up workday instead` : '';
      out.push(
        at(
          cal,
          data.holidays ? '/holidays' : '',
          'calendar.holiday-missing',
          `${day.date} ${day.name} (${day.nameEn}) is an official holiday (${official.source}) missing from holidays${also}`,
          `add "- {date: ${day.date}, name: ${day.name}}" to holidays (or run ${sync(year)}); if this organisation works that day, list it under deviations with the reason`,
        ),
      );
    }
    for (const day of [...official.workdays.values()].filter((d) => inYear(d.date))) {
      if (workdays.has(day.date) || deviations.has(day.date)) continue;
      out.push(
        at(
          cal,
          data.makeup_workdays ? '/makeup_workdays' : '',
          'calendar.workday-missing',
          `${day.date} ${workdayName(day)} is an official make-up workday (调休, ${official.source}) missing from makeup_workdays: windows marked workdays_only would stay shut that day`,
          `add "- {date: ${day.date}, name: ${workdayName(day)}}" to makeup_workdays (or run ${sync(year)}); if this organisation keeps the day off, list it under deviations with the reason`,
        ),
      );
    }
    for (const [date, i] of holidays) {
      if (!inYear(date) || official.holidays.has(date) || deviations.has(date)) continue;
      const why = official.workdays.has(date) ? `an official make-up workday (${workdayName(official.workdays.get(date)!)})` : 'not an official holiday';
      out.push(
        at(
          cal,
          `/holidays/${i}/date`,
          'calendar.holiday-unofficial',
          `${date} ${data.holidays![i]!.name} is ${why} (${official.source})`,
          `correct the date, or declare the local holiday under deviations with its reason`,
        ),
      );
    }
    for (const [date, i] of workdays) {
      if (!inYear(date) || official.workdays.has(date) || deviations.has(date)) continue;
      out.push(
        at(
          cal,
          `/makeup_workdays/${i}/date`,
          'calendar.workday-unofficial',
          `${date} ${data.makeup_workdays![i]!.name} is not an official make-up workday (${official.source})`,
          `correct the date, or declare the local workday under deviations with its reason`,
        ),
      );
    }
  }
  for (const [date, i] of deviations) {
    const year = Number(date.slice(0, 4));
    if (!official.years.has(year)) continue;
    const deviates = official.holidays.has(date) !== holidays.has(date) || official.workdays.has(date) !== workdays.has(date);
    if (!deviates)
      out.push(
        at(
          cal,
          `/deviations/${i}/date`,
          'calendar.deviation-unused',
          `${date} is declared a deviation, but the calendar agrees with the official schedule that day`,
          'remove the deviation, or change holidays / makeup_workdays to what it declares',
          'warning',
        ),
      );
  }
  return out;
}

/**
 * Years the calendar covers (its holidays, make-up workdays, deviations and
 * freezes) and the years open changes' windows cover, each with the pointer of
 * the first place that brings it in.
 */
export function coveredYears(cal: Doc<'calendar'>, repo: RepoModel): Map<number, string> {
  const years = new Map<number, string>();
  const add = (iso: string, pointer: string) => {
    const y = Number(iso.slice(0, 4));
    if (Number.isInteger(y) && y > 1900 && !years.has(y)) years.set(y, pointer);
  };
  const span = (start: string, end: string, pointer: string) => {
    for (let y = Number(start.slice(0, 4)); y <= Number(end.slice(0, 4)) && y - Number(start.slice(0, 4)) < 10; y++) add(`${y}`, pointer);
  };
  const d: CalendarDocument = cal.data;
  (d.holidays ?? []).forEach((h, i) => add(h.date, `/holidays/${i}/date`));
  (d.makeup_workdays ?? []).forEach((h, i) => add(h.date, `/makeup_workdays/${i}/date`));
  (d.deviations ?? []).forEach((h, i) => add(h.date, `/deviations/${i}/date`));
  (d.freezes ?? []).forEach((f, i) => span(f.start, f.end, `/freezes/${i}/start`));
  for (const c of repo.all('change')) if (!c.data.closure) span(c.data.window.start, c.data.window.end, d.holidays ? '/holidays' : '');
  return new Map([...years].sort((a, b) => a[0] - b[0]));
}
