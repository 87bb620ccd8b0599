/** Views of the incident, backup, access, on-call and runbook sections (see section-views.ts). Pure. */
import type { ViewKit } from './view.ts';

type SectionView = Record<string, unknown>;
const ids = (list: readonly string[]) => list.map((id) => ({ id }));

export function viewIncidents({ report, t, fmt, fv, fvs }: ViewKit): SectionView {
  const i = report.incidents;
  const levelName = (level: number) => (report.language === 'zh-CN' ? i.levels.find((l) => l.level === level)?.name || t('val.level', { level }) : t('val.level', { level }));
  return {
    // The duties (reporting chain, notifications, handovers, vendors) are rendered inside this section.
    duties: {
      figures: fvs(report.duties.figures),
      levels: report.duties.levels.map((l) => ({ name: levelName(l.level), figures: fvs(l.figures) })),
      // Times in the report's zone, people by name (issue 14 item 16).
      missed: report.duties.missed.map((m) => ({ ...m, level: levelName(m.level), duty: t(`val.duty.${m.duty}`), due: fmt.time(m.due), deviation_by: fmt.person(m.deviation_by) })),
      handovers: report.duties.handovers,
      vendors: report.duties.vendors.map((v) => ({ ...v, called_at: fmt.time(v.called_at) })),
    },
    figures: fvs(i.figures),
    levels: i.levels.map((l) => ({
      name: levelName(l.level),
      ack_target: l.acknowledge_minutes === null ? t('no_data') : String(l.acknowledge_minutes),
      resolve_target: l.resolve_minutes === null ? t('no_data') : String(l.resolve_minutes),
      figures: l.figures.map(fv),
    })),
    breaches: i.breaches.map((b) => ({
      incident: b.incident,
      level: levelName(b.level),
      measure: fmt.value('measure', b.measure),
      target: b.target_minutes,
      actual: b.actual_minutes === null ? t('incidents.still_running') : String(b.actual_minutes),
    })),
    postmortems_overdue: i.postmortems_overdue.map((p) => ({ incident: p.incident, due: p.due })),
    improvement: i.improvement_actions.map((a) => ({
      incident: a.incident,
      follow_up: a.follow_up,
      action: a.action,
      owner: fmt.person(a.owner),
      due: a.due,
      status: fmt.value('follow_up', a.status),
      overdue: a.overdue,
    })),
    root_causes: i.root_causes.map((r) => ({ incident: r.incident, level: levelName(r.level), title: r.title, root_cause: r.root_cause })),
    list: i.incidents.map((r) => ({
      id: r.id,
      title: r.title,
      level: levelName(r.level),
      status: fmt.value('status', r.status),
      detected: fmt.time(r.detected_at),
      resolved: fmt.time(r.resolved_at),
    })),
  };
}

export function viewBackups({ report, t, fmt, fv, fvs }: ViewKit): SectionView {
  return {
    figures: fvs(report.backups.figures),
    policies: report.backups.policies.map((p) => ({
      policy: p.policy,
      title: p.title,
      rpo: p.rpo_hours,
      rto: p.rto_hours,
      figure: fv(p.figure),
      missed: fmt.list(p.missed.map((m) => `${m.host} (${m.max_gap_hours === null ? t('no_data') : fmt.hours(m.max_gap_hours)})`)),
      last_verified: p.last_verified ? fmt.time(p.last_verified) : t('no_data'),
      verification: t(p.verification_overdue ? 'val.verification.overdue' : 'val.verification.ok'),
      overdue: p.verification_overdue,
      restore_tests: p.restore_tests.map((r) => ({
        host: r.host,
        at: fmt.time(r.at),
        result: t(r.ok ? 'val.result.pass' : 'val.result.fail'),
        ok: r.ok,
        duration:
          r.duration_hours === null
            ? t('no_data')
            : r.duration_hours * 3600 < 60
              ? `${Math.round(r.duration_hours * 36000) / 10} ${t('unit.seconds')}`
              : r.duration_hours < 1
                ? `${Math.round(r.duration_hours * 3600)} ${t('unit.seconds')}`
                : fmt.hours(r.duration_hours),
        within_rto: r.within_rto === null ? t('no_data') : t(r.within_rto ? 'val.yes' : 'val.no'),
        rto_bad: r.within_rto === false,
        evidence: ids(r.evidence),
      })),
      checks: p.checks.map((c) => ({ host: c.host, at: fmt.time(c.at), result: t(c.ok ? 'val.result.pass' : 'val.result.fail'), ok: c.ok, evidence: ids(c.evidence) })),
    })),
    // What backup verify proved (scripts/report/metrics/backup-verification.ts), rendered inside this section.
    verification: viewBackupVerification({ report, t, fmt, fv, fvs } as ViewKit),
  };
}

function viewBackupVerification({ report, t, fmt, fvs }: ViewKit) {
  const v = report.backup_verification;
  const yesNo = (b: boolean | null) => (b === null ? t('no_data') : t(b ? 'val.yes' : 'val.no'));
  return {
    figures: fvs(v.figures),
    rows: v.rows.map((r) => ({
      policy: r.policy,
      host: r.host,
      restore: r.restore
        ? {
            at: fmt.time(r.restore.at),
            ok: r.restore.ok,
            result: t(r.restore.ok ? 'val.result.pass' : 'val.result.fail'),
            duration: r.restore.seconds === null ? t('no_data') : `${Math.round(r.restore.seconds * 10) / 10} ${t('unit.seconds')}`,
            rto: `${r.restore.rto_hours} h`,
            rto_met: yesNo(r.restore.rto_met),
            rto_bad: r.restore.rto_met === false,
            evidence: ids(r.restore.evidence),
          }
        : null,
      retention: r.retention
        ? {
            ok: r.retention.ok,
            result: t(r.retention.ok ? 'val.result.pass' : 'val.result.fail'),
            kept: r.retention.kept,
            to_prune: r.retention.would_remove,
            missing: r.retention.missing,
            evidence: ids(r.retention.evidence),
          }
        : null,
    })),
    checks: v.checks.map((c) => ({
      policy: c.policy,
      host: c.host,
      at: fmt.time(c.at),
      ok: c.ok,
      result: t(c.ok ? 'val.result.pass' : 'val.result.fail'),
      data: c.read_data_subset ?? t('val.bv.all_data'),
      errors: c.errors.slice(0, 3).join(' / '),
      evidence: ids(c.evidence),
    })),
  };
}

export function viewAccess({ report, t, fmt, fvs }: ViewKit): SectionView {
  const a = report.access;
  return {
    figures: fvs(a.figures),
    leavers: a.leavers.map((l) => ({ name: fmt.person(l.person), id: l.person, left_on: l.left_on, grants: fmt.list(l.grants), hosts: fmt.list(l.hosts) })),
    key_presence: a.key_presence.map((k) => ({
      name: fmt.person(k.person),
      id: k.person,
      where: `${k.account}@${k.host}`,
      why: fmt.value('why', k.why),
      from: (k.since_before ? t('access.since_before') + ' ' : '') + fmt.time(k.first_seen),
      to: k.removed_at
        ? t('access.removed_at', { at: fmt.time(k.removed_at) })
        : k.present_at_end
          ? t('access.still_present', { at: fmt.time(k.last_seen) })
          : t('access.last_seen', { at: fmt.time(k.last_seen) }),
      bad: k.present_at_end,
      evidence: ids(k.evidence),
    })),
    review_contradictions: a.review_contradictions.map((c) => ({
      review: c.review,
      performed_on: c.performed_on,
      reviewer: fmt.person(c.reviewer),
      name: fmt.person(c.person),
      where: `${c.account}@${c.host}`,
      seen_at: fmt.time(c.seen_at),
      evidence: ids(c.evidence),
    })),
    reviews_overdue: a.reviews_overdue.map((r) => ({ id: r.id, period: r.period, reviewer: fmt.person(r.reviewer), due: r.due })),
    drift: a.drift,
    grants: a.grants.map((g) => ({ id: g.id, name: fmt.person(g.person), role: g.role, expires: fmt.time(g.expires), state: fmt.value('state', g.state) })),
  };
}

export function viewOncall({ report, t, fmt, fvs }: ViewKit): SectionView {
  return {
    figures: fvs(report.oncall.figures),
    horizon: t('oncall.horizon', { from: fmt.time(report.oncall.from), to: fmt.time(report.oncall.to) }),
    gaps: report.oncall.gaps.map((g) => ({ start: fmt.time(g.start), end: fmt.time(g.end), hours: g.hours })),
  };
}

export function viewRunbooks({ report, fmt, fvs }: ViewKit): SectionView {
  return {
    figures: fvs(report.runbooks.figures),
    overdue: report.runbooks.overdue.map((r) => ({ id: r.id, title: r.title, owner: fmt.person(r.owner), due: r.due })),
  };
}
