/**
 * A faster way through a large, intact inspection record file: every line's
 * seq, prev and hash are checked exactly as the chain verifier does, but only
 * the lines a report reads are parsed as JSON — the rows of the last run of
 * each month, the start and completion lines, and unreachable hosts. Anything
 * unusual (a broken chain, a line in another layout, a missing summary) makes
 * it return undefined, and the caller takes the full path (verifyChain +
 * adaptInspectionRecord), which names every problem. For an intact file both
 * paths give the same runs (a test holds them to it). Pure.
 */
import { hashLine } from '../../records/chain.ts';
import type { InspectionRun } from '../types.ts';
import { adaptInspectionRow, KEYS_CHECK, newRun, parseKeyTokens, runsToKeep } from './inspection-records.ts';

const HEADER = /^\{"seq":(\d+),"prev":"([0-9a-f]{64})","at":"((?:[^"\\]|\\.)*)","type":"(inspection\.(?:started|host|completed))","run_id":"([^"\\]*)"/;
const HOST = /^,"host":"([^"\\]*)","reachable":(true|false)/;
const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;
/** The authorized-keys row of a host line, read without parsing the whole line (its row objects hold only strings). */
const ROW_CHECK = /\{"host":"(?:[^"\\]|\\.)*","check":"((?:[^"\\]|\\.)*)"/y;
const ROW_OBSERVED = /[^{}]*?"observed":"((?:[^"\\]|\\.)*)"/y;

/** The authorized keys a host line reports, found by text search; undefined when the layout is not the expected one. */
function keysOf(line: string): string[] | null | undefined {
  let found: string[] | null = null;
  let lastRow = -1;
  for (let idx = line.indexOf('authorized'); idx >= 0; idx = line.indexOf('authorized', idx + 1)) {
    const start = line.lastIndexOf('{"host":', idx);
    if (start < 0) return undefined;
    if (start === lastRow) continue; // another mention inside a row already read
    lastRow = start;
    ROW_CHECK.lastIndex = start;
    const c = ROW_CHECK.exec(line);
    if (!c || !KEYS_CHECK.test(JSON.parse(`"${c[1]}"`) as string)) continue;
    ROW_OBSERVED.lastIndex = ROW_CHECK.lastIndex;
    const o = ROW_OBSERVED.exec(line);
    if (!o) return undefined;
    const observed = JSON.parse(`"${o[1]}"`) as string;
    if (observed) found = parseKeyTokens(observed);
  }
  return found;
}

/**
 * A copy of a regex capture. V8 keeps a long capture as a slice of the whole
 * file's text, so storing it (a run id, a line hash) would keep every month's
 * 50 MB of text alive.
 */
function own(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

interface Pending {
  run: InspectionRun;
  hostLines: string[];
  byChange?: { new: number; resolved: number; regressed: number };
  completed: boolean;
}

export function adaptInspectionFileFast(path: string, text: string, zone: string, firstOf?: string): { runs: InspectionRun[]; lines: number } | undefined {
  if (!text.endsWith('\n')) return undefined;
  const lines = text.split('\n');
  lines.pop();
  const runs = new Map<string, Pending>();
  let expectedPrev = '0'.repeat(64);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = HEADER.exec(line);
    const h = HASH_SUFFIX.exec(line);
    if (!m || !h || Number(m[1]) !== i + 1 || m[2] !== expectedPrev) return undefined;
    if (hashLine(line.slice(0, h.index) + '}') !== h[1]) return undefined;
    expectedPrev = h[1]!;
    const [, , , at, type, capturedRun] = m as unknown as [string, string, string, string, string, string];
    const runId = capturedRun.length >= 13 ? own(capturedRun) : capturedRun;
    let p = runs.get(runId);
    if (!p) {
      p = { run: newRun(path, runId, JSON.parse(`"${at}"`) as string), hostLines: [], completed: false };
      runs.set(runId, p);
    }
    const ref = { seq: i + 1, hash: own(h[1]!) };
    if (type === 'inspection.started') p.run.at = JSON.parse(`"${at}"`) as string;
    else if (type === 'inspection.completed') {
      const parsed = safeParse(line) as { previous_run?: unknown; summary?: { by_change?: Record<string, unknown> } } | undefined;
      const c = parsed?.summary?.by_change;
      if (c && typeof c.new === 'number' && typeof c.resolved === 'number' && typeof c.regressed === 'number') p.byChange = { new: c.new, resolved: c.resolved, regressed: c.regressed };
      if (typeof parsed?.previous_run === 'string') p.run.previous_run = parsed.previous_run;
      p.run.completed = ref;
      p.completed = true;
    } else {
      const hm = HOST.exec(line.slice(m[0].length));
      if (!hm) return undefined;
      const host = JSON.parse(`"${hm[1]}"`) as string;
      p.run.hosts.push(host);
      p.run.host_lines[host] = ref;
      const keys = keysOf(line);
      if (keys === undefined) return undefined;
      if (keys) p.run.keys[host] = keys;
      // Not inspected: the connection failed, or it connected and the probe did not complete.
      if (hm[2] === 'false' || line.startsWith(',"error":{', m[0].length + hm[0].length)) {
        const l = safeParse(line) as { error?: { phase?: unknown; message?: unknown } | null } | undefined;
        if (!l) return undefined;
        const err = l.error;
        p.run.unreachable.push({ host, reason: err ? `${String(err.phase ?? 'connect')}: ${String(err.message ?? '')}`.trim() : 'unreachable' });
      }
      p.hostLines.push(line);
    }
  }
  const done = [...runs.values()].filter((p) => p.completed);
  const keepRuns = runsToKeep(
    done.map((p) => p.run),
    zone,
    firstOf,
  );
  const keep = new Set(done.filter((p) => keepRuns.has(p.run)));
  for (const p of done) {
    if (keep.has(p) || !p.byChange) {
      for (const l of p.hostLines) {
        const parsed = safeParse(l) as { results?: unknown } | undefined;
        if (!parsed) return undefined;
        for (const r of Array.isArray(parsed.results) ? (parsed.results as Record<string, unknown>[]) : []) {
          const row = adaptInspectionRow(r);
          if (!row) continue;
          if (keep.has(p)) p.run.results.push(row);
          if (KEYS_CHECK.test(row.check) && row.observed) p.run.keys[row.host] = parseKeyTokens(row.observed);
          if (row.change === 'new' || row.change === 'resolved' || row.change === 'regressed') p.run.counts[row.change]++;
        }
      }
    } else p.run.counts = p.byChange;
    if (!keep.has(p)) p.run.pruned = true;
  }
  return { runs: done.map((p) => p.run), lines: lines.length };
}

function safeParse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
