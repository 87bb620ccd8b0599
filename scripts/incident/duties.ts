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
  /** parseInstant of each notification's `at`, by index, when the caller has read them already (lint): the same times, not parsed twice. */
  notificationTimes?: readonly number[] | undefined;
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

/** What every duty of one incident is collected into: the list, the clock, and whether only missed duties are listed. */
interface Collecting {
  i: IncidentDocument;
  out: Duty[];
  now: number;
  /** 'missed' mode: only the late and overdue duties are described and listed. */
  missedOnly: boolean;
}

/** The incident's deviation entry accepting a miss of this duty, if any. */
function deviationFor(i: IncidentDocument, kind: DutyKind): Duty['deviation'] {
  const d = i.deviations?.find((x) => x.duty === kind);
  return d ? { reason: d.reason, approved_by: d.approved_by } : undefined;
}

/**
 * One clocked duty: its state from when it was due and when (if) it was done. A duty that is
 * kept (every one, or in 'missed' mode only the late and overdue) is described (its pointer,
 * who and words are built only then: they cost more than the decision) and listed with the
 * incident's deviation for its kind.
 */
function dueDuty(c: Collecting, kind: DutyKind, from: number, dueAt: number, doneAt: number | undefined, describe: () => Pick<Duty, 'pointer' | 'who' | 'detail'>): void {
  const s = state(dueAt, doneAt, c.now);
  if (c.missedOnly && s !== 'late' && s !== 'overdue') return;
  const { pointer, who, detail } = describe();
  const duty: Duty = { kind, key: kind, from, dueAt, ...(doneAt !== undefined ? { doneAt } : {}), pointer, who, detail, state: s };
  const deviation = deviationFor(c.i, kind);
  if (deviation) duty.deviation = deviation;
  c.out.push(duty);
}

type Escalation = NonNullable<IncidentDocument['escalations']>[number];

/** The index of the first escalation that passes the test, or -1. */
function firstEscalation(list: readonly Escalation[] | undefined, test: (e: Escalation) => boolean): number {
  if (list) for (let k = 0; k < list.length; k++) if (test(list[k]!)) return k;
  return -1;
}

/** Where a missing escalation is pointed at: the list, or the report when there is none. */
const escalationsPointer = (i: IncidentDocument) => (i.escalations ? '/escalations' : '/reported_at');

function collectDuties({ incident: i, level, sla, now, latestUpdatesOnly, notificationTimes }: DutyInput, mode: 'list' | 'summary' | 'missed'): { duties: Duty[]; updates: UpdateSummary } {
  const summary: UpdateSummary = { owed: 0, missed: 0 };
  if (!level) return { duties: [], updates: summary };
  const out: Duty[] = [];
  const c: Collecting = { i, out, now, missedOnly: mode === 'missed' };
  const start = clockStart(i);
  const resolvedAt = isResolved(i) ? (ms(i.resolved_at) ?? ms(i.closed_at)) : undefined;
  const listed = i.escalations;
  // The time of the escalation at `idx` (parsed for that one only), or undefined.
  const escalatedAt = (idx: number) => (idx < 0 ? undefined : parseInstant(listed![idx]!.at));

  const ackAt = ms(i.acknowledged_at);
  dueDuty(c, 'acknowledge', start, start + level.acknowledge_minutes * MIN, ackAt, () => ({
    pointer: i.acknowledged_at ? '/acknowledged_at' : '/reported_at',
    who: [i.handler],
    detail: `acknowledge within ${level.acknowledge_minutes} min of the report`,
  }));

  const toSupervisor = level.report_to_supervisor_minutes;
  if (toSupervisor) {
    const hit = firstEscalation(listed, (e) => e.role === 'supervisor');
    dueDuty(c, 'supervisor', start, start + toSupervisor * MIN, escalatedAt(hit), () => ({
      pointer: hit >= 0 ? `/escalations/${hit}/at` : escalationsPointer(i),
      who: sla?.supervisors ?? [],
      detail: `report to the supervisor (运维主管) within ${toSupervisor} min`,
    }));
  }

  const toLeadership = level.leadership_minutes;
  if (toLeadership) {
    const ways = level.leadership_by ?? DEFAULT_LEADERSHIP_BY;
    const hit = firstEscalation(listed, (e) => e.role === 'leadership' && ways.includes(e.channel));
    dueDuty(c, 'leadership', start, start + toLeadership * MIN, escalatedAt(hit), () => {
      // Read only when nothing counts: it explains the miss.
      const wrong = hit < 0 ? firstEscalation(listed, (e) => e.role === 'leadership' && !ways.includes(e.channel)) : -1;
      return {
        pointer: hit >= 0 ? `/escalations/${hit}/at` : wrong >= 0 ? `/escalations/${wrong}/channel` : escalationsPointer(i),
        who: sla?.leadership ?? [],
        detail: `the supervisor reports to leadership (相关领导) within ${toLeadership} min by ${ways.join(' or ')}${wrong >= 0 ? ` (recorded by ${listed![wrong]!.channel}, which does not count)` : ''}`,
      };
    });
  }

  const escDue = start + level.escalate_after_minutes * MIN;
  if (resolvedAt === undefined || resolvedAt > escDue) {
    const targets = level.escalate_to ?? [];
    const hit = firstEscalation(listed, (e) => e.role === 'technical' || e.to.some((t) => targets.includes(t)));
    dueDuty(c, 'escalation', start, escDue, escalatedAt(hit), () => ({
      pointer: hit >= 0 ? `/escalations/${hit}/at` : escalationsPointer(i),
      who: targets,
      detail: `not resolved after ${level.escalate_after_minutes} min: escalate to ${targets.join(', ') || 'the technical engineers'}`,
    }));
  }

  if (level.update_every_minutes) {
    const windows: UpdateWindows = {
      incident: i,
      every: level.update_every_minutes,
      from: ackAt ?? start,
      resolvedAt,
      now,
      deviation: deviationFor(i, 'update'),
      keep: latestUpdatesOnly ? 2 : MAX_UPDATE_WINDOWS,
      times: notificationTimes,
    };
    if (mode === 'list') out.push(...updateDuties(windows));
    else summariseUpdates(summary, windows);
  }

  if (resolvedAt !== undefined) {
    const feedbackDue = resolvedAt + (level.feedback_minutes ?? (level.report_due_hours ?? 24) * 60) * MIN;
    dueDuty(c, 'verification', resolvedAt, feedbackDue, ms(i.verification?.at), () => ({
      pointer: i.verification ? '/verification/at' : '/resolved_at',
      who: [i.handler],
      detail: 'verify (验证) that the fault is cleared',
    }));
    // The earliest of the feedback and every feedback notification, without building a list.
    let fbAt = earliest(undefined, ms(i.feedback?.at));
    const notifications = i.notifications;
    if (notifications)
      for (let k = 0; k < notifications.length; k++) if (notifications[k]!.duty === 'feedback') fbAt = earliest(fbAt, notificationTimes ? notificationTimes[k] : parseInstant(notifications[k]!.at));
    dueDuty(c, 'feedback', resolvedAt, feedbackDue, fbAt, () => ({
      pointer: i.feedback ? '/feedback/at' : '/resolved_at',
      who: [i.handler],
      detail: `feed the result back (反馈) to ${i.reporter} and the people concerned`,
    }));
    const reportHours = level.report_due_hours;
    if (reportHours)
      dueDuty(c, 'report', resolvedAt, resolvedAt + reportHours * 3_600_000, ms(i.report?.submitted_at), () => ({
        pointer: i.report ? '/report/submitted_at' : '/resolved_at',
        who: [i.handler],
        detail: `submit the 故障报告单 within ${reportHours} h of resolution`,
      }));
  }

  if (level.postmortem === 'required') {
    const ok = i.postmortem.status !== 'not_required';
    if (ok ? mode !== 'missed' : true) {
      const deviation = deviationFor(i, 'postmortem');
      out.push({
        kind: 'postmortem',
        key: 'postmortem',
        state: ok ? 'met' : 'overdue',
        pointer: '/postmortem/status',
        who: [i.handler],
        detail: 'a postmortem (复盘) is required at this level',
        ...(deviation ? { deviation } : {}),
      });
    }
  }
  return { duties: out, updates: summary };
}

type UpdateHit = { t: number; idx: number };

/** One incident's status-update windows, as updateDuties and summariseUpdates read them. */
interface UpdateWindows {
  incident: IncidentDocument;
  /** The window length, minutes. */
  every: number;
  /** When the first window starts (acknowledgement, else the report), ms. */
  from: number;
  resolvedAt: number | undefined;
  now: number;
  /** The incident's deviation entry accepting missed updates, if any. */
  deviation: Duty['deviation'];
  /** At most this many windows, the latest. */
  keep: number;
  /** parseInstant of each notification's `at`, by index, when the caller has them. */
  times: readonly number[] | undefined;
}

/**
 * Update windows: after acknowledgement, every window of `every` minutes
 * until resolution must hold at least one notification with duty `update`.
 * Calls `visit` for each window owed (at most the last `keep`), in order, with
 * the first update inside it. Pure.
 */
function scanUpdateWindows(w: UpdateWindows, visit: (k: number, lo: number, hi: number, hit: UpdateHit | undefined) => void): void {
  const { incident: i, every, from, resolvedAt, now, keep, times } = w;
  const len = every * MIN;
  const end = resolvedAt ?? now;
  const updates: UpdateHit[] = [];
  const notifications = i.notifications;
  if (notifications)
    for (let idx = 0; idx < notifications.length; idx++) if (notifications[idx]!.duty === 'update') updates.push({ t: times ? times[idx]! : parseInstant(notifications[idx]!.at), idx });
  // Notifications are usually written in time order: the sort (which copies the list) only when they are not.
  if (!ascending(updates)) updates.sort((a, b) => a.t - b.t);
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

/** Every time at least the one before it (false for NaN, which the sort must place as before). */
function ascending(updates: readonly UpdateHit[]): boolean {
  for (let k = 1; k < updates.length; k++) if (!(updates[k - 1]!.t <= updates[k]!.t)) return false;
  return true;
}

const updateState = (hit: UpdateHit | undefined, hi: number, now: number): DutyState => (hit ? 'met' : hi < now ? 'overdue' : 'pending');
const updateDetail = (every: number, lo: number, hi: number) => `status update every ${every} min (window ${iso(lo)} – ${iso(hi)})`;
const missingUpdatePointer = (i: IncidentDocument) => (i.notifications ? '/notifications' : i.acknowledged_at ? '/acknowledged_at' : '/reported_at');

/** One `update` duty per window (the window still running is `pending`). Pure. */
function updateDuties(w: UpdateWindows): Duty[] {
  const { incident: i, every, now, deviation } = w;
  const out: Duty[] = [];
  scanUpdateWindows(w, (k, lo, hi, hit) => {
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
      ...(deviation ? { deviation } : {}),
    });
  });
  return out;
}

/** summariseUpdateDuties(updateDuties(...)), counted into `summary` without building the duties. Pure. */
function summariseUpdates(summary: UpdateSummary, w: UpdateWindows): void {
  const { incident: i, every, now, deviation } = w;
  scanUpdateWindows(w, (_k, lo, hi, hit) => {
    const state = updateState(hit, hi, now);
    if (state === 'pending') return;
    summary.owed++;
    if (state !== 'overdue') return;
    if (summary.missed++ === 0) summary.first = { pointer: missingUpdatePointer(i), detail: updateDetail(every, lo, hi), ...(deviation ? { deviation } : {}) };
  });
}

/** The SLA level entry for an incident's level. */
export function levelOf(sla: Pick<SlaDocument, 'levels'> | undefined, level: number): SlaLevel | undefined {
  return sla?.levels.find((l) => l.level === level);
}
