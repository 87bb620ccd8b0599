/**
 * Adapter for records/inspections/YYYY-MM[.shard-I-of-N].jsonl (layout documented
 * at the top of scripts/inspect/record.ts): several runs per file, each
 * `inspection.started` → `inspection.host`… → `inspection.completed`, keyed by
 * run_id. Only completed runs are used (a crashed run has no completion line).
 * The only file that knows that layout. Pure.
 */
import { DateTime } from 'luxon';
import type { InspectionResult, InspectionRun, LineRef, ResultChange, ResultStatus, Severity } from '../types.ts';

type Line = Record<string, unknown>;
const STATUSES = new Set<ResultStatus>(['pass', 'fail', 'error', 'not_applicable', 'not_checked', 'info', 'waived']);
const CHANGES = new Set<ResultChange>(['new', 'persisting', 'resolved', 'regressed']);
const SEVERITIES = new Set<Severity>(['critical', 'high', 'medium', 'low', 'info']);

/** Checks whose row lists the authorized keys a host holds, as `account:person` in `observed`. */
export const KEYS_CHECK = /authorized[-_]keys/;

/** `audit:liu-yang, deploy:sun-hao` → ['audit:liu-yang', 'deploy:sun-hao'] (sorted, unique). Pure. */
export function parseKeyTokens(observed: string): string[] {
  const out = new Set<string>();
  for (const m of observed.matchAll(/([A-Za-z0-9._-]+):([^\s,]+)/g)) out.add(`${m[1]}:${m[2]}`);
  return [...out].sort();
}

export function lineRefOf(l: Line, i: number): LineRef {
  return { seq: typeof l.seq === 'number' ? l.seq : i + 1, hash: typeof l.hash === 'string' ? l.hash : '' };
}

export function newRun(path: string, id: string, at: string): InspectionRun {
  return {
    path,
    run: id,
    at,
    previous_run: undefined,
    completed: undefined,
    host_lines: {},
    keys: {},
    results: [],
    unreachable: [],
    hosts: [],
    counts: { new: 0, resolved: 0, regressed: 0 },
    pruned: false,
  };
}

export function adaptInspectionRow(v: Line): InspectionResult | undefined {
  if (typeof v?.host !== 'string' || typeof v.check !== 'string' || !STATUSES.has(v.status as ResultStatus)) return undefined;
  const reason = typeof v.reason === 'string' && v.reason ? v.reason : undefined;
  // Built by assignment, in the key order of the output: a spread of a conditional literal per optional key costs ~20× on a year of rows.
  const row = {} as InspectionResult;
  if (typeof v.expected === 'string' && v.expected) row.expected = v.expected;
  if (typeof v.observed === 'string' && v.observed) row.observed = v.observed;
  row.host = v.host;
  row.check = v.check;
  row.status = v.status as ResultStatus;
  row.severity = SEVERITIES.has(v.severity as Severity) ? (v.severity as Severity) : 'info';
  row.change = CHANGES.has(v.change as ResultChange) ? (v.change as ResultChange) : undefined;
  row.exception = typeof v.exception === 'string' ? v.exception : undefined;
  row.exception_expired = v.status === 'fail' && (reason?.startsWith('exception_expired') ?? false);
  row.reason = reason;
  return row;
}

interface Building {
  run: InspectionRun;
  completed: boolean;
}

export function adaptInspectionRecord(path: string, lines: readonly Line[]): InspectionRun[] {
  const runs = new Map<string, Building>();
  const get = (l: Line): Building | undefined => {
    const id = typeof l.run_id === 'string' ? l.run_id : undefined;
    if (!id) return undefined;
    let b = runs.get(id);
    if (!b) {
      b = { run: newRun(path, id, String(l.at)), completed: false };
      runs.set(id, b);
    }
    return b;
  };
  lines.forEach((l, i) => {
    const b = get(l);
    if (!b) return;
    if (l.type === 'inspection.started') b.run.at = String(l.at);
    else if (l.type === 'inspection.host' && typeof l.host === 'string') {
      b.run.hosts.push(l.host);
      b.run.host_lines[l.host] = lineRefOf(l, i);
      // Not inspected: the connection failed, or it connected and the probe did not complete (timeout, garbage).
      if (l.reachable === false || (l.error !== null && typeof l.error === 'object')) {
        const err = l.error as { phase?: unknown; message?: unknown } | null;
        b.run.unreachable.push({ host: l.host, reason: err ? `${String(err.phase ?? 'connect')}: ${String(err.message ?? '')}`.trim() : 'unreachable' });
      }
      for (const r of Array.isArray(l.results) ? (l.results as Line[]) : []) {
        const row = adaptInspectionRow(r);
        if (!row) continue;
        b.run.results.push(row);
        if (KEYS_CHECK.test(row.check) && row.observed) b.run.keys[l.host] = parseKeyTokens(row.observed);
        if (row.change === 'new' || row.change === 'resolved' || row.change === 'regressed') b.run.counts[row.change]++;
      }
    } else if (l.type === 'inspection.completed') {
      b.completed = true;
      b.run.completed = lineRefOf(l, i);
      if (typeof l.previous_run === 'string') b.run.previous_run = l.previous_run;
    }
  });
  return [...runs.values()].filter((b) => b.completed).map((b) => b.run);
}

/**
 * The runs whose rows a monthly report reads: the last of each month in
 * `zone`, and the first of each month (of month `firstOf` only, when given:
 * the report's period, whose first run may be its baseline), and the newest
 * run to cover each host (the current state takes every host from there). Pure.
 */
const months = new Map<string, string>();
/**
 * The month (yyyy-MM in `zone`) of a run's `at`. Memoised: pruning runs again
 * after every file of a year asks for the same few hundred timestamps over and
 * over, and a luxon parse each time cost a second. Pure.
 */
function monthOf(at: string, zone: string): string {
  const k = `${zone}|${at}`;
  let m = months.get(k);
  if (m === undefined) {
    if (months.size >= 100_000) months.clear();
    m = DateTime.fromISO(at, { zone }).toFormat('yyyy-MM');
    months.set(k, m);
  }
  return m;
}

export function runsToKeep<T extends { at: string; path: string; run: string; hosts: string[] }>(runs: Iterable<T>, zone: string, firstOf?: string): Set<T> {
  const first = new Map<string, T>();
  const last = new Map<string, T>();
  const key = (r: T) => `${r.at}|${r.path}|${r.run}`;
  const list = [...runs];
  for (const r of list) {
    const month = monthOf(r.at, zone);
    const a = first.get(month);
    if (!a || key(r) < key(a)) first.set(month, r);
    const b = last.get(month);
    if (!b || key(r) > key(b)) last.set(month, r);
  }
  return new Set([...[...first].filter(([m]) => firstOf === undefined || m === firstOf).map(([, r]) => r), ...last.values(), ...latestCoveringRuns(list, zone)]);
}

/**
 * Keeps the rows of the first and the last run of each month (in `zone`), and of
 * the newest run to cover each host, and
 * drops the rows of every other run, keeping their counts, keys and line
 * references. Monthly reports read rows only of those runs, so figures are
 * unchanged; memory stays bounded on a year of daily inspections. Pure
 * (mutates and returns the runs it is given).
 */
export function pruneInspectionRuns(runs: InspectionRun[], zone: string, firstOf?: string): InspectionRun[] {
  const keep = runsToKeep(runs, zone, firstOf);
  for (const r of runs)
    if (!keep.has(r) && !r.pruned) {
      r.results = [];
      r.pruned = true;
    }
  return runs;
}

/**
 * Per month (in `zone`), the runs that are the newest to cover some host: a report's current state
 * takes each host from the last run that covered it (a scoped run covers only its hosts; shards of
 * one run id each cover theirs). Pure.
 */
export function latestCoveringRuns<T extends Pick<InspectionRun, 'at' | 'path' | 'run' | 'hosts'>>(runs: readonly T[], zone: string): Set<T> {
  const key = (r: T) => `${r.at}|${r.path}|${r.run}`;
  const byMonth = new Map<string, T[]>();
  for (const r of runs) {
    const month = monthOf(r.at, zone);
    (byMonth.get(month) ?? byMonth.set(month, []).get(month)!).push(r);
  }
  const keep = new Set<T>();
  for (const list of byMonth.values()) {
    const covered = new Set<string>();
    let newest = true;
    for (const r of [...list].sort((a, b) => (key(a) < key(b) ? 1 : -1))) {
      if (newest || r.hosts.some((h) => !covered.has(h))) keep.add(r);
      for (const h of r.hosts) covered.add(h);
      newest = false;
    }
  }
  return keep;
}
