/**
 * An auditor recomputes the restic-check figures by hand from records/backups/: per policy and host, the last
 * check of the period (by instant, whatever offset its `at` is written with) decides whether the repository
 * passed. The recomputation below is the test's own, not the report's code.
 */
import { describe, expect, it } from 'vitest';
import { computeBackupVerification } from '../../scripts/report/metrics/backup-verification.ts';
import { computeBackups } from '../../scripts/report/metrics/backups.ts';
import type { BackupEvent } from '../../scripts/report/types.ts';
import { backupPolicy, emptyInput, host, period } from './input-builder.ts';

const policy = backupPolicy({ hosts: ['web-01'] });

const check = (seq: number, at: string, ok: boolean): BackupEvent => ({
  path: 'records/backups/2026-11.jsonl',
  line: { seq, hash: String(seq).repeat(64) },
  at,
  policy: 'web',
  host: 'web-01',
  kind: 'check',
  ok,
  duration_seconds: undefined,
});

/** Failed last checks per (policy, host), by hand. */
function handFailedLastChecks(events: BackupEvent[], p: { startMs: number; endMs: number }): number {
  const last = new Map<string, BackupEvent>();
  for (const e of events) {
    const t = Date.parse(e.at);
    if (e.kind !== 'check' || t < p.startMs || t >= p.endMs) continue;
    const k = `${e.policy}|${e.host}`;
    if (!last.has(k) || t > Date.parse(last.get(k)!.at)) last.set(k, e);
  }
  return [...last.values()].filter((e) => !e.ok).length;
}

describe('hunt: restic checks recomputed by hand', () => {
  // The failed check at 23:00 Shanghai time; the passing one an hour later, written in UTC (its text sorts first).
  const events = [check(2, '2026-11-20T23:00:00+08:00', false), check(3, '2026-11-20T16:00:00Z', true)];
  const p = period('2026-11');

  it('the last check is the latest instant: the repository passed', () => {
    expect(handFailedLastChecks(events, p)).toBe(0);
    const bv = computeBackupVerification(emptyInput({ backupPolicies: [policy], backups: events }), p);
    expect(bv.figures.find((f) => f.id === 'backup_verification.checks_failed')!.value).toBe(0);
    expect(bv.checks.map((c) => [c.at, c.ok])).toEqual([['2026-11-20T16:00:00Z', true]]);
    const b = computeBackups(emptyInput({ hosts: [host('web-01')], backupPolicies: [policy], backups: events }), p, p.endMs, null);
    expect(b.figures.find((f) => f.id === 'backups.check_failed')!.value).toBe(0);
  });
});
