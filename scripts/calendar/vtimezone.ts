import { DateTime } from 'luxon';
import type { IcsComponent } from './ics.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Local wall-clock form of an instant in a zone, e.g. 20261130T220000 (for DTSTART;TZID=…). */
export function localStamp(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat("yyyyMMdd'T'HHmmss");
}

const offsetText = (minutes: number) => {
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`;
};

const offsetAt = (zone: string, ms: number) => DateTime.fromMillis(ms, { zone }).offset;

/** Instants in [fromMs, toMs) where the zone's UTC offset changes, to the minute. */
export function zoneTransitions(zone: string, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  let prev = offsetAt(zone, fromMs);
  for (let t = fromMs + DAY; t < toMs + DAY; t += DAY) {
    const off = offsetAt(zone, t);
    if (off === prev) continue;
    let lo = t - DAY; // offset prev at lo, off at hi: bisect to the minute
    let hi = t;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (offsetAt(zone, mid) === prev) lo = mid;
      else hi = mid;
    }
    if (hi < toMs) out.push(hi);
    prev = off;
  }
  return out;
}

/**
 * The VTIMEZONE of an IANA zone over [fromMs, toMs): one observance for the
 * offset in force at the start, and one per transition inside the range, each
 * with the wall-clock time it starts at (in the offset before it). Asia/Shanghai
 * has had none since 1991, so its VTIMEZONE is a single STANDARD +0800. Pure.
 */
export function vtimezone(zone: string, fromMs: number, toMs: number): IcsComponent {
  const observance = (at: number, from: number, to: number): IcsComponent => {
    const dt = DateTime.fromMillis(at, { zone });
    return {
      type: dt.isInDST ? 'DAYLIGHT' : 'STANDARD',
      props: [
        { name: 'DTSTART', value: DateTime.fromMillis(at + from * 60_000, { zone: 'UTC' }).toFormat("yyyyMMdd'T'HHmmss") },
        { name: 'TZOFFSETFROM', value: offsetText(from) },
        { name: 'TZOFFSETTO', value: offsetText(to) },
        { name: 'TZNAME', value: dt.offsetNameShort ?? offsetText(to) },
      ],
    };
  };
  const first = offsetAt(zone, fromMs);
  const components = [observance(fromMs, first, first)];
  let prev = first;
  for (const t of zoneTransitions(zone, fromMs, toMs)) {
    const next = offsetAt(zone, t);
    components.push(observance(t, prev, next));
    prev = next;
  }
  return { type: 'VTIMEZONE', props: [{ name: 'TZID', value: zone }], components };
}
