import { describe, expect, it } from 'vitest';
import type { CalendarDocument, HostDocument } from '../../scripts/model/documents.generated.ts';
import { blockingFreezes, calendarMemo, containingWindow, windowOccurrences } from '../../scripts/rules/calendar.ts';

/** Windows that cross midnight, only on workdays, per env and per host; holidays, a make-up workday, freezes; and a zone with daylight saving. */
function calendar(timezone: string): CalendarDocument {
  return {
    id: 'calendar',
    timezone,
    maintenance_windows: [
      { id: 'night', title: 'night', days: ['tue', 'thu', 'sun'], start: '22:00', end: '02:00', workdays_only: true, applies_to: { envs: ['prod'] } },
      { id: 'day', title: 'day', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00', applies_to: { envs: ['staging'] } },
      { id: 'db', title: 'db', days: ['sat'], start: '01:30', end: '01:30', applies_to: { hosts: ['db-01'] } },
      { id: 'all', title: 'all', days: ['wed'], start: '00:00', end: '23:59' },
    ],
    freezes: [
      { id: 'f1', title: 'f1', start: '2026-03-07T00:00:00+08:00', end: '2026-03-09T23:59:59+08:00', allow_types: ['emergency'], reason: 'r' },
      { id: 'f2', title: 'f2', start: '2026-03-08T12:00:00Z', end: '2026-03-20T00:00:00Z', allow_types: ['emergency', 'standard'], reason: 'r' },
    ],
    holidays: [
      { date: '2026-03-10', name: 'h' },
      { date: '2026-03-12', name: 'h' },
    ],
    makeup_workdays: [{ date: '2026-03-15', name: 'm' }],
  } as unknown as CalendarDocument;
}

const hosts = [
  { id: 'web-01', data: { env: 'prod', groups: ['web'] } },
  { id: 'stg-01', data: { env: 'staging', groups: [] } },
  { id: 'db-01', data: { env: 'dev', groups: [] } },
] as unknown as { id: string; data: HostDocument }[];

/** Intervals every 25 minutes across three weeks around the US daylight-saving change, of several lengths, some empty or reversed. */
function intervals(): [number, number][] {
  const out: [number, number][] = [];
  const t0 = Date.parse('2026-03-01T00:00:00Z');
  for (let t = t0; t < t0 + 21 * 86_400_000; t += 25 * 60_000) for (const len of [0, 30, 61, 240, 1500, -30]) out.push([t, t + len * 60_000]);
  return out;
}

describe('calendarMemo', () => {
  it.each(['Asia/Shanghai', 'America/New_York', 'Europe/London'])('gives the answers of the plain functions for every interval and host (%s)', (zone) => {
    const cal = calendar(zone);
    const memo = calendarMemo(cal);
    let inside = 0;
    for (const [a, b] of intervals()) {
      for (const h of hosts) {
        const plain = containingWindow(cal, h, a, b);
        expect(containingWindow(cal, h, a, b, memo)).toEqual(plain);
        if (plain) inside++;
      }
      for (const type of ['standard', 'normal', 'emergency'] as const) expect(blockingFreezes(cal, type, a, b, memo)).toEqual(blockingFreezes(cal, type, a, b));
    }
    for (const w of cal.maintenance_windows)
      for (const [a] of intervals().slice(0, 400)) expect(windowOccurrences(w, cal, a, a + 5 * 86_400_000, memo)).toEqual(windowOccurrences(w, cal, a, a + 5 * 86_400_000));
    expect(inside).toBeGreaterThan(1000);
  });

  it('is not consulted for another calendar', () => {
    const own = calendar('Asia/Shanghai');
    const memo = calendarMemo(own);
    const other = calendar('America/New_York');
    other.freezes = [{ ...other.freezes![0]!, start: '2026-03-11T00:00:00Z', end: '2026-03-13T00:00:00Z' }];
    const [a, b] = [Date.parse('2026-03-11T23:00:00-04:00'), Date.parse('2026-03-11T23:30:00-04:00')];
    // The memo holds answers about its own calendar first.
    expect(blockingFreezes(own, 'normal', a, b, memo).map((f) => f.id)).toEqual(['f2']);
    containingWindow(own, hosts[0]!, a, b, memo);
    expect(containingWindow(other, hosts[2]!, a, b, memo)).toEqual(containingWindow(other, hosts[2]!, a, b));
    expect(blockingFreezes(other, 'normal', a, b, memo).map((f) => f.start)).toEqual(['2026-03-11T00:00:00Z']);
    expect(memo.days.size).toBeGreaterThan(0);
    expect([...memo.days.keys()].every((w) => own.maintenance_windows.includes(w))).toBe(true);
  });
});
