/**
 * The `date` and `date-time` formats of ajv-formats (its `fullFormats`, RFC 3339,
 * time zone required), decided by scanning character codes instead of a split
 * and two regular expressions: at ten thousand documents ajv-formats' versions
 * cost about 0.1 s of lint. They accept and reject exactly the same strings
 * (test/repo/date-formats.test.ts compares them over a corpus of valid,
 * invalid and mutated values), leap years and the leap second included.
 * The precompiled validators (validators.generated.mjs) and run-time
 * compilation (createAjv) both use them. Pure.
 */

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Code of '0'…'9' → 0…9; anything else → -1. */
function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/** `s[i..i+2)` as a two-digit number, or -1. */
function two(s: string, i: number): number {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/** `YYYY-MM-DD` at `s[0..10)`, a real calendar date. */
function dateAt(s: string): boolean {
  const y1 = two(s, 0);
  const y2 = two(s, 2);
  if (y1 < 0 || y2 < 0 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  const month = two(s, 5);
  const day = two(s, 8);
  if (month < 1 || month > 12 || day < 1) return false;
  const year = y1 * 100 + y2;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS[month]!);
}

/** ajv-formats' `date`: exactly `YYYY-MM-DD`, a real date. */
export function isDate(s: string): boolean {
  return s.length === 10 && dateAt(s);
}

/** The characters `str.split(/t|\s/i)` splits on: t, T and what JavaScript's \s matches. */
function isSeparator(c: number): boolean {
  if (c === 116 || c === 84 || c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 160) return false;
  return c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** ajv-formats' strict `time` (`HH:MM:SS[.frac](Z|±HH[[:]MM])`) on `s` from `i` to its end. */
function timeFrom(s: string, i: number): boolean {
  const n = s.length;
  const hr = two(s, i);
  const min = two(s, i + 3);
  let sec = two(s, i + 6);
  if (hr < 0 || min < 0 || sec < 0 || s.charCodeAt(i + 2) !== 58 || s.charCodeAt(i + 5) !== 58) return false;
  let j = i + 8;
  if (s.charCodeAt(j) === 46) {
    let k = j + 1;
    while (k < n && digit(s, k) >= 0) k++;
    if (k === j + 1) return false;
    // The same arithmetic as ajv-formats: a long fraction can round the seconds up to 60.
    sec = Number(s.slice(i + 6, k));
    j = k;
  }
  if (j >= n) return false; // strict: the zone is required
  const z = s.charCodeAt(j);
  let tzSign = 1;
  let tzH = 0;
  let tzM = 0;
  if (z === 90 || z === 122) {
    if (j + 1 !== n) return false;
  } else if (z === 43 || z === 45) {
    tzSign = z === 45 ? -1 : 1;
    tzH = two(s, j + 1);
    if (tzH < 0) return false;
    j += 3;
    if (j < n) {
      if (s.charCodeAt(j) === 58) j++;
      tzM = two(s, j);
      if (tzM < 0 || j + 2 !== n) return false;
    }
  } else return false;
  if (tzH > 23 || tzM > 59) return false;
  if (hr <= 23 && min <= 59 && sec < 60) return true;
  // The leap second: 23:59:60 in UTC.
  const utcMin = min - tzM * tzSign;
  const utcHr = hr - tzH * tzSign - (utcMin < 0 ? 1 : 0);
  return (utcHr === 23 || utcHr === -1) && (utcMin === 59 || utcMin === -1) && sec < 61;
}

/**
 * ajv-formats' strict `date-time`. It splits on every t/T/whitespace and needs two
 * parts; a valid date is ten characters without one, and a valid time has none, so
 * the only separator a valid value can have is the one at index 10.
 */
export function isDateTime(s: string): boolean {
  return s.length > 11 && isSeparator(s.charCodeAt(10)) && dateAt(s) && timeFrom(s, 11);
}

/** By format name, as the precompiled validators reference them (`DATE_FORMATS["date-time"].validate(x)`). */
export const DATE_FORMATS = { date: { validate: isDate }, 'date-time': { validate: isDateTime } } as const;
