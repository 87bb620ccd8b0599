/**
 * A rotation's `daily: {from, to}` span is local wall-clock time in the calendar's zone, one answer for every reader
 * of the rota (lint's coverage, who a notification or an alert's incident goes to, handovers, duty calendars, the
 * report): a Shanghai day shift is 09:00–18:00 in Shanghai, not in UTC; a span whose end comes before its start runs
 * past midnight; across a daylight-saving switch it stays at the same wall-clock hours.
 */
import { describe, expect, it } from 'vitest';
import type { OncallDocument } from '../../scripts/model/documents.generated.ts';
import { coverageGaps, dutySlots, insideDaily } from '../../scripts/rules/oncall.ts';

const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const rota = (rotations: OncallDocument['rotations']): OncallDocument => ({ id: 'oncall', rotations });
const day = (daily: { from: string; to: string }, start = '2026-12-01T00:00:00+08:00') => ({ id: 'day', title: 'd', members: ['a'], shift: { start, hours: 24 }, daily });

describe("a rotation's daily span is local time in the calendar's zone", () => {
  it('Shanghai 09:00–18:00 is 01:00Z–10:00Z', () => {
    const from = Date.parse('2026-12-02T00:00:00+08:00');
    const slots = dutySlots(rota([day({ from: '09:00', to: '18:00' })]), from, from + 24 * H, 'Asia/Shanghai');
    expect(slots.map((s) => [iso(s.start), iso(s.end)])).toEqual([['2026-12-02T01:00:00Z', '2026-12-02T10:00:00Z']]);
  });

  it('a night span 18:00–09:00 runs past midnight, and with the day span leaves no gap', () => {
    const from = Date.parse('2026-12-02T00:00:00+08:00');
    const to = from + 3 * 24 * H;
    const doc = rota([day({ from: '09:00', to: '18:00' }), { ...day({ from: '18:00', to: '09:00' }), id: 'night', members: ['b'] }]);
    const slots = dutySlots(doc, from, to, 'Asia/Shanghai');
    expect(coverageGaps(slots, from, to)).toEqual([]);
    const night = slots.filter((s) => s.rotation === 'night');
    // 18:00–24:00 of the 2nd, then (the next 24-hour shift) 00:00–09:00 of the 3rd, Shanghai time.
    expect(night.map((s) => [iso(s.start), iso(s.end)])).toEqual(
      expect.arrayContaining([
        ['2026-12-02T10:00:00Z', '2026-12-02T16:00:00Z'],
        ['2026-12-02T16:00:00Z', '2026-12-03T01:00:00Z'],
      ]),
    );
  });

  it('Berlin 09:00–17:00 stays at 09:00 local across the switch to summer time', () => {
    const from = Date.parse('2026-03-28T00:00:00+01:00');
    const slots = dutySlots(rota([day({ from: '09:00', to: '17:00' }, '2026-03-01T00:00:00+01:00')]), from, from + 2 * 24 * H, 'Europe/Berlin');
    expect(slots.map((s) => iso(s.start))).toEqual(['2026-03-28T08:00:00Z', '2026-03-29T07:00:00Z']);
  });

  it('insideDaily (what the report counts hour by hour) agrees with the slots every quarter hour, across a switch', () => {
    const zone = 'Europe/Berlin';
    expect(insideDaily(Date.parse('2026-12-02T09:30:00+01:00'), { from: '09:00', to: '18:00' }, zone)).toBe(true);
    expect(insideDaily(Date.parse('2026-12-02T18:00:00+01:00'), { from: '09:00', to: '18:00' }, zone)).toBe(false);
    expect(insideDaily(Date.parse('2026-12-02T02:00:00+01:00'), { from: '22:00', to: '06:00' }, zone)).toBe(true);
    for (const daily of [
      { from: '09:00', to: '17:00' },
      { from: '22:00', to: '06:00' },
    ]) {
      const from = Date.parse('2026-10-24T00:00:00+02:00');
      const slots = dutySlots(rota([day(daily, '2026-10-01T00:00:00+02:00')]), from, from + 3 * 24 * H, zone);
      for (let t = from; t < from + 3 * 24 * H; t += H / 4) {
        expect([iso(t), slots.some((s) => s.start <= t && t < s.end)]).toEqual([iso(t), insideDaily(t, daily, zone)]);
      }
    }
  });
});
