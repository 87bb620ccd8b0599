/**
 * An auditor recomputes the incident figures by hand from the incident files and policies/sla.yaml, in the
 * calendar's zone (Europe/Berlin, October 2026: summer time ends on the 25th), with timestamps written in
 * different offsets. The recomputation below is the test's own, from the formulas' words, not the report's code.
 */
import { describe, expect, it } from 'vitest';
import { computeIncidents } from '../../scripts/report/metrics/incidents.ts';
import { parsePeriod } from '../../scripts/report/period.ts';
import { emptyInput, incident, SLA } from './input-builder.ts';

const ZONE = 'Europe/Berlin';
const OCT = parsePeriod('2026-10', ZONE)!;
const t = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

const incidents = [
  // Opened 23:30 local on the last day, resolved after midnight: October's, still open at its end.
  incident('INC-A', {
    level: 3,
    detected_at: '2026-10-31T23:30:00+01:00',
    reported_at: '2026-10-31T23:30:00+01:00',
    acknowledged_at: '2026-10-31T23:45:00+01:00',
    resolved_at: '2026-11-01T01:00:00+01:00',
  }),
  // 00:30 on 1 October in Berlin, written in UTC on the 30th of September.
  incident('INC-B', { level: 2, detected_at: '2026-09-30T22:30:00Z', reported_at: '2026-09-30T22:30:00Z', acknowledged_at: '2026-09-30T22:40:00Z', resolved_at: '2026-10-01T01:30:00+02:00' }),
  // Across the DST switch: 02:30 CEST to the second 02:30 (CET) is 60 minutes of elapsed time, not 0.
  incident('INC-C', {
    level: 1,
    detected_at: '2026-10-25T02:30:00+02:00',
    reported_at: '2026-10-25T02:30:00+02:00',
    acknowledged_at: '2026-10-25T02:33:00+02:00',
    resolved_at: '2026-10-25T02:30:00+01:00',
  }),
  // Carried over from September, resolved in October.
  incident('INC-D', {
    level: 4,
    detected_at: '2026-09-29T10:00:00+02:00',
    reported_at: '2026-09-29T10:00:00+02:00',
    acknowledged_at: '2026-09-29T11:00:00+02:00',
    resolved_at: '2026-10-02T09:00:00+02:00',
  }),
  // Never acknowledged, resolved within the period.
  incident('INC-E', { level: 3, detected_at: '2026-10-10T10:00:00+02:00', reported_at: '2026-10-10T10:00:00+02:00', acknowledged_at: undefined, resolved_at: '2026-10-10T12:00:00+02:00' }),
  // Resolved in September: not October's.
  incident('INC-F', {
    level: 3,
    detected_at: '2026-09-10T10:00:00+02:00',
    reported_at: '2026-09-10T10:00:00+02:00',
    acknowledged_at: '2026-09-10T10:05:00+02:00',
    resolved_at: '2026-09-10T11:00:00+02:00',
  }),
];

const targets = new Map([
  [1, { ack: 5, res: 120 }],
  [2, { ack: 15, res: 240 }],
  [3, { ack: 30, res: 480 }],
  [4, { ack: 120, res: 2880 }],
]);

function hand() {
  const inP = (x: number | undefined) => x !== undefined && x >= OCT.startMs && x < OCT.endMs;
  const docs = incidents.map((i) => i.data);
  const active = docs.filter((i) => t(i.detected_at)! < OCT.endMs && (t(i.resolved_at) ?? Infinity) >= OCT.startMs);
  const fresh = active.filter((i) => inP(t(i.detected_at)));
  let met = 0;
  let evaluated = 0;
  let breaches = 0;
  for (const i of active) {
    const tg = targets.get(i.level)!;
    for (const [stop, target] of [
      [t(i.acknowledged_at), tg.ack],
      [t(i.resolved_at), tg.res],
    ] as const) {
      const start = t(i.reported_at)!;
      if (inP(stop)) {
        evaluated++;
        if ((stop! - start) / 60_000 <= target) met++;
        else breaches++;
      } else if ((stop === undefined || stop >= OCT.endMs) && inP(start) && start + target * 60_000 < OCT.endMs) {
        evaluated++;
        breaches++;
      }
    }
  }
  return {
    newCount: fresh.length,
    active: active.length,
    carried: active.length - fresh.length,
    openAtEnd: active.filter((i) => (t(i.resolved_at) ?? Infinity) >= OCT.endMs).length,
    met,
    evaluated,
    breaches,
  };
}

describe('hunt: incident figures recomputed by hand in Europe/Berlin', () => {
  const s = computeIncidents(emptyInput({ sla: SLA, incidents }), OCT, OCT.endMs);
  const fig = (id: string) => s.figures.find((f) => f.id === id)!;
  const h = hand();

  it('counts: new, active, carried over, open at the end', () => {
    expect(h).toMatchObject({ newCount: 4, active: 5, carried: 1, openAtEnd: 1 });
    expect([fig('incidents.new').value, fig('incidents.active').value, fig('incidents.carried_over').value, fig('incidents.open_at_end').value]).toEqual([
      h.newCount,
      h.active,
      h.carried,
      h.openAtEnd,
    ]);
  });

  it('SLA attainment and breaches', () => {
    const f = fig('incidents.sla_attainment');
    expect([f.numerator, f.denominator]).toEqual([h.met, h.evaluated]);
    expect(fig('incidents.sla_breaches').value).toBe(h.breaches);
  });

  it('the level 1 resolve time across the DST switch is the elapsed 60 minutes', () => {
    const l1 = s.levels.find((l) => l.level === 1)!.figures.find((f) => f.id === 'incidents.level.1.resolve_median')!;
    expect(l1.value).toBe(60);
  });
});
