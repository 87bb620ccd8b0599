import { describe, expect, it } from 'vitest';
import type { OncallDocument } from '../../scripts/model/documents.generated.ts';
import { coverageGaps, dutySlots, restBreaches } from '../../scripts/rules/oncall.ts';

const H = 3_600_000;
const t0 = Date.parse('2026-12-01T08:00:00+08:00');
const rota = (over: Partial<OncallDocument> = {}): OncallDocument => ({
  id: 'oncall',
  rotations: [{ id: 'primary', title: 'p', members: ['a', 'b', 'c'], shift: { start: '2026-12-01T08:00:00+08:00', hours: 12 } }],
  rest: { max_consecutive_hours: 24, min_rest_hours: 12 },
  ...over,
});

describe('on-call coverage', () => {
  it('a 12-hour rotation covers every hour and rotates members in order', () => {
    const slots = dutySlots(rota(), t0, t0 + 48 * H, 'UTC');
    expect(slots.map((s) => s.person)).toEqual(['a', 'b', 'c', 'a']);
    expect(coverageGaps(slots, t0, t0 + 48 * H)).toEqual([]);
  });

  it('time before the rotation starts is a gap', () => {
    const slots = dutySlots(rota(), t0 - 6 * H, t0 + 12 * H, 'UTC');
    expect(coverageGaps(slots, t0 - 6 * H, t0 + 12 * H)).toEqual([{ start: t0 - 6 * H, end: t0 }]);
  });

  it('a day-shift-only rotation leaves the nights uncovered', () => {
    const doc = rota({ rotations: [{ id: 'day', title: 'd', members: ['a'], shift: { start: '2026-12-01T00:00:00+08:00', hours: 24 }, daily: { from: '09:00', to: '18:00' } }] });
    const gaps = coverageGaps(dutySlots(doc, t0, t0 + 24 * H, 'Asia/Shanghai'), t0, t0 + 24 * H);
    expect(gaps.map((g) => [(g.start - t0) / H, (g.end - t0) / H])).toEqual([
      [0, 1],
      [10, 24],
    ]);
  });

  it('an override replaces the member for its span', () => {
    const doc = rota({ overrides: [{ rotation: 'primary', person: 'c', start: '2026-12-01T10:00:00+08:00', end: '2026-12-01T12:00:00+08:00' }] });
    const slots = dutySlots(doc, t0, t0 + 12 * H, 'UTC');
    expect(slots.map((s) => [s.person, (s.start - t0) / H, (s.end - t0) / H])).toEqual([
      ['a', 0, 2],
      ['c', 2, 4],
      ['a', 4, 12],
    ]);
  });

  it('a single-member rotation breaches the rest rule', () => {
    const doc = rota({ rotations: [{ id: 'p', title: 'p', members: ['a'], shift: { start: '2026-12-01T08:00:00+08:00', hours: 12 } }] });
    const breaches = restBreaches(dutySlots(doc, t0, t0 + 72 * H, 'UTC'), doc.rest);
    expect(breaches[0]).toMatchObject({ person: 'a', kind: 'too-long' });
  });
});
