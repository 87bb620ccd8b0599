/**
 * An auditor recomputes on-call coverage by hand from policies/oncall.yaml: for each hour of the 30 days after
 * generated-at, is somebody active on duty? A rotation with `daily: {from, to}` is on duty only in that local span
 * of each day, in the calendar's zone (so across a DST switch the span stays at the same wall-clock hours).
 * The recomputation below is the test's own, from the document's definitions, not the report's code.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { computeOncall } from '../../scripts/report/metrics/oncall.ts';
import { parsePeriod } from '../../scripts/report/period.ts';
import { emptyInput } from './input-builder.ts';

const H = 3_600_000;

interface Rotation {
  id: string;
  title: string;
  members: string[];
  shift: { start: string; hours: number };
  daily?: { from: string; to: string };
}

/** Who is on duty in a rotation at instant t, by the hand method: shift index from the anchor, daily span in local wall-clock time. */
function onDuty(rot: Rotation, t: number, zone: string): string | undefined {
  const anchor = Date.parse(rot.shift.start);
  if (t < anchor) return undefined;
  const member = rot.members[Math.floor((t - anchor) / (rot.shift.hours * H)) % rot.members.length];
  if (!rot.daily) return member;
  const local = DateTime.fromMillis(t, { zone });
  const minute = local.hour * 60 + local.minute;
  const [fh, fm] = rot.daily.from.split(':').map(Number) as [number, number];
  const [th, tm] = rot.daily.to.split(':').map(Number) as [number, number];
  const from = fh * 60 + fm;
  const to = th * 60 + tm;
  const inside = from < to ? minute >= from && minute < to : minute >= from || minute < to;
  return inside ? member : undefined;
}

function handCoverage(rotations: Rotation[], active: Set<string>, now: number, zone: string): { covered: number; gaps: number } {
  let covered = 0;
  let gaps = 0;
  let inGap = false;
  const from = Math.ceil(now / H) * H;
  for (let k = 0; k < 720; k++) {
    const t = from + k * H;
    const on = rotations.some((r) => {
      const p = onDuty(r, t, zone);
      return p !== undefined && active.has(p);
    });
    if (on) covered++;
    if (!on && !inGap) gaps++;
    inGap = !on;
  }
  return { covered, gaps };
}

const person = (id: string) => ({ id, file: `policies/access/people/${id}.yaml`, sha256: '', data: { id, name: id, status: 'active' as const } });

function report(rotations: Rotation[], zone: string, periodId: string) {
  const period = parsePeriod(periodId, zone)!;
  const oncall = { id: 'oncall', file: 'policies/oncall.yaml', sha256: '', data: { id: 'oncall' as const, rotations } };
  const s = computeOncall(emptyInput({ oncall, people: [person('a'), person('b')] }), period, period.endMs);
  return { period, s, cov: s.figures.find((f) => f.id === 'oncall.coverage_30d')!, gaps: s.figures.find((f) => f.id === 'oncall.gaps')! };
}

describe('hunt: on-call coverage recomputed by hand', () => {
  it('a day-shift rotation (daily 09:00–18:00) covers 9 hours a day, not 24 (Asia/Shanghai)', () => {
    const rotations: Rotation[] = [{ id: 'day', title: 'day', members: ['a', 'b'], shift: { start: '2026-11-02T09:00:00+08:00', hours: 24 }, daily: { from: '09:00', to: '18:00' } }];
    const { period, cov, gaps } = report(rotations, 'Asia/Shanghai', '2026-11');
    const hand = handCoverage(rotations, new Set(['a', 'b']), period.endMs, 'Asia/Shanghai');
    expect(hand.covered).toBe(30 * 9);
    expect([cov.numerator, cov.denominator, cov.value]).toEqual([hand.covered, 720, 37.5]);
    expect(gaps.value).toBe(hand.gaps);
  });

  it('across the end of summer time in Europe/Berlin the day span stays at 09:00–18:00 local', () => {
    const rotations: Rotation[] = [{ id: 'day', title: 'day', members: ['a'], shift: { start: '2026-09-01T00:00:00+02:00', hours: 24 }, daily: { from: '09:00', to: '18:00' } }];
    // The 30 days after the end of September 2026 cross 2026-10-25 (CEST → CET).
    const { period, s, cov } = report(rotations, 'Europe/Berlin', '2026-09');
    const hand = handCoverage(rotations, new Set(['a']), period.endMs, 'Europe/Berlin');
    expect(cov.numerator).toBe(hand.covered);
    expect(s.gaps.every((g) => g.end.slice(11, 16) === '09:00' || g.end === s.to)).toBe(true);
  });

  it('a night rotation (daily 20:00–08:00) beside a day rotation (08:00–20:00) covers every hour', () => {
    const rotations: Rotation[] = [
      { id: 'day', title: 'day', members: ['a'], shift: { start: '2026-11-02T00:00:00+08:00', hours: 24 }, daily: { from: '08:00', to: '20:00' } },
      { id: 'night', title: 'night', members: ['b'], shift: { start: '2026-11-02T00:00:00+08:00', hours: 24 }, daily: { from: '20:00', to: '08:00' } },
    ];
    const { period, cov, gaps } = report(rotations, 'Asia/Shanghai', '2026-11');
    const hand = handCoverage(rotations, new Set(['a', 'b']), period.endMs, 'Asia/Shanghai');
    expect(hand.covered).toBe(720);
    expect([cov.numerator, cov.value, gaps.value]).toEqual([720, 100, 0]);
  });
});
