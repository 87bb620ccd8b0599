/**
 * An auditor recomputes the change rates by hand from the execution records: a change is executed in a period
 * when one of its (non-dry) runs started in it; its outcome as the period ends is what its last run started
 * before the end recorded ("last" by instant, whatever offset the timestamp is written with). A run after the
 * period's end cannot be known to a report generated at that end, so it never moves the period's figures.
 * The recomputation below is the test's own, from the formulas' words, not the report's code.
 */
import { describe, expect, it } from 'vitest';
import { change, period, run } from './input-builder.ts';
import { handSuccessRate, rate } from './hand-changes.ts';

describe('hunt: change success rate recomputed by hand', () => {
  it('the last run is the latest instant, not the latest string: +08:00 and Z spellings mixed', () => {
    const c = change('CHG-2026-0201', { window: { start: '2026-11-20T22:00:00+08:00', end: '2026-11-21T02:00:00+08:00' } });
    const runs = [
      run(c.id, { run: 'r1', started_at: '2026-11-20T23:30:00+08:00', finished_at: '2026-11-20T23:40:00+08:00', outcome: 'failed' }),
      // 2026-11-21 00:00 in Shanghai, written in UTC: later, though its text sorts first.
      run(c.id, { run: 'r2', started_at: '2026-11-20T16:00:00Z', finished_at: '2026-11-20T16:20:00Z', outcome: 'succeeded' }),
    ];
    const hand = handSuccessRate([c], runs, period('2026-11'));
    expect(hand).toEqual({ num: 1, den: 1 });
    const f = rate([c], runs, '2026-11');
    expect([f.numerator, f.denominator, f.value]).toEqual([1, 1, 100]);
  });
});
