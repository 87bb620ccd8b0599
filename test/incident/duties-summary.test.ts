import { describe, expect, it } from 'vitest';
import { evaluateDuties, evaluateDutiesSummarisingUpdates, evaluateMissedDuties, summariseUpdateDuties, type DutyInput, type SlaLevel } from '../../scripts/incident/duties.ts';
import type { IncidentDocument } from '../../scripts/model/documents.generated.ts';

const sla: DutyInput['sla'] = { supervisors: ['p-boss'], leadership: ['p-lead'] };
const LEVEL: SlaLevel = {
  level: 2,
  name: '二级',
  acknowledge_minutes: 10,
  resolve_minutes: 240,
  escalate_after_minutes: 60,
  update_every_minutes: 30,
  report_due_hours: 24,
} as SlaLevel;

const T0 = Date.parse('2026-11-28T10:00:00+08:00');
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();

/** Deterministic incidents: open and resolved, acknowledged or not, updates in and out of windows, on window edges, with and without a deviation. */
function incidents(): IncidentDocument[] {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: IncidentDocument[] = [];
  for (let n = 0; n < 400; n++) {
    const resolvedMin = rnd() < 0.5 ? undefined : Math.floor(rnd() * 600);
    const acked = rnd() < 0.7 ? Math.floor(rnd() * 20) : undefined;
    const updates = Math.floor(rnd() * 12);
    const notifications = Array.from({ length: updates }, () => ({
      duty: rnd() < 0.85 ? 'update' : 'feedback',
      // Every tenth on an exact window edge (acknowledgement + 30 k minutes).
      at: at(rnd() < 0.1 ? (acked ?? 0) + 30 * Math.floor(rnd() * 10) : Math.floor(rnd() * 700) - 20),
      by: 'p-ops',
      to: ['g-users'],
      channel: 'dingtalk',
    }));
    out.push({
      id: `INC-2026-${String(n).padStart(4, '0')}`,
      level: 2,
      status: resolvedMin === undefined ? 'open' : 'resolved',
      detected_at: at(0),
      reported_at: at(0),
      ...(acked !== undefined ? { acknowledged_at: at(acked) } : {}),
      ...(resolvedMin !== undefined ? { resolved_at: at(resolvedMin) } : {}),
      handler: 'p-ops',
      reporter: 'p-user',
      ...(n % 3 !== 2 ? { notifications } : {}),
      ...(rnd() < 0.2 ? { deviations: [{ duty: 'update', reason: 'night shift', approved_by: 'p-boss' }] } : {}),
      postmortem: { status: 'not_required' },
    } as unknown as IncidentDocument);
  }
  return out;
}

describe('evaluateDutiesSummarisingUpdates', () => {
  const cases = incidents();
  const nows = [T0 - 60_000, T0 + 45 * 60_000, T0 + 300 * 60_000, T0 + 5 * 86_400_000];

  it('gives the duties of evaluateDuties without the update windows, and exactly their summary', () => {
    let missed = 0;
    for (const incident of cases) {
      for (const now of nows) {
        for (const latestUpdatesOnly of [false, true]) {
          const input = { incident, level: LEVEL, sla, now, latestUpdatesOnly };
          const all = evaluateDuties(input);
          const fast = evaluateDutiesSummarisingUpdates(input);
          expect(fast.duties).toEqual(all.filter((d) => d.kind !== 'update'));
          expect(fast.updates).toEqual(summariseUpdateDuties(all));
          missed += fast.updates.missed;
        }
      }
    }
    // The corpus exercises missed windows, not only empty summaries.
    expect(missed).toBeGreaterThan(1000);
    expect(cases.some((incident) => evaluateDutiesSummarisingUpdates({ incident, level: LEVEL, sla, now: nows[3]! }).updates.first?.deviation)).toBe(true);
  });

  it('evaluateMissedDuties lists exactly the late and overdue duties of the full evaluation, with their deviations', () => {
    let listed = 0;
    for (const incident of cases) {
      const variants = [incident, { ...incident, deviations: [{ duty: 'acknowledge', reason: 'pager down', approved_by: 'p-boss' }] } as unknown as IncidentDocument];
      for (const i of variants)
        for (const now of nows) {
          const input = { incident: i, level: { ...LEVEL, report_to_supervisor_minutes: 15, leadership_minutes: 30, postmortem: 'required' } as SlaLevel, sla, now };
          const full = evaluateDutiesSummarisingUpdates(input);
          const missed = evaluateMissedDuties(input);
          // The notification times a caller read already give the same answer as reading them here.
          const times = (i.notifications ?? []).map((n) => Date.parse(n.at));
          expect(evaluateMissedDuties({ ...input, notificationTimes: times })).toEqual(missed);
          expect(evaluateDuties({ ...input, notificationTimes: times })).toEqual(evaluateDuties(input));
          expect(missed.duties).toEqual(full.duties.filter((d) => d.state === 'late' || d.state === 'overdue'));
          expect(missed.updates).toEqual(full.updates);
          listed += missed.duties.length;
        }
    }
    expect(listed).toBeGreaterThan(1000);
  });

  it('keeps at most the last windows evaluateDuties keeps, for an incident open for months', () => {
    const incident = cases.find((c) => c.status === 'open' && !c.deviations)!;
    const input = { incident, level: { ...LEVEL, update_every_minutes: 15 }, sla, now: T0 + 90 * 86_400_000 };
    const fast = evaluateDutiesSummarisingUpdates(input).updates;
    expect(fast).toEqual(summariseUpdateDuties(evaluateDuties(input)));
    expect(fast.owed).toBe(1999); // 2000 windows kept, the running one pending
  });

  it('has nothing to summarise without an SLA level', () => {
    expect(evaluateDutiesSummarisingUpdates({ incident: cases[0]!, level: undefined, sla, now: T0 })).toEqual({ duties: [], updates: { owed: 0, missed: 0 } });
  });
});
