import { byKey, count, percent, type Figure } from '../figure.ts';
import { DAY, HOUR, ms, type Period } from '../period.ts';
import type { BackupEvent, ReportInput } from '../types.ts';

export interface BackupRow {
  policy: string;
  title: string;
  rpo_hours: number;
  hosts: string[];
  /** Hosts whose largest gap between successful snapshots in the period exceeded the RPO. */
  missed: { host: string; max_gap_hours: number | null }[];
  figure: Figure;
  last_verified: string;
  verification_overdue: boolean;
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

/** Backup policies: RPO attainment over the period and the last successful restore test. Pure. */
export function computeBackups(input: ReportInput, period: Period, now: number, lastRun: { path: string; run: string } | null = null): BackupsSection {
  const run = lastRun ? input.inspections.find((r) => r.path === lastRun.path && r.run === lastRun.run) : undefined;
  const freshnessChecks = input.checks.filter((c) => c.type === 'backup_freshness');
  const freshnessIds = new Set(freshnessChecks.map((c) => c.id));
  const to = Math.min(period.endMs, now);
  const byPolicy = new Map<string, BackupEvent[]>();
  for (const e of input.backups) (byPolicy.get(e.policy) ?? byPolicy.set(e.policy, []).get(e.policy)!).push(e);
  const rows: BackupRow[] = [];
  let attained = 0;
  let total = 0;
  const evidence: string[] = [];
  for (const p of [...input.backupPolicies].sort(byKey((x) => x.id))) {
    const hosts = input.hosts.filter((h) => p.data.targets.hosts?.includes(h.id) || h.data.groups.some((g) => p.data.targets.groups?.includes(g))).map((h) => h.id).sort();
    const events = byPolicy.get(p.id) ?? [];
    const paths = [p.file, ...new Set(events.map((e) => e.path))];
    const missed: BackupRow['missed'] = [];
    let ok = 0;
    for (const h of hosts) {
      const snaps = events.filter((e) => e.kind === 'snapshot' && e.ok && (e.host === undefined || e.host === h)).map((e) => ms(e.at)!).filter((t) => t <= to);
      const gap = largestGap(snaps, period.startMs, to);
      if (gap !== null && gap <= p.data.rpo_hours) ok++;
      else missed.push({ host: h, max_gap_hours: gap === null ? null : Math.round(gap * 10) / 10 });
    }
    const noRecords = events.length === 0;
    // Without any backup record the snapshot gaps are unknown, not missed.
    if (noRecords) missed.length = 0;
    let figure = noRecords
      ? { ...percent(`backups.rpo.${p.id}`, 0, 0, [p.file], 'formula.rpo_attainment'), value: null }
      : percent(`backups.rpo.${p.id}`, ok, hosts.length, paths, 'formula.rpo_attainment');
    if (!noRecords) {
      attained += ok;
      total += hosts.length;
      evidence.push(...paths);
    } else if (run && freshnessIds.size > 0) {
      // No backup records: the last inspection's backup_freshness checks on the policy's hosts say whether the newest snapshot is within the RPO.
      const rows = run.results.filter((r) => freshnessIds.has(r.check) && hosts.includes(r.host) && (r.status === 'pass' || r.status === 'fail' || r.status === 'error'));
      const good = new Set(hosts);
      for (const r of rows) if (r.status !== 'pass') good.delete(r.host);
      const seen = new Set(rows.map((r) => r.host));
      const okHosts = [...seen].filter((h) => good.has(h));
      const ev = [p.file, run.path, ...new Set(freshnessChecks.map((c) => c.file))];
      if (seen.size > 0) {
        figure = percent(`backups.rpo.${p.id}`, okHosts.length, seen.size, ev, 'formula.rpo_attainment_inspection');
        for (const h of [...seen].filter((x) => !good.has(x))) missed.push({ host: h, max_gap_hours: null });
        attained += okHosts.length;
        total += seen.size;
        evidence.push(...ev);
      }
    }
    // Restore tests come from records/backups/ only (opsgate backup verify --restore-test), never a date typed into the policy.
    const tests = events.filter((e) => e.kind === 'restore_test' && e.ok).map((e) => ms(e.at)!).filter((t) => t <= now);
    const last = tests.length ? Math.max(...tests) : undefined;
    const lastEvent = events.filter((e) => e.kind === 'restore_test' && e.ok && ms(e.at) === last)[0];
    rows.push({
      policy: p.id,
      title: p.data.title,
      rpo_hours: p.data.rpo_hours,
      hosts,
      missed,
      figure,
      last_verified: lastEvent ? lastEvent.at : '',
      verification_overdue: last === undefined || now - last > p.data.verification.restore_test_every_days * DAY,
      path: p.file,
    });
  }
  const overdue = rows.filter((r) => r.verification_overdue);
  const figures = [
    count('backups.policies', rows.map((r) => r.path)),
    percent('backups.rpo_attainment', attained, total, evidence, 'formula.rpo_attainment'),
    count('backups.verification_overdue', overdue.map((r) => r.path), overdue.length, 'formula.verification_overdue'),
  ];
  return { figures, policies: rows };
}
