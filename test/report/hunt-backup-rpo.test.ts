/**
 * An auditor recomputes RPO attainment from the snapshots a figure cites: the largest gap between successful
 * snapshots in the period, counting the last one before it. That snapshot must therefore be cited too, or the
 * gap cannot be recomputed from the evidence. The recomputation below is the test's own, not the report's code.
 */
import { describe, expect, it } from 'vitest';
import { computeBackups } from '../../scripts/report/metrics/backups.ts';
import type { BackupEvent } from '../../scripts/report/types.ts';
import { backupPolicy, emptyInput, host, period } from './input-builder.ts';

const policy = backupPolicy({ hosts: ['web-01'] });

const snap = (seq: number, at: string): BackupEvent => ({
  path: `records/backups/${at.slice(0, 7)}.jsonl`,
  line: { seq, hash: String(seq % 10).repeat(64) },
  at,
  policy: 'web',
  host: 'web-01',
  kind: 'snapshot',
  ok: true,
  duration_seconds: undefined,
});

/** Largest gap in hours from the cited snapshots alone, over [start, end). */
function gapFromCited(cited: BackupEvent[], start: number, end: number): number {
  const times = cited.map((e) => Date.parse(e.at)).sort((a, b) => a - b);
  let prev = times.filter((t) => t < start).pop() ?? start;
  let gap = 0;
  for (const t of times.filter((x) => x >= start)) {
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return Math.max(gap, end - prev) / 3_600_000;
}

describe('hunt: RPO attainment traceable to the snapshots it cites', () => {
  it('the last snapshot before the period, from which the first gap is measured, is cited', () => {
    const p = period('2026-11');
    // Daily snapshots at 01:00 from Nov 1 to Nov 30, and the one before the period at 22:00 on Oct 30 (27 h before the first).
    const snapshots = [snap(1, '2026-10-30T22:00:00+08:00'), ...Array.from({ length: 30 }, (_, i) => snap(i + 2, `2026-11-${String(i + 1).padStart(2, '0')}T01:00:00+08:00`))];
    const s = computeBackups(emptyInput({ hosts: [host('web-01')], backupPolicies: [policy], backups: snapshots }), p, p.endMs, null);
    const f = s.figures.find((x) => x.id === 'backups.rpo_attainment')!;
    const cited = snapshots.filter((e) => f.evidence.some((c) => c.startsWith(`${e.path}#${e.line.seq}:`)));
    const hand = gapFromCited(cited, p.startMs, p.endMs);
    expect(hand).toBe(27);
    expect([f.numerator, f.denominator]).toEqual([hand <= 24 ? 1 : 0, 1]);
  });
});
