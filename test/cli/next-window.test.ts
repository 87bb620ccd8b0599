/**
 * `opsgate new change` proposes the next maintenance window of the calendar,
 * in the calendar's own time zone, a day or more away, not blocked by a freeze
 * (it used to write a hard-coded Asia/Shanghai "+7 days 22:00" for everyone).
 */
import { describe, expect, it } from 'vitest';
import type { CalendarDocument } from '../../scripts/model/documents.generated.ts';
import { proposeWindow } from '../../scripts/scaffold/next-window.ts';

const berlin: CalendarDocument = {
  id: 'calendar',
  timezone: 'Europe/Berlin',
  maintenance_windows: [{ id: 'weeknight', title: 'weeknight', days: ['tue', 'thu'], start: '22:00', end: '02:00', workdays_only: true }],
};
// 2026-12-07 is a Monday.
const MONDAY = new Date('2026-12-07T10:00:00Z');

describe('proposeWindow', () => {
  it('the next occurrence, written in the calendar zone', () => {
    expect(proposeWindow(berlin, MONDAY, 'normal')).toEqual({ start: '2026-12-08T22:00:00+01:00', end: '2026-12-09T02:00:00+01:00', window: 'weeknight', zone: 'Europe/Berlin' });
  });

  it('at least a day away: on Tuesday noon it is Thursday', () => {
    expect(proposeWindow(berlin, new Date('2026-12-08T12:00:00Z'), 'normal').start).toBe('2026-12-10T22:00:00+01:00');
  });

  it('skips what a freeze blocks for the type, and not what it allows', () => {
    const frozen: CalendarDocument = { ...berlin, freezes: [{ id: 'x', title: 'x', start: '2026-12-08T00:00:00+01:00', end: '2026-12-09T23:59:59+01:00', allow_types: ['emergency'], reason: 'r' }] };
    expect(proposeWindow(frozen, MONDAY, 'normal').start).toBe('2026-12-10T22:00:00+01:00');
    expect(proposeWindow(frozen, MONDAY, 'emergency').start).toBe('2026-12-08T22:00:00+01:00');
  });

  it('skips a holiday when the window is for workdays only', () => {
    expect(proposeWindow({ ...berlin, holidays: [{ date: '2026-12-08', name: 'local holiday' }] }, MONDAY, 'normal').start).toBe('2026-12-10T22:00:00+01:00');
  });

  it('the same wall-clock window in Shanghai is another instant', () => {
    expect(proposeWindow({ ...berlin, timezone: 'Asia/Shanghai' }, MONDAY, 'normal').start).toBe('2026-12-08T22:00:00+08:00');
  });

  it('without a calendar: a week from now, 22:00 UTC, and says no window', () => {
    expect(proposeWindow(undefined, MONDAY, 'normal')).toEqual({ start: '2026-12-14T22:00:00Z', end: '2026-12-15T00:00:00Z', zone: 'UTC' });
  });
});
