/**
 * One view per report section, in the section registry's order: what the
 * section's template (templates/sections/<id>.{html,md}.hbs) lays out. A new
 * section adds its function here. Pure.
 */
import { SECTION_IDS, type SectionId } from '../sections.ts';
import { renderBars } from './charts.ts';
import { formatValue } from './format-value.ts';
import type { ViewKit } from './view.ts';
import { viewAccess, viewBackups, viewIncidents, viewOncall, viewRunbooks } from './section-views-more.ts';
import { viewPatchCompliance } from './section-views-patch.ts';

type SectionView = Record<string, unknown>;

function viewChanges({ report, t, fmt, fvs, fv }: ViewKit): SectionView {
  const c = report.changes;
  const typeFigures = c.figures.filter((f) => f.id.startsWith('changes.by_type.'));
  const outcome = (o: string) => fmt.value('outcome', o);
  return {
    figures: fvs(c.figures.filter((f) => !f.id.startsWith('changes.by_'))),
    breakdown: fvs(c.figures.filter((f) => f.id.startsWith('changes.by_'))),
    type_chart: typeFigures.length
      ? renderBars(
          typeFigures.map((f) => ({ label: fmt.value('type', f.id.split('.').pop()!), value: f.value, text: formatValue(f, t) })),
          null,
          t('changes.by_type_chart'),
        )
      : '',
    list: c.changes.map((r) => ({
      id: r.change,
      title: r.title,
      type: fmt.value('type', r.type),
      risk: fmt.value('risk', r.risk),
      window: `${fmt.time(r.window_start)} — ${fmt.time(r.window_end)}`,
      pr: r.pr === null ? '' : `#${r.pr}`,
      approvers: r.approvers.map((a) => ({ name: fmt.person(a.person), id: a.person, at: fmt.time(a.at) })),
      gate: r.gate_status === 'none' ? t('val.gate.none') : `${fmt.value('gate', r.gate_status)}${r.gate_at ? ` · ${fmt.time(r.gate_at)}` : ''}`,
      gate_bad: r.gate_status !== 'satisfied',
      rules: r.rules.map((x) => ({ id: x.id, status: fmt.value('gate', x.status), requires: fmt.requires(x.requires), bad: x.status !== 'satisfied' })),
      cab: fmt.value('cab', r.cab),
      lead_time: r.lead_time_hours === null ? '' : fmt.hours(r.lead_time_hours),
      in_window: r.in_window === null ? '' : t(r.in_window ? 'val.yes' : 'val.no'),
      window_bad: r.in_window === false,
      outcome: outcome(r.outcome),
      outcome_bad: !['succeeded', 'not_executed', 'cancelled'].includes(r.outcome),
      evidence: r.evidence.map((id) => ({ id })),
    })),
    discrepancies: c.discrepancies.map((d) => ({
      change: d.change,
      closure: outcome(d.closure),
      records: outcome(d.records),
      run: d.run ?? t('reason.no_run'),
      evidence: d.evidence.map((id) => ({ id })),
    })),
    never_satisfiable: c.never_satisfiable.map((n) => ({
      change: n.change,
      pr: n.pr === null ? '' : `#${n.pr}`,
      at: fmt.time(n.at),
      rules: n.rules.map((r) => `${r.id} (${fmt.requires(r.requires)})`).join('; '),
      evidence: n.evidence.map((id) => ({ id })),
    })),
    emergency_not_run: c.emergency_not_run.map((e) => ({
      change: e.change,
      window: `${fmt.time(e.window_start)} — ${fmt.time(e.window_end)}`,
      approved_at: fmt.time(e.approved_at),
      reason: t(e.reason),
      evidence: e.evidence.map((id) => ({ id })),
    })),
    outside_window: c.outside_window.map((r) => ({
      change: r.change,
      run: r.run,
      started: fmt.time(r.started_at),
      finished: fmt.time(r.finished_at),
      window: `${fmt.time(r.window_start)} — ${fmt.time(r.window_end)}`,
      reason: t(r.reason),
    })),
    ungated: c.ungated.map((r) => ({ change: r.change, run: r.run, started: fmt.time(r.started_at), reason: t(r.reason) })),
    retro_overdue: c.retro_overdue.map((r) => ({ change: r.change, due: fmt.time(r.due) })),
    pir_missing: c.pir_missing.map((r) => ({ change: r.change, window_end: fmt.time(r.window_end) })),
    headline: fv(c.figures.find((f) => f.id === 'changes.total')!),
  };
}

function viewInspection({ report, t, fmt, fv, fvs }: ViewKit): SectionView {
  const ins = report.inspection;
  const bars = (rows: readonly { key: string; figure: Parameters<typeof fv>[0] }[], title: string) =>
    rows.length
      ? renderBars(
          rows.map((r) => ({ label: r.key, value: r.figure.value, text: formatValue(r.figure, t) })),
          100,
          title,
        )
      : '';
  const rows = (list: typeof ins.by_env) => list.map((r) => ({ key: r.key, figure: fv(r.figure) }));
  const framework = (name: 'djbh' | 'iso27001') => ({
    rows: ins.frameworks[name].rows.map((r) => ({
      control: r.control,
      title: report.language === 'zh-CN' ? r.title.zh : r.title.en,
      checks: r.checks.join(', '),
      sections: fmt.list(r.sections.map((x) => t(`section.${x}`))),
      figure: r.figure ? fv(r.figure) : null,
    })),
    uncovered: fmt.list(ins.frameworks[name].uncovered.map((u) => `${u.control} ${report.language === 'zh-CN' ? u.title.zh : u.title.en}`)),
    uncovered_count: ins.frameworks[name].uncovered.length,
  });
  const sch = ins.schedule;
  const f = ins.findings;
  return {
    basis: ins.run ? t('inspection.basis', { run: ins.run.run, at: fmt.time(ins.run.at) }) : t('inspection.no_run'),
    has_run: ins.run !== null,
    figures: fvs(ins.figures),
    schedule: sch.every_hours === null ? '' : t('inspection.schedule', { every: sch.every_hours, expected: sch.expected ?? 0, actual: sch.actual }),
    schedule_gaps: sch.gaps.map((g) => ({ from: fmt.time(g.from), to: fmt.time(g.to), hours: g.hours })),
    by_env: rows(ins.by_env),
    env_chart: bars(ins.by_env, t('inspection.by_env')),
    by_group: rows(ins.by_group),
    group_chart: bars(ins.by_group, t('inspection.by_group')),
    by_host: rows(ins.by_host),
    top_failing: ins.top_failing.map((r) => ({ check: r.check, title: r.title, severity: fmt.value('severity', r.severity), figure: fv(r.figure) })),
    findings: {
      figures: fvs(f.figures),
      baseline: f.baseline ? t('findings.baseline', { run: f.baseline.run, at: fmt.time(f.baseline.at) }) : '',
      open: f.open.map((x) => ({
        ...x,
        expected: fmt.stamps(x.expected),
        observed: fmt.stamps(x.observed),
        severity: fmt.value('severity', x.severity),
        status: fmt.value('result', x.status),
        lifecycle: x.lifecycle ? fmt.value('change', x.lifecycle) : '',
        since: fmt.value('since', x.since),
        is_new: x.since === 'new',
        evidence: x.evidence.map((id) => ({ id })),
      })),
      resolved: f.resolved.map((x) => ({ ...x, severity: fmt.value('severity', x.severity), evidence: x.evidence.map((id) => ({ id })) })),
      not_evaluated: f.not_evaluated.map((x) => ({ host: x.host, reason: fmt.unreachable(x.reason), checks: x.checks, evidence: x.evidence.map((id) => ({ id })) })),
    },
    exceptions: ins.exceptions.map((e) => ({ ...e, owner: fmt.person(e.owner), approver: fmt.person(e.approver), expires: fmt.time(e.expires), state_label: fmt.value('state', e.state) })),
    djbh: framework('djbh'),
    iso27001: framework('iso27001'),
  };
}

function viewNotes({ report, t, fmt }: ViewKit): SectionView {
  const n = report.notes;
  const refs = (ids: string[]) => ids.join(', ');
  return {
    present: n.present,
    missing: t('notes.missing', { path: n.path }),
    author: n.author ? t('notes.author', { name: fmt.person(n.author) }) : '',
    summary: n.summary,
    work_done: n.work_done.map((w) => ({ ...w, refs: refs(w.refs) })),
    problems: n.problems.map((w) => ({ ...w, refs: refs(w.refs) })),
    plan: n.improvement_plan.map((p) => ({ action: p.action, owner: fmt.person(p.owner), due: p.due, refs: refs(p.refs) })),
    attention: report.summary.attention.length,
    follow_ups: report.incidents.improvement_actions.map((a) => ({
      incident: a.incident,
      action: a.action,
      owner: fmt.person(a.owner),
      due: a.due,
      status: fmt.value('follow_up', a.status),
      overdue: a.overdue,
    })),
  };
}

const VIEWS: Record<SectionId, (kit: ViewKit) => SectionView> = {
  notes: viewNotes,
  changes: viewChanges,
  incidents: viewIncidents,
  duties: () => ({}),
  backup_verification: () => ({}),
  inspection: viewInspection,
  backups: viewBackups,
  patch_compliance: viewPatchCompliance,
  access: viewAccess,
  oncall: viewOncall,
  runbooks: viewRunbooks,
};

/** Sections each kind of report shows. The monthly report leads with the team's narrative. */
const SHOWN: Record<'audit' | 'monthly', readonly SectionId[]> = {
  audit: SECTION_IDS.filter((id) => id !== 'notes' && id !== 'duties' && id !== 'backup_verification'),
  monthly: SECTION_IDS.filter((id) => id !== 'duties' && id !== 'backup_verification'),
};

export function sectionViews(kit: ViewKit): Array<SectionView & { id: string; number: number; title: string; partial: string; provisional: boolean }> {
  return SHOWN[kit.report.kind].map((id, i) => ({
    id,
    number: i + 2,
    title: kit.t(`section.${id}`),
    partial: `sec-${id}`,
    provisional: kit.report.status.provisional,
    ...VIEWS[id](kit),
  }));
}
