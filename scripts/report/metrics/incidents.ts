import type { IncidentDocument, SlaDocument } from '../../model/documents.generated.ts';
import { byKey, count, measure, percent, quantile, type Figure } from '../figure.ts';
import { dueDayOver, inPeriod, ms, type Period } from '../period.ts';
import type { DocRef, ReportInput } from '../types.ts';
import { appendAll } from '../../model/append.ts';

export const LEVELS = [1, 2, 3, 4] as const;
type SlaLevel = SlaDocument['levels'][number];

export interface SlaBreach {
  incident: string;
  level: number;
  measure: 'acknowledge' | 'resolve';
  target_minutes: number;
  /** null while the clock is still running at the end of the period. */
  actual_minutes: number | null;
  path: string;
}

export interface LevelRow {
  level: number;
  name: string;
  acknowledge_minutes: number | null;
  resolve_minutes: number | null;
  figures: Figure[];
}

export interface IncidentRow {
  id: string;
  title: string;
  level: number;
  status: string;
  detected_at: string;
  resolved_at: string;
  path: string;
}

export interface IncidentsSection {
  figures: Figure[];
  levels: LevelRow[];
  incidents: IncidentRow[];
  breaches: SlaBreach[];
  postmortems_overdue: { incident: string; due: string; path: string }[];
  follow_ups_overdue: { incident: string; follow_up: string; action: string; owner: string; due: string; path: string }[];
  /** Every follow-up still open at the end of the period (the improvement plan), overdue or not. */
  improvement_actions: { incident: string; follow_up: string; action: string; owner: string; due: string; status: string; overdue: boolean; path: string }[];
  /** Root causes of the incidents active in the period, as their reports state them. */
  root_causes: { incident: string; title: string; level: number; root_cause: string; path: string }[];
}

const MINUTE = 60_000;

function endOf(i: IncidentDocument): number | undefined {
  return ms(i.resolved_at) ?? ms(i.closed_at);
}

/** Incidents whose life [detected, resolved) overlaps the period. Pure. */
export function activeIncidents(incidents: readonly DocRef<IncidentDocument>[], period: Period): DocRef<IncidentDocument>[] {
  return incidents.filter((i) => {
    const start = ms(i.data.detected_at) ?? Infinity;
    const end = endOf(i.data) ?? Infinity;
    return start < period.endMs && end >= period.startMs;
  });
}

interface ClockResult {
  evaluated: boolean;
  met: boolean;
  minutes: number | null;
}

/**
 * SLA clocks start at reported_at. A clock is evaluated in the period in which
 * it stopped; a clock still running at the period's end is a breach there
 * once its target has passed (and only in the period the incident was reported).
 */
export function evaluateClock(reportedAt: number, stoppedAt: number | undefined, targetMinutes: number, period: Period, now: number): ClockResult {
  if (stoppedAt !== undefined && inPeriod(stoppedAt, period)) {
    const minutes = (stoppedAt - reportedAt) / MINUTE;
    return { evaluated: true, met: minutes <= targetMinutes, minutes };
  }
  const stillRunning = stoppedAt === undefined || stoppedAt >= period.endMs;
  const horizon = Math.min(period.endMs, now);
  if (stillRunning && inPeriod(reportedAt, period) && reportedAt + targetMinutes * MINUTE < horizon) {
    return { evaluated: true, met: false, minutes: null };
  }
  return { evaluated: false, met: false, minutes: null };
}

/** Incident metrics for one period against policies/sla.yaml. Pure. */
export function computeIncidents(input: ReportInput, period: Period, now: number): IncidentsSection {
  const zone = period.timezone;
  const active = activeIncidents(input.incidents, period).sort(byKey((i) => i.id));
  const fresh = active.filter((i) => inPeriod(ms(i.data.detected_at), period));
  const carried = active.filter((i) => (ms(i.data.detected_at) ?? 0) < period.startMs);
  const slaFile = input.sla ? [input.sla.file] : [];
  const levelsDoc = new Map<number, SlaLevel>((input.sla?.data.levels ?? []).map((l) => [l.level, l] as const));
  const figures: Figure[] = [
    count(
      'incidents.new',
      fresh.map((i) => i.file),
      fresh.length,
      'formula.incidents_new',
    ),
    count(
      'incidents.active',
      active.map((i) => i.file),
      active.length,
      'formula.incidents_active',
    ),
    count(
      'incidents.carried_over',
      carried.map((i) => i.file),
      carried.length,
      'formula.incidents_carried',
    ),
  ];
  const openAtEnd = active.filter((i) => (endOf(i.data) ?? Infinity) >= period.endMs);
  figures.push(
    count(
      'incidents.open_at_end',
      openAtEnd.map((i) => i.file),
      openAtEnd.length,
      'formula.incidents_open_at_end',
    ),
  );

  const breaches: SlaBreach[] = [];
  const levels: LevelRow[] = [];
  let ackMet = 0,
    ackEval = 0,
    resMet = 0,
    resEval = 0;
  const slaEvidence: string[] = [...slaFile];
  for (const level of LEVELS) {
    const sla = levelsDoc.get(level);
    const ofLevel = active.filter((i) => i.data.level === level);
    const newOfLevel = fresh.filter((i) => i.data.level === level);
    const ackTimes: number[] = [];
    const resTimes: number[] = [];
    let lAckMet = 0,
      lAckEval = 0,
      lResMet = 0,
      lResEval = 0;
    const ev: string[] = [...slaFile];
    for (const i of ofLevel) {
      const reported = ms(i.data.reported_at) ?? ms(i.data.detected_at)!;
      const ackStop = ms(i.data.acknowledged_at);
      const resStop = endOf(i.data);
      if (ackStop !== undefined && inPeriod(ackStop, period)) ackTimes.push((ackStop - reported) / MINUTE);
      if (resStop !== undefined && inPeriod(resStop, period)) resTimes.push((resStop - reported) / MINUTE);
      if (!sla) continue;
      const a = evaluateClock(reported, ackStop, sla.acknowledge_minutes, period, now);
      const r = evaluateClock(reported, resStop, sla.resolve_minutes, period, now);
      if (a.evaluated || r.evaluated) ev.push(i.file);
      if (a.evaluated) {
        lAckEval++;
        if (a.met) lAckMet++;
        else breaches.push({ incident: i.id, level, measure: 'acknowledge', target_minutes: sla.acknowledge_minutes, actual_minutes: a.minutes === null ? null : Math.round(a.minutes), path: i.file });
      }
      if (r.evaluated) {
        lResEval++;
        if (r.met) lResMet++;
        else breaches.push({ incident: i.id, level, measure: 'resolve', target_minutes: sla.resolve_minutes, actual_minutes: r.minutes === null ? null : Math.round(r.minutes), path: i.file });
      }
    }
    ackMet += lAckMet;
    ackEval += lAckEval;
    resMet += lResMet;
    resEval += lResEval;
    appendAll(slaEvidence, ev);
    const timesEvidence = ofLevel.map((i) => i.file);
    levels.push({
      level,
      name: sla?.name ?? '',
      acknowledge_minutes: sla?.acknowledge_minutes ?? null,
      resolve_minutes: sla?.resolve_minutes ?? null,
      figures: [
        count(
          `incidents.level.${level}.new`,
          newOfLevel.map((i) => i.file),
          newOfLevel.length,
          'formula.incidents_level_new',
        ),
        measure(`incidents.level.${level}.ack_median`, quantile(ackTimes, 0.5), 'minutes', timesEvidence, 'formula.ack_time'),
        measure(`incidents.level.${level}.resolve_median`, quantile(resTimes, 0.5), 'minutes', timesEvidence, 'formula.resolve_time'),
        percent(`incidents.level.${level}.sla_attainment`, lAckMet + lResMet, lAckEval + lResEval, ev, 'formula.sla_attainment'),
      ],
    });
  }
  figures.push(percent('incidents.ack_attainment', ackMet, ackEval, slaEvidence, 'formula.ack_attainment'));
  figures.push(percent('incidents.resolve_attainment', resMet, resEval, slaEvidence, 'formula.resolve_attainment'));
  figures.push(percent('incidents.sla_attainment', ackMet + resMet, ackEval + resEval, slaEvidence, 'formula.sla_attainment'));
  figures.push(
    count(
      'incidents.sla_breaches',
      breaches.map((b) => b.path),
      breaches.length,
      'formula.sla_breaches',
    ),
  );

  const known = input.incidents.filter((i) => (ms(i.data.detected_at) ?? Infinity) < period.endMs);
  const pm = known
    .filter((i) => i.data.postmortem.status === 'pending' && dueDayOver(i.data.postmortem.due, zone, now))
    .sort(byKey((i) => i.id))
    .map((i) => ({ incident: i.id, due: i.data.postmortem.due!, path: i.file }));
  figures.push(
    count(
      'incidents.postmortems_overdue',
      pm.map((p) => p.path),
      pm.length,
      'formula.postmortems_overdue',
    ),
  );
  const fu = known
    .sort(byKey((i) => i.id))
    .flatMap((i) =>
      (i.data.follow_ups ?? [])
        .filter((f) => f.status === 'open' && dueDayOver(f.due, zone, now))
        .map((f) => ({ incident: i.id, follow_up: f.id, action: f.action, owner: f.owner, due: f.due, path: i.file })),
    );
  figures.push(
    count(
      'incidents.follow_ups_overdue',
      fu.map((f) => f.path),
      fu.length,
      'formula.follow_ups_overdue',
    ),
  );

  const improvement = known
    .flatMap((i) =>
      (i.data.follow_ups ?? [])
        .filter((f) => f.status === 'open')
        .map((f) => ({ incident: i.id, follow_up: f.id, action: f.action, owner: f.owner, due: f.due, status: f.status, overdue: dueDayOver(f.due, zone, now), path: i.file })),
    )
    .sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : a.incident < b.incident ? -1 : 1));
  figures.push(
    count(
      'incidents.follow_ups_open',
      improvement.map((f) => f.path),
      improvement.length,
      'formula.follow_ups_open',
    ),
  );
  const rootCauses = active.filter((i) => i.data.root_cause).map((i) => ({ incident: i.id, title: i.data.title, level: i.data.level, root_cause: i.data.root_cause!, path: i.file }));
  const rows = active.map((i) => ({ id: i.id, title: i.data.title, level: i.data.level, status: i.data.status, detected_at: i.data.detected_at, resolved_at: i.data.resolved_at ?? '', path: i.file }));
  breaches.sort(byKey((b) => `${b.incident}|${b.measure}`));
  return { figures, levels, incidents: rows, breaches, postmortems_overdue: pm, follow_ups_overdue: fu, improvement_actions: improvement, root_causes: rootCauses };
}
