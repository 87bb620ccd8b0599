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
import { isUtf8 } from 'node:buffer';
import { sha256Hex } from '../sha256.ts';
import type { InspectionRun } from '../types.ts';
import { adaptInspectionRow, KEYS_CHECK, newRun, parseKeyTokens, runsToKeep } from './inspection-records.ts';

const HEADER = /^\{"seq":(\d+),"prev":"([0-9a-f]{64})","at":"((?:[^"\\]|\\.)*)","type":"(inspection\.(?:started|host|completed))","run_id":"([^"\\]*)"/;
const HOST = /^,"host":"([^"\\]*)","reachable":(true|false)/;
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

/** A line's first bytes, decoded: enough for its header and host fields (a longer line is decoded whole only when a report reads it). */
const PREFIX_BYTES = 1024;
/** `,"hash":"<64 hex>"}`: the last 75 bytes of every record line. */
const TAIL = /^,"hash":"[0-9a-f]{64}"\}$/;
const TAIL_BYTES = 75;
const NL = 0x0a;
const CLOSE_BRACE = 0x7d;

interface Pending {
  run: InspectionRun;
  /** The byte ranges of the run's host lines, decoded only when their rows are read. */
  hostLines: [number, number][];
  byChange?: { new: number; resolved: number; regressed: number };
  completed: boolean;
}

/**
 * The sha256 a line's hash field claims: of its text without that field, i.e.
 * its bytes up to the tail with `}` in place of the tail's `,`. The byte is
 * put back before returning, so the caller's buffer is unchanged.
 */
function hashBefore(bytes: Buffer, start: number, tailAt: number): string {
  bytes[tailAt] = CLOSE_BRACE;
  try {
    // The digest hashLine (records/chain.ts) takes of the same text, over its bytes.
    return sha256Hex(bytes.subarray(start, tailAt + 1));
  } finally {
    bytes[tailAt] = 0x2c;
  }
}

/**
 * The fast path over a file's bytes, as read from disk. Every line's seq, prev
 * and hash are checked (the hash over the line's own bytes), but a line is
 * decoded as text only as far as its header and host fields, or whole when a
 * report reads it — a month of 40-check host lines is never turned into a
 * string. A file that is not valid UTF-8 is declined (its text would differ
 * from its bytes), as is anything the text path declines: both give the same
 * result for every input. The bytes are borrowed: one byte per line is changed
 * and put back while that line is hashed. Pure.
 */
export function adaptInspectionBytesFast(path: string, bytes: Buffer, zone: string, firstOf?: string): { runs: InspectionRun[]; lines: number } | undefined {
  if (bytes.length === 0 || bytes[bytes.length - 1] !== NL || !isUtf8(bytes)) return undefined;
  const runs = new Map<string, Pending>();
  let expectedPrev = '0'.repeat(64);
  // The next mention of "authorized" in the file: lines before it hold no authorized-keys row.
  let nextKeys = bytes.indexOf('authorized');
  let count = 0;
  for (let start = 0; start < bytes.length;) {
    const end = bytes.indexOf(NL, start);
    const seq = ++count;
    const whole = end - start <= PREFIX_BYTES;
    const head = bytes.toString('utf8', start, whole ? end : start + PREFIX_BYTES);
    const m = HEADER.exec(head);
    if (!m || end - start < TAIL_BYTES || Number(m[1]) !== seq || m[2] !== expectedPrev) return undefined;
    const tailAt = end - TAIL_BYTES;
    const tail = bytes.toString('latin1', tailAt, end);
    if (!TAIL.test(tail)) return undefined;
    const claimed = tail.slice(9, 73);
    if (hashBefore(bytes, start, tailAt) !== claimed) return undefined;
    expectedPrev = claimed;
    const [, , , at, type, runId] = m as unknown as [string, string, string, string, string, string];
    let p = runs.get(runId);
    if (!p) {
      p = { run: newRun(path, runId, JSON.parse(`"${at}"`) as string), hostLines: [], completed: false };
      runs.set(runId, p);
    }
    const ref = { seq, hash: claimed };
    const line = () => bytes.toString('utf8', start, end);
    if (type === 'inspection.started') p.run.at = JSON.parse(`"${at}"`) as string;
    else if (type === 'inspection.completed') {
      const parsed = safeParse(line()) as { previous_run?: unknown; summary?: { by_change?: Record<string, unknown> } } | undefined;
      const c = parsed?.summary?.by_change;
      if (c && typeof c.new === 'number' && typeof c.resolved === 'number' && typeof c.regressed === 'number') p.byChange = { new: c.new, resolved: c.resolved, regressed: c.regressed };
      if (typeof parsed?.previous_run === 'string') p.run.previous_run = parsed.previous_run;
      p.run.completed = ref;
      p.completed = true;
    } else {
      const hm = HOST.exec(head.slice(m[0].length));
      // The fields read here must end inside the decoded prefix (its last character may be a cut one).
      if (!hm || (!whole && m[0].length + hm[0].length + ',"error":{'.length >= head.length)) return undefined;
      const host = JSON.parse(`"${hm[1]}"`) as string;
      p.run.hosts.push(host);
      p.run.host_lines[host] = ref;
      if (nextKeys >= 0 && nextKeys < end) {
        const keys = keysOf(line());
        if (keys === undefined) return undefined;
        if (keys) p.run.keys[host] = keys;
        nextKeys = bytes.indexOf('authorized', end);
      }
      // Not inspected: the connection failed, or it connected and the probe did not complete.
      if (hm[2] === 'false' || head.startsWith(',"error":{', m[0].length + hm[0].length)) {
        const l = safeParse(line()) as { error?: { phase?: unknown; message?: unknown } | null } | undefined;
        if (!l) return undefined;
        const err = l.error;
        p.run.unreachable.push({ host, reason: err ? `${String(err.phase ?? 'connect')}: ${String(err.message ?? '')}`.trim() : 'unreachable' });
      }
      p.hostLines.push([start, end]);
    }
    start = end + 1;
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
      for (const [s, e] of p.hostLines) {
        const parsed = safeParse(bytes.toString('utf8', s, e)) as { results?: unknown } | undefined;
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
  return { runs: done.map((p) => p.run), lines: count };
}

/** The fast path over a file's text (its UTF-8 bytes: the same result as reading the file). Pure. */
export function adaptInspectionFileFast(path: string, text: string, zone: string, firstOf?: string): { runs: InspectionRun[]; lines: number } | undefined {
  return adaptInspectionBytesFast(path, Buffer.from(text, 'utf8'), zone, firstOf);
}

function safeParse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
