import { DateTime } from 'luxon';
import type { CalendarDocument, HostDocument } from '../model/documents.generated.ts';

type Window = CalendarDocument['maintenance_windows'][number];
type Freeze = NonNullable<CalendarDocument['freezes']>[number];
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Is this local date (YYYY-MM-DD) a workday, counting holidays and make-up workdays (调休)? Pure. */
export function isWorkday(date: string, calendar: CalendarDocument): boolean {
  if (calendar.makeup_workdays?.some((d) => d.date === date)) return true;
  if (calendar.holidays?.some((d) => d.date === date)) return false;
  const weekday = DateTime.fromISO(date, { zone: calendar.timezone }).weekday;
  return weekday <= 5;
}

export function windowAppliesTo(window: Window, host: { id: string; data: HostDocument }): boolean {
  const a = window.applies_to;
  if (!a) return true;
  if (a.hosts?.includes(host.id)) return true;
  if (a.envs?.includes(host.data.env)) return true;
  if (a.groups?.some((g) => host.data.groups.includes(g))) return true;
  return false;
}

export interface Occurrence {
  window: Window;
  start: number;
  end: number;
}

/** Occurrences of a window that overlap [fromMs, toMs], in the calendar's zone. Pure. */
export function windowOccurrences(window: Window, calendar: CalendarDocument, fromMs: number, toMs: number): Occurrence[] {
  const zone = calendar.timezone;
  const out: Occurrence[] = [];
  let day = DateTime.fromMillis(fromMs, { zone }).startOf('day').minus({ days: 1 });
  const last = DateTime.fromMillis(toMs, { zone }).startOf('day');
  const [sh, sm] = window.start.split(':').map(Number) as [number, number];
  const [eh, em] = window.end.split(':').map(Number) as [number, number];
  for (let guard = 0; day <= last && guard < 4000; guard++, day = day.plus({ days: 1 })) {
    const name = WEEKDAYS[day.weekday - 1]!;
    if (!window.days.includes(name)) continue;
    if (window.workdays_only && !isWorkday(day.toISODate()!, calendar)) continue;
    const start = day.set({ hour: sh, minute: sm });
    let end = day.set({ hour: eh, minute: em });
    if (end <= start) end = end.plus({ days: 1 });
    if (end.toMillis() >= fromMs && start.toMillis() <= toMs) out.push({ window, start: start.toMillis(), end: end.toMillis() });
  }
  return out;
}

/** The window occurrence that wholly contains [startMs, endMs] for this host, if any. Pure. */
export function containingWindow(calendar: CalendarDocument, host: { id: string; data: HostDocument }, startMs: number, endMs: number): Occurrence | undefined {
  for (const w of calendar.maintenance_windows) {
    if (!windowAppliesTo(w, host)) continue;
    const hit = windowOccurrences(w, calendar, startMs, endMs).find((o) => o.start <= startMs && o.end >= endMs);
    if (hit) return hit;
  }
  return undefined;
}

/** Freezes that overlap [startMs, endMs]. Pure. */
export function overlappingFreezes(calendar: CalendarDocument, startMs: number, endMs: number): Freeze[] {
  return (calendar.freezes ?? []).filter((f) => Date.parse(f.start) < endMs && Date.parse(f.end) > startMs);
}

/** Freezes overlapping the interval that do not allow this change type. Pure. */
export function blockingFreezes(calendar: CalendarDocument, type: 'standard' | 'normal' | 'emergency', startMs: number, endMs: number): Freeze[] {
  return overlappingFreezes(calendar, startMs, endMs).filter((f) => !f.allow_types.includes(type));
}
