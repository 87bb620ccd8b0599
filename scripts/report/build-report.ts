import { byKey, count, measure, type Figure } from './figure.ts';
import { buildManifest, collectFigures, type EvidenceItem } from './evidence.ts';
import { computeAccess, type AccessSection } from './metrics/access.ts';
import { computeBackups, type BackupsSection } from './metrics/backups.ts';
import { computeChanges, type ChangesSection } from './metrics/changes.ts';
import { computeDuties, type DutiesSection } from './metrics/duties.ts';
import { computeIncidents, type IncidentsSection } from './metrics/incidents.ts';
import { computeInspection, type InspectionSection } from './metrics/inspection.ts';
import { computeOncall, computeRunbooks, type OncallSection, type RunbooksSection } from './metrics/oncall.ts';
import { previousPeriods, type Period } from './period.ts';
import type { IntegrityProblem, ReportInput } from './types.ts';

export type ReportKind = 'audit' | 'monthly';
export type Language = 'zh-CN' | 'en';
export const REPORT_SCHEMA_VERSION = 1;
export const TREND_PERIODS = 6;

/** KPIs of the executive summary, each with a trend over the last periods. */
export const KPI_IDS = ['changes.total', 'changes.success_rate', 'changes.emergency_ratio', 'incidents.new', 'incidents.sla_attainment', 'inspection.compliance', 'backups.rpo_attainment', 'oncall.coverage_30d'] as const;

/** Figures whose expected value is zero: anything above zero is listed under "needs attention". */
export const ATTENTION_IDS = [
  'integrity.problems', 'documents.invalid', 'changes.outcome_discrepancies', 'changes.ungated', 'changes.outside_window', 'changes.never_satisfiable', 'changes.emergency_not_run', 'changes.retro_overdue', 'changes.pir_missing',
  'incidents.sla_breaches', 'incidents.postmortems_overdue', 'incidents.follow_ups_overdue', 'inspection.hosts_unreachable',
  'inspection.fail.critical', 'inspection.fail.high', 'exceptions.expired', 'exceptions.expiring_30d', 'backups.verification_overdue',
  'access.leavers_with_access', 'access.grants_expired', 'access.reviews_overdue', 'access.drift', 'oncall.gaps', 'runbooks.overdue',
] as const;

export interface Kpi {
  figure: Figure;
  trend: { period: string; figure: Figure }[];
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
  evidence_manifest_sha256: string;
  summary: { kpis: Kpi[]; attention: Figure[] };
  integrity: { figures: Figure[]; problems: IntegrityProblem[]; document_problems: ReportInput['documentProblems'] };
  evidence: EvidenceItem[];
}

export interface BuildOptions {
  kind: ReportKind;
  language: Language;
  period: Period;
  /** The report's generated-at (period end unless --at): also the "now" of every as-of figure. */
  generatedAt: string;
  toolVersion: string;
}

/** The report's per-area sections, computed by the metric functions. */
export interface Sections {
  changes: ChangesSection;
  incidents: IncidentsSection;
  /** Reporting chain, notifications, handovers and vendors (第五章 故障处理). */
  duties: DutiesSection;
  inspection: InspectionSection;
  backups: BackupsSection;
  access: AccessSection;
  oncall: OncallSection;
  runbooks: RunbooksSection;
}

/** Every section's metrics for one period, as of `now`. Pure. */
export function computeSections(input: ReportInput, period: Period, now: number): Sections {
  const inspection = computeInspection(input, period, now);
  return {
    changes: computeChanges(input, period, now),
    incidents: computeIncidents(input, period, now),
    duties: computeDuties(input, { handovers: input.handovers ?? [], notifications: input.notifications ?? [] }, period, now),
    inspection,
    backups: computeBackups(input, period, now, inspection.run),
    access: computeAccess(input, period, now, inspection.run),
    oncall: computeOncall(input, period, now),
    runbooks: computeRunbooks(input, period, now),
  };
}

/** Indexes a section set's figures by id (first occurrence wins), for KPI and attention look-ups. */
function indexFigures(sections: object): (id: string) => Figure {
  const byId = new Map<string, Figure>();
  for (const f of collectFigures(sections)) if (!byId.has(f.id)) byId.set(f.id, f);
  return (id) => byId.get(id) ?? measure(id, null, 'count', []);
}

/** The whole report as data: the JSON output, and what the templates lay out. Pure. */
export function buildReport(input: ReportInput, options: BuildOptions): Report {
  const { period } = options;
  const now = Date.parse(options.generatedAt);
  const sections = computeSections(input, period, now);
  const integrityFigures = [
    count('integrity.record_files', input.recordFiles.map((r) => r.path)),
    count('integrity.problems', input.integrity.map((p) => p.path), input.integrity.length, 'formula.integrity'),
    count('documents.invalid', input.documentProblems.map((d) => d.file), undefined, 'formula.documents_invalid'),
  ];
  const earlier = previousPeriods(period, TREND_PERIODS).slice(0, -1);
  const history = earlier.map((p) => ({ period: p, find: indexFigures(computeSections(input, p, Math.min(p.endMs, now))) }));
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
  const all = collectFigures({ sections, integrityFigures });
  const attention = ATTENTION_IDS.map((id) => all.find((f) => f.id === id)).filter((f): f is Figure => !!f && (f.value ?? 0) > 0);
  const report: Omit<Report, 'evidence' | 'evidence_manifest_sha256'> = {
    schema_version: REPORT_SCHEMA_VERSION,
    kind: options.kind,
    language: options.language,
    organisation: { id: input.organisation?.id ?? 'organisation', name: input.organisation?.data.name ?? '', repository_url: input.organisation?.data.repository_url ?? input.git.repositoryUrl ?? null },
    period: { id: period.id, start: period.start, end: period.end, timezone: period.timezone },
    generated_at: options.generatedAt,
    tool: { name: 'opsgate', version: options.toolVersion },
    repository: { commit: input.git.commit ?? null, url: input.git.repositoryUrl ?? input.organisation?.data.repository_url ?? null },
    summary: { kpis, attention },
    ...sections,
    integrity: { figures: integrityFigures, problems: [...input.integrity].sort(byKey((p) => `${p.path}|${String(p.line).padStart(9, '0')}`)), document_problems: input.documentProblems },
  };
  const manifest = buildManifest(report, input);
  return { ...report, evidence_manifest_sha256: manifest.sha256, evidence: manifest.items } as Report;
}
