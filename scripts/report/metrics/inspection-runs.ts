/**
 * Inspection runs as the report counts them: the shards of one scheduled run
 * (same run id, one file per shard) are one run; runs are compared with the
 * schedule (policies/organisation.yaml inspection_every_hours). Pure.
 */
import { byInstant } from '../figure.ts';
import { HOUR, inPeriod, ms, type Period } from '../period.ts';
import { citeLine, type InspectionRun } from '../types.ts';
import { appendAll } from '../../model/append.ts';

/** Runs merged by run id: results, hosts and host lines of every shard; the earliest start. Pure. */
export function mergeShards(runs: readonly InspectionRun[]): InspectionRun[] {
  const byId = new Map<string, InspectionRun[]>();
  for (const r of runs) byId.set(r.run, [...(byId.get(r.run) ?? []), r]);
  const out: InspectionRun[] = [];
  for (const parts of byId.values()) {
    if (parts.length === 1) {
      out.push(parts[0]!);
      continue;
    }
    parts.sort(
      byInstant(
        (p) => p.at,
        (p) => p.path,
      ),
    );
    const first = parts[0]!;
    const merged: InspectionRun = { ...first, results: [], unreachable: [], hosts: [], host_lines: {}, keys: {}, counts: { new: 0, resolved: 0, regressed: 0 }, pruned: parts.some((p) => p.pruned) };
    // A host is one shard's: the same run recorded again (a copied or re-appended record) adds nothing, so no
    // host × check is counted twice; the first record of it (by time, then path) is the one cited.
    const taken = new Set<string>();
    for (const p of parts) {
      const fresh = new Set([...p.hosts, ...p.results.map((x) => x.host), ...p.unreachable.map((u) => u.host)].filter((h) => !taken.has(h)));
      if (fresh.size === 0) continue;
      appendAll(
        merged.results,
        p.results.filter((x) => fresh.has(x.host)),
      );
      appendAll(
        merged.unreachable,
        p.unreachable.filter((u) => fresh.has(u.host)),
      );
      appendAll(
        merged.hosts,
        p.hosts.filter((h) => fresh.has(h)),
      );
      for (const [h, l] of Object.entries(p.host_lines)) if (fresh.has(h)) merged.host_lines[h] = { ...l, path: l.path ?? p.path };
      for (const [h, k] of Object.entries(p.keys)) if (fresh.has(h)) merged.keys[h] = k;
      for (const h of fresh) taken.add(h);
      for (const k of ['new', 'resolved', 'regressed'] as const) merged.counts[k] += p.counts[k];
      if (p.previous_run && !merged.previous_run) merged.previous_run = p.previous_run;
    }
    out.push(merged);
  }
  return out.sort(
    byInstant(
      (r) => r.at,
      (r) => `${r.path}|${r.run}`,
    ),
  );
}

/** The runs of a period (merged), oldest first, and the run the period is compared with: the last before it, else its first. */
export function periodRuns(all: readonly InspectionRun[], period: Period): { runs: InspectionRun[]; baseline: InspectionRun | undefined } {
  const merged = mergeShards(all);
  const runs = merged.filter((r) => inPeriod(ms(r.at), period));
  const before = merged.filter((r) => (ms(r.at) ?? Infinity) < period.startMs);
  return { runs, baseline: before[before.length - 1] ?? runs[0] };
}

export interface ScheduleView {
  every_hours: number | null;
  expected: number | null;
  actual: number;
  missed: number | null;
  /** Stretches longer than 1.5 schedule intervals without a run, within the period. */
  gaps: { from: string; to: string; hours: number }[];
}

/** The period's runs against the schedule, up to `now` for a period not yet over. Pure. */
export function compareWithSchedule(runs: readonly InspectionRun[], period: Period, now: number, everyHours: number | undefined): ScheduleView {
  if (!everyHours) return { every_hours: null, expected: null, actual: runs.length, missed: null, gaps: [] };
  const horizon = Math.min(period.endMs, now);
  const expected = Math.max(0, Math.floor((horizon - period.startMs) / (everyHours * HOUR)));
  const times = runs.map((r) => ms(r.at)!).sort((a, b) => a - b);
  const gaps: ScheduleView['gaps'] = [];
  let prev = period.startMs;
  for (const t of [...times, horizon]) {
    if (t - prev > everyHours * 1.5 * HOUR) gaps.push({ from: new Date(prev).toISOString(), to: new Date(t).toISOString(), hours: Math.round(((t - prev) / HOUR) * 10) / 10 });
    prev = t;
  }
  return { every_hours: everyHours, expected, actual: runs.length, missed: Math.max(0, expected - runs.length), gaps };
}

/** Citations of a run's completion lines (every shard). */
export function citeRun(run: InspectionRun): string {
  return citeLine(run.path, run.completed);
}

/** The run a section chose (by id), every shard merged; undefined without one. */
export function findRun(all: readonly InspectionRun[], ref: { run: string } | null): InspectionRun | undefined {
  if (!ref) return undefined;
  return mergeShards(all.filter((r) => r.run === ref.run))[0];
}
