/**
 * How often the scheduled apply runs, from its workflow's `on.schedule` crons: a
 * window shorter than that may open and close between two runs, so nothing
 * applies the change. Pure.
 */
import { parse } from 'yaml';

/** The values a cron field takes in [lo, hi]: `*`, `N`, `a-b`, `*` or `a-b` with `/step`, and lists of these. */
function expandField(field: string, lo: number, hi: number): number[] | undefined {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const step = m[2] ? Number(m[2]) : 1;
    if (step < 1) return undefined;
    const [a, b] = m[1] === '*' ? [lo, hi] : m[1]!.includes('-') ? (m[1]!.split('-').map(Number) as [number, number]) : [Number(m[1]), m[2] ? hi : Number(m[1])];
    if (a < lo || b > hi || a > b) return undefined;
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return [...out].sort((x, y) => x - y);
}

/** The minutes of the day a cron fires at, when it fires every day (day of month, month and day of week all `*`); else undefined. */
function dailyFires(cron: string): number[] | undefined {
  const f = cron.trim().split(/\s+/);
  if (f.length !== 5 || f.slice(2).some((x) => x !== '*')) return undefined;
  const minutes = expandField(f[0]!, 0, 59);
  const hours = expandField(f[1]!, 0, 23);
  if (!minutes?.length || !hours?.length) return undefined;
  return hours.flatMap((h) => minutes.map((m) => h * 60 + m));
}

/** The longest gap between consecutive fire times (minutes of the day, any order), across midnight too. */
function longestGap(fires: Iterable<number>): number {
  const t = [...new Set(fires)].sort((a, b) => a - b);
  return Math.max(...t.map((x, i) => (t[i + 1] ?? t[0]! + 1440) - x));
}

/**
 * The longest gap, in minutes, between two runs of a cron that fires every day;
 * undefined for any other cron, whose gaps are a day or more.
 */
export function cronGapMinutes(cron: string): number | undefined {
  const fires = dailyFires(cron);
  return fires ? longestGap(fires) : undefined;
}

/** The scheduled apply's longest gap between runs, from the workflow's text (several crons fire at the union of their times). */
export function applyScheduleGap(workflowText: string): { minutes: number; crons: string[] } | undefined {
  let doc: unknown;
  try {
    doc = parse(workflowText);
  } catch {
    return undefined;
  }
  const schedule = (doc as { on?: { schedule?: unknown } } | null)?.on?.schedule;
  const crons = Array.isArray(schedule) ? schedule.map((s: { cron?: unknown } | null) => s?.cron).filter((c): c is string => typeof c === 'string') : [];
  const fires = crons.flatMap((c) => dailyFires(c) ?? []);
  return fires.length ? { minutes: longestGap(fires), crons } : undefined;
}
