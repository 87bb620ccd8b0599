/**
 * A due date has passed when its day is over, in the calendar's zone: the report's patch compliance counts the
 * whole due day, and so does an auditor for access reviews, post-mortems and follow-ups. A report generated
 * (--at) at noon on the due day shows them due, not overdue; from the next day's start they are overdue.
 * The judgement below is the test's own, not the report's code.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { computeAccess } from '../../scripts/report/metrics/access.ts';
import { computeIncidents } from '../../scripts/report/metrics/incidents.ts';
import { emptyInput, incident, period, SLA, ZONE } from './input-builder.ts';

const handOverdue = (due: string, now: number) => DateTime.fromISO(due, { zone: ZONE }).plus({ days: 1 }).toMillis() <= now;

const review = {
  id: '2026-q4',
  file: 'policies/access/reviews/2026-q4.yaml',
  sha256: '',
  data: { id: '2026-q4', period: '2026-Q4', reviewer: 'chen-jie', due: '2026-11-20', scope: { groups: ['web'] } },
};
const inc = incident('INC-2026-0060', {
  postmortem: { status: 'pending', due: '2026-11-20' },
  follow_ups: [{ id: 'F1', action: 'a', owner: 'li-na', due: '2026-11-20', status: 'open' }],
} as never);

describe('hunt: due dates pass when their day is over', () => {
  const p = period('2026-11');
  const noon = Date.parse('2026-11-20T12:00:00+08:00');
  const next = Date.parse('2026-11-21T00:00:00+08:00');

  it.each([
    ['noon on the due day', noon],
    ['the next day', next],
  ])('%s', (_name, now) => {
    const want = handOverdue('2026-11-20', now) ? 1 : 0;
    const access = computeAccess(emptyInput({ reviews: [review as never] }), p, now, null);
    expect(access.figures.find((f) => f.id === 'access.reviews_overdue')!.value).toBe(want);
    const s = computeIncidents(emptyInput({ sla: SLA, incidents: [inc] }), p, now);
    expect(s.figures.find((f) => f.id === 'incidents.postmortems_overdue')!.value).toBe(want);
    expect(s.figures.find((f) => f.id === 'incidents.follow_ups_overdue')!.value).toBe(want);
    expect(s.improvement_actions.map((a) => a.overdue)).toEqual([want === 1]);
  });
});
