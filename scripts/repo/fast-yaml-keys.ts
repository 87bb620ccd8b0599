import { BAIL, DQ, doubleQuoted, out, resolvePlain, singleQuoted } from './fast-yaml-scalars.ts';

/**
 * Mapping keys for the fast YAML reader (fast-yaml.ts, fast-yaml-flow.ts): the
 * keys it leaves to the positional parser, a repeated key found by a short
 * scan of the keys being read, and a cache of the keys documents repeat.
 * Throws BAIL (fast-yaml-scalars.ts) when it is not certain.
 */

/**
 * Keys the positional parser rejects or reads differently, or that a plain
 * object already answers: every Object.prototype property (__proto__,
 * constructor, toString…), `prototype`, and `<<` (a merge key in YAML 1.1).
 */
const RESERVED_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype', '<<']);

/**
 * The items of the sequences being read, innermost last: a sequence is made from its
 * items once they are all read (takeItems), so its array has exactly their number of
 * slots. An array grown by push keeps room for 17 items, most of it never used: about
 * 10 MB of the heap at ten thousand documents, which every garbage collection then copied.
 */
const itemStack: unknown[] = [];
let itemTop = 0;

/** Where the items of a sequence starting now begin (takeItems' `base`). */
export function itemMark(): number {
  return itemTop;
}

export function pushItem(value: unknown): void {
  itemStack[itemTop++] = value;
}

/** The items pushed since `base`, as an array of their exact length; forgets them. */
export function takeItems(base: number): unknown[] {
  const seq = itemStack.slice(base, itemTop);
  itemTop = base;
  return seq;
}

/** The keys of the mappings being read, innermost last: a duplicate is found by a short scan, not a property lookup. */
const keyStack: string[] = [];
let keyTop = 0;

/** Where the keys of a mapping starting now begin (claimKey's `base`). */
export function keyMark(): number {
  return keyTop;
}

/** Forgets the keys of the mapping whose keys began at `base` (it is read), or all of them (base 0, a new document). */
export function keyRelease(base: number): void {
  keyTop = base;
}

/** A new document: no sequence or mapping is being read (a document the reader gave up on may have left some). */
export function resetStacks(): void {
  keyTop = 0;
  itemTop = 0;
}

/**
 * V8 keeps an object whose properties are added by computed key (`map[key] = v`) in
 * dictionary mode once it has about 20 of them (an incident's top level has 28–30):
 * several times the memory, and slower to read for every rule. A copy made by spread
 * has the same properties in the same order, in fast mode. The mapping had `count` keys.
 */
export function compactMapping(map: Record<string, unknown>, count: number): Record<string, unknown> {
  return count < MANY_KEYS ? map : { ...map };
}
/** Fewer keys than this stay in fast mode as they are added. */
const MANY_KEYS = 17;

/** Records `key` (not reserved: plainKey and quotedKey see to that) for the mapping whose keys start at `base`; a repeated key is left to the positional parser. */
export function claimKey(map: Record<string, unknown>, base: number, key: string): void {
  if (keyTop - base > 32) {
    if (map[key] !== undefined) throw BAIL;
  } else for (let i = base; i < keyTop; i++) if (keyStack[i] === key) throw BAIL;
  keyStack[keyTop++] = key;
}

/** A quoted key in s at p (quote c); returns the position after it, out.val = the key, which must not be reserved. */
export function quotedKey(s: string, p: number, c: number): number {
  const end = c === DQ ? doubleQuoted(s, p) : singleQuoted(s, p);
  if (RESERVED_KEYS.has(out.val as string)) throw BAIL;
  return end;
}

/**
 * Recently seen keys, by length and first and last character. Documents repeat
 * the same few dozen keys; a cached key is compared in place (no slice) and is
 * already an internalised property name, so storing it is cheap.
 */
const KEY_CACHE: string[] = new Array<string>(4096).fill('');

/** The plain key s[p, end), whose characters hash to h: a string (core-schema null, bool or number keys are left to the positional parser). */
export function plainKey(s: string, p: number, end: number, h: number): string {
  const len = end - p;
  const slot = (h ^ (h >>> 12)) & 4095;
  const cached = KEY_CACHE[slot]!;
  if (cached.length === len && sameAt(s, cached, p, len)) return cached;
  const key = s.slice(p, end);
  // Checked here, once per new key: a cached key is known not to be reserved.
  if (RESERVED_KEYS.has(key) || typeof resolvePlain(key) !== 'string') throw BAIL;
  // A property name read back from an object is internalised.
  const interned = Object.keys({ [key]: 0 })[0] ?? key;
  KEY_CACHE[slot] = interned;
  return interned;
}

/** Whether s has `key` (of length len) at p: compared in place, without a builtin call for a short key. */
function sameAt(s: string, key: string, p: number, len: number): boolean {
  if (len > 24) return s.startsWith(key, p);
  for (let i = 0; i < len; i++) if (key.charCodeAt(i) !== s.charCodeAt(p + i)) return false;
  return true;
}
