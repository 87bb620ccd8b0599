/**
 * An auditor computes a runbook's review due date by calendar: last_reviewed plus review_every_days days, in the
 * calendar's zone. Across the end of summer time that is still the same wall-clock date, not an hour (and a day
 * on paper) early. The recomputation below is the test's own, not the report's code.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { computeRunbooks } from '../../scripts/report/metrics/oncall.ts';
import { parsePeriod } from '../../scripts/report/period.ts';
import { emptyInput } from './input-builder.ts';

const rb = (id: string, last: string, every: number) => ({ id, file: `runbooks/${id}.md`, sha256: '', data: { id, title: id, owner: 'x', review_every_days: every, last_reviewed: last } });

describe('hunt: runbook review due dates recomputed by hand', () => {
  it('Europe/Berlin: 2026-08-01 + 90 days is 2026-10-30, overdue from its start', () => {
    const zone = 'Europe/Berlin';
    const handDue = DateTime.fromISO('2026-08-01', { zone }).plus({ days: 90 });
    expect(handDue.toISODate()).toBe('2026-10-30');
    const oct = parsePeriod('2026-10', zone)!;
    const s = computeRunbooks(emptyInput({ runbooks: [rb('r', '2026-08-01', 90)] }), oct, oct.endMs);
    expect(s.overdue.map((o) => o.due)).toEqual(['2026-10-30']);
    // Half an hour before the due day starts, it is not overdue yet.
    const before = handDue.toMillis() - 30 * 60_000;
    expect(computeRunbooks(emptyInput({ runbooks: [rb('r', '2026-08-01', 90)] }), oct, before).overdue).toEqual([]);
  });
});
