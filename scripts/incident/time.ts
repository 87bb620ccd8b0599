import { DateTime } from 'luxon';

const offsets = new Map<string, number>();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function lookup(key: string, ms: number, zone: string): number {
  let o = offsets.get(key);
  if (o === undefined) {
    o = DateTime.fromMillis(ms, { zone }).offset;
    if (offsets.size > 10_000) offsets.clear();
    offsets.set(key, o);
  }
  return o;
}

/**
 * The zone's UTC offset (minutes) at `ms`: watch formats thousands of times
 * over a year of due times. Offsets change only on hour boundaries, so a UTC
 * day whose first and last hour agree has that offset throughout (looked up
 * twice per day); a day with a change is looked up per hour.
 */
function offsetAt(ms: number, zone: string): number {
  const day = Math.floor(ms / DAY);
  const first = lookup(`${zone}|d${day}`, day * DAY, zone);
  const last = lookup(`${zone}|e${day}`, (day + 1) * DAY - HOUR, zone);
  return first === last ? first : lookup(`${zone}|${Math.floor(ms / HOUR)}`, ms, zone);
}

/** `2026-11-11 00:20 +08:00`: times in messages read in the organisation's zone. Pure. */
export function formatLocal(ms: number, zone: string): string {
  const off = offsetAt(ms, zone);
  const local = new Date(ms + off * 60_000).toISOString();
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${local.slice(0, 10)} ${local.slice(11, 16)} ${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** ISO 8601 with the zone's offset and no milliseconds, as documents write timestamps. Pure. */
export function isoLocal(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).set({ millisecond: 0 }).toISO({ suppressMilliseconds: true })!;
}
