/**
 * The cover says the inspection evidence is stale when the period's last run is older than 1.5 schedule
 * intervals at its end. An auditor finds the last run by its instant, whatever offset its `at` is written with.
 * The recomputation below is the test's own, not the report's code.
 */
import { describe, expect, it } from 'vitest';
import { computeGaps } from '../../scripts/report/completeness.ts';
import { computeChanges } from '../../scripts/report/metrics/changes.ts';
import { emptyInput, host, inspection, period, row } from './input-builder.ts';

describe('hunt: stale inspection evidence, judged by hand', () => {
  it('the last run is the latest instant: 08:00Z (16:00 in Shanghai) after 09:00+08:00', () => {
    const runs = [
      inspection('2026-11-30T09:00:00+08:00', [row('web-01', 'a', 'pass')], { run: 'run-a' }),
      inspection('2026-11-30T08:00:00Z', [row('web-01', 'a', 'pass')], { run: 'run-b', previous_run: 'run-a' }),
    ];
    const p = period('2026-11');
    const every = 8;
    const last = Math.max(...runs.map((r) => Date.parse(r.at)));
    const handStale = p.endMs - last > every * 1.5 * 3_600_000;
    expect(handStale).toBe(false);
    const input = emptyInput({ hosts: [host('web-01')], inspections: runs });
    const gaps = computeGaps(input, p, p.endMs, computeChanges(input, p, p.endMs), { inspectionEveryHours: every });
    expect(gaps.filter((g) => g.code === 'gap.inspection_stale')).toEqual([]);
  });

  it('the first run on record is the earliest instant: it may name a previous run that is not there', () => {
    const runs = [
      // The first run (whose previous run predates the records), then one an hour later written in Z, whose text sorts first.
      inspection('2026-11-02T07:00:00+08:00', [row('web-01', 'a', 'pass')], { run: 'run-1', previous_run: 'run-0' }),
      inspection('2026-11-02T00:00:00Z', [row('web-01', 'a', 'pass')], { run: 'run-2', previous_run: 'run-1' }),
    ];
    const p = period('2026-11');
    const input = emptyInput({ hosts: [host('web-01')], inspections: runs });
    const gaps = computeGaps(input, p, p.endMs, computeChanges(input, p, p.endMs), { inspectionEveryHours: undefined });
    expect(gaps.filter((g) => g.code === 'gap.inspection_run_missing')).toEqual([]);
  });
});
