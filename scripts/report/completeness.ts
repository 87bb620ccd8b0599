/**
 * Whether a figure's inputs were all there. A figure computed with an input
 * missing or unreadable — a document that did not load, a broken or rewritten
 * record, a deleted record file, a closure with no execution record behind
 * it, an inspection run that should be there and is not — is marked
 * incomplete on itself and listed on the cover, and the command exits 1: an
 * input that is missing must never make a KPI look better silently. Pure.
 */
import { matchKind } from '../repo/kinds.ts';
import type { Figure } from './figure.ts';
import { HOUR, inPeriod, ms, type Period } from './period.ts';
import type { ChangesSection } from './metrics/changes.ts';
import type { ReportInput } from './types.ts';

export type GapCode =
  | 'gap.document_invalid'
  | 'gap.record_broken'
  | 'gap.commit_missing'
  | 'gap.record_rewritten'
  | 'gap.evidence_deleted'
  | 'gap.closure_without_record'
  | 'gap.gate_decision_missing'
  | 'gap.inspection_stale'
  | 'gap.inspection_run_missing'
  | 'gap.unknown_host';

export interface Gap {
  code: GapCode;
  /** The file the gap is about, when there is one. */
  path: string | null;
  /** A run, change or line the gap names (not translated). */
  detail: string;
  /** Figure ids (or id prefixes ending in '.') the gap makes incomplete. */
  affects: string[];
}

const ALL_INSPECTION = ['inspection.', 'framework.', 'findings.', 'access.drift', 'backups.'];
const BY_KIND: Record<string, string[]> = {
  change: ['changes.'],
  approval: ['changes.'],
  incident: ['incidents.'],
  sla: ['incidents.'],
  host: ['inspection.', 'framework.', 'findings.', 'backups.', 'access.'],
  group: ['inspection.', 'backups.', 'access.'],
  baseline: ['inspection.', 'framework.', 'findings.', 'backups.'],
  exception: ['inspection.', 'exceptions.', 'findings.', 'framework.'],
  'backup-policy': ['backups.'],
  person: ['access.', 'oncall.', 'changes.'],
  grant: ['access.'],
  role: ['access.'],
  'access-review': ['access.'],
  oncall: ['oncall.'],
  runbook: ['runbooks.'],
  calendar: [''],
  organisation: [],
};
const BY_FAMILY: Record<string, string[]> = {
  gate: ['changes.'],
  changes: ['changes.'],
  inspections: [...ALL_INSPECTION, 'access.'],
  backups: ['backups.'],
  converge: ['access.'],
  other: [],
};
const BY_FOLDER: Record<string, string[]> = {
  changes: ['changes.'],
  incidents: ['incidents.'],
  inventory: ['inspection.', 'framework.', 'findings.', 'backups.'],
  runbooks: ['runbooks.'],
  policies: [''],
};

/** The figures a file feeds, by its kind (documents) or family (records). Pure. */
export function affectedBy(path: string): string[] {
  if (path.startsWith('records/')) return BY_FAMILY[path.split('/')[1] ?? 'other'] ?? [];
  const kind = matchKind(path)?.kind;
  if (kind) return BY_KIND[kind] ?? [];
  return BY_FOLDER[path.split('/')[0] ?? ''] ?? [];
}

export interface GapOptions {
  /** How often the fleet is inspected (policies/organisation.yaml inspection_every_hours); undefined: no schedule. */
  inspectionEveryHours: number | undefined;
}

/** Every gap in the inputs of one period's report. Pure. */
export function computeGaps(input: ReportInput, period: Period, now: number, changes: ChangesSection, options: GapOptions): Gap[] {
  const gaps: Gap[] = [];
  for (const d of input.documentProblems) gaps.push({ code: 'gap.document_invalid', path: d.file, detail: `${d.line}: ${d.code}`, affects: affectedBy(d.file) });
  const broken = new Set<string>();
  const cites = new Set<string>();
  for (const p of input.integrity)
    if (p.code === 'record.commit-missing' || p.code === 'record.history-bundle') {
      // A record citing a commit no one can open: what it says cannot be followed to the change it judged or applied.
      if (cites.has(p.path)) continue;
      cites.add(p.path);
      gaps.push({ code: 'gap.commit_missing', path: p.path, detail: `${p.line}: ${/[0-9a-f]{12}/.exec(p.message)?.[0] ?? p.code}`, affects: affectedBy(p.path) });
    } else if (!broken.has(p.path)) {
      broken.add(p.path);
      gaps.push({ code: 'gap.record_broken', path: p.path, detail: `${p.line}: ${p.code}`, affects: affectedBy(p.path) });
    }
  for (const h of input.history) {
    if (h.code === 'record.history.rewritten') gaps.push({ code: 'gap.record_rewritten', path: h.path, detail: `${h.line}: ${h.commit?.slice(0, 10) ?? ''}`, affects: affectedBy(h.path) });
    if (h.code === 'record.history.deleted') gaps.push({ code: 'gap.evidence_deleted', path: h.path, detail: h.commit?.slice(0, 10) ?? '', affects: affectedBy(h.path) });
  }
  for (const path of input.provenance.deleted)
    if (!path.startsWith('records/')) gaps.push({ code: 'gap.evidence_deleted', path, detail: input.provenance.head?.slice(0, 10) ?? '', affects: affectedBy(path) });
  for (const id of changes.missing_records) {
    gaps.push({
      code: 'gap.closure_without_record',
      path: input.changes.find((c) => c.id === id)?.file ?? null,
      detail: id,
      affects: ['changes.success_rate', 'changes.failure_rate', 'changes.rollback_rate', 'changes.outcome_discrepancies', 'changes.outside_window', 'changes.ungated'],
    });
  }
  const decisions = new Set(input.gateDecisions.map((d) => `${d.path}:${d.line}`));
  for (const r of input.executions) {
    if (!r.gate_decision || r.dry_run || !inPeriod(ms(r.started_at), period) || decisions.has(r.gate_decision)) continue;
    gaps.push({
      code: 'gap.gate_decision_missing',
      path: r.path,
      detail: r.gate_decision,
      affects: ['changes.ungated', 'changes.approval_latency_median', 'changes.lead_time_median', 'changes.lead_time_p90'],
    });
  }
  const runs = input.inspections.filter((r) => (ms(r.at) ?? Infinity) < period.endMs);
  const ids = new Set(runs.map((r) => r.run));
  // First and last by instant, not by text: a record may write its time with any offset.
  const firstRun = runs.reduce<(typeof runs)[number] | undefined>((m, r) => (m === undefined || (ms(r.at) ?? Infinity) < (ms(m.at) ?? Infinity) ? r : m), undefined);
  for (const r of runs) {
    if (!inPeriod(ms(r.at), period) || !r.previous_run || ids.has(r.previous_run) || r === firstRun) continue;
    gaps.push({ code: 'gap.inspection_run_missing', path: r.path, detail: `${r.run} → ${r.previous_run}`, affects: ALL_INSPECTION });
  }
  // An inspection of the period naming a host no inventory file names: its results are not counted, and it is said.
  const inventory = new Set(input.hosts.map((h) => h.id));
  for (const r of runs)
    if (inPeriod(ms(r.at), period)) for (const h of r.hosts) if (!inventory.has(h)) gaps.push({ code: 'gap.unknown_host', path: r.path, detail: `${r.run} ${h}`, affects: ALL_INSPECTION });
  const every = options.inspectionEveryHours;
  const inside = runs.filter((r) => inPeriod(ms(r.at), period));
  const last = inside.reduce<string | undefined>((m, r) => (m === undefined || ms(r.at)! > ms(m)! ? r.at : m), undefined);
  const horizon = Math.min(period.endMs, now);
  if (every && last !== undefined && horizon - ms(last)! > every * 1.5 * HOUR) {
    gaps.push({ code: 'gap.inspection_stale', path: null, detail: last, affects: ALL_INSPECTION });
  }
  return gaps;
}

function matches(id: string, affects: readonly string[]): boolean {
  const bare = id.replace(/^trend\.\d{4}-\d{2}\./, '');
  return affects.some((a) => (a.endsWith('.') || a === '' ? bare.startsWith(a) : bare === a));
}

/** Marks each figure the gaps affect (in place) with the gaps' codes. Trend figures of earlier periods only take period-independent gaps. Pure. */
export function markIncomplete(figures: Iterable<Figure>, gaps: readonly Gap[]): void {
  const periodOnly = new Set<GapCode>(['gap.inspection_stale', 'gap.inspection_run_missing', 'gap.gate_decision_missing', 'gap.closure_without_record']);
  for (const f of figures) {
    const isTrend = f.id.startsWith('trend.');
    const codes = [...new Set(gaps.filter((g) => (!isTrend || !periodOnly.has(g.code)) && matches(f.id, g.affects)).map((g) => g.code))].sort();
    if (codes.length) f.incomplete = [...new Set([...(f.incomplete ?? []), ...codes])].sort();
  }
}

/** Whether anything happened in the period that the repository holds evidence of. Pure. */
export function periodHasEvidence(input: ReportInput, period: Period): boolean {
  const inside = (t: string | undefined) => inPeriod(ms(t), period);
  return (
    input.executions.some((r) => inside(r.started_at)) ||
    input.gateDecisions.some((d) => inside(d.at)) ||
    input.inspections.some((r) => inside(r.at)) ||
    input.backups.some((b) => inside(b.at)) ||
    input.converge.some((c) => inside(c.at)) ||
    input.changes.some((c) => inside(c.data.window.start)) ||
    input.incidents.some((i) => inside(i.data.detected_at) || inside(i.data.resolved_at ?? undefined))
  );
}
