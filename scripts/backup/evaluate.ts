/**
 * What `backup verify` decides, from restic's output and the policy: freshness
 * (RPO), retention (does the repository hold what the policy promises), the
 * restore test's comparison and its time against the RTO. Pure: `now` and the
 * time zone are parameters.
 */
import type { ScoredCheckResult } from '../model/outcome.ts';
import { DateTime } from 'luxon';
import type { ForgetGroup, ListedNode, Snapshot, TreeEntry } from './parse.ts';

export type VerifyStatus = ScoredCheckResult;

const hours = (ms: number) => Math.round((ms / 3_600_000) * 100) / 100;

/** A host's snapshots of a policy: restic's hostname is the inventory id; with tags, all of them; without, every policy path covered. */
export function snapshotsOf(snaps: readonly Snapshot[], host: string, policy: { tags?: string[]; paths: string[] }): Snapshot[] {
  const tags = policy.tags ?? [];
  return snaps.filter(
    (s) => s.host === host && (tags.length ? tags.every((t) => s.tags.includes(t)) : policy.paths.every((p) => s.paths.some((x) => p === x || p.startsWith(`${x.replace(/\/$/, '')}/`)))),
  );
}

export interface Freshness {
  status: VerifyStatus;
  count: number;
  newest: { id: string; time: string; age_hours: number } | null;
  rpo_hours: number;
  reason: string;
}

export function evaluateFreshness(mine: readonly Snapshot[], rpoHours: number, now: Date): Freshness {
  if (mine.length === 0) return { status: 'fail', count: 0, newest: null, rpo_hours: rpoHours, reason: 'no snapshot of this host in the repository' };
  const newest = [...mine].sort((a, b) => Date.parse(b.time) - Date.parse(a.time))[0]!;
  const age = hours(now.getTime() - Date.parse(newest.time));
  const fresh = age <= rpoHours;
  return {
    status: fresh ? 'pass' : 'fail',
    count: mine.length,
    rpo_hours: rpoHours,
    newest: { id: newest.shortId, time: new Date(Date.parse(newest.time)).toISOString(), age_hours: age },
    reason: fresh ? '' : `newest snapshot ${newest.shortId} is ${age} h old; the RPO is ${rpoHours} h`,
  };
}

export interface Retention {
  keep_daily?: number;
  keep_weekly?: number;
  keep_monthly?: number;
  keep_yearly?: number;
}

type Unit = 'day' | 'week' | 'month' | 'year';
const RULES: ReadonlyArray<[keyof Retention, Unit, string]> = [
  ['keep_daily', 'day', 'daily'],
  ['keep_weekly', 'week', 'weekly'],
  ['keep_monthly', 'month', 'monthly'],
  ['keep_yearly', 'year', 'yearly'],
];

const bucket = (t: DateTime, unit: Unit) => (unit === 'week' ? t.toFormat("kkkk-'W'WW") : unit === 'day' ? t.toFormat('yyyy-MM-dd') : unit === 'month' ? t.toFormat('yyyy-MM') : t.toFormat('yyyy'));

/**
 * The completed days/weeks/months/years a policy promises a restore point for (the last N
 * before the current one, but none before the host's first snapshot) that hold no snapshot.
 */
export function missingRestorePoints(mine: readonly Snapshot[], retention: Retention, now: Date, zone: string): Array<{ rule: string; missing: string[] }> {
  if (mine.length === 0) return [];
  const times = mine.map((s) => DateTime.fromMillis(Date.parse(s.time), { zone }));
  const first = DateTime.min(...times)!;
  const at = DateTime.fromJSDate(now, { zone });
  const out: Array<{ rule: string; missing: string[] }> = [];
  for (const [key, unit, name] of RULES) {
    const n = retention[key] ?? 0;
    if (n <= 0) continue;
    const have = new Set(times.map((t) => bucket(t, unit)));
    const missing: string[] = [];
    for (let i = 1; i <= n; i++) {
      const b = at.minus({ [`${unit}s`]: i });
      if (b.endOf(unit) < first) break;
      if (!have.has(bucket(b, unit))) missing.push(bucket(b, unit));
    }
    if (missing.length) out.push({ rule: name, missing: missing.reverse() });
  }
  return out;
}

export interface RetentionResult {
  status: VerifyStatus;
  kept: number;
  /** Snapshots `restic forget` would remove under the policy: retention is not being applied (prune not running). */
  would_remove: Array<{ id: string; time: string }>;
  /** Restore points the policy promises that the repository does not hold. */
  missing: Array<{ rule: string; missing: string[] }>;
  reason: string;
}

export function evaluateRetention(mine: readonly Snapshot[], groups: readonly ForgetGroup[], host: string, retention: Retention, now: Date, zone: string): RetentionResult {
  const ids = new Set(mine.map((s) => s.id));
  const ofHost = groups.filter((g) => g.host === host || g.keep.some((s) => ids.has(s.id)) || g.remove.some((s) => ids.has(s.id)));
  const remove = ofHost.flatMap((g) => g.remove.filter((s) => ids.has(s.id))).map((s) => ({ id: s.shortId, time: new Date(Date.parse(s.time)).toISOString() }));
  const kept = ofHost.flatMap((g) => g.keep.filter((s) => ids.has(s.id))).length;
  const missing = missingRestorePoints(mine, retention, now, zone);
  const reasons: string[] = [];
  if (missing.length) reasons.push(`too few snapshots: no ${missing.map((m) => `${m.rule} snapshot for ${summarise(m.missing)}`).join('; no ')}`);
  if (remove.length)
    reasons.push(
      `${remove.length} snapshot${remove.length === 1 ? '' : 's'} the policy's retention would have removed (${remove
        .slice(0, 5)
        .map((r) => r.id)
        .join(', ')}${remove.length > 5 ? ', …' : ''}): forget/prune is not running`,
    );
  return { status: reasons.length ? 'fail' : 'pass', kept, would_remove: remove, missing, reason: reasons.join('; ') };
}

function summarise(list: string[]): string {
  return list.length <= 3 ? list.join(', ') : `${list[0]} … ${list[list.length - 1]} (${list.length})`;
}

export interface RestoreComparison {
  status: VerifyStatus;
  files_expected: number;
  files_restored: number;
  bytes_expected: number;
  /** Each difference: a path and what is wrong with it (at most 50 listed). */
  mismatches: Array<{ path: string; problem: string }>;
  mismatch_count: number;
  reason: string;
}

const under = (p: string, roots: readonly string[]) => roots.some((r) => p === r || p.startsWith(`${r.replace(/\/$/, '')}/`));

/**
 * Compares the restored tree with the snapshot's own listing (every file, directory and link
 * there, with the listed size) and the restored files' sha256 with the same files streamed out
 * by `restic dump`. Only entries under the sample paths count (the restore also creates their
 * parent directories).
 */
export function compareRestore(input: {
  samplePaths: readonly string[];
  listing: readonly ListedNode[];
  restored: readonly TreeEntry[];
  restoredSha: ReadonlyMap<string, string>;
  dumpedSha: ReadonlyMap<string, string>;
}): RestoreComparison {
  const listed = input.listing.filter((n) => under(n.path, input.samplePaths));
  const restored = new Map(input.restored.filter((e) => under(e.path, input.samplePaths)).map((e) => [e.path, e]));
  const problems: Array<{ path: string; problem: string }> = [];
  for (const p of input.samplePaths) if (!listed.some((n) => n.path === p)) problems.push({ path: p, problem: 'not in the snapshot' });
  for (const n of listed) {
    const r = restored.get(n.path);
    if (!r) {
      problems.push({ path: n.path, problem: `listed as ${n.type} in the snapshot, not restored` });
      continue;
    }
    if (r.type !== n.type && n.type !== 'other') {
      problems.push({ path: n.path, problem: `restored as ${r.type}, listed as ${n.type}` });
      continue;
    }
    if (n.type !== 'file') continue;
    if (r.size !== n.size) problems.push({ path: n.path, problem: `restored ${r.size} bytes, the snapshot lists ${n.size}` });
    const a = input.restoredSha.get(n.path);
    const b = input.dumpedSha.get(n.path);
    if (!a) problems.push({ path: n.path, problem: 'restored file could not be hashed' });
    else if (!b) problems.push({ path: n.path, problem: 'restic dump did not produce this file' });
    else if (a !== b) problems.push({ path: n.path, problem: `sha256 ${a.slice(0, 12)}… restored, ${b.slice(0, 12)}… from restic dump` });
  }
  const listedPaths = new Set(listed.map((n) => n.path));
  for (const [p] of restored) if (!listedPaths.has(p)) problems.push({ path: p, problem: 'restored but not listed in the snapshot' });
  const files = listed.filter((n) => n.type === 'file');
  return {
    status: problems.length ? 'fail' : 'pass',
    files_expected: files.length,
    files_restored: [...restored.values()].filter((e) => e.type === 'file').length,
    bytes_expected: files.reduce((s, n) => s + n.size, 0),
    mismatches: problems.slice(0, 50),
    mismatch_count: problems.length,
    reason: problems.length
      ? `${problems.length} difference${problems.length === 1 ? '' : 's'} between the restore and the snapshot: ${problems
          .slice(0, 3)
          .map((x) => `${x.path} ${x.problem}`)
          .join('; ')}${problems.length > 3 ? '; …' : ''}`
      : '',
  };
}

/** The measured restore time against the policy's RTO. */
export function evaluateRto(durationMs: number, rtoHours: number): { met: boolean; rto_ms: number; reason: string } {
  const rtoMs = Math.round(rtoHours * 3_600_000);
  const met = durationMs <= rtoMs;
  return { met, rto_ms: rtoMs, reason: met ? '' : `the restore took ${(durationMs / 1000).toFixed(3)} s; the RTO is ${rtoHours} h (${(rtoMs / 1000).toFixed(3)} s)` };
}
