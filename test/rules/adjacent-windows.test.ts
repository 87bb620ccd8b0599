/**
 * Maintenance time that continues across occurrences: a change from 23:30 to
 * 00:30 under a daily 00:00–00:00 window, or under 22:00–24:00 and 00:00–06:00,
 * never leaves maintenance time. Found when the workflow test of the gate's record
 * path went red for the two hours around midnight in Asia/Shanghai (its change
 * window is now ± 1 h): the gate decided `failed`, "outside every window".
 */
import { describe, expect, it } from 'vitest';
import type { CalendarDocument, HostDocument } from '../../scripts/model/documents.generated.ts';
import { containingWindow } from '../../scripts/rules/calendar.ts';

const ALL = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as CalendarDocument['maintenance_windows'][number]['days'];
const host = { id: 'web-01', data: { id: 'web-01', env: 'production', groups: ['web'] } as unknown as HostDocument };
const calendar = (windows: Partial<CalendarDocument['maintenance_windows'][number]>[]): CalendarDocument =>
  ({ id: 'calendar', timezone: 'Asia/Shanghai', maintenance_windows: windows.map((w, i) => ({ id: `w${i}`, title: `w${i}`, days: ALL, ...w })) }) as unknown as CalendarDocument;
const at = (local: string) => Date.parse(`${local}+08:00`);

describe('containingWindow across occurrences', () => {
  it('a daily 00:00–00:00 window holds a change across midnight', () => {
    const hit = containingWindow(calendar([{ start: '00:00', end: '00:00' }]), host, at('2026-12-01T23:30:00'), at('2026-12-02T00:30:00'));
    expect(hit).toMatchObject({ start: at('2026-12-01T00:00:00'), end: at('2026-12-03T00:00:00') });
  });

  it('two windows that meet at midnight hold a change across it', () => {
    const cal = calendar([
      { start: '22:00', end: '00:00' },
      { start: '00:00', end: '06:00' },
    ]);
    expect(containingWindow(cal, host, at('2026-12-01T23:00:00'), at('2026-12-02T01:00:00'))).toMatchObject({ start: at('2026-12-01T22:00:00'), end: at('2026-12-02T06:00:00') });
  });

  it('a gap between them is outside maintenance time', () => {
    const cal = calendar([
      { start: '22:00', end: '23:00' },
      { start: '23:30', end: '02:00' },
    ]);
    expect(containingWindow(cal, host, at('2026-12-01T22:30:00'), at('2026-12-02T00:30:00'))).toBeUndefined();
  });

  it('a start before every window is outside, however far later windows reach', () => {
    const cal = calendar([{ start: '01:00', end: '00:00' }]);
    expect(containingWindow(cal, host, at('2026-12-02T00:30:00'), at('2026-12-02T02:00:00'))).toBeUndefined();
  });

  it('a day the window skips breaks the run (Friday night into a Saturday without a window)', () => {
    const cal = calendar([{ start: '00:00', end: '00:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] as typeof ALL }]);
    // 2026-12-04 is a Friday.
    expect(containingWindow(cal, host, at('2026-12-04T23:00:00'), at('2026-12-05T01:00:00'))).toBeUndefined();
    expect(containingWindow(cal, host, at('2026-12-03T23:00:00'), at('2026-12-04T01:00:00'))).toBeDefined();
  });

  it('a window for other hosts does not bridge the gap', () => {
    const cal = calendar([
      { start: '22:00', end: '00:00' },
      { start: '00:00', end: '06:00', applies_to: { groups: ['db'] } },
    ]);
    expect(containingWindow(cal, host, at('2026-12-01T23:00:00'), at('2026-12-02T01:00:00'))).toBeUndefined();
  });
});
