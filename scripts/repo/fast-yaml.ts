import { flowNode, MAX_DEPTH, type PositionRecord } from './fast-yaml-flow.ts';
import { claimKey, compactMapping, itemMark, keyMark, keyRelease, plainKey, pushItem, quotedKey, resetStacks, takeItems } from './fast-yaml-keys.ts';
import {
  BAIL,
  blockScalar,
  COLON,
  DQ,
  HASH,
  isBlank,
  doubleQuoted,
  indentOf,
  isIndicator,
  NL,
  out,
  plainEnd,
  plainStarts,
  cachedValue,
  PLAIN,
  singleQuoted,
  SP,
  SQ,
  STOP_COLON,
  trimEnd,
} from './fast-yaml-scalars.ts';

/**
 * The fast YAML reader: a hand-written reader for the YAML opsgate documents
 * use — block mappings and sequences by indentation, plain scalars (YAML 1.2
 * core schema), one-line quoted scalars, one-line flow collections, literal and
 * folded block scalars, comments. It returns exactly what the `yaml` library
 * (schema 'core') returns, or undefined whenever it is not certain: anchors,
 * aliases, tags, directives, document markers, multi-line plain or quoted
 * scalars, tabs, CR, control characters, explicit or non-string keys, duplicate
 * or forbidden keys, deep nesting, a top level that is not a mapping. The
 * positional parser then decides and locates the diagnostics. `plain`: the
 * caller knows the text holds none of UNCERTAIN_CHARS (byte-facts.ts).
 * Block structure is read here; scalars in fast-yaml-scalars.ts, keys in
 * fast-yaml-keys.ts, flow collections in fast-yaml-flow.ts.
 */
export function parseFastYaml(text: string, plain = false): Record<string, unknown> | undefined {
  if (!plain && UNCERTAIN_CHARS.test(text)) return undefined;
  if (!warm) warmUp();
  positions = undefined;
  return read(text);
}

/**
 * Every path of the reader, taken once before the first real document (with and
 * without recording positions). V8 optimises the reader's functions after a few
 * hundred documents; a path none of them took (a comment after trailing spaces, a
 * flow mapping, a key with its value below, position recording for a located
 * diagnostic) then throws the optimised code away when a later document takes it,
 * and V8 compiles the function again: at ten thousand documents the reader's
 * functions were compiled two to four times each. The result is discarded.
 */
export const WARM_UP = [
  'id: warm-01',
  'title: 预热 "quoted" words  # a comment after spaces',
  'n: 22',
  '',
  '   ',
  'neg: -1.5e3',
  'hex: 0x1F',
  'oct: 0o17',
  'inf: -.inf',
  'nan: .NaN',
  'yes: true',
  'no: False',
  'nothing: ~',
  'empty:',
  'date: 2026-11-28',
  'at: 2026-11-28T22:00:00+08:00',
  "single: 'it''s'",
  'double: "a\\tb \\u00e9 \\x41 \\" end"',
  'flow: [a, "b", \'c\', 1, {k: v, "q": [x, y]}, []]',
  'map: {a: 1, b: [2, 3], c: {}}',
  'nested:',
  '  deeper:',
  '    key: value   ',
  '    list:',
  '    - one',
  '    - two # comment',
  '  seq:',
  '    - a: 1',
  '      b: two words',
  '    - - x',
  '      - y',
  '    - "quoted": 1',
  "      'single': 2",
  'literal: |',
  '  line one',
  '',
  '  line two',
  'literal_strip: |-',
  '  kept',
  'literal_keep: |+',
  '  kept',
  '',
  'folded: >',
  '  folded',
  '  text',
  '',
  '    more indented',
  '  back',
  'folded_strip: >-',
  '  x',
  '# a comment line',
  'last: end',
  '',
].join('\n');
let warm = false;

function warmUp(): void {
  warm = true;
  // Also without the last line break: a value that ends the text.
  const unterminated = WARM_UP.trimEnd();
  for (let k = 0; k < 3; k++) {
    for (const text of [WARM_UP, unterminated]) {
      read(text);
      readFastPositions(text);
    }
  }
}

/**
 * Where a collection's entries are in the text: per key, the offsets of the key
 * and of its value; per item, the offset of the item. -1: no certain offset (an
 * empty value, whose position the `yaml` library derives from the tokens around it).
 */
export interface FastPositions {
  keys?: Map<string, [key: number, value: number]>;
  items?: number[];
}

/**
 * The document read again, recording positions: each collection of the result
 * mapped to its entries' offsets, and the offset of the top-level mapping.
 * Undefined when the fast reader does not read the text.
 */
export function readFastPositions(text: string): { data: Record<string, unknown>; at: number; positions: Map<object, FastPositions> } | undefined {
  if (UNCERTAIN_CHARS.test(text)) return undefined;
  const recorded = (positions = new Map());
  try {
    const data = read(text);
    return data === undefined ? undefined : { data, at: valAt, positions: recorded };
  } finally {
    positions = undefined;
  }
}

function read(text: string): Record<string, unknown> | undefined {
  s = text;
  n = text.length;
  resetStacks();
  try {
    const first = nextContent(0);
    if (first < 0 || isSeqEntry(first + ind)) return undefined;
    const at = first + ind;
    const rest = blockMapping(at, ind, 1);
    valAt = at;
    return rest < 0 ? (out.val as Record<string, unknown>) : undefined;
  } catch {
    // BAIL, or anything unexpected (e.g. a stack overflow): the positional parser decides.
    return undefined;
  } finally {
    s = '';
    out.val = null;
  }
}

/** Characters the reader leaves to the positional parser: tab, CR, other C0/C1 controls, DEL, BOM, U+2028/9, U+FFFE/F. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
export const UNCERTAIN_CHARS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;
/** The `yaml` library rejects implicit keys longer than 1024 characters. */
const MAX_KEY = 1000;

let s = '';
let n = 0;
/** The indentation of the line nextContent returned. */
let ind = 0;
/** The offset where the last value read starts (-1: an empty value); set as each value is read. */
let valAt = 0;
/** Set while readFastPositions records: each collection's entries' offsets. */
let positions: PositionRecord | undefined;

/** The start of the next line holding content (not blank, not only a comment) from line start ls, or -1 at the end; sets `ind`. */
function nextContent(ls: number): number {
  while (ls < n) {
    const k = indentOf(s, ls);
    const c = s.charCodeAt(ls + k);
    if (c === NL) ls += k + 1;
    else if (c === HASH) ls = afterLine(ls + k);
    else if (ls + k >= n) return -1;
    else {
      if (k === 0 && (c === 45 || c === 46) && (s.startsWith('---', ls) || s.startsWith('...', ls))) throw BAIL;
      ind = k;
      return ls;
    }
  }
  return -1;
}

function afterLine(p: number): number {
  // Most often called at the line break itself (after a value, or a key with its value below).
  if (s.charCodeAt(p) === NL) return p + 1;
  const nl = s.indexOf('\n', p);
  return nl === -1 ? n : nl + 1;
}

function isSeqEntry(p: number): boolean {
  if (s.charCodeAt(p) !== 45) return false;
  return isBlank(s, p + 1);
}

function column(p: number): number {
  return p - (s.lastIndexOf('\n', p - 1) + 1);
}

/** After a value on its line: spaces, then a comment or the line break. Returns the next content line (see nextContent). */
function endOfLine(p: number): number {
  let q = p;
  while (s.charCodeAt(q) === SP) q++;
  if (q >= n) return -1;
  const c = s.charCodeAt(q);
  if (c !== NL && !(c === HASH && q > p)) throw BAIL;
  return nextContent(afterLine(q));
}

/** A block mapping whose first key is at p, indented `indent`. Returns the next content line after it (see nextContent); out.val = the mapping. */
function blockMapping(p: number, indent: number, depth: number): number {
  if (depth > MAX_DEPTH) throw BAIL;
  const map: Record<string, unknown> = {};
  const base = keyMark();
  const keys = positions && new Map<string, [number, number]>();
  for (;;) {
    const colon = mappingKey(p);
    const key = out.val as string;
    claimKey(map, base, key);
    let q = colon + 1;
    while (s.charCodeAt(q) === SP) q++;
    const next = blockValue(q, indent, depth, true);
    map[key] = out.val;
    if (keys) keys.set(key, [p, valAt]);
    if (next < 0 || ind < indent) {
      const done = compactMapping(map, keyMark() - base);
      if (keys) positions!.set(done, { keys });
      keyRelease(base);
      out.val = done;
      return next;
    }
    if (ind > indent) throw BAIL;
    p = next + indent;
  }
}

/** A key and its colon at p; returns the colon's position, out.val = the key. */
function mappingKey(p: number): number {
  const c = s.charCodeAt(p);
  let end: number;
  if (c === DQ || c === SQ) {
    end = quotedKey(s, p, c);
    if (s.charCodeAt(end) !== COLON) throw BAIL;
  } else {
    if (isIndicator(c)) throw BAIL;
    end = blockKeyEnd(p);
    out.val = plainKey(s, p, trimEnd(s, p, end), keyHash);
  }
  if (end - p > MAX_KEY || !isBlank(s, end + 1)) throw BAIL;
  return end;
}

/** The hash blockKeyEnd computed over the key's characters up to its last non-space. */
let keyHash = 0;

/**
 * A block key's colon: the first `:` followed by a space, the line end or the
 * end of the text, as blockPlainEnd finds it; a comment or the line end before
 * it is not a key (the positional parser decides). Hashes the key on the way.
 */
function blockKeyEnd(p: number): number {
  let h = 0;
  let hashed = 0;
  for (let i = p; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === COLON) {
      const d = s.charCodeAt(i + 1);
      if (i + 1 >= n || d === SP || d === NL) {
        keyHash = hashed;
        return i;
      }
    } else if (c === NL || (c === HASH && s.charCodeAt(i - 1) === SP)) throw BAIL;
    h = (Math.imul(h, 31) + c) | 0;
    if (c !== SP) hashed = h;
  }
  throw BAIL;
}

/** A block sequence whose first '-' is at p, indented `indent`. */
function blockSeq(p: number, indent: number, depth: number): number {
  if (depth > MAX_DEPTH) throw BAIL;
  const base = itemMark();
  const items: number[] | undefined = positions && [];
  for (;;) {
    let q = p + 1;
    while (s.charCodeAt(q) === SP) q++;
    const next = blockValue(q, indent, depth, false);
    pushItem(out.val);
    items?.push(valAt);
    if (next < 0 || ind < indent || (ind === indent && !isSeqEntry(next + indent))) {
      const seq = takeItems(base);
      if (items) positions!.set(seq, { items });
      out.val = seq;
      return next;
    }
    if (ind > indent) throw BAIL;
    p = next + indent;
  }
}

/**
 * The value at p, after `key: ` (inMap) or `- `, in a collection indented
 * `indent`: on this line, or on the lines below when this one ends here.
 */
function blockValue(p: number, indent: number, depth: number, inMap: boolean): number {
  const c = s.charCodeAt(p);
  if (p >= n || c === NL || c === HASH) {
    const next = nextContent(afterLine(p));
    if (next >= 0 && (ind > indent || (ind === indent && inMap && isSeqEntry(next + ind)))) {
      const at = next + ind;
      const rest = ind > indent ? blockNode(at, ind, depth + 1) : blockSeq(at, ind, depth + 1);
      valAt = at;
      return rest;
    }
    out.val = null;
    valAt = -1;
    return next;
  }
  if (c === 124 || c === 62) {
    const rest = nextContent(blockScalar(s, p, indent));
    valAt = p;
    return rest;
  }
  let end: number;
  if (c === DQ || c === SQ) {
    end = c === DQ ? doubleQuoted(s, p) : singleQuoted(s, p);
    if (s.charCodeAt(end) === COLON) {
      if (inMap) throw BAIL;
      return nested(blockMapping(p, column(p), depth + 1), p);
    }
  } else if (c === 91 || c === 123) {
    end = flowNode(s, p, depth + 1, positions);
  } else if (!inMap && isSeqEntry(p)) {
    return nested(blockSeq(p, column(p), depth + 1), p);
  } else {
    if (!plainStarts(s, p, false)) throw BAIL;
    end = plainEnd(s, p, false);
    if (out.stop === STOP_COLON) {
      if (inMap) throw BAIL;
      return nested(blockMapping(p, column(p), depth + 1), p);
    }
    out.val = cachedValue(s, p, trimEnd(s, p, end), PLAIN, out.hash);
  }
  const val = out.val;
  const next = endOfLine(end);
  out.val = val;
  valAt = p;
  return next;
}

/** A collection read inline at p (`- a: 1`, `- - x`): its result, with valAt back at its start. */
function nested(rest: number, p: number): number {
  valAt = p;
  return rest;
}

/** A collection starting its own line at p (after `key:` or `-` ended their line). */
function blockNode(p: number, indent: number, depth: number): number {
  if (isSeqEntry(p)) return blockSeq(p, indent, depth);
  return blockMapping(p, indent, depth);
}
