import { hourOffsetMinutes } from '../calendar/zone-offset.ts';
import type { CalendarDocument, HostDocument } from '../model/documents.generated.ts';

type Window = CalendarDocument['maintenance_windows'][number];
type Freeze = NonNullable<CalendarDocument['freezes']>[number];
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Is this local date (YYYY-MM-DD) a workday, counting holidays and make-up workdays (调休)? Pure. */
export function isWorkday(date: string, calendar: CalendarDocument): boolean {
  if (calendar.makeup_workdays?.some((d) => d.date === date)) return true;
  if (calendar.holidays?.some((d) => d.date === date)) return false;
  const day = Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY);
  return (((day + 3) % 7) + 7) % 7 < 5;
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

const DAY = 86_400_000;

/** The zone's UTC offset in minutes at an instant, as luxon gives it for the start of its UTC hour (zone rules change far less often). */
export function zoneOffsetMinutes(zone: string, ms: number): number {
  return hourOffsetMinutes(zone, ms);
}

/** UTC instant of a local wall-clock time (local day number × minutes after midnight) in a zone. */
function localToUtc(zone: string, localDay: number, minutes: number): number {
  const local = localDay * DAY + minutes * 60_000;
  const guess = local - zoneOffsetMinutes(zone, local) * 60_000;
  return local - zoneOffsetMinutes(zone, guess) * 60_000;
}

/**
 * Answers about one calendar remembered for a caller that asks about thousands of
 * intervals (lint over every change): each window's occurrence per local day, and
 * the freezes' times parsed once. The caller creates it for a calendar it does not
 * change meanwhile; every function gives the same answer with or without it.
 */
export interface CalendarMemo {
  readonly calendar: CalendarDocument;
  readonly days: Map<Window, Map<number, { start: number; end: number } | null>>;
  freezes?: { freeze: Freeze; start: number; end: number }[];
}

export function calendarMemo(calendar: CalendarDocument): CalendarMemo {
  return { calendar, days: new Map() };
}

const toMin = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The window's occurrence that starts on this local day, if it has one. */
function occurrenceOn(window: Window, calendar: CalendarDocument, day: number, startMin: number, endMin: number): { start: number; end: number } | null {
  const name = WEEKDAYS[(((day + 3) % 7) + 7) % 7]!; // day 0 (1970-01-01) was a Thursday
  if (!window.days.includes(name)) return null;
  if (window.workdays_only && !isWorkday(new Date(day * DAY).toISOString().slice(0, 10), calendar)) return null;
  return { start: localToUtc(calendar.timezone, day, startMin), end: localToUtc(calendar.timezone, day, endMin) };
}

/**
 * Visits the occurrences of a window that overlap [fromMs, toMs], in the calendar's zone,
 * in time order, until `visit` returns true; returns the occurrence it stopped at.
 */
function scanOccurrences(
  window: Window,
  calendar: CalendarDocument,
  fromMs: number,
  toMs: number,
  memo: CalendarMemo | undefined,
  visit: (start: number, end: number) => boolean,
): { start: number; end: number } | undefined {
  const zone = calendar.timezone;
  const startMin = toMin(window.start);
  let endMin = toMin(window.end);
  if (endMin <= startMin) endMin += 24 * 60;
  const firstDay = Math.floor((fromMs + zoneOffsetMinutes(zone, fromMs) * 60_000) / DAY) - 1;
  const lastDay = Math.floor((toMs + zoneOffsetMinutes(zone, toMs) * 60_000) / DAY);
  let byDay = memo?.calendar === calendar ? memo.days.get(window) : undefined;
  if (memo?.calendar === calendar && !byDay) memo.days.set(window, (byDay = new Map()));
  for (let day = firstDay; day <= lastDay && day - firstDay < 4000; day++) {
    let o = byDay?.get(day);
    if (o === undefined) {
      o = occurrenceOn(window, calendar, day, startMin, endMin);
      byDay?.set(day, o);
    }
    if (o && o.end >= fromMs && o.start <= toMs && visit(o.start, o.end)) return o;
  }
  return undefined;
}

/** Occurrences of a window that overlap [fromMs, toMs], in the calendar's zone. Pure. */
export function windowOccurrences(window: Window, calendar: CalendarDocument, fromMs: number, toMs: number, memo?: CalendarMemo): Occurrence[] {
  const out: Occurrence[] = [];
  scanOccurrences(window, calendar, fromMs, toMs, memo, (start, end) => {
    out.push({ window, start, end });
    return false;
  });
  return out;
}

/** The window occurrence that wholly contains [startMs, endMs] for this host, if any. Pure. */
export function containingWindow(calendar: CalendarDocument, host: { id: string; data: HostDocument }, startMs: number, endMs: number, memo?: CalendarMemo): Occurrence | undefined {
  // The first containing occurrence in time order, as windowOccurrences(...).find(...) would give, without the list.
  const contains = (start: number, end: number) => start <= startMs && end >= endMs;
  for (const w of calendar.maintenance_windows) {
    if (!windowAppliesTo(w, host)) continue;
    const hit = scanOccurrences(w, calendar, startMs, endMs, memo, contains);
    if (hit) return { window: w, start: hit.start, end: hit.end };
  }
  return continuousRun(calendar, host, startMs, endMs, memo);
}

/**
 * Maintenance time continues across occurrences (of one window or several that
 * apply to the host) that follow each other without a gap: a change from 23:30 to
 * 00:30 under a daily 00:00–00:00 window, or under 22:00–24:00 and 00:00–06:00,
 * never leaves it. The first occurrence of the run, stretched to the run's end;
 * undefined when a gap, a skipped day or a window for other hosts breaks it. Pure.
 */
function continuousRun(calendar: CalendarDocument, host: { id: string; data: HostDocument }, startMs: number, endMs: number, memo?: CalendarMemo): Occurrence | undefined {
  const overlapping: Occurrence[] = [];
  for (const w of calendar.maintenance_windows) if (windowAppliesTo(w, host)) overlapping.push(...windowOccurrences(w, calendar, startMs, endMs, memo));
  if (overlapping.length < 2) return undefined;
  overlapping.sort((a, b) => a.start - b.start || b.end - a.end);
  let first: Occurrence | undefined;
  let reach = -Infinity;
  for (const o of overlapping) {
    if (first && o.start > reach) break; // a gap after the run that holds the start
    if (!first) {
      if (o.start > startMs) return undefined;
      first = o;
    }
    reach = Math.max(reach, o.end);
    if (reach >= endMs) return { ...first, end: reach };
  }
  return undefined;
}

/** The memo's freezes with their times parsed, once. */
function memoFreezes(memo: CalendarMemo): NonNullable<CalendarMemo['freezes']> {
  return (memo.freezes ??= (memo.calendar.freezes ?? []).map((freeze) => ({ freeze, start: Date.parse(freeze.start), end: Date.parse(freeze.end) })));
}

/** Freezes that overlap [startMs, endMs]. Pure. */
export function overlappingFreezes(calendar: CalendarDocument, startMs: number, endMs: number, memo?: CalendarMemo): Freeze[] {
  if (memo?.calendar !== calendar) return (calendar.freezes ?? []).filter((f) => Date.parse(f.start) < endMs && Date.parse(f.end) > startMs);
  const out: Freeze[] = [];
  for (const f of memoFreezes(memo)) if (f.start < endMs && f.end > startMs) out.push(f.freeze);
  return out;
}

/** Freezes overlapping the interval that do not allow this change type. Pure. */
export function blockingFreezes(calendar: CalendarDocument, type: 'standard' | 'normal' | 'emergency', startMs: number, endMs: number, memo?: CalendarMemo): Freeze[] {
  if (memo?.calendar !== calendar) return overlappingFreezes(calendar, startMs, endMs).filter((f) => !f.allow_types.includes(type));
  const out: Freeze[] = [];
  for (const f of memoFreezes(memo)) if (f.start < endMs && f.end > startMs && !f.freeze.allow_types.includes(type)) out.push(f.freeze);
  return out;
}
