import { claimKey, compactMapping, itemMark, keyMark, keyRelease, plainKey, pushItem, quotedKey, takeItems } from './fast-yaml-keys.ts';
import { BAIL, COLON, DQ, doubleQuoted, isIndicator, out, plainEnd, plainStarts, cachedValue, PLAIN, singleQuoted, SP, SQ, STOP_COLON, STOP_FLOW, trimEnd } from './fast-yaml-scalars.ts';

/**
 * Flow collections for the fast YAML reader (fast-yaml.ts): `[...]` and
 * `{...}` closed on their line, with plain or quoted scalars inside. Throws
 * BAIL (fast-yaml-scalars.ts) when it is not certain.
 */

/** Where the entries of each collection read are (fast-yaml.ts's readFastPositions); see FastPositions there. */
export type PositionRecord = Map<object, { keys?: Map<string, [key: number, value: number]>; items?: number[] }>;

/** Far below the positional parser's limit (64 levels, its path length 128), so the limit is never at stake here. */
export const MAX_DEPTH = 32;

/**
 * A flow collection or scalar inside `[...]` / `{...}` in s at p, closed on
 * this line. Returns the position after it; out.val = the value. `rec`:
 * where to record the entries' offsets, when recording.
 */
export function flowNode(s: string, p: number, depth: number, rec: PositionRecord | undefined): number {
  const c = s.charCodeAt(p);
  if (c === 91) return flowSeq(s, p, depth, rec);
  if (c === 123) return flowMap(s, p, depth, rec);
  if (c === DQ) return doubleQuoted(s, p);
  if (c === SQ) return singleQuoted(s, p);
  if (!plainStarts(s, p, true)) throw BAIL;
  const end = plainEnd(s, p, true);
  if (out.stop !== STOP_FLOW) throw BAIL;
  out.val = cachedValue(s, p, trimEnd(s, p, end), PLAIN, out.hash);
  return end;
}

function skipSpaces(s: string, p: number): number {
  while (s.charCodeAt(p) === SP) p++;
  return p;
}

function flowSeq(s: string, p: number, depth: number, rec: PositionRecord | undefined): number {
  if (depth > MAX_DEPTH) throw BAIL;
  const items: number[] | undefined = rec && [];
  let q = skipSpaces(s, p + 1);
  if (s.charCodeAt(q) === 93) {
    const empty: unknown[] = [];
    if (items) rec!.set(empty, { items });
    out.val = empty;
    return q + 1;
  }
  const base = itemMark();
  for (;;) {
    items?.push(q);
    q = skipSpaces(s, flowNode(s, q, depth + 1, rec));
    pushItem(out.val);
    const c = s.charCodeAt(q);
    if (c === 93) {
      const seq = takeItems(base);
      if (items) rec!.set(seq, { items });
      out.val = seq;
      return q + 1;
    }
    if (c !== 44) throw BAIL;
    q = skipSpaces(s, q + 1);
    if (s.charCodeAt(q) === 93) throw BAIL;
  }
}

function flowMap(s: string, p: number, depth: number, rec: PositionRecord | undefined): number {
  if (depth > MAX_DEPTH) throw BAIL;
  const map: Record<string, unknown> = {};
  const keys = rec && new Map<string, [number, number]>();
  let q = skipSpaces(s, p + 1);
  if (s.charCodeAt(q) === 125) {
    if (keys) rec!.set(map, { keys });
    out.val = map;
    return q + 1;
  }
  const base = keyMark();
  for (;;) {
    const k = q;
    q = skipSpaces(s, flowKey(s, q));
    const key = out.val as string;
    claimKey(map, base, key);
    const v = q;
    q = skipSpaces(s, flowNode(s, q, depth + 1, rec));
    map[key] = out.val;
    keys?.set(key, [k, v]);
    const c = s.charCodeAt(q);
    if (c === 125) {
      const done = compactMapping(map, keyMark() - base);
      if (keys) rec!.set(done, { keys });
      keyRelease(base);
      out.val = done;
      return q + 1;
    }
    if (c !== 44) throw BAIL;
    q = skipSpaces(s, q + 1);
    if (s.charCodeAt(q) === 125) throw BAIL;
  }
}

/** `key: ` inside a flow mapping; returns the position after the colon and its space, out.val = the key. */
function flowKey(s: string, p: number): number {
  const c = s.charCodeAt(p);
  let end: number;
  if (c === DQ || c === SQ) end = quotedKey(s, p, c);
  else {
    if (isIndicator(c)) throw BAIL;
    end = plainEnd(s, p, true);
    if (out.stop !== STOP_COLON) throw BAIL;
    if (s.charCodeAt(end - 1) === SP) throw BAIL;
    // A colon inside the key (`a:b: 1`) is left to the positional parser; the same pass hashes the key.
    let h = 0;
    for (let i = p; i < end; i++) {
      const d = s.charCodeAt(i);
      if (d === COLON) throw BAIL;
      h = (Math.imul(h, 31) + d) | 0;
    }
    out.val = plainKey(s, p, end, h);
  }
  if (s.charCodeAt(end) !== COLON || s.charCodeAt(end + 1) !== SP) throw BAIL;
  return end + 2;
}
