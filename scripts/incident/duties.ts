import type { IncidentDocument, SlaDocument } from '../model/documents.generated.ts';
import { parseInstant } from '../model/instant.ts';

/**
 * The duties of 第五章 故障处理 for one incident, each with its due time and
 * whether and when it was done. Lint, `opsgate incidents watch` and the
 * reports all read duties from here, so a duty is decided in one place. Pure:
 * the clock is a parameter.
 *
 * Clocks start at reported_at (detected_at when absent).
 * - acknowledge: 接收 and start analysing within acknowledge_minutes;
 * - supervisor:  the engineer reports to the 运维主管 within report_to_supervisor_minutes;
 * - leadership:  the supervisor reports to 相关领导 within leadership_minutes, by phone or in person;
 * - escalation:  still unresolved after escalate_after_minutes → escalate_to is reached;
 * - update:      while unresolved, every update_every_minutes window carries a status update;
 * - verification, feedback: after resolution, the fix is verified (验证) and the reporter told (反馈);
 * - report:      the 故障报告单 is submitted within report_due_hours of resolution;
 * - postmortem:  required at this level → it may not be marked not_required.
 */
export type DutyKind = 'acknowledge' | 'supervisor' | 'leadership' | 'escalation' | 'update' | 'verification' | 'feedback' | 'report' | 'postmortem';
export type DutyState = 'pending' | 'met' | 'late' | 'overdue';
export type SlaLevel = SlaDocument['levels'][number];

export interface Duty {
  kind: DutyKind;
  /** Unique per incident: `acknowledge`, `update#3`. */
  key: string;
  /** When the duty is due (ms); undefined for duties without a clock (postmortem). */
  dueAt?: number;
  /** When its clock started (ms): the report, the window's start, or the resolution. */
  from?: number;
  doneAt?: number;
  state: DutyState;
  /** JSON pointer of the value that shows the duty (done or missing), for located diagnostics. */
  pointer: string;
  /** Who must act, or be reached: people or contact ids. */
  who: string[];
  /** Why it is in this state, in words. */
  detail: string;
  /** The incident's deviation entry accepting a miss, if any. */
  deviation?: { reason: string; approved_by: string };
}

export interface DutyInput {
  incident: IncidentDocument;
  level: SlaLevel | undefined;
  sla: Pick<SlaDocument, 'supervisors' | 'leadership'> | undefined;
  now: number;
  /** Only the last two update windows (the running one and the one before): what watch and handovers need. */
  latestUpdatesOnly?: boolean;
}

const MIN = 60_000;
const DEFAULT_LEADERSHIP_BY = ['phone', 'in_person'];
/** An incident open for months at a 15-minute cadence still yields a bounded list: older windows are summarised. */
export const MAX_UPDATE_WINDOWS = 2_000;

const ms = (s: string | undefined) => (s ? parseInstant(s) : undefined);
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

export function clockStart(i: IncidentDocument): number {
  return ms(i.reported_at) ?? parseInstant(i.detected_at);
}

export function isResolved(i: IncidentDocument): boolean {
  return i.status === 'resolved' || i.status === 'closed';
}

function state(dueAt: number, doneAt: number | undefined, now: number): DutyState {
  if (doneAt !== undefined) return doneAt <= dueAt ? 'met' : 'late';
  return now > dueAt ? 'overdue' : 'pending';
}

/** `v` when it is a time before `best` (or `best` is none); NaN and undefined never win. */
function earliest(best: number | undefined, v: number | undefined): number | undefined {
  return v !== undefined && !Number.isNaN(v) && (best === undefined || v < best) ? v : best;
}

/** Every duty of one incident at `now`, in a stable order. Pure. */
export function evaluateDuties(input: DutyInput): Duty[] {
  return collectDuties(input, 'list').duties;
}

/**
 * What lint reads of the status-update windows: how many were owed (not still
 * running), how many of those were missed, and the first miss. Lint reports the
 * update windows as one finding, so it does not need one Duty per window.
 */
export interface UpdateSummary {
  owed: number;
  missed: number;
  first?: Pick<Duty, 'pointer' | 'detail' | 'deviation'>;
}

/** The duties of evaluateDuties without its `update` duties, and the summary of those. Pure. */
export function evaluateDutiesSummarisingUpdates(input: DutyInput): { duties: Duty[]; updates: UpdateSummary } {
  return collectDuties(input, 'summary');
}

/**
 * What lint reports: the duties of evaluateDutiesSummarisingUpdates that were done late
 * or are overdue (the others are never built: their words cost more than the decision),
 * and the same summary of the update windows. Pure.
 */
export function evaluateMissedDuties(input: DutyInput): { duties: Duty[]; updates: UpdateSummary } {
  return collectDuties(input, 'missed');
}

/** The summary of a list's `update` duties (what evaluateDutiesSummarisingUpdates computes without the list). Pure. */
export function summariseUpdateDuties(duties: readonly Duty[]): UpdateSummary {
  const updates = duties.filter((d) => d.kind === 'update');
  const missed = updates.filter((d) => d.state === 'overdue');
  const first = missed[0];
  return {
    owed: updates.filter((d) => d.state !== 'pending').length,
    missed: missed.length,
    ...(first ? { first: { pointer: first.pointer, detail: first.detail, ...(first.deviation ? { deviation: first.deviation } : {}) } } : {}),
  };
}

function collectDuties({ incident: i, level, sla, now, latestUpdatesOnly }: DutyInput, mode: 'list' | 'summary' | 'missed'): { duties: Duty[]; updates: UpdateSummary } {
  const summary: UpdateSummary = { owed: 0, missed: 0 };
  if (!level) return { duties: [], updates: summary };
  const out: Duty[] = [];
  const start = clockStart(i);
  const resolvedAt = isResolved(i) ? (ms(i.resolved_at) ?? ms(i.closed_at)) : undefined;
  const listed = i.escalations ?? [];
  // The first escalation that passes the test, with its index and time (parsed for that one only).
  const findEscalation = (test: (e: (typeof listed)[number]) => boolean) => {
    const idx = listed.findIndex(test);
    return idx < 0 ? undefined : { idx, channel: listed[idx]!.channel, t: parseInstant(listed[idx]!.at) };
  };
  const deviation = (kind: DutyKind) => {
    const d = i.deviations?.find((x) => x.duty === kind);
    return d ? { deviation: { reason: d.reason, approved_by: d.approved_by } } : {};
  };
  // Whether a duty in this state is listed: every one, or in 'missed' mode only the late and overdue.
  const keep = (s: DutyState) => mode !== 'missed' || s === 'late' || s === 'overdue';
  // The literal each caller passes is fresh: completing it in place gives the same keys in the same order as a copy, without one.
  const push = (d: Omit<Duty, 'state'> & { dueAt: number }, s: DutyState) => {
    const duty = d as Duty;
    duty.state = s;
    const dev = deviation(d.kind);
    if (dev.deviation) duty.deviation = dev.deviation;
    out.push(duty);
  };

  const ackDue = start + level.acknowledge_minutes * MIN;
  const ackAt = ms(i.acknowledged_at);
  const ackState = state(ackDue, ackAt, now);
  if (keep(ackState))
    push(
      {
        kind: 'acknowledge',
        key: 'acknowledge',
        from: start,
        dueAt: ackDue,
        ...(ackAt !== undefined ? { doneAt: ackAt } : {}),
        pointer: i.acknowledged_at ? '/acknowledged_at' : '/reported_at',
        who: [i.handler],
        detail: `acknowledge within ${level.acknowledge_minutes} min of the report`,
      },
      ackState,
    );

  if (level.report_to_supervisor_minutes) {
    const hit = findEscalation((e) => e.role === 'supervisor');
    const dueAt = start + level.report_to_supervisor_minutes * MIN;
    const s = state(dueAt, hit?.t, now);
    if (keep(s))
      push(
        {
          kind: 'supervisor',
          key: 'supervisor',
          from: start,
          dueAt,
          ...(hit ? { doneAt: hit.t } : {}),
          pointer: hit ? `/escalations/${hit.idx}/at` : i.escalations ? '/escalations' : '/reported_at',
          who: sla?.supervisors ?? [],
          detail: `report to the supervisor (运维主管) within ${level.report_to_supervisor_minutes} min`,
        },
        s,
      );
  }

  if (level.leadership_minutes) {
    const ways = level.leadership_by ?? DEFAULT_LEADERSHIP_BY;
    const hit = findEscalation((e) => e.role === 'leadership' && ways.includes(e.channel));
    const dueAt = start + level.leadership_minutes * MIN;
    const s = state(dueAt, hit?.t, now);
    // Read only when nothing counts: it explains the miss.
    const wrongWay = keep(s) && !hit ? findEscalation((e) => e.role === 'leadership' && !ways.includes(e.channel)) : undefined;
    if (keep(s))
      push(
        {
          kind: 'leadership',
          key: 'leadership',
          from: start,
          dueAt,
          ...(hit ? { doneAt: hit.t } : {}),
          pointer: hit ? `/escalations/${hit.idx}/at` : wrongWay ? `/escalations/${wrongWay.idx}/channel` : i.escalations ? '/escalations' : '/reported_at',
          who: sla?.leadership ?? [],
          detail: `the supervisor reports to leadership (相关领导) within ${level.leadership_minutes} min by ${ways.join(' or ')}${wrongWay && !hit ? ` (recorded by ${wrongWay.channel}, which does not count)` : ''}`,
        },
        s,
      );
  }

  const escDue = start + level.escalate_after_minutes * MIN;
  if (resolvedAt === undefined || resolvedAt > escDue) {
    const targets = level.escalate_to ?? [];
    const hit = findEscalation((e) => e.role === 'technical' || e.to.some((t) => targets.includes(t)));
    const s = state(escDue, hit?.t, now);
    if (keep(s))
      push(
        {
          kind: 'escalation',
          key: 'escalation',
          from: start,
          dueAt: escDue,
          ...(hit ? { doneAt: hit.t } : {}),
          pointer: hit ? `/escalations/${hit.idx}/at` : i.escalations ? '/escalations' : '/reported_at',
          who: targets,
          detail: `not resolved after ${level.escalate_after_minutes} min: escalate to ${targets.join(', ') || 'the technical engineers'}`,
        },
        s,
      );
  }

  if (level.update_every_minutes) {
    const args = [i, level.update_every_minutes, ackAt ?? start, resolvedAt, now, deviation('update'), latestUpdatesOnly ? 2 : MAX_UPDATE_WINDOWS] as const;
    if (mode === 'list') out.push(...updateDuties(...args));
    else summariseUpdates(summary, ...args);
  }

  if (resolvedAt !== undefined) {
    const feedbackDue = resolvedAt + (level.feedback_minutes ?? (level.report_due_hours ?? 24) * 60) * MIN;
    const verifiedAt = ms(i.verification?.at);
    const verifiedState = state(feedbackDue, verifiedAt, now);
    if (keep(verifiedState))
      push(
        {
          kind: 'verification',
          key: 'verification',
          from: resolvedAt,
          dueAt: feedbackDue,
          ...(verifiedAt !== undefined ? { doneAt: verifiedAt } : {}),
          pointer: i.verification ? '/verification/at' : '/resolved_at',
          who: [i.handler],
          detail: 'verify (验证) that the fault is cleared',
        },
        verifiedState,
      );
    // The earliest of the feedback and every feedback notification, without building a list.
    let fbAt = earliest(undefined, ms(i.feedback?.at));
    for (const n of i.notifications ?? []) if (n.duty === 'feedback') fbAt = earliest(fbAt, parseInstant(n.at));
    const fbState = state(feedbackDue, fbAt, now);
    if (keep(fbState))
      push(
        {
          kind: 'feedback',
          key: 'feedback',
          from: resolvedAt,
          dueAt: feedbackDue,
          ...(fbAt !== undefined ? { doneAt: fbAt } : {}),
          pointer: i.feedback ? '/feedback/at' : '/resolved_at',
          who: [i.handler],
          detail: `feed the result back (反馈) to ${i.reporter} and the people concerned`,
        },
        fbState,
      );
    if (level.report_due_hours) {
      const at = ms(i.report?.submitted_at);
      const dueAt = resolvedAt + level.report_due_hours * 3_600_000;
      const s = state(dueAt, at, now);
      if (keep(s))
        push(
          {
            kind: 'report',
            key: 'report',
            from: resolvedAt,
            dueAt,
            ...(at !== undefined ? { doneAt: at } : {}),
            pointer: i.report ? '/report/submitted_at' : '/resolved_at',
            who: [i.handler],
            detail: `submit the 故障报告单 within ${level.report_due_hours} h of resolution`,
          },
          s,
        );
    }
  }

  if (level.postmortem === 'required') {
    const ok = i.postmortem.status !== 'not_required';
    if (keep(ok ? 'met' : 'overdue'))
      out.push({
        kind: 'postmortem',
        key: 'postmortem',
        state: ok ? 'met' : 'overdue',
        pointer: '/postmortem/status',
        who: [i.handler],
        detail: 'a postmortem (复盘) is required at this level',
        ...deviation('postmortem'),
      });
  }
  return { duties: out, updates: summary };
}

type UpdateHit = { t: number; idx: number };

/**
 * Update windows: after acknowledgement, every window of `every` minutes
 * until resolution must hold at least one notification with duty `update`.
 * Calls `visit` for each window owed (at most the last `keep`), in order, with
 * the first update inside it. Pure.
 */
function scanUpdateWindows(
  i: IncidentDocument,
  every: number,
  from: number,
  resolvedAt: number | undefined,
  now: number,
  keep: number,
  visit: (k: number, lo: number, hi: number, hit: UpdateHit | undefined) => void,
): void {
  const len = every * MIN;
  const end = resolvedAt ?? now;
  const updates: UpdateHit[] = [];
  i.notifications?.forEach((n, idx) => {
    if (n.duty === 'update') updates.push({ t: parseInstant(n.at), idx });
  });
  updates.sort((a, b) => a.t - b.t);
  const windows = Math.max(0, Math.ceil((end - from) / len));
  const first = Math.max(1, windows - keep + 1);
  let u = 0;
  for (let k = first; k <= windows; k++) {
    const lo = from + (k - 1) * len;
    const hi = from + k * len;
    while (u < updates.length && updates[u]!.t <= lo) u++;
    const hit = u < updates.length && updates[u]!.t <= hi ? updates[u] : undefined;
    // The last window before resolution is not owed an update: the resolution itself is the news.
    const closing = resolvedAt !== undefined && hi >= resolvedAt;
    if (closing && !hit) break;
    visit(k, lo, hi, hit);
  }
}

const updateState = (hit: UpdateHit | undefined, hi: number, now: number): DutyState => (hit ? 'met' : hi < now ? 'overdue' : 'pending');
const updateDetail = (every: number, lo: number, hi: number) => `status update every ${every} min (window ${iso(lo)} – ${iso(hi)})`;
const missingUpdatePointer = (i: IncidentDocument) => (i.notifications ? '/notifications' : i.acknowledged_at ? '/acknowledged_at' : '/reported_at');

/** One `update` duty per window (the window still running is `pending`). Pure. */
function updateDuties(i: IncidentDocument, every: number, from: number, resolvedAt: number | undefined, now: number, dev: { deviation?: Duty['deviation'] }, keep: number): Duty[] {
  const out: Duty[] = [];
  scanUpdateWindows(i, every, from, resolvedAt, now, keep, (k, lo, hi, hit) => {
    out.push({
      kind: 'update',
      key: `update#${k}`,
      from: lo,
      dueAt: hi,
      ...(hit ? { doneAt: hit.t } : {}),
      state: updateState(hit, hi, now),
      pointer: hit ? `/notifications/${hit.idx}/at` : missingUpdatePointer(i),
      who: [i.handler],
      detail: updateDetail(every, lo, hi),
      ...dev,
    });
  });
  return out;
}

/** summariseUpdateDuties(updateDuties(...)), counted into `summary` without building the duties. Pure. */
function summariseUpdates(
  summary: UpdateSummary,
  i: IncidentDocument,
  every: number,
  from: number,
  resolvedAt: number | undefined,
  now: number,
  dev: { deviation?: Duty['deviation'] },
  keep: number,
): void {
  scanUpdateWindows(i, every, from, resolvedAt, now, keep, (_k, lo, hi, hit) => {
    const state = updateState(hit, hi, now);
    if (state === 'pending') return;
    summary.owed++;
    if (state !== 'overdue') return;
    if (summary.missed++ === 0) summary.first = { pointer: missingUpdatePointer(i), detail: updateDetail(every, lo, hi), ...dev };
  });
}

/** The SLA level entry for an incident's level. */
export function levelOf(sla: Pick<SlaDocument, 'levels'> | undefined, level: number): SlaLevel | undefined {
  return sla?.levels.find((l) => l.level === level);
}
