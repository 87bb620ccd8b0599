import { byInstant, byKey, count, percent, type Figure } from '../figure.ts';
import { DAY, HOUR, inPeriod, ms, type Period } from '../period.ts';
import { citeHostLine, citeLine, type BackupEvent, type ReportInput } from '../types.ts';
import { findRun } from './inspection-runs.ts';
import { appendAll, minOf, maxOf } from '../../model/append.ts';

export interface RestoreTestRow {
  host: string;
  at: string;
  ok: boolean;
  /** Restore duration in hours; null when the record does not say. */
  duration_hours: number | null;
  /** Whether it finished within the policy's RTO; null without a duration. */
  within_rto: boolean | null;
  evidence: string[];
}

export interface CheckRow {
  host: string;
  at: string;
  ok: boolean;
  evidence: string[];
}

export interface BackupRow {
  policy: string;
  title: string;
  rpo_hours: number;
  rto_hours: number;
  hosts: string[];
  /** Hosts whose largest gap between successful snapshots in the period exceeded the RPO. */
  missed: { host: string; max_gap_hours: number | null }[];
  figure: Figure;
  last_verified: string;
  verification_overdue: boolean;
  /** Restore tests of the period, with their duration against the RTO. */
  restore_tests: RestoreTestRow[];
  /** The last `restic check` of each repository in the period. */
  checks: CheckRow[];
  path: string;
}

export interface BackupsSection {
  figures: Figure[];
  policies: BackupRow[];
}

/** The largest gap (hours) between successful snapshots over [from, to], counting the last one before `from`. Pure. */
export function largestGap(snapshots: readonly number[], from: number, to: number): number | null {
  const sorted = [...snapshots].sort((a, b) => a - b);
  const before = sorted.filter((t) => t < from).pop();
  const inside = sorted.filter((t) => t >= from && t <= to);
  if (before === undefined && inside.length === 0) return null;
  let prev = before ?? from;
  let gap = 0;
  for (const t of inside) {
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return Math.max(gap, to - prev) / HOUR;
}

const cite = (e: BackupEvent) => citeLine(e.path, e.line);

/** Backup policies: RPO attainment over the period, restore tests against the RTO, restic check results, and the last successful restore test. Pure. */
export function computeBackups(input: ReportInput, period: Period, now: number, lastRun: { path: string; run: string } | null = null): BackupsSection {
  const run = findRun(input.inspections, lastRun);
  const freshnessChecks = input.checks.filter((c) => c.type === 'backup_freshness');
  const freshnessIds = new Set(freshnessChecks.map((c) => c.id));
  const to = Math.min(period.endMs, now);
  const byPolicy = new Map<string, BackupEvent[]>();
  for (const e of input.backups) (byPolicy.get(e.policy) ?? byPolicy.set(e.policy, []).get(e.policy)!).push(e);
  const rows: BackupRow[] = [];
  let attained = 0,
    total = 0;
  const evidence: string[] = [];
  for (const p of [...input.backupPolicies].sort(byKey((x) => x.id))) {
    const hosts = input.hosts
      .filter((h) => p.data.targets.hosts?.includes(h.id) || h.data.groups.some((g) => p.data.targets.groups?.includes(g)))
      .map((h) => h.id)
      .sort();
    const events = byPolicy.get(p.id) ?? [];
    // Evidence of the period: snapshots up to its end (a gap is measured from the last one before it), checks and restore tests in it.
    const snapshots = events.filter((e) => e.kind === 'snapshot' && e.ok && (ms(e.at) ?? Infinity) <= to);
    const inside = events.filter((e) => inPeriod(ms(e.at), period));
    const hasEvidence = inside.length > 0;
    const missed: BackupRow['missed'] = [];
    let ok = 0;
    const usedSnapshots: BackupEvent[] = [];
    let evaluated = 0;
    if (hasEvidence)
      for (const h of hosts) {
        const mine = snapshots.filter((e) => e.host === undefined || e.host === h);
        const times = mine.map((e) => ms(e.at)!);
        // Retention prunes old snapshots: when the host's earliest listed snapshot is inside the period, the start of the period is not known.
        if (times.length > 0 && minOf(times) > period.startMs) continue;
        evaluated++;
        const gap = largestGap(times, period.startMs, to);
        // Cited: the snapshots in the period and the last one before it, from which the first gap is measured.
        const before = mine.filter((e) => (ms(e.at) ?? 0) < period.startMs).reduce<BackupEvent | undefined>((m, e) => (m === undefined || ms(e.at)! > ms(m.at)! ? e : m), undefined);
        appendAll(usedSnapshots, [...(before ? [before] : []), ...mine.filter((e) => (ms(e.at) ?? 0) >= period.startMs)]);
        if (gap !== null && gap <= p.data.rpo_hours) ok++;
        else missed.push({ host: h, max_gap_hours: gap === null ? null : Math.round(gap * 10) / 10 });
      }
    const cites = [p.file, ...usedSnapshots.map(cite)];
    let figure = hasEvidence
      ? percent(`backups.rpo.${p.id}`, ok, evaluated, cites, 'formula.rpo_attainment')
      : { ...percent(`backups.rpo.${p.id}`, 0, 0, [p.file], 'formula.rpo_attainment'), value: null };
    if (hasEvidence) {
      attained += ok;
      total += evaluated;
      appendAll(evidence, cites);
    } else if (run && freshnessIds.size > 0) {
      // No backup records in the period: the last inspection's backup_freshness checks on the policy's hosts say whether the newest snapshot is within the RPO.
      const rs = run.results.filter((r) => freshnessIds.has(r.check) && hosts.includes(r.host) && (r.status === 'pass' || r.status === 'fail' || r.status === 'error'));
      const good = new Set(hosts);
      for (const r of rs) if (r.status !== 'pass') good.delete(r.host);
      const seen = [...new Set(rs.map((r) => r.host))].sort();
      const okHosts = seen.filter((h) => good.has(h));
      const ev = [p.file, ...seen.map((h) => citeHostLine(run, h)), ...new Set(freshnessChecks.map((c) => c.file))];
      if (seen.length > 0) {
        figure = percent(`backups.rpo.${p.id}`, okHosts.length, seen.length, ev, 'formula.rpo_attainment_inspection');
        for (const h of seen.filter((x) => !good.has(x))) missed.push({ host: h, max_gap_hours: null });
        attained += okHosts.length;
        total += seen.length;
        appendAll(evidence, ev);
      }
    }
    const restoreTests: RestoreTestRow[] = inside
      .filter((e) => e.kind === 'restore_test')
      .sort(
        byInstant(
          (e) => e.at,
          (e) => e.host ?? '',
        ),
      )
      .map((e) => {
        // Judged on the recorded duration itself; the hours shown keep millisecond precision (a drill can take 0.3 s).
        const seconds = e.duration_seconds;
        const hours = seconds === undefined ? null : Math.round((seconds / 3600) * 1e7) / 1e7;
        return { host: e.host ?? '', at: e.at, ok: e.ok, duration_hours: hours, within_rto: seconds === undefined ? null : e.ok && seconds <= p.data.rto_hours * 3600, evidence: [p.file, cite(e)] };
      });
    const lastCheck = new Map<string, BackupEvent>();
    for (const e of inside
      .filter((x) => x.kind === 'check')
      .sort(
        byInstant(
          (x) => x.at,
          (x) => `${x.path}|${String(x.line.seq).padStart(9, '0')}`,
        ),
      ))
      lastCheck.set(e.host ?? '', e);
    const checks: CheckRow[] = [...lastCheck.values()].sort(byKey((e) => e.host ?? '')).map((e) => ({ host: e.host ?? '', at: e.at, ok: e.ok, evidence: [cite(e)] }));
    // Restore tests come from records/backups/ only (opsgate backup verify --restore-test), never a date typed into the policy.
    const tests = events
      .filter((e) => e.kind === 'restore_test' && e.ok)
      .map((e) => ms(e.at)!)
      .filter((t) => t <= now);
    const last = tests.length ? maxOf(tests) : undefined;
    const lastEvent = events.filter((e) => e.kind === 'restore_test' && e.ok && ms(e.at) === last)[0];
    rows.push({
      policy: p.id,
      title: p.data.title,
      rpo_hours: p.data.rpo_hours,
      rto_hours: p.data.rto_hours,
      hosts,
      missed,
      figure,
      last_verified: lastEvent ? lastEvent.at : '',
      verification_overdue: last === undefined || now - last > p.data.verification.restore_test_every_days * DAY,
      restore_tests: restoreTests,
      checks,
      path: p.file,
    });
  }
  const overdue = rows.filter((r) => r.verification_overdue);
  const timed = rows.flatMap((r) => r.restore_tests.filter((t) => t.within_rto !== null));
  const rtoMissed = timed.filter((t) => !t.within_rto);
  const checksRun = rows.flatMap((r) => r.checks);
  const checkFailed = checksRun.filter((c) => !c.ok);
  const figures = [
    count(
      'backups.policies',
      rows.map((r) => r.path),
      undefined,
      'formula.backup_policies',
    ),
    percent('backups.rpo_attainment', attained, total, evidence, 'formula.rpo_attainment'),
    count(
      'backups.verification_overdue',
      overdue.map((r) => r.path),
      overdue.length,
      'formula.verification_overdue',
    ),
    count(
      'backups.restore_tests',
      rows.flatMap((r) => r.restore_tests.flatMap((t) => t.evidence)),
      rows.reduce((a, r) => a + r.restore_tests.length, 0),
      'formula.restore_tests',
    ),
    percent(
      'backups.rto_attainment',
      timed.length - rtoMissed.length,
      timed.length,
      timed.flatMap((t) => t.evidence),
      'formula.rto_attainment',
    ),
    count(
      'backups.rto_missed',
      rtoMissed.flatMap((t) => t.evidence),
      rtoMissed.length,
      'formula.rto_missed',
    ),
    count(
      'backups.checks',
      checksRun.flatMap((c) => c.evidence),
      checksRun.length,
      'formula.restic_checks',
    ),
    count(
      'backups.check_failed',
      checkFailed.flatMap((c) => c.evidence),
      checkFailed.length,
      'formula.restic_check_failed',
    ),
  ];
  return { figures, policies: rows };
}
