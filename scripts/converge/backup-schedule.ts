/**
 * A backup policy's schedule (5-field cron, in the calendar's time zone) as
 * systemd calendar expressions, as the cron fallback's guard, and as sets to
 * compare. Pure.
 *
 * Cron semantics are vixie cron's: lists, ranges, steps, month and weekday
 * names, 0 and 7 for Sunday, the @daily-style macros; when both day of month
 * and day of week are restricted (neither field starts with '*') a day
 * matches if EITHER matches. systemd ANDs every component of one expression,
 * so that case becomes two OnCalendar expressions.
 */

export interface CronSpec {
  text: string;
  minutes: number[];
  hours: number[];
  doms: number[];
  months: number[];
  /** 0 = Sunday … 6 = Saturday. */
  dows: number[];
  /** The field starts with '*' (vixie cron's DOM_STAR / DOW_STAR): it does not restrict on its own. */
  domStar: boolean;
  dowStar: boolean;
}

export type CronParse = { ok: true; spec: CronSpec } | { ok: false; message: string };

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, base: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, base: 0 },
] as const;

function parseField(text: string, f: (typeof FIELDS)[number]): number[] | string {
  const values = new Set<number>();
  const num = (s: string): number | undefined => {
    if (/^\d+$/.test(s)) return Number(s);
    const names = 'names' in f ? (f.names as readonly string[]) : undefined;
    const i = names?.indexOf(s.toLowerCase()) ?? -1;
    return i >= 0 ? i + ('base' in f ? f.base : 0) : undefined;
  };
  for (const item of text.split(',')) {
    const m = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (!m) return `${f.name} '${item}' is not a number, a range a-b, '*' or one of those with /step`;
    const top: number = f.max === 7 ? 6 : f.max;
    let lo: number = f.min;
    let hi = top;
    if (m[1] !== '*') {
      const [a, b] = m[1]!.split('-');
      const x = num(a!);
      const y = b === undefined ? x : num(b);
      if (x === undefined || y === undefined) return `${f.name} '${item}' names no ${f.name}`;
      if (x < f.min || x > f.max || y < f.min || y > f.max) return `${f.name} '${item}' is outside ${f.min}-${f.max}`;
      if (y < x) return `${f.name} range '${item}' runs backwards`;
      lo = x;
      hi = b === undefined && m[2] !== undefined ? top : y;
    }
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) return `${f.name} step in '${item}' must be at least 1`;
    for (let v = lo; v <= hi; v += step) values.add(f.name === 'day of week' && v === 7 ? 0 : v);
  }
  return [...values].sort((a, b) => a - b);
}

/** Parses a 5-field cron expression (or a macro). @reboot has no calendar time and is refused. */
export function parseCron(text: string): CronParse {
  const trimmed = text.trim();
  if (trimmed === '@reboot') return { ok: false, message: '@reboot has no calendar time: a backup schedule needs one' };
  const expanded = MACROS[trimmed.toLowerCase()] ?? trimmed;
  if (expanded.startsWith('@')) return { ok: false, message: `'${trimmed}' is not a cron macro (@yearly, @monthly, @weekly, @daily, @hourly)` };
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) return { ok: false, message: `'${trimmed}' has ${parts.length} field(s); a cron schedule has 5: minute hour day-of-month month day-of-week` };
  const sets: number[][] = [];
  for (let i = 0; i < 5; i++) {
    if (/[LW#?]/.test(parts[i]!)) return { ok: false, message: `${FIELDS[i]!.name} '${parts[i]}': L, W, # and ? are not cron (Quartz) syntax` };
    const r = parseField(parts[i]!, FIELDS[i]!);
    if (typeof r === 'string') return { ok: false, message: r };
    sets.push(r);
  }
  return {
    ok: true,
    spec: { text: trimmed, minutes: sets[0]!, hours: sets[1]!, doms: sets[2]!, months: sets[3]!, dows: sets[4]!, domStar: parts[2]!.startsWith('*'), dowStar: parts[4]!.startsWith('*') },
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A list in systemd's syntax: '*' for the whole range, runs of three or more as a..b. */
function list(values: readonly number[], min: number, max: number, show: (n: number) => string): string {
  if (values.length === max - min + 1) return '*';
  const out: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    if (j - i >= 2) out.push(`${show(values[i]!)}..${show(values[j]!)}`);
    else for (let k = i; k <= j; k++) out.push(show(values[k]!));
    i = j + 1;
  }
  return out.join(',');
}

const SYSTEMD_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** systemd OnCalendar expressions equivalent to the cron spec in `zone` (one, or two for cron's day OR). */
export function toOnCalendar(spec: CronSpec, zone: string): string[] {
  const time = `${list(spec.hours, 0, 23, pad)}:${list(spec.minutes, 0, 59, pad)}:00`;
  const month = list(spec.months, 1, 12, pad);
  // systemd takes weekdays Mon..Sun; Sunday (0) is listed last so that a range like Mon..Sat stays a range.
  const dows = [...spec.dows.filter((d) => d > 0), ...spec.dows.filter((d) => d === 0).map(() => 7)];
  const dowText = list(dows, 1, 7, (d) => SYSTEMD_DAYS[d % 7]!);
  const dowPart = dowText === '*' ? '' : `${dowText} `;
  const domText = list(spec.doms, 1, 31, pad);
  if (!spec.domStar && !spec.dowStar) return [`${dowPart}*-${month}-* ${time} ${zone}`, `*-${month}-${domText} ${time} ${zone}`];
  return [`${dowPart}*-${month}-${domText} ${time} ${zone}`];
}

/** Does the cron spec fire on this local day? */
export function cronDay(spec: CronSpec, month: number, dom: number, dow: number): boolean {
  if (!spec.months.includes(month)) return false;
  const d = spec.doms.includes(dom);
  const w = spec.dows.includes(dow);
  return spec.domStar || spec.dowStar ? d && w : d || w;
}

/**
 * The first local time at which both specs fire, over a full 28-year cycle of
 * weekdays and leap years (so every calendar combination occurs), or undefined.
 * The days are counted arithmetically from 2024-01-01 (a Monday), no Date per day,
 * and each pair of specs is answered once per process: lint asks it per policy.
 */
export function firstCoincidence(a: CronSpec, b: CronSpec): string | undefined {
  const hours = a.hours.filter((h) => b.hours.includes(h));
  const minutes = a.minutes.filter((m) => b.minutes.includes(m));
  if (hours.length === 0 || minutes.length === 0) return undefined;
  const key = `${specKey(a)}|${specKey(b)}`;
  let day = coincidenceDays.get(key);
  if (day === undefined) {
    day = firstCommonDay(a, b) ?? null;
    if (coincidenceDays.size > 1000) coincidenceDays.clear();
    coincidenceDays.set(key, day);
  }
  return day === null ? undefined : `${day} ${pad(hours[0]!)}:${pad(minutes[0]!)}`;
}

const coincidenceDays = new Map<string, string | null>();
const specKey = (s: CronSpec) => `${s.months.join(',')};${s.doms.join(',')};${s.dows.join(',')};${s.domStar ? 1 : 0}${s.dowStar ? 1 : 0}`;

/** The first day (YYYY-MM-DD) in 28 × 366 days from 2024-01-01 on which both specs fire. */
function firstCommonDay(a: CronSpec, b: CronSpec): string | undefined {
  let year = 2024;
  let month = 1;
  let dom = 1;
  let dow = 1;
  for (let i = 0; i < 28 * 366; i++) {
    if (cronDay(a, month, dom, dow) && cronDay(b, month, dom, dow)) return `${year}-${pad(month)}-${pad(dom)}`;
    dow = (dow + 1) % 7;
    if (++dom > daysInMonth(year, month)) {
      dom = 1;
      if (++month > 12) {
        month = 1;
        year++;
      }
    }
  }
  return undefined;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The cron fallback's guard, a POSIX sh condition over `$1`…`$5` set from
 * `date '+%M %H %d %m %w'` in the policy's zone: true when the spec fires at
 * that minute. The cron line itself fires every hour at the spec's minutes.
 */
export function cronGuard(spec: CronSpec): string {
  const set = (values: readonly number[], show: (n: number) => string) => `' ${values.map(show).join(' ')} '`;
  const parts: string[] = [];
  if (spec.minutes.length < 60) parts.push(`og_in "$1" ${set(spec.minutes, pad)}`);
  if (spec.hours.length < 24) parts.push(`og_in "$2" ${set(spec.hours, pad)}`);
  if (spec.months.length < 12) parts.push(`og_in "$4" ${set(spec.months, pad)}`);
  const dom = `og_in "$3" ${set(spec.doms, pad)}`;
  const dow = `og_in "$5" ${set(spec.dows, String)}`;
  if (spec.domStar || spec.dowStar) {
    if (spec.doms.length < 31) parts.push(dom);
    if (spec.dows.length < 7) parts.push(dow);
  } else if (spec.doms.length < 31 && spec.dows.length < 7) parts.push(`{ ${dom} || ${dow}; }`);
  return parts.join(' && ') || 'true';
}

/** Minutes of the spec as a cron field (the fallback's cron line fires every hour at these). */
export function cronMinuteField(spec: CronSpec): string {
  return spec.minutes.length === 60 ? '*' : spec.minutes.join(',');
}
