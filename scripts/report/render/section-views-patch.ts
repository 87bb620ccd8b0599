/**
 * The view of the patch compliance section (scripts/report/metrics/patch-compliance.ts): what
 * templates/sections/patch_compliance.{html,md}.hbs lay out. Pure.
 */
import { PATCH_DUE_DAYS } from '../../rules/advisory-rules.ts';
import type { ViewKit } from './view.ts';

export function viewPatchCompliance({ report, t, fmt, fv, fvs }: ViewKit): Record<string, unknown> {
  const p = report.patch_compliance;
  return {
    basis: t('patch.basis', { at: fmt.time(report.generated_at), ...PATCH_DUE_DAYS, djbh: p.controls.djbh, iso: p.controls.iso27001 }),
    figures: fvs(p.figures),
    any: p.advisories.length > 0,
    by_severity: p.by_severity.map((s) => ({
      severity: fmt.value('severity', s.severity),
      due_days: t('patch.days', { days: s.due_days }),
      advisories: fv(s.advisories),
      patched: fv(s.patched),
      on_time: fv(s.on_time),
      overdue: fv(s.overdue),
      overdue_bad: (s.overdue.value ?? 0) > 0,
      accepted: fv(s.accepted),
      median: fv(s.median),
      max: fv(s.max),
    })),
    advisories: p.advisories.map((a) => ({
      id: a.id,
      title: a.title,
      references: a.references.join(', '),
      reference_list: a.references,
      package_list: a.packages,
      severity: fmt.value('severity', a.severity),
      packages: fmt.list(a.packages.map((x) => `${x.name} ${x.fixed_version}`)),
      published: a.published,
      due: a.due,
      state: fmt.value('patch_state', a.state),
      state_bad: a.state === 'overdue',
      remediation: fmt.list([
        a.change ? `${a.change}${a.change_outcome ? ` (${fmt.value('outcome', a.change_outcome)})` : ''}` : '',
        a.exception ? t('patch.exception_until', { id: a.exception, at: fmt.time(a.exception_expires) }) : '',
        a.mitigation && a.mitigation !== a.change ? t('patch.mitigated_by', { id: a.mitigation }) : '',
      ]),
      change_text: [
        a.change ? `${a.change}${a.change_outcome ? ` (${fmt.value('outcome', a.change_outcome)})` : ''}` : '',
        a.mitigation && a.mitigation !== a.change ? t('patch.mitigated_by', { id: a.mitigation }) : '',
      ]
        .filter(Boolean)
        .join('; '),
      exception: a.exception ?? '',
      exception_until: a.exception ? fmt.time(a.exception_expires) : '',
      fixed: fmt.time(a.fixed_at),
      days: a.days_to_patch === null ? '' : t('patch.days', { days: a.days_to_patch }),
      on_time: a.on_time === null ? '' : t(a.on_time ? 'val.yes' : 'val.no'),
      late: a.on_time === false,
      evidence: a.evidence.map((id) => ({ id })),
    })),
  };
}
