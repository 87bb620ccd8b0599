/** The change success rate recomputed by hand from the formula's words, for the hunt-change tests (not the report's code). */
import { computeChanges } from '../../scripts/report/metrics/changes.ts';
import type { ExecutionRun } from '../../scripts/report/types.ts';
import { change, emptyInput, period } from './input-builder.ts';

export type C = ReturnType<typeof change>;

/** succeeded ÷ changes executed in the period, by hand. */
export function handSuccessRate(changes: C[], runs: ExecutionRun[], p: { startMs: number; endMs: number }): { num: number; den: number } {
  const t = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);
  let num = 0;
  let den = 0;
  for (const c of changes) {
    const mine = runs.filter((r) => r.change === c.id && !r.dry_run);
    if (!mine.some((r) => t(r.started_at) >= p.startMs && t(r.started_at) < p.endMs)) continue;
    den++;
    const known = mine.filter((r) => t(r.started_at) < p.endMs);
    const last = known.reduce((a, b) => (t(b.started_at) > t(a.started_at) ? b : a));
    if (last.outcome === 'succeeded') num++;
  }
  return { num, den };
}

export const rate = (changes: C[], runs: ExecutionRun[], id: string) => {
  const p = period(id);
  const s = computeChanges(emptyInput({ changes, executions: runs }), p, p.endMs);
  return s.figures.find((f) => f.id === 'changes.success_rate')!;
};
