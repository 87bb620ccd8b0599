import { DateTime } from 'luxon';
import type { CalendarDocument } from '../model/documents.generated.ts';
import { blockingFreezes, windowOccurrences } from '../rules/calendar.ts';
import { declaredZone } from '../calendar/zone.ts';

/** How long reviewers get at least: a proposed window opens no sooner than this after now. */
export const REVIEW_LEAD_MS = 24 * 3_600_000;

export interface ProposedWindow {
  start: string;
  end: string;
  /** The maintenance window it is an occurrence of, when the calendar has one. */
  window?: string;
  zone: string;
}

/**
 * The window `opsgate new change` proposes: the earliest occurrence of any
 * maintenance window in policies/calendar.yaml that opens at least a day from
 * now and that no freeze blocks for the change type, written in the calendar's
 * time zone. Without a calendar (or no occurrence within a year): a week from
 * now, 22:00–24:00 in the calendar's zone (ARCHITECTURE.md, "The calendar's time zone"). Pure.
 */
export function proposeWindow(calendar: CalendarDocument | undefined, now: Date, type: 'standard' | 'normal' | 'emergency'): ProposedWindow {
  const zone = declaredZone(calendar);
  const iso = (ms: number) => DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true })!;
  const from = now.getTime() + REVIEW_LEAD_MS;
  if (calendar) {
    const next = calendar.maintenance_windows
      .flatMap((w) => windowOccurrences(w, calendar, from, from + 366 * 86_400_000))
      .filter((o) => o.start >= from && blockingFreezes(calendar, type, o.start, o.end).length === 0)
      .sort((a, b) => a.start - b.start)[0];
    if (next) return { start: iso(next.start), end: iso(next.end), window: next.window.id, zone };
  }
  const start = DateTime.fromJSDate(now, { zone }).plus({ days: 7 }).set({ hour: 22, minute: 0, second: 0, millisecond: 0 });
  return { start: iso(start.toMillis()), end: iso(start.plus({ hours: 2 }).toMillis()), zone };
}
