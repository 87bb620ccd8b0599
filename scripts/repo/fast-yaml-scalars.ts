/**
 * Scalars for the fast YAML reader (fast-yaml.ts): plain scalars resolved as
 * the YAML 1.2 core schema (exactly the `yaml` library's schema 'core' tests
 * and conversions), one-line single- and double-quoted scalars, and literal
 * and folded block scalars ported from the `yaml` library's own resolution.
 * Anything they are not certain about throws BAIL: the caller then leaves the
 * document to the positional parser.
 */

/** Thrown when the fast reader is not certain; never escapes fast-yaml.ts. */
export const BAIL: unique symbol = Symbol('fast-yaml: leave it to the positional parser');

/** Results of the last scan: the value, why a plain scalar stopped, and the hash of its characters up to its last non-space (valueHash). */
export const out: { val: unknown; stop: number; hash: number } = { val: null, stop: 0, hash: 0 };

export const STOP_EOL = 0;
export const STOP_COLON = 1;
export const STOP_COMMENT = 2;
export const STOP_FLOW = 3;

/** Character codes both halves of the reader compare against (fast-yaml.ts imports them). */
export const NL = 10;
export const SP = 32;
export const HASH = 35;
export const COLON = 58;
export const SQ = 39;
export const DQ = 34;
const BSLASH = 92;

/** A space, a line break or the end of the text at i: what must follow `:` or `-` as indicators. */
export function isBlank(s: string, i: number): boolean {
  if (i >= s.length) return true;
  const c = s.charCodeAt(i);
  return c === SP || c === NL;
}

export function isFlowIndicator(c: number): boolean {
  return c === 44 || c === 91 || c === 93 || c === 123 || c === 125; // , [ ] { }
}

/** The c-indicator characters: -?:,[]{}#&*!|>'"%@` */
export function isIndicator(c: number): boolean {
  return (
    c === 45 || c === 63 || c === COLON || isFlowIndicator(c) || c === HASH || c === 38 || c === 42 || c === 33 || c === 124 || c === 62 || c === SQ || c === DQ || c === 37 || c === 64 || c === 96
  );
}

/** Whether a plain scalar may start at p: no indicator, except '-' followed by a safe character (`-1`, `-sI`). */
export function plainStarts(s: string, p: number, flow: boolean): boolean {
  const c = s.charCodeAt(p);
  if (c === SP || c === NL || p >= s.length) return false;
  if (!isIndicator(c)) return true;
  if (c !== 45) return false;
  const d = s.charCodeAt(p + 1);
  return !isBlank(s, p + 1) && !(flow && isFlowIndicator(d));
}

/** Where a plain scalar starting at p stops (out.stop says why); trailing spaces are not trimmed. */
export function plainEnd(s: string, p: number, flow: boolean): number {
  return flow ? flowPlainEnd(s, p) : blockPlainEnd(s, p);
}

/**
 * In block context only `: `, ` #` and the line end stop a plain scalar. One
 * pass over the characters: a value is short, and native searches (one for the
 * line end, one per colon, one for a comment) cost more in calls than they save.
 */
function blockPlainEnd(s: string, p: number): number {
  const n = s.length;
  // The value cache's hash (valueHash) on the way: up to the last non-space, as the value is trimmed.
  let h = 0;
  let hashed = 0;
  for (let i = p; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === NL) {
      out.stop = STOP_EOL;
      out.hash = hashed;
      return i;
    }
    if (c === COLON) {
      if (i + 1 >= n || s.charCodeAt(i + 1) === SP || s.charCodeAt(i + 1) === NL) {
        out.stop = STOP_COLON;
        return i;
      }
    } else if (c === HASH && i > p && s.charCodeAt(i - 1) === SP) {
      out.stop = STOP_COMMENT;
      out.hash = hashed;
      return i - 1;
    }
    h = (Math.imul(h, 31) + c) | 0;
    if (c !== SP) hashed = h;
  }
  out.stop = STOP_EOL;
  out.hash = hashed;
  return n;
}

function flowPlainEnd(s: string, p: number): number {
  const n = s.length;
  let h = 0;
  let hashed = 0;
  for (let i = p; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === NL) {
      out.stop = STOP_EOL;
      return i;
    }
    if (c === COLON) {
      const d = s.charCodeAt(i + 1);
      if (isBlank(s, i + 1) || isFlowIndicator(d)) {
        out.stop = STOP_COLON;
        return i;
      }
    } else if (c === SP) {
      if (s.charCodeAt(i + 1) === HASH) {
        out.stop = STOP_COMMENT;
        return i;
      }
    } else if (isFlowIndicator(c)) {
      out.stop = STOP_FLOW;
      out.hash = hashed;
      return i;
    }
    h = (Math.imul(h, 31) + c) | 0;
    if (c !== SP) hashed = h;
  }
  out.stop = STOP_EOL;
  return n;
}

export function trimEnd(s: string, p: number, end: number): number {
  while (end > p && s.charCodeAt(end - 1) === SP) end--;
  return end;
}

const INT = /^[-+]?[0-9]+$/;
const OCT = /^0o[0-7]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const NAN_INF = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;

/** A plain scalar's value under the YAML 1.2 core schema, tested in the `yaml` library's order. */
export function resolvePlain(str: string): unknown {
  const c = str.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    // A '-' after a digit (2026-11-28, a date or timestamp) fits none of the forms below: a
    // sign comes first or right after the exponent's e. A string, without six regex tests.
    // Read past the end, charCodeAt costs its optimised caller a deoptimisation (and a recompile): lengths first.
    if (str.length > 4) {
      const d = str.charCodeAt(3);
      if (str.charCodeAt(4) === 45 && d >= 48 && d <= 57) return str;
    }
    if (OCT.test(str)) return parseInt(str.substring(2), 8);
    if (INT.test(str)) return parseInt(str, 10);
    if (HEX.test(str)) return parseInt(str.substring(2), 16);
    if (NAN_INF.test(str)) return str.slice(-3).toLowerCase() === 'nan' ? NaN : str[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    if (FLOAT_EXP.test(str) || FLOAT.test(str)) return parseFloat(str);
    return str;
  }
  if (c === 126 || c === 110 || c === 78) return NULL.test(str) ? null : str;
  if (c === 116 || c === 84 || c === 102 || c === 70) return BOOL.test(str) ? c === 116 || c === 84 : str;
  return str;
}

function lineEnd(s: string, p: number): number {
  const nl = s.indexOf('\n', p);
  return nl === -1 ? s.length : nl;
}

/** A single-quoted scalar closed on its own line; returns the position after the closing quote. */
export function singleQuoted(s: string, p: number): number {
  const eol = lineEnd(s, p);
  let res = '';
  let from = p + 1;
  for (;;) {
    const q = s.indexOf("'", from);
    if (q === -1 || q >= eol) throw BAIL;
    if (s.charCodeAt(q + 1) === SQ) {
      res += s.slice(from, q + 1);
      from = q + 2;
      continue;
    }
    out.val = res === '' ? cachedValue(s, from, q, QUOTED, valueHash(s, from, q)) : own(res + s.slice(from, q));
    return q + 1;
  }
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};
const HEX_DIGITS = /^[0-9a-fA-F]+$/;

/** A double-quoted scalar closed on its own line; returns the position after the closing quote. */
export function doubleQuoted(s: string, p: number): number {
  const eol = lineEnd(s, p);
  let res = '';
  let from = p + 1;
  let h = 0;
  for (let i = from; i < eol; i++) {
    const c = s.charCodeAt(i);
    if (c === DQ) {
      // No escape before the closing quote: the characters are the value, shared like a plain one's (h is valueHash's).
      out.val = from === p + 1 ? cachedValue(s, from, i, QUOTED, h) : own(res + s.slice(from, i));
      return i + 1;
    }
    h = (Math.imul(h, 31) + c) | 0;
    if (c !== BSLASH) continue;
    res += s.slice(from, i);
    const e = s[i + 1]!;
    const simple = Object.prototype.hasOwnProperty.call(ESCAPES, e) ? ESCAPES[e] : undefined;
    if (simple !== undefined) {
      res += simple;
      i += 1;
    } else if (e === 'x' || e === 'u') {
      const len = e === 'x' ? 2 : 4;
      const hex = s.substr(i + 2, len);
      if (hex.length !== len || !HEX_DIGITS.test(hex) || i + 2 + len > eol) throw BAIL;
      res += String.fromCodePoint(parseInt(hex, 16));
      i += 1 + len;
    } else throw BAIL;
    from = i + 1;
  }
  throw BAIL;
}

/**
 * A block scalar (`|`, `|-`, `|+`, `>`, `>-`, `>+`) whose header is at p, inside
 * a collection indented `parent`. Returns the start of the first line after it.
 * Leaves to the positional parser: indentation indicators, empty or
 * leading-blank contents, whitespace-only lines deeper than the content, and a
 * last content line without its line break.
 */
export function blockScalar(s: string, p: number, parent: number): number {
  const n = s.length;
  const folded = s.charCodeAt(p) === 62;
  let h = p + 1;
  const chomp = s.charCodeAt(h);
  if (chomp === 45 || chomp === 43) h++;
  else if (chomp !== SP && chomp !== NL) throw BAIL;
  let q = h;
  while (s.charCodeAt(q) === SP) q++;
  if (q < n && s.charCodeAt(q) !== NL && !(s.charCodeAt(q) === HASH && q > h)) throw BAIL;
  let ls = lineEnd(s, q) + 1;
  if (ls > n) throw BAIL;
  const indent = indentOf(s, ls);
  if (ls + indent >= n || s.charCodeAt(ls + indent) === NL || indent <= parent) throw BAIL;
  let value = '';
  let sep = '';
  let prevMore = false;
  let empties = 0;
  for (;;) {
    const k = indentOf(s, ls);
    const c = s.charCodeAt(ls + k);
    if (ls + k >= n) {
      if (k > 0) throw BAIL;
      break;
    }
    if (c === NL) {
      if (k > indent) throw BAIL;
      empties++;
      ls += k + 1;
      continue;
    }
    if (k < indent) break;
    const eol = lineEnd(s, ls);
    if (eol >= n) throw BAIL;
    const text = s.slice(ls + indent, eol);
    if (!folded) {
      value += sep + '\n'.repeat(empties) + text;
      sep = '\n';
    } else {
      // The `yaml` library's folding, line by line: empty lines first, then this one.
      for (let j = 0; j < empties; j++) {
        if (sep === '\n') value += '\n';
        else sep = '\n';
      }
      if (k > indent) {
        if (sep === ' ') sep = '\n';
        else if (!prevMore && sep === '\n') sep = '\n\n';
        value += sep + text;
        sep = '\n';
        prevMore = true;
      } else {
        value += sep + text;
        sep = ' ';
        prevMore = false;
      }
    }
    empties = 0;
    ls = eol + 1;
  }
  if (chomp === 43) value += '\n'.repeat(empties + 1);
  else if (chomp !== 45) value += '\n';
  out.val = own(value);
  return ls;
}

export function indentOf(s: string, ls: number): number {
  let i = ls;
  while (s.charCodeAt(i) === SP) i++;
  return i - ls;
}

/**
 * The value cache. About 95 % of the scalars of a repository repeat a value read
 * before (a team, a group, a kind, a date, `true`), and each used to be a new
 * string: a slice of its document's text, which kept the whole text alive as long
 * as the value (the documents' texts then survived every garbage collection).
 * Here a plain or quoted scalar of at most MAX_CACHED characters is hashed and
 * compared in place with the value last read into its slot: a repeat is the same
 * (flat) string, or the same resolved number, boolean or null, with no slice and
 * no resolvePlain. Direct-mapped, one value per slot: a collision only replaces
 * the slot, so the memory is bounded (slots × MAX_CACHED characters) whatever a
 * document holds. A plain and a quoted scalar of the same characters are different
 * values (`1`, `"1"`): the slot remembers which it holds.
 */
const MAX_CACHED = 64;
export const PLAIN = 1;
export const QUOTED = 2;
let slotMask = 0;
let slotRaw: string[] = [];
let slotVal: unknown[] = [];
let slotKind = new Uint8Array(0);

/** Empties the cache, with 2^bits slots (tests pass a tiny number to make every value collide). */
export function resetValueCache(bits = 14): void {
  const slots = 1 << bits;
  slotMask = slots - 1;
  slotRaw = new Array<string>(slots).fill('');
  slotVal = new Array<unknown>(slots).fill(null);
  slotKind = new Uint8Array(slots);
}
resetValueCache();

/** The hash of s[p, end) the value cache files a value under; the plain-scalar scans compute the same on the way (out.hash). */
export function valueHash(s: string, p: number, end: number): number {
  let h = 0;
  for (let i = p; i < end; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The scalar whose characters are s[p, end), hashing to h (valueHash): as a plain
 * scalar resolved by the core schema (kind PLAIN), or as a string (QUOTED).
 */
export function cachedValue(s: string, p: number, end: number, kind: number, h: number): unknown {
  const len = end - p;
  if (len <= MAX_CACHED) {
    const slot = (h ^ (h >>> 15)) & slotMask;
    const raw = slotRaw[slot]!;
    if (slotKind[slot] === kind && raw.length === len) {
      let i = 0;
      while (i < len && raw.charCodeAt(i) === s.charCodeAt(p + i)) i++;
      if (i === len) return slotVal[slot];
    }
    const str = own(s.slice(p, end));
    const val = kind === PLAIN ? resolvePlain(str) : str;
    slotRaw[slot] = str;
    slotVal[slot] = val;
    slotKind[slot] = kind;
    return val;
  }
  const str = own(s.slice(p, end));
  return kind === PLAIN ? resolvePlain(str) : str;
}

/**
 * The string as a flat copy of its own characters, holding no reference to the
 * text it was cut from. V8 makes a slice of 13 characters or more a view of the
 * whole text (a sliced string), and a concatenation a tree of its parts; reading a
 * character of a concatenation flattens it into one new string, and the
 * collector then drops the tree for it. Shorter strings are copies already.
 */
export function own(str: string): string {
  if (str.length < 13) return str;
  const flat = str.slice(0, 1) + str.slice(1);
  flat.charCodeAt(1);
  return flat;
}
