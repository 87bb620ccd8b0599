/**
 * An auditor recomputes the change rates by hand from the execution records: a change is executed in a period
 * when one of its (non-dry) runs started in it; its outcome as the period ends is what its last run started
 * before the end recorded ("last" by instant, whatever offset the timestamp is written with). A run after the
 * period's end cannot be known to a report generated at that end, so it never moves the period's figures.
 * The recomputation below is the test's own, from the formulas' words, not the report's code.
 */
import { describe, expect, it } from 'vitest';
import { computeChanges } from '../../scripts/report/metrics/changes.ts';
import { change, emptyInput, period, run, value } from './input-builder.ts';
import { handSuccessRate, rate } from './hand-changes.ts';

describe('hunt: change rates per period, recomputed by hand', () => {
  it('a change whose window opens 23:00 on the last day and runs after midnight is executed in the next month only', () => {
    const c = change('CHG-2026-0202', { window: { start: '2026-11-30T23:00:00+08:00', end: '2026-12-01T02:00:00+08:00' } });
    const runs = [run(c.id, { started_at: '2026-12-01T00:10:00+08:00', finished_at: '2026-12-01T00:40:00+08:00', outcome: 'succeeded' })];
    expect(handSuccessRate([c], runs, period('2026-11'))).toEqual({ num: 0, den: 0 });
    expect(handSuccessRate([c], runs, period('2026-12'))).toEqual({ num: 1, den: 1 });
    const nov = rate([c], runs, '2026-11');
    const dec = rate([c], runs, '2026-12');
    // November: nothing executed yet as the month ends: "no data", not 100 %.
    expect([nov.numerator, nov.denominator, nov.value]).toEqual([0, 0, null]);
    expect([dec.numerator, dec.denominator, dec.value]).toEqual([1, 1, 100]);
    // The change is still in November's count (its window opened then): the total counts requests, not executions.
    const p = period('2026-11');
    expect(value(computeChanges(emptyInput({ changes: [c], executions: runs }), p, p.endMs).figures, 'changes.total')).toBe(1);
  });

  it("a retry after the period's end does not rewrite the period's outcome", () => {
    const c = change('CHG-2026-0203', { window: { start: '2026-11-20T22:00:00+08:00', end: '2026-11-20T23:30:00+08:00' } });
    const runs = [
      run(c.id, { run: 'r1', started_at: '2026-11-20T22:05:00+08:00', finished_at: '2026-11-20T22:30:00+08:00', outcome: 'failed' }),
      run(c.id, { run: 'r2', started_at: '2026-12-03T22:05:00+08:00', finished_at: '2026-12-03T22:30:00+08:00', outcome: 'succeeded' }),
    ];
    expect(handSuccessRate([c], runs, period('2026-11'))).toEqual({ num: 0, den: 1 });
    const f = rate([c], runs, '2026-11');
    expect([f.numerator, f.denominator, f.value]).toEqual([0, 1, 0]);
    const p = period('2026-11');
    const failure = computeChanges(emptyInput({ changes: [c], executions: runs }), p, p.endMs).figures.find((x) => x.id === 'changes.failure_rate')!;
    expect([failure.numerator, failure.denominator]).toEqual([1, 1]);
    // Only the run the figure rests on is cited, not December's.
    expect(f.evidence.join(' ')).not.toContain('r2');
  });
});
