/**
 * The view model: the report with every value formatted and every label
 * translated, so templates only lay out. Both the HTML and the Markdown
 * templates read this shape. Pure.
 */
import type { Kpi, Report } from '../build-report.ts';
import { TREND_PERIODS } from '../build-report.ts';
import type { Figure } from '../figure.ts';
import { createTranslator, type Translate } from '../strings/index.ts';
import { renderBars, renderSparkline, type Bar } from './charts.ts';

export interface FigureView {
  id: string;
  anchor: string;
  label: string;
  display: string;
  formula: string;
  evidence: { id: string; anchor: string }[];
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

export function formatValue(f: Figure, t: Translate): string {
  if (f.value === null) return t('no_data');
  switch (f.unit) {
    case 'percent':
      return `${f.value.toFixed(1)}% (${f.numerator}/${f.denominator})`;
    case 'hours':
    case 'minutes':
    case 'days':
      return `${f.value} ${t(`unit.${f.unit}`)}`;
    default:
      return String(f.value);
  }
}

export function buildView(report: Report) {
  const t = createTranslator(report.language);
  const fv = (f: Figure): FigureView => ({
    id: f.id,
    anchor: anchorOf(f.id),
    label: labelOf(f.id, t, report),
    display: formatValue(f, t),
    formula: f.formula ? t(f.formula) : '',
    evidence: f.evidence.map((e) => ({ id: e, anchor: e })),
  });
  const fvs = (list: readonly Figure[]) => list.map(fv);
  const tv = (prefix: string, v: string) => t(`${prefix}.${v}`);
  const bars = (rows: readonly { key: string; figure: Figure }[], title: string) =>
    rows.length ? renderBars(rows.map((r) => ({ label: r.key, value: r.figure.value, text: formatValue(r.figure, t) })), 100, title) : '';
  const kpi = (k: Kpi) => {
    const points: Bar[] = k.trend.map((p) => ({ label: p.period, value: p.figure.value, text: formatValue(p.figure, t) }));
    return {
      figure: fv(k.figure),
      trend: k.trend.map((p) => ({ period: p.period, figure: fv(p.figure) })),
      chart: renderSparkline(points, k.figure.unit === 'percent' ? 100 : null, labelOf(k.figure.id, t, report)),
    };
  };
  const c = report.changes;
  const i = report.incidents;
  const ins = report.inspection;
  const typeFigures = c.figures.filter((f) => f.id.startsWith('changes.by_type.'));
  const allFigures = collectAll(report).map(fv);
  return {
    lang: report.language,
    audit: report.kind === 'audit',
    title: t(`title.${report.kind}`),
    meta: {
      organisation: report.organisation.name || report.organisation.id,
      period: `${report.period.id} (${report.period.start} — ${report.period.end})`,
      period_id: report.period.id,
      timezone: report.period.timezone,
      repository: report.repository.url ?? t('unknown'),
      commit: report.repository.commit ?? t('unknown'),
      commit_url: report.repository.url && report.repository.commit ? `${report.repository.url.replace(/\.git$/, '')}/commit/${report.repository.commit}` : '',
      generated_at: report.generated_at,
      tool: `${report.tool.name} ${report.tool.version}`,
      manifest: report.evidence_manifest_sha256,
      language: report.language,
    },
    summary: {
      kpis_title: t('summary.kpis', { count: TREND_PERIODS }),
      kpis: report.summary.kpis.map(kpi),
      attention: fvs(report.summary.attention),
    },
    changes: {
      figures: fvs(c.figures),
      type_chart: typeFigures.length ? renderBars(typeFigures.map((f) => ({ label: tv('val.type', f.id.split('.').pop()!), value: f.value, text: formatValue(f, t) })), null, t('changes.by_type_chart')) : '',
      list: c.changes.map((r) => ({ ...r, id: r.change, type: tv('val.type', r.type), risk: tv('val.risk', r.risk), outcome: tv('val.outcome', r.outcome) })),
      discrepancies: c.discrepancies.map((d) => ({ ...d, closure: tv('val.outcome', d.closure), records: tv('val.outcome', d.records), run: d.run ?? t('reason.no_run') })),
      outside_window: c.outside_window.map((r) => ({ ...r, reason: t(r.reason) })),
      ungated: c.ungated.map((r) => ({ ...r, reason: t(r.reason) })),
      retro_overdue: c.retro_overdue,
      pir_missing: c.pir_missing,
    },
    incidents: {
      figures: fvs(i.figures),
      levels: i.levels.map((l) => ({
        name: levelName(l.level, report, t),
        ack_target: l.acknowledge_minutes === null ? t('no_data') : String(l.acknowledge_minutes),
        resolve_target: l.resolve_minutes === null ? t('no_data') : String(l.resolve_minutes),
        figures: fvs(l.figures),
      })),
      breaches: i.breaches.map((b) => ({ ...b, level: levelName(b.level, report, t), measure: tv('val.measure', b.measure), actual: b.actual_minutes === null ? t('incidents.still_running') : String(b.actual_minutes) })),
      postmortems_overdue: i.postmortems_overdue,
      follow_ups_overdue: i.follow_ups_overdue,
      list: i.incidents.map((r) => ({ ...r, level: levelName(r.level, report, t), status: tv('val.status', r.status) })),
    },
    duties: {
      figures: fvs(report.duties.figures),
      levels: report.duties.levels.map((l) => ({ name: levelName(l.level, report, t), figures: fvs(l.figures) })),
      missed: report.duties.missed.map((m) => ({ ...m, level: levelName(m.level, report, t), duty: t(`val.duty.${m.duty}`) })),
      handovers: report.duties.handovers,
      vendors: report.duties.vendors,
    },
    inspection: {
      basis: ins.run ? t('inspection.basis', { path: `${ins.run.path} · ${ins.run.run}`, at: ins.run.at }) : t('inspection.no_run'),
      has_run: ins.run !== null,
      figures: fvs(ins.figures),
      by_env: ins.by_env.map((r) => ({ key: r.key, figure: fv(r.figure) })),
      env_chart: bars(ins.by_env, t('inspection.by_env')),
      by_group: ins.by_group.map((r) => ({ key: r.key, figure: fv(r.figure) })),
      group_chart: bars(ins.by_group, t('inspection.by_group')),
      by_host: ins.by_host.map((r) => ({ key: r.key, figure: fv(r.figure) })),
      top_failing: ins.top_failing.map((r) => ({ check: r.check, title: r.title, severity: tv('val.severity', r.severity), figure: fv(r.figure) })),
      unreachable: ins.unreachable.map((u) => ({ host: u.host, reason: u.reason === 'not_inspected' ? t('reason.not_inspected') : u.reason })),
      exceptions: ins.exceptions.map((e) => ({ ...e, state_label: tv('val.state', e.state) })),
      djbh: ins.frameworks.djbh.map((r) => ({ control: r.control, checks: r.checks.join(', '), figure: fv(r.figure) })),
      iso27001: ins.frameworks.iso27001.map((r) => ({ control: r.control, checks: r.checks.join(', '), figure: fv(r.figure) })),
    },
    backups: {
      figures: fvs(report.backups.figures),
      policies: report.backups.policies.map((p) => ({
        ...p,
        figure: fv(p.figure),
        missed_text: p.missed.map((m) => `${m.host} (${m.max_gap_hours === null ? t('no_data') : m.max_gap_hours})`).join(', '),
        last_verified: p.last_verified || t('no_data'),
        verification: t(p.verification_overdue ? 'val.verification.overdue' : 'val.verification.ok'),
      })),
    },
    access: {
      figures: fvs(report.access.figures),
      grants: report.access.grants.map((g) => ({ ...g, state_label: tv('val.state', g.state) })),
      reviews_overdue: report.access.reviews_overdue,
      leavers: report.access.leavers.map((l) => ({ ...l, grants: l.grants.join(', ') })),
      drift: report.access.drift,
    },
    oncall: {
      figures: fvs(report.oncall.figures),
      horizon: t('oncall.horizon', { from: report.oncall.from, to: report.oncall.to }),
      gaps: report.oncall.gaps,
    },
    runbooks: { figures: fvs(report.runbooks.figures), overdue: report.runbooks.overdue },
    integrity: {
      figures: fvs(report.integrity.figures),
      ok: report.integrity.problems.length === 0,
      problems: report.integrity.problems,
      document_problems: report.integrity.document_problems,
    },
    all_figures: allFigures,
    evidence: report.evidence.map((e) => ({ ...e, seq: e.line ? String(e.line.seq) : '', line_hash: e.line?.hash ?? '', kind: tv('val.kind', e.kind), commit_short: e.commit ? e.commit.slice(0, 10) : '', commit_url: e.commit_url ?? '', pr: e.pr === null ? '' : `#${e.pr}`, pr_url: e.pr_url ?? '' })),
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
  visit({ c: report.changes, i: report.incidents, d: report.duties, s: report.inspection, b: report.backups, a: report.access, o: report.oncall, r: report.runbooks, g: report.integrity, k: report.summary.kpis });
  return out;
}
