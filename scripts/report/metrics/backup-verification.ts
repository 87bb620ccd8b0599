/**
 * What `opsgate backup verify` proved in the period, per policy and host (issue
 * 16): the last `restic check` of each repository with restic's own error
 * lines, the last restore test against the RTO, and whether the repository
 * holds what the retention promises (too few snapshots, or snapshots that
 * should have been pruned). Shown inside the backups section. Pure.
 */
import { byInstant, count, percent, type Figure } from '../figure.ts';
import { inPeriod, ms, type Period } from '../period.ts';
import { citeLine, type BackupEvent, type ReportInput } from '../types.ts';

export interface VerificationRow {
  policy: string;
  host: string;
  /** Last restore test in the period: duration in seconds against the RTO. */
  restore: { at: string; ok: boolean; seconds: number | null; rto_hours: number; rto_met: boolean | null; evidence: string[] } | null;
  /** Last retention verdict: kept, to prune (should have been removed), promised restore points missing (too few). */
  retention: { at: string; ok: boolean; kept: number; would_remove: number; missing: number; reason: string; evidence: string[] } | null;
}

export interface CheckResultRow {
  policy: string;
  host: string;
  at: string;
  ok: boolean;
  read_data_subset: string | null;
  errors: string[];
  evidence: string[];
}

export interface BackupVerificationSection {
  figures: Figure[];
  rows: VerificationRow[];
  checks: CheckResultRow[];
}

/** The latest event by instant (a record may write its time with any offset), ties by line. */
const last = (events: BackupEvent[]) =>
  [...events]
    .sort(
      byInstant(
        (e) => e.at,
        (e) => `${e.path}|${String(e.line.seq).padStart(9, '0')}`,
      ),
    )
    .pop();

export function computeBackupVerification(input: ReportInput, period: Period): BackupVerificationSection {
  const rto = new Map(input.backupPolicies.map((p) => [p.id, p.data.rto_hours]));
  const inside = input.backups.filter((e) => e.kind !== 'snapshot' && inPeriod(ms(e.at), period));
  const key = (e: BackupEvent) => `${e.policy}\u0000${e.host ?? ''}`;
  const groups = new Map<string, BackupEvent[]>();
  for (const e of inside) (groups.get(key(e)) ?? groups.set(key(e), []).get(key(e))!).push(e);
  const rows: VerificationRow[] = [];
  const checks: CheckResultRow[] = [];
  for (const [k, events] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const [policy, host] = k.split('\u0000') as [string, string];
    const c = last(events.filter((e) => e.kind === 'check'));
    if (c) checks.push({ policy, host, at: c.at, ok: c.ok, read_data_subset: c.detail?.read_data_subset ?? null, errors: c.detail?.errors ?? [], evidence: [citeLine(c.path, c.line)] });
    const t = last(events.filter((e) => e.kind === 'restore_test'));
    const r = last(events.filter((e) => e.kind === 'retention'));
    if (!t && !r) continue;
    const hours = t?.detail?.rto_hours ?? rto.get(policy) ?? 0;
    rows.push({
      policy,
      host,
      restore: t
        ? {
            at: t.at,
            ok: t.ok,
            seconds: t.duration_seconds ?? null,
            rto_hours: hours,
            rto_met: t.detail?.rto_met ?? (t.duration_seconds === undefined ? null : t.duration_seconds <= hours * 3600),
            evidence: [citeLine(t.path, t.line)],
          }
        : null,
      retention: r
        ? {
            at: r.at,
            ok: r.ok,
            kept: r.detail?.kept ?? 0,
            would_remove: r.detail?.would_remove ?? 0,
            missing: r.detail?.missing ?? 0,
            reason: r.detail?.reason ?? '',
            evidence: [citeLine(r.path, r.line)],
          }
        : null,
    });
  }
  const restores = rows.flatMap((x) => (x.restore && x.restore.rto_met !== null ? [x.restore] : []));
  const met = restores.filter((x) => x.rto_met && x.ok);
  const retention = rows.flatMap((x) => (x.retention ? [x.retention] : []));
  const tooFew = retention.filter((x) => x.missing > 0);
  const prune = retention.filter((x) => x.would_remove > 0);
  const failedChecks = checks.filter((x) => !x.ok);
  const figures = [
    percent(
      'backup_verification.rto_met',
      met.length,
      restores.length,
      restores.flatMap((x) => x.evidence),
      'formula.bv_rto_met',
    ),
    count(
      'backup_verification.checks_failed',
      failedChecks.flatMap((x) => x.evidence),
      failedChecks.length,
      'formula.bv_checks_failed',
    ),
    percent(
      'backup_verification.retention_ok',
      retention.filter((x) => x.ok).length,
      retention.length,
      retention.flatMap((x) => x.evidence),
      'formula.bv_retention_ok',
    ),
    count(
      'backup_verification.too_few',
      tooFew.flatMap((x) => x.evidence),
      tooFew.length,
      'formula.bv_too_few',
    ),
    count(
      'backup_verification.prune_due',
      prune.flatMap((x) => x.evidence),
      prune.length,
      'formula.bv_prune_due',
    ),
  ];
  return { figures, rows, checks };
}
