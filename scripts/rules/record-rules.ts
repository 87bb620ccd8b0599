import { calendarZone } from '../calendar/zone.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import { at, type RuleInput } from './rule-context.ts';
import { suggest } from './suggest.ts';
import { coverageGaps, dutySlots, restBreaches } from './oncall.ts';
import { parseInstant } from '../model/instant.ts';

/** The incident times that run in this order. */
const TIME_ORDER = ['detected_at', 'reported_at', 'acknowledged_at', 'resolved_at', 'closed_at'] as const;

/** Rules over incidents, exceptions, SLA, runbooks and backups. Pure. */
export function checkRecords({ repo, now }: RuleInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const nowMs = now.getTime();

  const sla = repo.one('sla');
  if (sla) {
    const levels = sla.data.levels.map((l) => l.level);
    [1, 2, 3, 4].filter((l) => !levels.includes(l)).forEach((l) => out.push(at(sla, '/levels', 'sla.missing-level', `level ${l} is not defined`, 'define exactly one entry for each level 1–4')));
    sla.data.levels.forEach((l, i) => {
      if (l.resolve_minutes < l.acknowledge_minutes)
        out.push(
          at(
            sla,
            `/levels/${i}/resolve_minutes`,
            'sla.order',
            `level ${l.level}: resolution target is shorter than the acknowledgement target`,
            'resolve_minutes must be at least acknowledge_minutes',
          ),
        );
    });
  }

  for (const inc of repo.all('incident')) {
    const d = inc.data;
    // The times in order, read by name: no list of pairs per incident.
    let prevName = '';
    let prevAt = 0;
    for (const name of TIME_ORDER) {
      const v = d[name];
      if (!v) continue;
      const t = parseInstant(v);
      if (prevName && t < prevAt) out.push(at(inc, `/${name}`, 'incident.time-order', `${name} (${v}) is before ${prevName}`, 'timestamps run detected ≤ reported ≤ acknowledged ≤ resolved ≤ closed'));
      prevName = name;
      prevAt = t;
    }
    if (d.caused_by_change) {
      const chg = repo.get('change', d.caused_by_change);
      if (chg?.data.closure && !chg.data.closure.incidents_caused?.includes(d.id)) {
        out.push(
          at(
            inc,
            '/caused_by_change',
            'incident.change-link',
            `${d.caused_by_change}'s post-implementation review does not list ${d.id} under incidents_caused`,
            `add ${d.id} to closure.incidents_caused of ${chg.file}`,
            'warning',
          ),
        );
      }
    }
    if (d.postmortem.status === 'done' && !d.postmortem.completed_on)
      out.push(at(inc, '/postmortem', 'incident.postmortem-date', 'postmortem is done but has no completed_on date', 'add completed_on: YYYY-MM-DD'));
  }

  const checkIds = new Set<string>();
  for (const b of repo.all('baseline')) {
    b.data.checks.forEach((c, i) => {
      if (checkIds.has(c.id)) out.push(at(b, `/checks/${i}/id`, 'baseline.duplicate-check', `check id '${c.id}' is defined twice across baselines`, 'check ids are unique across all baselines'));
      checkIds.add(c.id);
    });
  }
  for (const ex of repo.all('exception')) {
    if (!checkIds.has(ex.data.rule)) {
      const near = suggest(ex.data.rule, [...checkIds]);
      out.push(at(ex, '/rule', 'exception.unknown-rule', `no baseline check '${ex.data.rule}'`, near.length ? `did you mean ${near.join(' or ')}?` : 'use a check id from policies/baselines/'));
    }
    if (parseInstant(ex.data.expires) <= parseInstant(ex.data.created)) out.push(at(ex, '/expires', 'exception.expiry-order', 'expires is not after created', 'set a future expiry'));
    if (ex.data.approver === ex.data.owner) out.push(at(ex, '/approver', 'exception.self-approved', 'the owner approved their own waiver', 'a waiver must be approved by someone else'));
    if (parseInstant(ex.data.expires) <= nowMs)
      out.push(
        at(ex, '/expires', 'exception.expired', `the waiver expired on ${ex.data.expires}; the finding fails again`, 'remediate and delete the waiver, or renew it with a new approval', 'warning'),
      );
  }

  for (const rb of repo.all('runbook')) {
    const due = parseInstant(rb.data.last_reviewed) + rb.data.review_every_days * 86_400_000;
    if (due < nowMs)
      out.push(
        at(
          rb,
          '/last_reviewed',
          'runbook.review-overdue',
          `review was due on ${new Date(due).toISOString().slice(0, 10)} (every ${rb.data.review_every_days} days)`,
          'review the runbook and update last_reviewed',
          'warning',
        ),
      );
  }

  for (const bp of repo.all('backup-policy')) {
    const targets = new Set(repo.resolveTargets(bp.data.targets).map((h) => h.id));
    if (targets.has(bp.data.offhost.host))
      out.push(at(bp, '/offhost/host', 'backup.not-offhost', `${bp.data.offhost.host} is one of the hosts it backs up: copies must be kept off-host`, 'name a separate backup host'));
  }
  return out;
}

/** The next 30 days of the duty rota have no gap, no departed person on duty, no rest-rule breach. Pure. */
export function checkOncall({ repo, now }: RuleInput): Diagnostic[] {
  const oncall = repo.one('oncall');
  if (!oncall) return [];
  const from = now.getTime();
  const to = from + 30 * 86_400_000;
  const slots = dutySlots(oncall.data, from, to, calendarZone(repo));
  const out: Diagnostic[] = [];
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  for (const g of coverageGaps(slots, from, to).slice(0, 5)) {
    out.push(
      at(
        oncall,
        '/rotations',
        'oncall.gap',
        `nobody is on duty from ${iso(g.start)} to ${iso(g.end)} (24x7 coverage, next 30 days)`,
        'extend a rotation, add an override, or start the rotation earlier',
      ),
    );
  }
  const reported = new Set<string>();
  for (const s of slots) {
    const p = repo.get('person', s.person);
    if (p && p.data.status !== 'active' && !reported.has(s.person)) {
      reported.add(s.person);
      out.push(
        at(
          oncall,
          '/rotations',
          'oncall.inactive-member',
          `${s.person} (${p.data.status}) is on duty at ${iso(s.start)} in rotation ${s.rotation}`,
          'remove the person from the rotation and rebalance',
        ),
      );
    }
  }
  for (const b of restBreaches(slots, oncall.data.rest).slice(0, 5)) {
    out.push(
      at(
        oncall,
        '/rest',
        'oncall.rest',
        `${b.person}: ${b.kind === 'too-long' ? `on duty ${b.hours} h in a row` : `only ${b.hours} h rest`} at ${iso(b.at)}`,
        'change the shift pattern or the overrides to respect the rest rules',
        'warning',
      ),
    );
  }
  return out;
}
