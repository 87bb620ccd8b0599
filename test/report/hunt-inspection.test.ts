/**
 * An auditor recomputes compliance by hand from the inspection records: each host's results from the latest run
 * (by instant, whatever offset its `at` is written with) of the period that covered it; compliance = pass ÷
 * (pass + fail + error). The recomputation below is the test's own, not the report's code.
 */
import { describe, expect, it } from 'vitest';
import { computeInspection } from '../../scripts/report/metrics/inspection.ts';
import type { InspectionRun } from '../../scripts/report/types.ts';
import { emptyInput, host, inspection, period, row } from './input-builder.ts';

function handCompliance(runs: InspectionRun[], p: { startMs: number; endMs: number }): { pass: number; scored: number } {
  const inside = runs.filter((r) => Date.parse(r.at) >= p.startMs && Date.parse(r.at) < p.endMs);
  const latestFor = new Map<string, InspectionRun>();
  for (const r of inside) for (const h of r.hosts) if (!latestFor.has(h) || Date.parse(r.at) > Date.parse(latestFor.get(h)!.at)) latestFor.set(h, r);
  let pass = 0;
  let scored = 0;
  for (const [h, r] of latestFor)
    for (const x of r.results.filter((y) => y.host === h)) {
      if (x.status === 'pass') pass++;
      if (x.status === 'pass' || x.status === 'fail' || x.status === 'error') scored++;
    }
  return { pass, scored };
}

describe('hunt: inspection compliance recomputed by hand', () => {
  it("the period's last run is the latest instant: a run written in Z after one written in +08:00", () => {
    const earlier = inspection('2026-11-29T23:00:00+08:00', [row('web-01', 'a', 'fail'), row('web-01', 'b', 'fail')], { run: 'run-early', path: 'records/inspections/2026-11.jsonl' });
    // 2026-11-30 00:00 in Shanghai, an hour later, though its text sorts first.
    const later = inspection('2026-11-29T16:00:00Z', [row('web-01', 'a', 'pass'), row('web-01', 'b', 'pass')], { run: 'run-late', path: 'records/inspections/2026-11.jsonl' });
    const runs = [earlier, later];
    const p = period('2026-11');
    const hand = handCompliance(runs, p);
    expect(hand).toEqual({ pass: 2, scored: 2 });
    const s = computeInspection(emptyInput({ hosts: [host('web-01')], inspections: runs }), p, p.endMs);
    const f = s.figures.find((x) => x.id === 'inspection.compliance')!;
    expect([f.numerator, f.denominator, f.value]).toEqual([hand.pass, hand.scored, 100]);
  });
});
