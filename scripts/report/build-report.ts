import { computeGaps, markIncomplete, periodHasEvidence, type Gap } from './completeness.ts';
import { buildManifest, collectFigures, type EvidenceItem } from './evidence.ts';
import { byKey, count, measure, type Figure } from './figure.ts';
import { previousPeriods, type Period } from './period.ts';
import { computeSections, computeTrendSections, type Sections } from './sections.ts';
import type { HistoryProblem } from '../records/history.ts';
import type { IntegrityProblem, Provenance, ReportInput } from './types.ts';

export { computeSections, type Sections } from './sections.ts';
export type ReportKind = 'audit' | 'monthly';
export type Language = 'zh-CN' | 'en';
export const REPORT_SCHEMA_VERSION = 1;
export const TREND_PERIODS = 6;

/** KPIs of the executive summary, each with a trend over the last periods. */
export const KPI_IDS = [
  'changes.total',
  'changes.success_rate',
  'changes.emergency_ratio',
  'incidents.new',
  'incidents.sla_attainment',
  'inspection.compliance',
  'backups.rpo_attainment',
  'oncall.coverage_30d',
] as const;

/** Figures whose expected value is zero: anything above zero is listed under "needs attention". */
export const ATTENTION_IDS = [
  'integrity.problems',
  'integrity.history',
  'documents.invalid',
  'changes.outcome_discrepancies',
  'changes.ungated',
  'changes.outside_window',
  'changes.never_satisfiable',
  'changes.emergency_not_run',
  'changes.retro_overdue',
  'changes.pir_missing',
  'incidents.sla_breaches',
  'incidents.postmortems_overdue',
  'incidents.follow_ups_overdue',
  'inspection.hosts_unreachable',
  'inspection.fail.critical',
  'inspection.fail.high',
  'inspection.runs_missed',
  'exceptions.expired',
  'exceptions.expiring_30d',
  'backups.verification_overdue',
  'backups.rto_missed',
  'backups.check_failed',
  'patch.overdue',
  'access.leavers_with_access',
  'access.key_presence',
  'access.review_contradictions',
  'access.grants_expired',
  'access.reviews_overdue',
  'access.drift',
  'oncall.gaps',
  'runbooks.overdue',
] as const;

export interface Kpi {
  figure: Figure;
  trend: { period: string; figure: Figure }[];
}

/** What the cover says about the report's own footing. */
export interface ReportStatus {
  /** The period had not ended at generated-at: every figure may still change. */
  provisional: boolean;
  /** Nothing in the repository happened in the period: figures say "no data". */
  period_has_evidence: boolean;
  /** Inputs missing or unreadable, and the figures they leave incomplete. */
  gaps: Gap[];
  /** Evidence that is not what the cited commit holds (working tree vs HEAD). */
  provenance: Provenance;
}

export interface Report extends Sections {
  schema_version: number;
  kind: ReportKind;
  language: Language;
  organisation: { id: string; name: string; repository_url: string | null };
  period: { id: string; start: string; end: string; timezone: string };
  generated_at: string;
  tool: { name: 'opsgate'; version: string };
  repository: { commit: string | null; url: string | null };
  status: ReportStatus;
  /** Names of the people the report mentions, by id (the report shows names). */
  directory: { people: Record<string, string> };
  evidence_manifest_sha256: string;
  summary: { kpis: Kpi[]; attention: Figure[] };
  integrity: { figures: Figure[]; problems: IntegrityProblem[]; history: HistoryProblem[]; document_problems: ReportInput['documentProblems'] };
  evidence: EvidenceItem[];
}

export interface BuildOptions {
  kind: ReportKind;
  language: Language;
  period: Period;
  /** The report's generated-at (period end unless --at, or now for a period not yet ended): also the "now" of every as-of figure. */
  generatedAt: string;
  toolVersion: string;
}

/** A period with no evidence at all: every figure is "no data" rather than a count of nothing. Pure (mutates the sections given). */
function voidFigures<S extends Partial<Sections>>(sections: S): S {
  for (const f of collectFigures(sections)) {
    f.value = null;
    delete f.numerator;
    delete f.denominator;
  }
  return sections;
}

/** The sections of one period (a trend period's: only those the key indicators need), "no data" throughout when nothing happened in it. Pure. */
function sectionsFor<S extends Partial<Sections>>(
  input: ReportInput,
  period: Period,
  now: number,
  compute: (input: ReportInput, period: Period, now: number) => S,
): { sections: S; evidence: boolean } {
  const evidence = periodHasEvidence(input, period);
  const sections = compute(input, period, now);
  return { sections: evidence ? sections : voidFigures(sections), evidence };
}

/** Indexes a section set's figures by id (first occurrence wins), for KPI and attention look-ups. */
function indexFigures(sections: object): (id: string) => Figure {
  const byId = new Map<string, Figure>();
  for (const f of collectFigures(sections)) if (!byId.has(f.id)) byId.set(f.id, f);
  return (id) => byId.get(id) ?? measure(id, null, 'count', []);
}

/** Whether the report must exit 1: something an auditor would refuse to sign as is. */
export function needsAttention(r: Report): boolean {
  const p = r.status.provenance;
  return r.integrity.problems.length > 0 || r.integrity.history.length > 0 || r.status.gaps.length > 0 || !p.git || p.modified.length + p.deleted.length + p.untracked.length > 0;
}

/** The whole report as data: the JSON output, and what the templates lay out. Pure. */
export function buildReport(input: ReportInput, options: BuildOptions): Report {
  const { period } = options;
  const now = Date.parse(options.generatedAt);
  const { sections, evidence } = sectionsFor(input, period, now, computeSections);
  const integrityFigures = [
    // Every record file is pinned by the cited commit's tree (the cover's commit, checked against the working tree), not by
    // listing tens of thousands of files here; the files whose lines a figure cites are in Appendix B with their sha256.
    count('integrity.record_files', [], input.recordFiles.length, 'formula.record_files'),
    count(
      'integrity.record_lines',
      [],
      input.recordFiles.reduce((a, r) => a + r.lines, 0),
      'formula.record_lines',
    ),
    count(
      'integrity.problems',
      input.integrity.map((p) => p.path),
      input.integrity.length,
      'formula.integrity',
    ),
    count(
      'integrity.history',
      input.history.map((p) => p.path),
      input.history.length,
      'formula.integrity_history',
    ),
    count(
      'documents.invalid',
      input.documentProblems.map((d) => d.file),
      undefined,
      'formula.documents_invalid',
    ),
  ];
  const earlier = previousPeriods(period, TREND_PERIODS).slice(0, -1);
  const history = earlier.map((p) => ({ period: p, find: indexFigures(sectionsFor(input, p, Math.min(p.endMs, now), computeTrendSections).sections) }));
  const current = indexFigures(sections);
  const kpis: Kpi[] = KPI_IDS.map((id) => {
    const figure = current(id);
    const trend = history.map((h) => {
      const f = h.find(id);
      return { period: h.period.id, figure: { ...f, id: `trend.${h.period.id}.${id}` } };
    });
    trend.push({ period: period.id, figure });
    return { figure, trend };
  });
  const gaps = computeGaps(input, period, now, sections.changes, { inspectionEveryHours: input.organisation?.data.inspection_every_hours });
  markIncomplete(collectFigures({ sections, integrityFigures, kpis }), gaps);
  const all = collectFigures({ sections, integrityFigures });
  const attention = ATTENTION_IDS.map((id) => all.find((f) => f.id === id)).filter((f): f is Figure => !!f && (f.value ?? 0) > 0);
  const report: Omit<Report, 'evidence' | 'evidence_manifest_sha256'> = {
    schema_version: REPORT_SCHEMA_VERSION,
    kind: options.kind,
    language: options.language,
    organisation: {
      id: input.organisation?.id ?? 'organisation',
      name: input.organisation?.data.name ?? '',
      repository_url: input.organisation?.data.repository_url ?? input.git.repositoryUrl ?? null,
    },
    period: { id: period.id, start: period.start, end: period.end, timezone: period.timezone },
    generated_at: options.generatedAt,
    tool: { name: 'opsgate', version: options.toolVersion },
    repository: { commit: input.git.commit ?? null, url: input.git.repositoryUrl ?? input.organisation?.data.repository_url ?? null },
    status: { provisional: now < period.endMs, period_has_evidence: evidence, gaps, provenance: input.provenance },
    directory: { people: Object.fromEntries(input.people.map((p) => [p.id, p.data.name] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1))) },
    summary: { kpis, attention },
    ...sections,
    integrity: {
      figures: integrityFigures,
      problems: [...input.integrity].sort(byKey((p) => `${p.path}|${String(p.line).padStart(9, '0')}`)),
      history: input.history,
      document_problems: input.documentProblems,
    },
  };
  const manifest = buildManifest(report, input);
  return { ...report, evidence_manifest_sha256: manifest.sha256, evidence: manifest.items } as Report;
}
