/**
 * The official holiday schedule of the State Council (国务院办公厅关于部分节假日安排的通知),
 * as the `chinese-days` package publishes it: holidays, and the weekend days
 * that are workdays (调休). Pure: the edge (`official-source.ts`) reads the
 * package's data and hands it to `parseOfficialSchedule`.
 */
export interface OfficialDay {
  date: string;
  /** Chinese name of the holiday, e.g. 春节. */
  name: string;
  /** English name, e.g. Spring Festival. */
  nameEn: string;
}

export interface OfficialSchedule {
  /** Where the schedule comes from, e.g. `chinese-days@1.5.7`: diagnostics name it. */
  source: string;
  /** Years the source has a schedule for. A year outside it is not known, never guessed. */
  years: ReadonlySet<number>;
  holidays: ReadonlyMap<string, OfficialDay>;
  /** Official make-up workdays (调休上班), named after the holiday they make up for. */
  workdays: ReadonlyMap<string, OfficialDay>;
}

/** chinese-days' data shape: `{ holidays: { 'YYYY-MM-DD': 'English,中文,N' }, workdays: {...} }`. */
export interface ChineseDaysData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** chinese-days uses the short names; calendars and the State Council's notice use the full ones. */
const FULL_NAMES: Record<string, string> = { 清明: '清明节', 端午: '端午节', 中秋: '中秋节' };

function days(table: Record<string, string>): Map<string, OfficialDay> {
  const out = new Map<string, OfficialDay>();
  for (const date of Object.keys(table).sort()) {
    if (!DATE.test(date)) continue;
    const [nameEn = '', name = nameEn] = String(table[date]).split(',');
    out.set(date, { date, name: FULL_NAMES[name] ?? name, nameEn });
  }
  return out;
}

/** Turns the package's data into a schedule. A year counts as known when it has at least one official holiday. Pure. */
export function parseOfficialSchedule(data: ChineseDaysData, source: string): OfficialSchedule {
  const holidays = days(data.holidays ?? {});
  const workdays = days(data.workdays ?? {});
  const years = new Set([...holidays.keys()].map((d) => Number(d.slice(0, 4))));
  return { source, years, holidays, workdays };
}

/** The official days of one year, in date order. Pure. */
export function officialDaysOf(schedule: OfficialSchedule, year: number): { holidays: OfficialDay[]; workdays: OfficialDay[] } {
  const inYear = (m: ReadonlyMap<string, OfficialDay>) => [...m.values()].filter((d) => d.date.startsWith(`${year}-`));
  return { holidays: inYear(schedule.holidays), workdays: inYear(schedule.workdays) };
}

/** The name a make-up workday gets in the calendar, e.g. 春节调休上班. */
export function workdayName(day: OfficialDay): string {
  return `${day.name}调休上班`;
}
