import type { Diagnostic, DiagnosticSeverity } from '../model/diagnostic.ts';
import { evaluateMissedDuties, levelOf, isResolved, type Duty, type DutyKind, type UpdateSummary } from '../incident/duties.ts';
import { deriveIncidentLevel, deriveIncidentRank, LEVEL_NAMES, levelsBySeverity, mostSevereOf, renderLevelDerivation, severityRank } from '../incident/levels.ts';
import type { Doc } from '../repo/parse-document.ts';
import { formatLocal } from '../incident/time.ts';
import { at, type RuleInput } from './rule-context.ts';
import { endOfDay } from './contact-rules.ts';
import { secretNameProblem } from './secret-names.ts';
import { singletonFileOf } from './singleton-file.ts';
import { parseInstant } from '../model/instant.ts';
import { calendarZone } from '../calendar/zone.ts';

/** The lint code for each duty that was missed or done late. */
export const DUTY_CODES: Record<DutyKind, string> = {
  acknowledge: 'incident.ack-late',
  supervisor: 'incident.escalation-late',
  leadership: 'incident.escalation-late',
  escalation: 'incident.escalation-late',
  update: 'incident.notification-missing',
  feedback: 'incident.notification-missing',
  verification: 'incident.cycle-incomplete',
  report: 'incident.report-overdue',
  postmortem: 'incident.postmortem-required',
};

const HINTS: Record<DutyKind, string> = {
  acknowledge: 'record acknowledged_at (opsgate incident ack INC-… --by PERSON --at TIME)',
  supervisor: 'record the report to the supervisor: opsgate incident escalate INC-… --role supervisor --to PERSON --channel phone --by PERSON --at TIME',
  leadership: "record the supervisor's report to leadership by phone or in person: opsgate incident escalate INC-… --role leadership --to ID --channel phone --by SUPERVISOR --at TIME",
  escalation: 'record the escalation: opsgate incident escalate INC-… --role technical --to PERSON --channel phone --by PERSON --at TIME',
  update: 'record each status update: opsgate incident notify INC-… --duty update --to GROUP --channel dingtalk --by PERSON --at TIME',
  feedback: 'record the feedback to the reporter: feedback: {at, by, to, channel}, or opsgate incident notify INC-… --duty feedback',
  verification: 'record how the fix was verified: verification: {at, by, note}',
  report: 'submit the 故障报告单 (cause and fix explained) and record report: {submitted_at, by}',
  postmortem: 'set postmortem.status to pending with a due date, then done with completed_on',
};

/**
 * The reporting chain of 第五章 故障处理, the full cycle 接收→分析→修复→验证→反馈,
 * the level each incident may declare, and the vendors it called. A missed
 * duty is an error unless the incident records an approved deviation for it,
 * then a warning: the miss stays visible in the reports either way. Pure.
 */
export function checkIncidentDuties({ repo, now }: RuleInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sla = repo.one('sla')?.data;
  const mostSevere = mostSevereOf(sla);
  const nowMs = now.getTime();
  const zone = calendarZone(repo);
  const known = (id: string) => repo.get('person', id) !== undefined || repo.hasInvalid('person', id);
  const contactKnown = (id: string) => repo.get('contact', id) !== undefined || repo.hasInvalid('contact', id);
  for (const inc of repo.all('incident')) {
    const d = inc.data;
    const level = levelOf(sla, d.level);
    const resolved = isResolved(d);
    const notifications = d.notifications;
    // Each notification's time, read once for the duties and the time-order check.
    let notificationTimes: number[] | undefined;
    if (notifications) {
      notificationTimes = [];
      for (let i = 0; i < notifications.length; i++) notificationTimes.push(parseInstant(notifications[i]!.at));
    }
    const { duties, updates } = evaluateMissedDuties({ incident: d, level, sla, now: nowMs, notificationTimes });
    if (duties.length || updates.missed) for (const f of dutyDiagnostics(inc, duties, updates, nowMs, zone, resolved)) out.push(f);

    const hosts: Doc<'host'>[] = [];
    for (const id of d.affected?.hosts ?? []) {
      const h = repo.get('host', id);
      if (h) hosts.push(h);
    }
    // The rank alone first; the factors (and their words) only for an incident that declares less.
    if (severityRank(d.level, mostSevere) < deriveIncidentRank(d, hosts)) {
      const derived = deriveIncidentLevel(d, hosts, mostSevere);
      out.push(
        at(
          inc,
          '/level',
          'incident.level-too-low',
          `declared ${LEVEL_NAMES[d.level]} (level ${d.level}) but the affected hosts and impact make it at least ${renderLevelDerivation(derived, mostSevere)}`,
          `set level: ${derived.level}, or correct affected.hosts / impact if they overstate the fault`,
        ),
      );
    }

    const detected = parseInstant(d.detected_at);
    const escalations = d.escalations;
    const engagements = d.vendor_engagements;
    if (escalations) for (let i = 0; i < escalations.length; i++) if (parseInstant(escalations[i]!.at) < detected) out.push(earlyTime(inc, escalations[i]!.at, '/escalations', i, 'at'));
    if (notifications) for (let i = 0; i < notifications.length; i++) if (notificationTimes![i]! < detected) out.push(earlyTime(inc, notifications[i]!.at, '/notifications', i, 'at'));
    if (engagements)
      for (let i = 0; i < engagements.length; i++) if (parseInstant(engagements[i]!.called_at) < detected) out.push(earlyTime(inc, engagements[i]!.called_at, '/vendor_engagements', i, 'called_at'));
    if (d.analysed_at && parseInstant(d.analysed_at) < detected) out.push(earlyTime(inc, d.analysed_at, '', undefined, 'analysed_at'));

    if (resolved && !d.analysed_at)
      out.push(
        at(
          inc,
          '/resolved_at',
          'incident.cycle-incomplete',
          'resolved without analysed_at: the cycle 接收→分析→修复→验证→反馈 is missing its analysis',
          'record when the cause was identified: analysed_at',
        ),
      );

    const deviations = d.deviations;
    if (deviations)
      for (let i = 0; i < deviations.length; i++)
        if (deviations[i]!.approved_by === d.handler)
          out.push(
            at(
              inc,
              `/deviations/${i}/approved_by`,
              'incident.deviation-self-approved',
              `the handler ${d.handler} approved their own deviation`,
              'a deviation is accepted by someone else, usually the supervisor',
            ),
          );

    if (escalations)
      for (let i = 0; i < escalations.length; i++) {
        const e = escalations[i]!;
        if (e.by !== undefined && !known(e.by)) out.push(unknownPerson(inc, e.by, '/escalations', i, 'by'));
        const to = e.to;
        for (let j = 0; j < to.length; j++)
          if (!known(to[j]!) && !contactKnown(to[j]!))
            out.push(at(inc, `/escalations/${i}/to/${j}`, 'incident.unknown-person', `'${to[j]}' is neither a person nor a contact`, 'use an id from policies/access/people/ or policies/contacts/'));
      }
    if (notifications)
      for (let i = 0; i < notifications.length; i++) {
        const by = notifications[i]!.by;
        if (by !== undefined && !known(by)) out.push(unknownPerson(inc, by, '/notifications', i, 'by'));
      }
    const verifiedBy = d.verification?.by;
    if (verifiedBy !== undefined && !known(verifiedBy)) out.push(unknownPerson(inc, verifiedBy, '/verification', undefined, 'by'));
    const feedbackBy = d.feedback?.by;
    if (feedbackBy !== undefined && !known(feedbackBy)) out.push(unknownPerson(inc, feedbackBy, '/feedback', undefined, 'by'));
    const reportBy = d.report?.by;
    if (reportBy !== undefined && !known(reportBy)) out.push(unknownPerson(inc, reportBy, '/report', undefined, 'by'));
    if (deviations)
      for (let i = 0; i < deviations.length; i++)
        if (deviations[i]!.approved_by !== undefined && !known(deviations[i]!.approved_by)) out.push(unknownPerson(inc, deviations[i]!.approved_by, '/deviations', i, 'approved_by'));
    engagements?.forEach((v, i) => {
      if (v.by !== undefined && !known(v.by)) out.push(unknownPerson(inc, v.by, '/vendor_engagements', i, 'by'));
      const c = repo.get('contact', v.contact);
      if (!c) {
        if (!repo.hasInvalid('contact', v.contact))
          out.push(
            at(
              inc,
              `/vendor_engagements/${i}/contact`,
              'incident.vendor-unknown',
              `no contact '${v.contact}' in policies/contacts/`,
              'register the vendor (hotline, service hours, contract, what it covers) in policies/contacts/',
            ),
          );
        return;
      }
      if (c.data.type !== 'vendor')
        out.push(
          at(
            inc,
            `/vendor_engagements/${i}/contact`,
            'incident.vendor-unknown',
            `${v.contact} is a ${c.data.type}, not a vendor`,
            'vendor_engagements name vendors; record internal people under escalations',
          ),
        );
      const expires = c.data.contract?.expires;
      if (expires && endOfDay(expires, zone) < parseInstant(v.called_at)) {
        out.push(
          at(
            inc,
            `/vendor_engagements/${i}/called_at`,
            'incident.vendor-contract-expired',
            `${v.contact}'s contract expired on ${expires}, before the call`,
            `renew the contract in ${c.file}, or record that the call was paid separately`,
            'warning',
          ),
        );
      }
    });
  }
  return out;
}

/** incident.time-order: the time at `/list/i/field` (or `/field` alone) is before the fault was detected. */
function earlyTime(inc: Doc<'incident'>, t: string, list: string, i: number | undefined, field: string): Diagnostic {
  return at(
    inc,
    i === undefined ? `/${field}` : `${list}/${i}/${field}`,
    'incident.time-order',
    `${t} is before the fault was detected (${inc.data.detected_at})`,
    'check the date: the chain starts at detection',
    'warning',
  );
}

/** incident.unknown-person at `/list/i/field`, or `/list/field` without an index. */
function unknownPerson(inc: Doc<'incident'>, id: string, list: string, i: number | undefined, field: string): Diagnostic {
  return at(inc, i === undefined ? `${list}/${field}` : `${list}/${i}/${field}`, 'incident.unknown-person', `no person '${id}'`, 'use an id from policies/access/people/');
}

/** Findings for the missed and late duties; the update windows (summarised) as one finding. */
function dutyDiagnostics(inc: Doc<'incident'>, duties: readonly Duty[], updates: UpdateSummary, now: number, zone: string, resolved: boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  const fmt = (t: number) => formatLocal(t, zone);
  const sev = (d: Pick<Duty, 'deviation'>): DiagnosticSeverity => (d.deviation ? 'warning' : 'error');
  const because = (d: Pick<Duty, 'deviation'>) => (d.deviation ? ` — deviation approved by ${d.deviation.approved_by}: ${d.deviation.reason}` : '');
  for (const d of duties) {
    if (d.kind === 'update' || (d.state !== 'late' && d.state !== 'overdue')) continue;
    const when =
      d.dueAt === undefined
        ? ''
        : d.state === 'late'
          ? `: due ${fmt(d.dueAt)}, done ${fmt(d.doneAt!)} (${Math.round((d.doneAt! - d.dueAt) / 60_000)} min late)`
          : resolved
            ? `: due ${fmt(d.dueAt)}, never recorded`
            : `: due ${fmt(d.dueAt)}, not recorded (${Math.round((now - d.dueAt) / 60_000)} min overdue)`;
    const what = d.kind === 'postmortem' ? `${d.detail}, but postmortem.status is not_required` : `${d.detail}${when}`;
    out.push(at(inc, d.pointer, DUTY_CODES[d.kind], what + because(d), HINTS[d.kind], sev(d)));
  }
  const first = updates.first;
  if (updates.missed && first) {
    out.push(
      at(
        inc,
        first.pointer,
        'incident.notification-missing',
        `${updates.missed} of ${updates.owed} status update windows have no update; first: ${first.detail}${because(first)}`,
        HINTS.update,
        sev(first),
      ),
    );
  }
  return out;
}

/** SLA levels run one way: a more severe level never has a looser target than a less severe one. Pure. */
export function checkSlaDuties({ repo }: RuleInput): Diagnostic[] {
  const sla = repo.one('sla');
  if (!sla) return [];
  const out: Diagnostic[] = [];
  const order = levelsBySeverity(mostSevereOf(sla.data));
  const idx = (level: number) => sla.data.levels.findIndex((l) => l.level === level);
  for (let k = 1; k < order.length; k++) {
    const worse = sla.data.levels[idx(order[k - 1]!)];
    const lesser = sla.data.levels[idx(order[k]!)];
    if (!worse || !lesser) continue;
    if (worse.acknowledge_minutes > lesser.acknowledge_minutes || worse.resolve_minutes > lesser.resolve_minutes) {
      out.push(
        at(
          sla,
          `/levels/${idx(worse.level)}/acknowledge_minutes`,
          'sla.severity-order',
          `level ${worse.level} is the more severe (most_severe: ${mostSevereOf(sla.data)}) but has looser targets than level ${lesser.level}`,
          'check most_severe: it says which end of 1–4 is the worst',
          'warning',
        ),
      );
    }
  }
  for (const [key, list] of [
    ['supervisors', sla.data.supervisors],
    ['leadership', sla.data.leadership],
  ] as const) {
    list?.forEach((id, i) => {
      const ok = repo.get('person', id) || repo.hasInvalid('person', id) || (key === 'leadership' && (repo.get('contact', id) || repo.hasInvalid('contact', id)));
      if (!ok)
        out.push(
          at(
            sla,
            `/${key}/${i}`,
            'sla.unknown-person',
            `no ${key === 'leadership' ? 'person or contact' : 'person'} '${id}'`,
            key === 'leadership' ? 'use an id from policies/access/people/ or policies/contacts/' : 'use an id from policies/access/people/',
          ),
        );
    });
  }
  const allowed = (repo.one('organisation')?.data as { allowed_secrets?: unknown } | undefined)?.allowed_secrets;
  sla.data.notify?.channels.forEach((c, i) => {
    for (const key of ['url_env', 'secret_env'] as const) {
      const name = c[key];
      if (!name) continue;
      const problem = secretNameProblem(name);
      if (problem) out.push(at(sla, `/notify/channels/${i}/${key}`, 'sla.notify-secret-name', `${problem}: the watch workflow can never pass it`, 'rename the secret, e.g. DINGTALK_OPS_URL'));
      else if (Array.isArray(allowed) && !allowed.includes(name))
        out.push(
          at(
            sla,
            `/notify/channels/${i}/${key}`,
            'sla.notify-secret-not-allowed',
            `${name} is not in allowed_secrets of ${singletonFileOf(repo, 'organisation')}: the watch workflow will not pass it`,
            `add ${name} to allowed_secrets`,
            'warning',
          ),
        );
    }
  });
  const teams = new Set(Object.keys(repo.one('approval')?.data.teams ?? {}));
  sla.data.levels.forEach((l, i) =>
    l.escalate_to?.forEach((id, j) => {
      if (!repo.get('person', id) && !repo.hasInvalid('person', id) && !repo.get('contact', id) && !teams.has(id))
        out.push(
          at(
            sla,
            `/levels/${i}/escalate_to/${j}`,
            'sla.unknown-person',
            `no person, contact or team '${id}'`,
            `use an id from policies/access/people/, policies/contacts/ or a team of ${singletonFileOf(repo, 'approval')}`,
          ),
        );
    }),
  );
  return out;
}
