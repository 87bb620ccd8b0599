/**
 * Two threads reading one queue of record files from both ends: the worker
 * claims from the front (the large inspection files first), this thread from
 * the back (the small gate and execution records), until the ends meet — so
 * whichever thread is free takes what is left, and each file is read by
 * exactly one of them. Each thread notes where every file's results start in
 * its part, so the results can be put back in path order, exactly as one
 * thread reading every file in order would give them. Pure apart from the
 * shared counter.
 */
import { emptyRecordsPart, type RecordsPart } from './records-part.ts';

const KEYS = Object.keys(emptyRecordsPart()) as (keyof RecordsPart)[];
const LOW = 0xffffffffn;

/** A queue of `length` items to claim: one 64-bit cell, the front index in the low half and the back (exclusive) in the high half. */
export function createClaims(length: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(8);
  new BigInt64Array(buffer)[0] = BigInt(length) << 32n;
  return buffer;
}

/** Claims the next index from one end; undefined once the ends have met. */
export function claim(claims: SharedArrayBuffer, end: 'front' | 'back'): number | undefined {
  const cell = new BigInt64Array(claims);
  for (;;) {
    const cur = Atomics.load(cell, 0);
    const front = Number(cur & LOW);
    const back = Number(cur >> 32n);
    if (front >= back) return undefined;
    const next = end === 'front' ? cur + 1n : cur - (1n << 32n);
    if (Atomics.compareExchange(cell, 0, cur, next) === cur) return end === 'front' ? front : back - 1;
  }
}

/** How many items were claimed from the front (all of them, once the ends have met). */
export function claimedFront(claims: SharedArrayBuffer): number {
  return Number(Atomics.load(new BigInt64Array(claims), 0) & LOW);
}

/** A part with, for every file read into it (in reading order), where that file's results start in each list. */
export interface MarkedPart {
  part: RecordsPart;
  files: string[];
  /** KEYS.length numbers per file: the length of each list before the file was read. */
  marks: number[];
}

export function emptyMarkedPart(): MarkedPart {
  return { part: emptyRecordsPart(), files: [], marks: [] };
}

/** Notes that `file` is read next into `m` (call before reading it). */
export function markFile(m: MarkedPart, file: string): void {
  m.files.push(file);
  for (const k of KEYS) m.marks.push(m.part[k].length);
}

/** The results of every file of `order`, in that order, taken from whichever part read it. Files no part read are skipped. */
export function inFileOrder(order: readonly string[], parts: readonly MarkedPart[]): RecordsPart {
  const where = new Map<string, { m: MarkedPart; i: number }>();
  for (const m of parts) m.files.forEach((f, i) => where.set(f, { m, i }));
  const out = emptyRecordsPart();
  for (const file of order) {
    const w = where.get(file);
    if (!w) continue;
    const { m, i } = w;
    KEYS.forEach((k, j) => {
      const from = m.marks[i * KEYS.length + j]!;
      const to = i + 1 < m.files.length ? m.marks[(i + 1) * KEYS.length + j]! : m.part[k].length;
      const src = m.part[k] as unknown[];
      const dst = out[k] as unknown[];
      for (let x = from; x < to; x++) dst.push(src[x]);
    });
  }
  return out;
}
