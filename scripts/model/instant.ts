/**
 * `Date.parse`, answered without it for the one form documents write: `YYYY-MM-DDTHH:MM`,
 * optional `:SS` and `.f`–`.fff`, then `Z` or `±HH:MM`. Any other text (a date alone, no
 * offset, 24:00, a lowercase `t`, more digits, a value out of range) goes to Date.parse, so
 * every answer is Date.parse's. Lint parses about 80k timestamps at 10k documents, and
 * Date.parse cost several times this arithmetic. Pure.
 */
export function parseInstant(s: string): number {
  // A value that is not a string (a caller's type says string; the document may disagree) is Date.parse's to coerce.
  if (typeof s !== 'string') return Date.parse(s);
  const n = s.length;
  // 'YYYY-MM-DDTHH:MMZ' is 17 characters; 'YYYY-MM-DDTHH:MM:SS.fff+HH:MM' is 29.
  if (n < 17 || n > 29 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58) return Date.parse(s);
  const year = digits4(s, 0);
  const month = digits2(s, 5);
  const day = digits2(s, 8);
  const hour = digits2(s, 11);
  const minute = digits2(s, 14);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return Date.parse(s);
  let k = 16;
  let second = 0;
  let milli = 0;
  if (s.charCodeAt(k) === 58) {
    second = digits2(s, k + 1);
    if (second < 0 || second > 59) return Date.parse(s);
    k += 3;
    if (s.charCodeAt(k) === 46) {
      let scale = 100;
      k++;
      const first = k;
      for (; k < n && k < first + 3; k++) {
        const c = s.charCodeAt(k) - 48;
        if (c < 0 || c > 9) break;
        milli += c * scale;
        scale /= 10;
      }
      if (k === first) return Date.parse(s);
    }
  }
  let offset = 0;
  const z = s.charCodeAt(k);
  if (z === 90) {
    if (k + 1 !== n) return Date.parse(s);
  } else if (z === 43 || z === 45) {
    if (k + 6 !== n || s.charCodeAt(k + 3) !== 58) return Date.parse(s);
    const oh = digits2(s, k + 1);
    const om = digits2(s, k + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return Date.parse(s);
    offset = (z === 43 ? 1 : -1) * (oh * 60 + om);
  } else return Date.parse(s);
  // Days from 1970-01-01 to the first of the month (proleptic Gregorian), plus the day: day 30 of
  // February rolls into March, as Date.parse does.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5);
  const days = era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468 + day - 1;
  return days * 86_400_000 + (hour * 60 + minute - offset) * 60_000 + second * 1000 + milli;
}

/** The two decimal digits at `i`, or -1. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** The four decimal digits at `i`, or -1. */
function digits4(s: string, i: number): number {
  const a = digits2(s, i);
  const b = digits2(s, i + 2);
  return a < 0 || b < 0 ? -1 : a * 100 + b;
}
