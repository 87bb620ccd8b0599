import { grantState } from '../../access/entitlement.ts';
import type { PersonDocument } from '../../model/documents.generated.ts';
import { findRun } from './inspection-runs.ts';
import { byInstant, byKey, count, type Figure } from '../figure.ts';
import { dueDayOver, DAY, dateMs, inPeriod, ms, type Period } from '../period.ts';
import { citeHostLine, citeLine, type DocRef, type InspectionRun, type ReportInput } from '../types.ts';

export interface GrantRow {
  id: string;
  person: string;
  role: string;
  expires: string;
  /** pending: granted_on is still ahead (scripts/access/entitlement.ts); it confers nothing yet. */
  state: 'pending' | 'active' | 'expiring' | 'expired';
  path: string;
}

/**
 * A key of someone who should not hold it, seen on a host by inspection:
 * from the first to the last run of the period that saw it, and, when
 * `converge access` took it off, when.
 */
export interface KeyPresence {
  person: string;
  host: string;
  account: string;
  /** Why the key should not be there. */
  why: 'left' | 'keys_expired';
  first_seen: string;
  last_seen: string;
  /** Whether the period's first inspection of the host already saw it (so it was there before). */
  since_before: boolean;
  removed_at: string | null;
  removed_by: string | null;
  /** Still there at the last inspection of the host in the period. */
  present_at_end: boolean;
  evidence: string[];
}

/** An access review whose conclusion the records contradict. */
export interface ReviewContradiction {
  review: string;
  performed_on: string;
  reviewer: string;
  person: string;
  host: string;
  account: string;
  seen_at: string;
  evidence: string[];
}

export interface AccessSection {
  figures: Figure[];
  grants: GrantRow[];
  reviews_overdue: { id: string; period: string; reviewer: string; due: string; path: string }[];
  /** People who left and still hold a grant in force (documents) or a key on a host at the period's end (records). */
  leavers: { person: string; left_on: string; grants: string[]; hosts: string[]; path: string }[];
  key_presence: KeyPresence[];
  review_contradictions: ReviewContradiction[];
  drift: { host: string; check: string; path: string }[];
}

/** Whether a person may hold keys at `t`: not left by then, and at least one pinned key not expired (keys without `expires` never expire). Pure. */
export function keyWhy(p: PersonDocument, t: number, zone: string): KeyPresence['why'] | undefined {
  const left = dateMs(p.left_on, zone);
  if (p.status === 'left' && (left === undefined || left <= t)) return 'left';
  const keys = p.ssh_keys ?? [];
  if (keys.length > 0 && keys.every((k) => (ms(k.expires) ?? Infinity) <= t)) return 'keys_expired';
  return undefined;
}

interface Sighting {
  run: InspectionRun;
  present: boolean;
}

/**
 * Where keys of people who left (or whose every key expired) were present,
 * from inspection records (the keys each host held at each run) and converge
 * records (when a key was taken off). Pure.
 */
export function computeKeyPresence(input: ReportInput, period: Period): KeyPresence[] {
  const zone = period.timezone;
  const people = new Map(input.people.map((p) => [p.id, p] as const));
  const runs = inspectionsBefore(input, period);
  const inPeriodRuns = runs.filter((r) => inPeriod(ms(r.at), period));
  const out: KeyPresence[] = [];
  const seen = new Map<string, Sighting[]>();
  for (const r of inPeriodRuns) {
    for (const host of Object.keys(r.keys)) {
      for (const token of r.keys[host]!) {
        const [account, person] = token.split(':') as [string, string];
        const doc = people.get(person);
        if (!doc || !keyWhy(doc.data, ms(r.at)!, zone)) continue;
        const key = `${person}|${host}|${account}`;
        const list = seen.get(key) ?? [];
        list.push({ run: r, present: true });
        seen.set(key, list);
      }
    }
  }
  for (const [key, sightings] of seen) {
    const [person, host, account] = key.split('|') as [string, string, string];
    const doc = people.get(person)!;
    const first = sightings[0]!.run;
    const last = sightings[sightings.length - 1]!.run;
    const hostRuns = inPeriodRuns.filter((r) => r.host_lines[host] !== undefined && r.keys[host] !== undefined);
    const lastHostRun = hostRuns[hostRuns.length - 1];
    const fingerprints = new Set((doc.data.ssh_keys ?? []).map((k) => k.fingerprint));
    const removal = input.converge
      .filter((c) => c.host === host && c.account === account && c.fingerprint !== undefined && fingerprints.has(c.fingerprint) && (ms(c.at) ?? 0) >= (ms(last.at) ?? 0) && inPeriod(ms(c.at), period))
      .sort(byKey((c) => c.at))[0];
    const cite = (r: InspectionRun) => citeHostLine(r, host);
    out.push({
      person,
      host,
      account,
      why: keyWhy(doc.data, ms(last.at)!, zone)!,
      first_seen: first.at,
      last_seen: last.at,
      since_before: hostRuns[0] === first,
      removed_at: removal?.at ?? null,
      removed_by: removal?.run ?? null,
      present_at_end: lastHostRun === last && !removal,
      evidence: [doc.file, cite(first), ...(last !== first ? [cite(last)] : []), ...(removal ? [citeLine(removal.path, removal.line)] : [])],
    });
  }
  return out.sort(byKey((k) => `${k.person}|${k.host}|${k.account}`));
}

/**
 * Access reviews the records contradict: a review performed on day D whose
 * scope covers a host, where the first inspection of that host after D saw a
 * key of someone who had left (or whose keys had expired) by D. Nothing
 * recorded added it in between, so it was there when the review signed off.
 * Pure.
 */
export function computeReviewContradictions(input: ReportInput, period: Period): ReviewContradiction[] {
  const zone = period.timezone;
  const people = new Map(input.people.map((p) => [p.id, p] as const));
  const hostsOf = (scope: { groups?: string[]; hosts?: string[] } | undefined) =>
    new Set(input.hosts.filter((h) => scope?.hosts?.includes(h.id) || h.data.groups.some((g) => scope?.groups?.includes(g))).map((h) => h.id));
  const runs = inspectionsBefore(input, period);
  const out: ReviewContradiction[] = [];
  for (const review of input.reviews) {
    const performed = dateMs(review.data.performed_on, zone);
    if (performed === undefined) continue;
    const scope = hostsOf(review.data.scope as { groups?: string[]; hosts?: string[] } | undefined);
    for (const host of [...scope].sort()) {
      const firstAfter = runs.find((r) => (ms(r.at) ?? 0) >= performed && r.keys[host] !== undefined);
      if (!firstAfter) continue;
      for (const token of firstAfter.keys[host]!) {
        const [account, person] = token.split(':') as [string, string];
        const doc = people.get(person);
        if (!doc || !keyWhy(doc.data, performed, zone)) continue;
        out.push({
          review: review.id,
          performed_on: review.data.performed_on!,
          reviewer: review.data.reviewer,
          person,
          host,
          account,
          seen_at: firstAfter.at,
          evidence: [review.file, doc.file, citeHostLine(firstAfter, host)],
        });
      }
    }
  }
  return out.sort(byKey((c) => `${c.review}|${c.person}|${c.host}|${c.account}`));
}

/** Access control as of `now`: grants, reviews, leavers, keys the records saw, and drift found by the period's last inspection. Pure. */
export function computeAccess(input: ReportInput, period: Period, now: number, lastRun: { path: string; run: string } | null): AccessSection {
  const grants: GrantRow[] = input.grants
    .map((g) => {
      const exp = ms(g.data.expires) ?? 0;
      const entitled = grantState(g.data, { now: new Date(now), timezone: period.timezone });
      const state: GrantRow['state'] = entitled !== 'active' ? entitled : exp - now <= 30 * DAY ? 'expiring' : 'active';
      return { id: g.id, person: g.data.person, role: g.data.role, expires: g.data.expires, state, path: g.file };
    })
    .sort(byKey((g) => g.id));
  const reviews_overdue = input.reviews
    .filter((r) => !r.data.performed_on && dueDayOver(r.data.due, period.timezone, now))
    .sort(byKey((r) => r.id))
    .map((r) => ({ id: r.id, period: r.data.period, reviewer: r.data.reviewer, due: r.data.due, path: r.file }));
  const presence = computeKeyPresence(input, period);
  const contradictions = computeReviewContradictions(input, period);
  const leavers = input.people
    .filter((p) => p.data.status === 'left')
    .map((p: DocRef<PersonDocument>) => {
      const remaining = grants.filter((g) => g.person === p.id && g.state !== 'expired');
      const keys = presence.filter((k) => k.person === p.id && k.present_at_end);
      return {
        person: p.id,
        left_on: p.data.left_on ?? '',
        grants: remaining.map((g) => g.id),
        hosts: [...new Set(keys.map((k) => k.host))].sort(),
        path: p.file,
        evidence: [p.file, ...remaining.map((g) => g.path), ...keys.flatMap((k) => k.evidence)],
      };
    })
    .filter((l) => l.grants.length > 0 || l.hosts.length > 0)
    .sort(byKey((l) => l.person));
  const run = findRun(input.inspections, lastRun);
  const drift = (run?.results ?? [])
    .filter((r) => r.check.startsWith('access.') && r.status === 'fail')
    .map((r) => ({ host: r.host, check: r.check, path: run!.path }))
    .sort(byKey((d) => `${d.host}|${d.check}`));
  const figures = [
    count(
      'access.grants_active',
      grants.filter((g) => g.state === 'active' || g.state === 'expiring').map((g) => g.path),
      undefined,
      'formula.grants_active',
    ),
    count(
      'access.grants_expiring_30d',
      grants.filter((g) => g.state === 'expiring').map((g) => g.path),
      undefined,
      'formula.grants_expiring',
    ),
    count(
      'access.grants_expired',
      grants.filter((g) => g.state === 'expired').map((g) => g.path),
      undefined,
      'formula.grants_expired',
    ),
    count(
      'access.reviews_overdue',
      reviews_overdue.map((r) => r.path),
      undefined,
      'formula.reviews_overdue',
    ),
    count(
      'access.leavers_with_access',
      leavers.flatMap((l) => l.evidence),
      leavers.length,
      'formula.leavers',
    ),
    count(
      'access.key_presence',
      presence.flatMap((k) => k.evidence),
      presence.length,
      'formula.key_presence',
    ),
    count(
      'access.review_contradictions',
      contradictions.flatMap((c) => c.evidence),
      contradictions.length,
      'formula.review_contradictions',
    ),
    count('access.drift', run ? drift.map((d) => citeHostLine(run, d.host)).concat(drift.length ? [] : [citeLine(run.path, run.completed)]) : [], drift.length, 'formula.drift'),
  ];
  return { figures, grants, reviews_overdue, leavers: leavers.map(({ evidence: _e, ...l }) => l), key_presence: presence, review_contradictions: contradictions, drift };
}

/** The inspection runs recorded before the period's end, oldest first by instant (whatever offset spells it). Pure. */
function inspectionsBefore(input: ReportInput, period: Period) {
  return [...input.inspections]
    .filter((r) => (ms(r.at) ?? Infinity) < period.endMs)
    .sort(
      byInstant(
        (r) => r.at,
        (r) => `${r.path}|${r.run}`,
      ),
    );
}
