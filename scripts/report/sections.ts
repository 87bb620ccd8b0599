/**
 * The report's sections, in reading order: each one a pure function of the
 * input for one period. To add a section (an incident escalation view, a
 * backup verification view, …): write its metrics file under metrics/, add an
 * entry here, a view in render/section-views.ts, a template pair
 * templates/sections/<id>.{html,md}.hbs, its strings, and its part of
 * schemas/report.schema.json. Nothing else needs to know about it.
 */
import { computeAccess } from './metrics/access.ts';
import { computeBackups } from './metrics/backups.ts';
import { computeBackupVerification } from './metrics/backup-verification.ts';
import { computeChanges } from './metrics/changes.ts';
import { computeDuties } from './metrics/duties.ts';
import { computeIncidents } from './metrics/incidents.ts';
import { computeInspection, type InspectionSection } from './metrics/inspection.ts';
import { computeNotes } from './metrics/notes.ts';
import { computeOncall, computeRunbooks } from './metrics/oncall.ts';
import { computePatchCompliance } from './metrics/patch-compliance.ts';
import type { Period } from './period.ts';
import type { ReportInput } from './types.ts';

export interface SectionContext {
  input: ReportInput;
  period: Period;
  /** The report's generated-at in ms: the "now" of every as-of figure. */
  now: number;
  /** A trend period: only the figures the key indicators need (lists and views are skipped). */
  light?: boolean;
}

/** What a section may read of the sections computed before it (backups and access read the inspection run the inspection section chose). */
interface Before {
  inspection?: InspectionSection;
}
type Compute<T> = (ctx: SectionContext, before: Before) => T;

function section<T>(compute: Compute<T>): Compute<T> {
  return compute;
}

export const SECTION_REGISTRY = {
  notes: section((c) => computeNotes(c.input, c.period)),
  changes: section((c) => computeChanges(c.input, c.period, c.now, { light: c.light })),
  incidents: section((c) => computeIncidents(c.input, c.period, c.now)),
  /** Reporting chain, notifications, handovers and vendors (第五章 故障处理): shown inside the incidents section. */
  duties: section((c) => computeDuties(c.input, { handovers: c.input.handovers ?? [], notifications: c.input.notifications ?? [] }, c.period, c.now)),
  inspection: section((c) => computeInspection(c.input, c.period, c.now, { light: c.light })),
  backups: section((c, b) => computeBackups(c.input, c.period, c.now, b.inspection?.run ?? null)),
  /** What backup verify proved (RTO measured, restic check, retention): shown inside the backups section. */
  backup_verification: section((c) => computeBackupVerification(c.input, c.period)),
  /** Advisory register, patch state and time to patch (issue 16 item 4; 等保 2.0 8.1.10.5). */
  patch_compliance: section((c) => computePatchCompliance(c.input, c.period, c.now)),
  access: section((c, b) => (c.light ? emptyAccess() : computeAccess(c.input, c.period, c.now, b.inspection?.run ?? null))),
  oncall: section((c) => computeOncall(c.input, c.period, c.now)),
  runbooks: section((c) => computeRunbooks(c.input, c.period, c.now)),
};

export type SectionId = keyof typeof SECTION_REGISTRY;
export type Sections = { [K in SectionId]: ReturnType<(typeof SECTION_REGISTRY)[K]> };
export const SECTION_IDS = Object.keys(SECTION_REGISTRY) as SectionId[];

/** Every section's metrics for one period, as of `now` (`light`: only what the key indicators need). Pure. */
function emptyAccess(): ReturnType<typeof computeAccess> {
  return { figures: [], grants: [], reviews_overdue: [], leavers: [], key_presence: [], review_contradictions: [], drift: [] };
}

export function computeSections(input: ReportInput, period: Period, now: number, light = false): Sections {
  const out: Record<string, unknown> = {};
  const ctx = { input, period, now, light };
  for (const id of SECTION_IDS) out[id] = SECTION_REGISTRY[id](ctx, out as Before);
  return out as unknown as Sections;
}

/**
 * The sections a trend period computes: those the key indicators (KPI_IDS in
 * build-report.ts) come from, and inspection, whose run backups reads. A test
 * holds every trend value to the figure of a full computation of that period.
 */
export const TREND_SECTION_IDS: readonly SectionId[] = ['changes', 'incidents', 'inspection', 'backups', 'oncall'];

/** A trend period's sections: only TREND_SECTION_IDS, each `light` (lists and views skipped). Pure. */
export function computeTrendSections(input: ReportInput, period: Period, now: number): Partial<Sections> {
  const out: Record<string, unknown> = {};
  const ctx = { input, period, now, light: true };
  for (const id of SECTION_IDS) if (TREND_SECTION_IDS.includes(id)) out[id] = SECTION_REGISTRY[id](ctx, out as Before);
  return out as Partial<Sections>;
}
