/**
 * Patch compliance (及时更新补丁; 等保 2.0 8.1.10.5 漏洞和风险管理, ISO/IEC
 * 27001:2022 A.8.8): the advisory register (policies/advisories/) read with
 * the same due-date rule lint applies (scripts/rules/advisory-rules.ts), each
 * advisory's state as of the report's generated-at, and time to patch per
 * severity. Every figure is recomputable from the files it cites: the
 * advisory (severity, published), its linked change (closure outcome and
 * closed_at) or exception (expires). Pure.
 *
 * Definitions (the formulas in the string tables say the same):
 * - due: published + the severity's days (critical 7, high 30, medium 90, low 180), the whole due day counting;
 * - patched: the linked change installs one of the advisory's packages (installsFix, the rule lint
 *   applies) and is closed `succeeded` at or before generated-at; fixed on its closed_at;
 * - mitigated: not patched, not accepted, not overdue, and a change that mitigates it (remediation.mitigation,
 *   or a remediation.change that installs none of its packages) closed `succeeded` — the report says mitigated,
 *   never patched, and the patch clock keeps running (a mitigated advisory past its due day is overdue);
 * - accepted: not patched, and the linked exception has not expired at generated-at;
 * - overdue: neither, and the due day has passed at generated-at; open: neither, not yet due;
 * - days to patch: calendar days, in the organisation's time zone, from published to the day of closed_at;
 * - the period's figures on time and time to patch count advisories whose fix closed in the period.
 */
import { DateTime } from 'luxon';
import { advisoryDue, installsFix, PATCH_DUE_DAYS } from '../../rules/advisory-rules.ts';
import { byKey, count, measure, percent, quantile, type Figure } from '../figure.ts';
import { inPeriod, type Period } from '../period.ts';
import type { ReportInput } from '../types.ts';
import { maxOf } from '../../model/append.ts';

export const PATCH_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type PatchSeverity = (typeof PATCH_SEVERITIES)[number];
export type AdvisoryState = 'patched' | 'accepted' | 'overdue' | 'mitigated' | 'open';

export interface AdvisoryRow {
  id: string;
  title: string;
  references: string[];
  severity: PatchSeverity;
  packages: { name: string; fixed_version: string }[];
  published: string;
  due: string;
  state: AdvisoryState;
  change: string | null;
  /** The linked change's closure outcome, or null when it is not closed (or no change is linked). */
  change_outcome: string | null;
  /** The change that mitigated it without installing the fix (closed succeeded by generated-at), and when. */
  mitigation: string | null;
  mitigated_at: string | null;
  fixed_at: string | null;
  days_to_patch: number | null;
  on_time: boolean | null;
  exception: string | null;
  exception_expires: string | null;
  /** The advisory file, and the change or exception file its state rests on. */
  evidence: string[];
}

export interface SeverityRow {
  severity: PatchSeverity;
  due_days: number;
  advisories: Figure;
  patched: Figure;
  on_time: Figure;
  overdue: Figure;
  accepted: Figure;
  median: Figure;
  max: Figure;
}

export interface PatchComplianceSection {
  /** The control the section evidences. */
  controls: { djbh: string; iso27001: string };
  figures: Figure[];
  by_severity: SeverityRow[];
  advisories: AdvisoryRow[];
}

/** Calendar days from a date to the day an instant falls on, in `zone`. Pure. */
export function calendarDays(fromDate: string, at: string, zone: string): number {
  const from = DateTime.fromISO(fromDate, { zone }).startOf('day');
  const to = DateTime.fromISO(at, { setZone: true }).setZone(zone).startOf('day');
  return Math.round(to.diff(from, 'days').days);
}

function rowOf(a: NonNullable<ReportInput['advisories']>[number], input: ReportInput, zone: string, now: number): AdvisoryRow {
  const d = a.data;
  const due = advisoryDue(d.published, d.severity);
  const changeId = d.remediation?.change ?? null;
  const exceptionId = d.remediation?.exception ?? null;
  const change = changeId ? input.changes.find((c) => c.id === changeId) : undefined;
  const exception = exceptionId ? input.exceptions.find((e) => e.id === exceptionId) : undefined;
  const closure = change?.data.closure;
  const closedBy = (c: typeof change) => (c?.data.closure?.outcome === 'succeeded' && Date.parse(c.data.closure.closed_at) <= now ? c.data.closure.closed_at : null);
  const installs = change !== undefined && installsFix(change.data.steps, d.packages);
  const patched = installs && closedBy(change) !== null;
  // A workaround: the change the advisory files as a mitigation, or a "patch" that installs none of its packages.
  const mitigators = [...(change && !installs ? [change] : []), ...input.changes.filter((c) => c.id === d.remediation?.mitigation)];
  const mitigator = mitigators.find((c) => closedBy(c) !== null);
  const accepted = !patched && exception !== undefined && Date.parse(exception.data.expires) >= now;
  const dueEnd = DateTime.fromISO(due, { zone }).endOf('day').toMillis();
  const state: AdvisoryState = patched ? 'patched' : accepted ? 'accepted' : dueEnd < now ? 'overdue' : mitigator ? 'mitigated' : 'open';
  const fixedAt = patched ? closure!.closed_at : null;
  const days = fixedAt ? calendarDays(d.published, fixedAt, zone) : null;
  const evidence = [a.file, ...new Set([...(change ? [change.file] : []), ...mitigators.map((c) => c.file)]), ...(exception ? [exception.file] : [])];
  return {
    id: a.id,
    title: d.title,
    references: [...d.references],
    severity: d.severity,
    packages: d.packages.map((p) => ({ name: p.name, fixed_version: p.fixed_version })),
    published: d.published,
    due,
    state,
    change: changeId,
    change_outcome: closure?.outcome ?? null,
    mitigation: mitigator?.id ?? null,
    mitigated_at: mitigator ? closedBy(mitigator) : null,
    fixed_at: fixedAt,
    days_to_patch: days,
    on_time: fixedAt ? Date.parse(fixedAt) <= dueEnd : null,
    exception: exceptionId,
    exception_expires: exception?.data.expires ?? null,
    evidence,
  };
}

export function computePatchCompliance(input: ReportInput, period: Period, now: number): PatchComplianceSection {
  const zone = period.timezone;
  const lastDay = DateTime.fromMillis(period.endMs - 1, { zone }).toISODate()!;
  // The register as the period ends: advisories published by its last day.
  const advisories = (input.advisories ?? [])
    .filter((a) => a.data.published <= lastDay)
    .map((a) => rowOf(a, input, zone, now))
    .sort(byKey((r) => `${PATCH_SEVERITIES.indexOf(r.severity)}|${r.due}|${r.id}`));
  const fixedIn = advisories.filter((r) => r.fixed_at !== null && inPeriod(Date.parse(r.fixed_at), period));
  const state = (s: AdvisoryState) => advisories.filter((r) => r.state === s);
  const ev = (rows: AdvisoryRow[]) => rows.flatMap((r) => r.evidence);
  const onTime = fixedIn.filter((r) => r.on_time);
  const figures = [
    count('patch.advisories', ev(advisories), advisories.length, 'formula.patch_advisories'),
    count('patch.patched', ev(fixedIn), fixedIn.length, 'formula.patch_patched'),
    percent('patch.on_time', onTime.length, fixedIn.length, ev(fixedIn), 'formula.patch_on_time'),
    count('patch.overdue', ev(state('overdue')), state('overdue').length, 'formula.patch_overdue'),
    count('patch.accepted', ev(state('accepted')), state('accepted').length, 'formula.patch_accepted'),
    count('patch.mitigated', ev(state('mitigated')), state('mitigated').length, 'formula.patch_mitigated'),
    count('patch.open', ev(state('open')), state('open').length, 'formula.patch_open'),
  ];
  const by_severity = PATCH_SEVERITIES.map((severity): SeverityRow => {
    const all = advisories.filter((r) => r.severity === severity);
    const fixed = fixedIn.filter((r) => r.severity === severity);
    const days = fixed.map((r) => r.days_to_patch!);
    const of = (s: AdvisoryState) => all.filter((r) => r.state === s);
    return {
      severity,
      due_days: PATCH_DUE_DAYS[severity],
      advisories: count(`patch.${severity}.advisories`, ev(all), all.length, 'formula.patch_advisories'),
      patched: count(`patch.${severity}.patched`, ev(fixed), fixed.length, 'formula.patch_patched'),
      on_time: percent(`patch.${severity}.on_time`, fixed.filter((r) => r.on_time).length, fixed.length, ev(fixed), 'formula.patch_on_time'),
      overdue: count(`patch.${severity}.overdue`, ev(of('overdue')), of('overdue').length, 'formula.patch_overdue'),
      accepted: count(`patch.${severity}.accepted`, ev(of('accepted')), of('accepted').length, 'formula.patch_accepted'),
      median: measure(`patch.${severity}.ttp_median`, quantile(days, 0.5), 'days', ev(fixed), 'formula.patch_ttp_median'),
      max: measure(`patch.${severity}.ttp_max`, days.length ? maxOf(days) : null, 'days', ev(fixed), 'formula.patch_ttp_max'),
    };
  });
  return { controls: { djbh: '8.1.10.5', iso27001: 'A.8.8' }, figures, by_severity, advisories };
}
