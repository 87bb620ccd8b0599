import { grantState } from '../../access/entitlement.ts';
import { byKey, count, type Figure } from '../figure.ts';
import { DAY, dateMs, ms, type Period } from '../period.ts';
import type { ReportInput } from '../types.ts';

export interface GrantRow {
  id: string;
  person: string;
  role: string;
  expires: string;
  /** pending: granted_on is still ahead (scripts/access/entitlement.ts); it confers nothing yet. */
  state: 'pending' | 'active' | 'expiring' | 'expired';
  path: string;
}

export interface AccessSection {
  figures: Figure[];
  grants: GrantRow[];
  reviews_overdue: { id: string; period: string; reviewer: string; due: string; path: string }[];
  leavers: { person: string; left_on: string; grants: string[]; ssh_keys: number; path: string }[];
  drift: { host: string; check: string; path: string }[];
}

/** Access control as of `now`: grants, reviews, leavers, and drift found by the period's last inspection. Pure. */
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
    .filter((r) => !r.data.performed_on && (dateMs(r.data.due, period.timezone) ?? Infinity) < now)
    .sort(byKey((r) => r.id))
    .map((r) => ({ id: r.id, period: r.data.period, reviewer: r.data.reviewer, due: r.data.due, path: r.file }));
  const leavers = input.people
    .filter((p) => p.data.status === 'left')
    .map((p) => {
      const remaining = grants.filter((g) => g.person === p.id && g.state !== 'expired');
      return { person: p.id, left_on: p.data.left_on ?? '', grants: remaining.map((g) => g.id), ssh_keys: (p.data.ssh_keys ?? []).length, path: p.file, evidence: [p.file, ...remaining.map((g) => g.path)] };
    })
    .filter((l) => l.grants.length > 0 || l.ssh_keys > 0)
    .sort(byKey((l) => l.person));
  const run = lastRun ? input.inspections.find((r) => r.path === lastRun.path && r.run === lastRun.run) : undefined;
  const drift = (run?.results ?? [])
    .filter((r) => r.check.startsWith('access.') && r.status === 'fail')
    .map((r) => ({ host: r.host, check: r.check, path: run!.path }))
    .sort(byKey((d) => `${d.host}|${d.check}`));
  const figures = [
    count('access.grants_active', grants.filter((g) => g.state === 'active' || g.state === 'expiring').map((g) => g.path)),
    count('access.grants_expiring_30d', grants.filter((g) => g.state === 'expiring').map((g) => g.path)),
    count('access.grants_expired', grants.filter((g) => g.state === 'expired').map((g) => g.path)),
    count('access.reviews_overdue', reviews_overdue.map((r) => r.path)),
    count('access.leavers_with_access', leavers.flatMap((l) => l.evidence), leavers.length, 'formula.leavers'),
    count('access.drift', run ? [run.path] : [], drift.length, 'formula.drift'),
  ];
  return { figures, grants, reviews_overdue, leavers: leavers.map(({ evidence: _e, ...l }) => l), drift };
}
