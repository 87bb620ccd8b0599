import type { HandoverDocument, IncidentDocument } from '../../model/documents.generated.ts';
import { evaluateDuties, levelOf, type Duty, type DutyKind } from '../../incident/duties.ts';
import { shiftBoundaries } from '../../handover/boundaries.ts';
import { isoLocal } from '../../incident/time.ts';
import { byKey, count, measure, percent, quantile, type Figure } from '../figure.ts';
import { inPeriod, ms, type Period } from '../period.ts';
import type { DocRef, ReportInput } from '../types.ts';
import { appendAll } from '../../model/append.ts';

/**
 * The duties of 第五章 故障处理 in the period (issue 15): per level, how many
 * reports up the chain (supervisor, leadership, escalation) were on time, how
 * many status updates and feedbacks were given, how many 故障报告单 were in on
 * time; how long watch took to notify a due duty; how complete the shift
 * handovers were; which vendors were called. Duties come from
 * scripts/incident/duties.ts, the same module lint and watch use. Pure.
 *
 * Input beyond ReportInput's documents: handovers and the notification
 * record events, passed separately so this module stays apart from the
 * report's adapters.
 */
export interface NotificationEventRow {
  path: string;
  at: string;
  type: string;
  key: string;
  channel: string;
  latency_ms?: number;
}

export interface DutiesInput {
  handovers: readonly DocRef<HandoverDocument>[];
  notifications: readonly NotificationEventRow[];
}

export interface DutiesSection {
  figures: Figure[];
  levels: { level: number; name: string; figures: Figure[] }[];
  missed: { incident: string; level: number; duty: DutyKind; due: string; state: string; deviation: string; deviation_by: string | null; path: string }[];
  handovers: { expected: number; present: number; missing: string[]; unacknowledged: string[] };
  vendors: { incident: string; contact: string; called_at: string; ticket: string; path: string }[];
}

const CHAIN: readonly DutyKind[] = ['supervisor', 'leadership', 'escalation'];
const NOTICE: readonly DutyKind[] = ['update', 'feedback'];
const due = (d: Duty) => d.state !== 'pending';
const onTime = (d: Duty) => d.state === 'met';

/** Incidents reported in the period: their duties are judged in the period they began. */
function reportedIn(incidents: readonly DocRef<IncidentDocument>[], period: Period): DocRef<IncidentDocument>[] {
  return incidents.filter((i) => inPeriod(ms(i.data.reported_at) ?? ms(i.data.detected_at), period)).sort(byKey((i) => i.id));
}

export function computeDuties(input: ReportInput, extra: DutiesInput, period: Period, now: number): DutiesSection {
  const asOf = Math.min(period.endMs, now);
  const sla = input.sla?.data;
  const slaFile = input.sla ? [input.sla.file] : [];
  const incidents = reportedIn(input.incidents, period);
  const judged = incidents.map((i) => ({ i, duties: evaluateDuties({ incident: i.data, level: levelOf(sla, i.data.level), sla, now: asOf }) }));
  const ratio = (id: string, list: typeof judged, kinds: readonly DutyKind[], formula: string) => {
    const ds = list.flatMap((x) => x.duties.filter((d) => kinds.includes(d.kind) && due(d)));
    return percent(id, ds.filter(onTime).length, ds.length, [...slaFile, ...list.filter((x) => x.duties.some((d) => kinds.includes(d.kind))).map((x) => x.i.file)], formula);
  };
  const figures: Figure[] = [
    ratio('duties.escalation_compliance', judged, CHAIN, 'formula.duties_escalation'),
    ratio('duties.notification_compliance', judged, NOTICE, 'formula.duties_notification'),
    ratio('duties.report_on_time', judged, ['report'], 'formula.duties_report'),
  ];
  const levels = [1, 2, 3, 4].map((level) => {
    const of = judged.filter((x) => x.i.data.level === level);
    return {
      level,
      name: levelOf(sla, level)?.name ?? '',
      figures: [
        ratio(`duties.level.${level}.escalation_compliance`, of, CHAIN, 'formula.duties_escalation'),
        ratio(`duties.level.${level}.notification_compliance`, of, NOTICE, 'formula.duties_notification'),
        ratio(`duties.level.${level}.report_on_time`, of, ['report'], 'formula.duties_report'),
      ],
    };
  });
  const missed = judged.flatMap(({ i, duties }) =>
    duties
      .filter((d) => (d.state === 'late' || d.state === 'overdue') && d.kind !== 'update')
      .map((d) => ({
        incident: i.id,
        level: i.data.level,
        duty: d.kind,
        due: d.dueAt === undefined ? '' : isoLocal(d.dueAt, period.timezone),
        state: d.state,
        deviation: d.deviation?.reason ?? '',
        deviation_by: d.deviation?.approved_by ?? null,
        path: i.file,
      })),
  );
  figures.push(
    count(
      'duties.missed',
      missed.map((m) => m.path),
      missed.length,
      'formula.duties_missed',
    ),
  );

  const sent = extra.notifications.filter((n) => n.type === 'notification.sent' && inPeriod(ms(n.at), period));
  const failed = extra.notifications.filter((n) => n.type === 'notification.failed' && inPeriod(ms(n.at), period));
  const latencies = sent.filter((n) => typeof n.latency_ms === 'number').map((n) => n.latency_ms! / 60_000);
  const recordFiles = [...new Set([...sent, ...failed].map((n) => n.path))];
  figures.push(
    count('duties.notifications_sent', recordFiles, sent.length, 'formula.duties_sent'),
    count('duties.notifications_failed', recordFiles, failed.length, 'formula.duties_failed'),
    measure('duties.notification_latency_median', quantile(latencies, 0.5), 'minutes', recordFiles, 'formula.duties_latency'),
    measure('duties.notification_latency_p90', quantile(latencies, 0.9), 'minutes', recordFiles, 'formula.duties_latency'),
  );

  const handovers = handoverFigures(input, extra.handovers, period, asOf);
  appendAll(figures, handovers.figures);

  const vendors = input.incidents
    .flatMap((i) =>
      (i.data.vendor_engagements ?? [])
        .filter((v) => inPeriod(ms(v.called_at), period))
        .map((v) => ({ incident: i.id, contact: v.contact, called_at: v.called_at, ticket: v.ticket ?? '', path: i.file })),
    )
    .sort(byKey((v) => `${v.called_at}|${v.incident}`));
  figures.push(
    count(
      'duties.vendor_engagements',
      vendors.map((v) => v.path),
      vendors.length,
      'formula.duties_vendors',
    ),
  );
  return { figures, levels, missed, handovers: handovers.table, vendors };
}

function handoverFigures(input: ReportInput, docs: readonly DocRef<HandoverDocument>[], period: Period, asOf: number) {
  const oncall = input.oncall?.data;
  const cfg = oncall?.handover;
  const zone = period.timezone;
  const expected = oncall && cfg ? shiftBoundaries(oncall, cfg.rotation, Math.max(period.startMs, Date.parse(cfg.since)), Math.min(period.endMs - 1, asOf), zone) : [];
  const byId = new Map(docs.map((d) => [d.id, d]));
  const present = expected.filter((b) => byId.has(b.id));
  const ackWithin = (cfg?.acknowledge_within_minutes ?? 30) * 60_000;
  const acked = present.filter((b) => {
    const a = byId.get(b.id)!.data.acknowledgement;
    return a !== undefined && a.by === byId.get(b.id)!.data.incoming && Date.parse(a.at) <= b.at + ackWithin;
  });
  const evidence = [...(input.oncall ? [input.oncall.file] : []), ...present.map((b) => byId.get(b.id)!.file)];
  return {
    figures: [
      count('duties.handovers_expected', input.oncall ? [input.oncall.file] : [], expected.length, 'formula.duties_handovers_expected'),
      count('duties.handovers_present', evidence, present.length, 'formula.duties_handovers_present'),
      percent('duties.handover_completeness', present.length, expected.length, evidence, 'formula.duties_handover_completeness'),
      percent('duties.handovers_acknowledged', acked.length, present.length, evidence, 'formula.duties_handovers_acknowledged'),
    ],
    table: {
      expected: expected.length,
      present: present.length,
      missing: expected.filter((b) => !byId.has(b.id)).map((b) => b.id),
      unacknowledged: present.filter((b) => !acked.includes(b)).map((b) => b.id),
    },
  };
}
