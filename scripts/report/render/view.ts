/**
 * The view model: the report with every value formatted and every label
 * translated, so templates only lay out. Both the HTML and the Markdown
 * templates read this shape; each section's part comes from
 * section-views.ts, in the order of the section registry. Pure.
 */
import type { Kpi, Report } from '../build-report.ts';
import { TREND_PERIODS } from '../build-report.ts';
import { SECTION_IDS } from '../sections.ts';
import type { Figure } from '../figure.ts';
import { createTranslator, hasString, type Translate } from '../strings/index.ts';
import { renderSparkline, type Bar } from './charts.ts';
import { createFormatter, type Formatter } from './format.ts';
import { sectionViews } from './section-views.ts';
import { formatValue } from './format-value.ts';
import { formulaPolicyFiles } from './policy-files.ts';

export interface FigureView {
  id: string;
  anchor: string;
  label: string;
  display: string;
  formula: string;
  evidence: { id: string; anchor: string }[];
  incomplete: boolean;
  incomplete_text: string;
}

export function anchorOf(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function levelName(level: number, report: Report, t: Translate): string {
  if (report.language === 'zh-CN') return report.incidents.levels.find((l) => l.level === level)?.name || t('val.level', { level });
  return t('val.level', { level });
}

/** The translated label of a figure id, including the per-key families (environment, host, control, …). */
export function labelOf(id: string, t: Translate, report: Report): string {
  const trend = /^trend\.(\d{4}-\d{2})\.(.+)$/.exec(id);
  if (trend) return t('fig.trend', { label: labelOf(trend[2]!, t, report), period: trend[1]! });
  const level = /^(incidents|duties)\.level\.(\d)\.(\w+)$/.exec(id);
  if (level) return t(`fig.${level[1]}.level.${level[3]}`, { level: levelName(Number(level[2]), report, t) });
  for (const prefix of ['inspection.env', 'inspection.group', 'inspection.host', 'inspection.top', 'framework.djbh', 'framework.iso27001', 'backups.rpo']) {
    if (id.startsWith(prefix + '.')) return t(`fig.${prefix}`, { key: id.slice(prefix.length + 1) });
  }
  return t(`fig.${id}`);
}

export interface ViewKit {
  report: Report;
  t: Translate;
  fmt: Formatter;
  fv: (f: Figure) => FigureView;
  fvs: (list: readonly Figure[]) => FigureView[];
}

/** Short month labels for trend charts: 6月 / Jun. */
/** Where record history is checked from, in words: an emptied records/ or a Records-Reset commit (its reason quoted). */
function epochText(epoch: Report['status']['provenance']['epoch'], t: Translate, fmt: Formatter): string {
  if (!epoch) return '';
  const args = { commit: epoch.commit.slice(0, 10), at: fmt.time(epoch.at) };
  return epoch.reason !== undefined ? t('integrity.epoch_reset', { ...args, reason: epoch.reason }) : t('integrity.epoch', args);
}

function monthLabel(period: string, language: Report['language']): string {
  const m = Number(period.slice(5, 7));
  return language === 'zh-CN' ? `${m}月` : ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][m - 1]!;
}

export function buildView(report: Report) {
  const t = createTranslator(report.language);
  const fmt = createFormatter(report.language, report.period.timezone, report.directory.people, t, (k) => hasString(report.language, k));
  const policyFiles = formulaPolicyFiles(report.evidence);
  const fv = (f: Figure): FigureView => {
    const incomplete = (f.incomplete ?? []).length > 0;
    return {
      id: f.id,
      anchor: anchorOf(f.id),
      label: labelOf(f.id, t, report),
      display: formatValue(f, t) + (incomplete ? ` ${t('figure.incomplete_mark')}` : ''),
      formula: f.formula ? t(f.formula, policyFiles) : '',
      evidence: f.evidence.map((e) => ({ id: e, anchor: e })),
      incomplete,
      incomplete_text: incomplete ? fmt.list((f.incomplete ?? []).map((c) => t(`${c}.short`))) : '',
    };
  };
  const kit: ViewKit = { report, t, fmt, fv, fvs: (list) => list.map(fv) };
  const kpi = (k: Kpi) => {
    const points: Bar[] = k.trend.map((p) => ({ label: monthLabel(p.period, report.language), value: p.figure.value, text: formatValue(p.figure, t) }));
    return {
      figure: fv(k.figure),
      trend: k.trend.map((p) => ({ period: p.period, figure: fv(p.figure) })),
      chart: renderSparkline(points, k.figure.unit === 'percent' ? 100 : null, labelOf(k.figure.id, t, report), t('no_data')),
    };
  };
  const s = report.status;
  const p = s.provenance;
  const provenanceRows = [
    ...p.modified.map((path) => ({ path, state: t('provenance.modified') })),
    ...p.deleted.map((path) => ({ path, state: t('provenance.deleted') })),
    ...p.untracked.map((path) => ({ path, state: t('provenance.untracked') })),
  ];
  const title = t(`title.${report.kind}`);
  const organisation = report.organisation.name || report.organisation.id;
  const header = [organisation, title, report.period.id + (s.provisional ? ` (${t('status.provisional_short')})` : '')].join(' · ');
  return {
    lang: report.language,
    audit: report.kind === 'audit',
    monthly: report.kind === 'monthly',
    title,
    running_header: header,
    meta: {
      organisation,
      period: `${report.period.id} (${fmt.time(report.period.start)} — ${fmt.time(report.period.end)})`,
      period_id: report.period.id,
      timezone: report.period.timezone,
      repository: report.repository.url ?? t('unknown'),
      commit: report.repository.commit ?? t('unknown'),
      commit_url: report.repository.url && report.repository.commit ? `${report.repository.url.replace(/\.git$/, '')}/commit/${report.repository.commit}` : '',
      generated_at: fmt.time(report.generated_at),
      tool: `${report.tool.name} ${report.tool.version}`,
      manifest: report.evidence_manifest_sha256,
      language: report.language,
      generated_note: t(s.provisional ? 'meta.generated_note_provisional' : 'meta.generated_note'),
    },
    banners: {
      provisional: s.provisional ? t('status.provisional', { period: report.period.id, at: fmt.time(report.generated_at) }) : '',
      no_evidence: s.period_has_evidence ? '' : t('status.no_evidence', { period: report.period.id }),
      incomplete: s.gaps.length ? t('status.incomplete', { count: s.gaps.length }) : '',
      gaps: s.gaps.map((g) => ({ code: g.code, label: t(`${g.code}.short`), text: t(g.code), path: g.path ?? '', detail: g.detail })),
      provenance: !p.git
        ? t('status.not_git')
        : provenanceRows.length || report.integrity.history.length
          ? t('status.outside_git', { commit: (report.repository.commit ?? '').slice(0, 10), count: provenanceRows.length + report.integrity.history.length })
          : '',
      provenance_rows: provenanceRows,
      any: s.provisional || !s.period_has_evidence || s.gaps.length > 0 || !p.git || provenanceRows.length > 0 || report.integrity.history.length > 0,
    },
    summary: {
      kpis_title: t('summary.kpis', { count: TREND_PERIODS }),
      kpis: report.summary.kpis.map(kpi),
      attention: kit.fvs(report.summary.attention),
    },
    sections: sectionViews(kit),
    integrity: {
      figures: kit.fvs(report.integrity.figures),
      sampling: t('integrity.sampling', {
        files: report.integrity.figures.find((f) => f.id === 'integrity.record_files')?.value ?? 0,
        lines: report.integrity.figures.find((f) => f.id === 'integrity.record_lines')?.value ?? 0,
      }),
      ok: report.integrity.problems.length === 0,
      problems: report.integrity.problems.map((x) => ({ ...x, message: fmt.message(x.code, x.message) })),
      history_ok: report.integrity.history.length === 0,
      history: report.integrity.history.map((x) => ({ ...x, commit: x.commit?.slice(0, 10) ?? '', message: fmt.message(x.code, x.message) })),
      epoch: epochText(report.status.provenance.epoch, t, fmt),
      restarts: report.status.provenance.restarts.map((r) => ({ path: r.path, commit: r.commit.slice(0, 10) })),
      document_problems: report.integrity.document_problems.map((x) => ({ ...x, message: fmt.message(x.code, x.message) })),
    },
    all_figures: collectAll(report).map(fv),
    evidence: report.evidence.map((e) => ({
      ...e,
      seq: e.line ? String(e.line.seq) : '',
      line_hash: e.line?.hash ?? '',
      kind: t(`val.kind.${e.kind}`),
      commit_short: e.commit ? e.commit.slice(0, 10) : '',
      commit_url: e.commit_url ?? '',
      pr: e.pr === null ? '' : `#${e.pr}`,
      pr_url: e.pr_url ?? '',
    })),
  };
}

export type ReportView = ReturnType<typeof buildView>;

/** Every distinct figure of the report once, in reading order (section figures, rows, then trends). */
function collectAll(report: Report): Figure[] {
  const seen = new Set<string>();
  const out: Figure[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.id === 'string' && typeof o.unit === 'string' && Array.isArray(o.evidence)) {
        if (!seen.has(o.id)) {
          seen.add(o.id);
          out.push(o as unknown as Figure);
        }
      } else for (const k of Object.keys(o)) if (k !== 'evidence') visit(o[k]);
    }
  };
  for (const id of SECTION_IDS) visit(report[id]);
  visit({ g: report.integrity, k: report.summary.kpis });
  return out;
}
