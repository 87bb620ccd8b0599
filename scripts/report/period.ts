import { DateTime } from 'luxon';
import { inEra } from '../model/era.ts';

/** A reporting period: one calendar month in the organisation's time zone, [start, end). */
export interface Period {
  id: string;
  start: string;
  end: string;
  startMs: number;
  endMs: number;
  timezone: string;
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** A month from FIRST_YEAR on (model/era.ts). */
export function isPeriodId(text: string): boolean {
  return PERIOD.test(text) && inEra(text);
}

/** Parses `YYYY-MM` into a period in `timezone`. Pure; undefined for a malformed id or unknown zone. */
export function parsePeriod(id: string, timezone: string): Period | undefined {
  const m = PERIOD.exec(id);
  if (!m) return undefined;
  const start = DateTime.fromObject({ year: Number(m[1]), month: Number(m[2]), day: 1 }, { zone: timezone });
  if (!start.isValid) return undefined;
  const end = start.plus({ months: 1 });
  return {
    id,
    start: start.toISO({ suppressMilliseconds: true })!,
    end: end.toISO({ suppressMilliseconds: true })!,
    startMs: start.toMillis(),
    endMs: end.toMillis(),
    timezone,
  };
}

/** The `count` periods ending with `period` (oldest first), for trends. Pure. */
export function previousPeriods(period: Period, count: number): Period[] {
  const start = DateTime.fromMillis(period.startMs, { zone: period.timezone });
  const out: Period[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const p = start.minus({ months: i });
    out.push(parsePeriod(p.toFormat('yyyy-MM'), period.timezone)!);
  }
  return out;
}

/** Milliseconds of an ISO timestamp, or undefined when absent or unparsable. */
export function ms(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** dateMs's answers: a year of incidents asks for the same few hundred dates in every trend period, and a luxon parse each time costs. */
const dates = new Map<string, number | undefined>();

/** A calendar date (YYYY-MM-DD) as the start of that day in `zone`, in ms. Memoised. */
export function dateMs(date: string | undefined, zone: string): number | undefined {
  if (!date) return undefined;
  const k = `${zone}|${date}`;
  if (dates.has(k)) return dates.get(k);
  const d = DateTime.fromISO(date, { zone });
  const t = d.isValid ? d.toMillis() : undefined;
  if (dates.size >= 100_000) dates.clear();
  dates.set(k, t);
  return t;
}

/**
 * Whether a due date (YYYY-MM-DD) has passed at `now`: its whole day counts, so it has passed from the start of
 * the next day in `zone` (the rule patch compliance applies to an advisory's due day). False for no date. Pure.
 */
export function dueDayOver(date: string | undefined, zone: string, now: number): boolean {
  const next = dayStartAfter(date, 1, zone);
  return next !== undefined && next <= now;
}

/** The start of the day `days` calendar days after `date` (YYYY-MM-DD) in `zone`, not days × 24 h: a DST switch in between moves no date. Pure. */
export function dayStartAfter(date: string | undefined, days: number, zone: string): number | undefined {
  const start = dateMs(date, zone);
  return start === undefined ? undefined : DateTime.fromMillis(start, { zone }).plus({ days }).toMillis();
}

export function inPeriod(t: number | undefined, period: Period): boolean {
  return t !== undefined && t >= period.startMs && t < period.endMs;
}

/** Formats ms as an ISO timestamp with the period's offset (deterministic). */
export function isoIn(t: number, zone: string): string {
  return DateTime.fromMillis(t, { zone }).toISO({ suppressMilliseconds: true })!;
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
