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
  resolvePlain,
  singleQuoted,
  SP,
  SQ,
  STOP_COLON,
  STOP_FLOW,
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
 */
export function parseFastYaml(text: string, plain = false): Record<string, unknown> | undefined {
  if (!plain && UNCERTAIN_CHARS.test(text)) return undefined;
  positions = undefined;
  return read(text);
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
  keyTop = 0;
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
/** Far below the positional parser's limit (64 levels, its path length 128), so the limit is never at stake here. */
const MAX_DEPTH = 32;
/** The `yaml` library rejects implicit keys longer than 1024 characters. */
const MAX_KEY = 1000;

let s = '';
let n = 0;
/** The indentation of the line nextContent returned. */
let ind = 0;
/** The offset where the last value read starts (-1: an empty value); set as each value is read. */
let valAt = 0;
/** Set while readFastPositions records: each collection's entries' offsets. */
let positions: Map<object, FastPositions> | undefined;

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
  const base = keyTop;
  const keys = positions && new Map<string, [number, number]>();
  if (keys) positions!.set(map, { keys });
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
      keyTop = base;
      out.val = map;
      return next;
    }
    if (ind > indent) throw BAIL;
    p = next + indent;
  }
}

/**
 * Keys the positional parser rejects or reads differently, or that a plain
 * object already answers: every Object.prototype property (__proto__,
 * constructor, toString…), `prototype`, and `<<` (a merge key in YAML 1.1).
 */
const RESERVED_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype', '<<']);

/** The keys of the mappings being read, innermost last: a duplicate is found by a short scan, not a property lookup. */
const keyStack: string[] = [];
let keyTop = 0;

/** Records `key` (not reserved: plainKey and quotedKey see to that) for the mapping whose keys start at `base`; a repeated key is left to the positional parser. */
function claimKey(map: Record<string, unknown>, base: number, key: string): void {
  if (keyTop - base > 32) {
    if (map[key] !== undefined) throw BAIL;
  } else for (let i = base; i < keyTop; i++) if (keyStack[i] === key) throw BAIL;
  keyStack[keyTop++] = key;
}

/** A key and its colon at p; returns the colon's position, out.val = the key. */
function mappingKey(p: number): number {
  const c = s.charCodeAt(p);
  let end: number;
  if (c === DQ || c === SQ) {
    end = quotedKey(p, c);
    if (s.charCodeAt(end) !== COLON) throw BAIL;
  } else {
    if (isIndicator(c)) throw BAIL;
    end = blockKeyEnd(p);
    out.val = plainKey(p, trimEnd(s, p, end), keyHash);
  }
  if (end - p > MAX_KEY || !isBlank(s, end + 1)) throw BAIL;
  return end;
}

/** A quoted key at p (quote c); returns the position after it, out.val = the key, which must not be reserved. */
function quotedKey(p: number, c: number): number {
  const end = c === DQ ? doubleQuoted(s, p) : singleQuoted(s, p);
  if (RESERVED_KEYS.has(out.val as string)) throw BAIL;
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

/**
 * Recently seen keys, by length and first and last character. Documents repeat
 * the same few dozen keys; a cached key is compared in place (no slice) and is
 * already an internalised property name, so storing it is cheap.
 */
const KEY_CACHE: string[] = new Array<string>(4096).fill('');

/** The plain key s[p, end), whose characters hash to h (blockKeyEnd): a string (core-schema null, bool or number keys are left to the positional parser). */
function plainKey(p: number, end: number, h: number): string {
  const len = end - p;
  const slot = (h ^ (h >>> 12)) & 4095;
  const cached = KEY_CACHE[slot]!;
  if (cached.length === len && sameAt(cached, p, len)) return cached;
  const key = s.slice(p, end);
  // Checked here, once per new key: a cached key is known not to be reserved.
  if (RESERVED_KEYS.has(key) || typeof resolvePlain(key) !== 'string') throw BAIL;
  // A property name read back from an object is internalised.
  const interned = Object.keys({ [key]: 0 })[0] ?? key;
  KEY_CACHE[slot] = interned;
  return interned;
}

/** Whether s has `key` (of length len) at p: compared in place, without a builtin call for a short key. */
function sameAt(key: string, p: number, len: number): boolean {
  if (len > 24) return s.startsWith(key, p);
  for (let i = 0; i < len; i++) if (key.charCodeAt(i) !== s.charCodeAt(p + i)) return false;
  return true;
}

/** A block sequence whose first '-' is at p, indented `indent`. */
function blockSeq(p: number, indent: number, depth: number): number {
  if (depth > MAX_DEPTH) throw BAIL;
  const seq: unknown[] = [];
  const items: number[] | undefined = positions && [];
  if (items) positions!.set(seq, { items });
  for (;;) {
    let q = p + 1;
    while (s.charCodeAt(q) === SP) q++;
    const next = blockValue(q, indent, depth, false);
    seq.push(out.val);
    items?.push(valAt);
    if (next < 0 || ind < indent || (ind === indent && !isSeqEntry(next + indent))) {
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
    end = flowNode(p, depth + 1);
  } else if (!inMap && isSeqEntry(p)) {
    return nested(blockSeq(p, column(p), depth + 1), p);
  } else {
    if (!plainStarts(s, p, false)) throw BAIL;
    end = plainEnd(s, p, false);
    if (out.stop === STOP_COLON) {
      if (inMap) throw BAIL;
      return nested(blockMapping(p, column(p), depth + 1), p);
    }
    out.val = resolvePlain(s.slice(p, trimEnd(s, p, end)));
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

/** A flow collection or scalar inside `[...]` / `{...}` at p, closed on this line. Returns the position after it; out.val = the value. */
function flowNode(p: number, depth: number): number {
  const c = s.charCodeAt(p);
  if (c === 91) return flowSeq(p, depth);
  if (c === 123) return flowMap(p, depth);
  if (c === DQ) return doubleQuoted(s, p);
  if (c === SQ) return singleQuoted(s, p);
  if (!plainStarts(s, p, true)) throw BAIL;
  const end = plainEnd(s, p, true);
  if (out.stop !== STOP_FLOW) throw BAIL;
  out.val = resolvePlain(s.slice(p, trimEnd(s, p, end)));
  return end;
}

function skipSpaces(p: number): number {
  while (s.charCodeAt(p) === SP) p++;
  return p;
}

function flowSeq(p: number, depth: number): number {
  if (depth > MAX_DEPTH) throw BAIL;
  const seq: unknown[] = [];
  const items: number[] | undefined = positions && [];
  if (items) positions!.set(seq, { items });
  let q = skipSpaces(p + 1);
  if (s.charCodeAt(q) === 93) {
    out.val = seq;
    return q + 1;
  }
  for (;;) {
    items?.push(q);
    q = skipSpaces(flowNode(q, depth + 1));
    seq.push(out.val);
    const c = s.charCodeAt(q);
    if (c === 93) {
      out.val = seq;
      return q + 1;
    }
    if (c !== 44) throw BAIL;
    q = skipSpaces(q + 1);
    if (s.charCodeAt(q) === 93) throw BAIL;
  }
}

function flowMap(p: number, depth: number): number {
  if (depth > MAX_DEPTH) throw BAIL;
  const map: Record<string, unknown> = {};
  const keys = positions && new Map<string, [number, number]>();
  if (keys) positions!.set(map, { keys });
  let q = skipSpaces(p + 1);
  if (s.charCodeAt(q) === 125) {
    out.val = map;
    return q + 1;
  }
  const base = keyTop;
  for (;;) {
    const k = q;
    q = skipSpaces(flowKey(q));
    const key = out.val as string;
    claimKey(map, base, key);
    const v = q;
    q = skipSpaces(flowNode(q, depth + 1));
    map[key] = out.val;
    keys?.set(key, [k, v]);
    const c = s.charCodeAt(q);
    if (c === 125) {
      keyTop = base;
      out.val = map;
      return q + 1;
    }
    if (c !== 44) throw BAIL;
    q = skipSpaces(q + 1);
    if (s.charCodeAt(q) === 125) throw BAIL;
  }
}

/** `key: ` inside a flow mapping; returns the position after the colon and its space, out.val = the key. */
function flowKey(p: number): number {
  const c = s.charCodeAt(p);
  let end: number;
  if (c === DQ || c === SQ) end = quotedKey(p, c);
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
    out.val = plainKey(p, end, h);
  }
  if (s.charCodeAt(end) !== COLON || s.charCodeAt(end + 1) !== SP) throw BAIL;
  return end + 2;
}
