import { describe, expect, it } from 'vitest';
import { evaluateDuties, evaluateMissedDuties, type DutyInput, type SlaLevel } from '../../scripts/incident/duties.ts';
import type { IncidentDocument } from '../../scripts/model/documents.generated.ts';

/** Status updates are matched to their windows by time, whatever order the incident lists them in. */
describe('update windows with notifications out of time order', () => {
  const T0 = Date.parse('2026-11-28T10:00:00+08:00');
  const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
  const level = { level: 2, acknowledge_minutes: 10, resolve_minutes: 240, escalate_after_minutes: 600, update_every_minutes: 30, postmortem: 'optional' } as SlaLevel;
  const incident = (minutes: readonly number[]): IncidentDocument =>
    ({
      id: 'INC-2026-0001',
      level: 2,
      status: 'open',
      detected_at: at(0),
      acknowledged_at: at(5),
      handler: 'p-ops',
      reporter: 'p-user',
      notifications: minutes.map((m) => ({ duty: 'update', at: at(m), by: 'p-ops', to: ['g'], channel: 'dingtalk' })),
      postmortem: { status: 'pending' },
    }) as unknown as IncidentDocument;
  const input = (minutes: readonly number[]): DutyInput => ({ incident: incident(minutes), level, sla: undefined, now: T0 + 125 * 60_000 });

  it('meets every window whose update is listed before an earlier one', () => {
    // Windows from the acknowledgement: 5–35, 35–65, 65–95, 95–125; one update in each, listed latest first.
    expect(evaluateMissedDuties(input([100, 70, 40, 10])).updates).toEqual({ owed: 4, missed: 0 });
    expect(evaluateMissedDuties(input([40, 100, 10, 70])).updates).toEqual(evaluateMissedDuties(input([10, 40, 70, 100])).updates);
    const times = (minutes: readonly number[]) =>
      evaluateDuties(input(minutes))
        .filter((d) => d.kind === 'update')
        .map((d) => [d.state, d.doneAt]);
    expect(times([100, 70, 40, 10])).toEqual(times([10, 40, 70, 100]));
  });

  it('reports a window without an update the same way in either order', () => {
    expect(evaluateMissedDuties(input([100, 10, 70])).updates).toEqual(evaluateMissedDuties(input([10, 70, 100])).updates);
    expect(evaluateMissedDuties(input([100, 10, 70])).updates.missed).toBe(1);
  });
});
