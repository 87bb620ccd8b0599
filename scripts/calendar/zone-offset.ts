import { Info, type Zone } from 'luxon';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One zone's offsets, remembered: per UTC day where the day has one offset, per hour on a day with a change. */
interface ZoneOffsets {
  zone: Zone;
  days: Map<number, number | typeof MIXED>;
  hours: Map<number, number>;
}
const zones = new Map<string, ZoneOffsets>();
/** A day that is not one offset throughout (it holds a change). */
const MIXED = Symbol('mixed');

function offsetsOf(name: string): ZoneOffsets {
  let z = zones.get(name);
  if (!z) {
    // The zone DateTime.fromMillis(ms, { zone: name }) uses (an unknown name gives NaN offsets, as there).
    if (zones.size > 100) zones.clear();
    zones.set(name, (z = { zone: Info.normalizeZone(name), days: new Map(), hours: new Map() }));
  }
  return z;
}

/**
 * `DateTime.fromMillis(start of the UTC hour holding ms, { zone }).offset` (minutes), without
 * a DateTime per hour: lint asks it for thousands of hours over a year of changes. Zones
 * change their offset at most once a day, so a UTC day whose first and last hour have the
 * same offset has it in every hour (two luxon lookups per day); a day whose ends differ (a
 * DST change) is looked up per hour. Held equal to luxon hour by hour, 2020–2032, for zones
 * with and without DST (test/calendar/zone-offset.test.ts). Pure.
 */
export function hourOffsetMinutes(zone: string, ms: number): number {
  const z = offsetsOf(zone);
  const hour = Math.floor(ms / HOUR);
  const day = Math.floor(hour / 24);
  let o = z.days.get(day);
  if (o === undefined) {
    const first = z.zone.offset(day * DAY);
    const last = z.zone.offset(day * DAY + 23 * HOUR);
    // NaN (an unknown zone) is never equal to itself: asked per hour, NaN each time, as luxon answers.
    o = first === last ? first : MIXED;
    if (z.days.size > 100_000) z.days.clear();
    z.days.set(day, o);
  }
  if (o !== MIXED) return o;
  let h = z.hours.get(hour);
  if (h === undefined) {
    h = z.zone.offset(hour * HOUR);
    if (z.hours.size > 100_000) z.hours.clear();
    z.hours.set(hour, h);
  }
  return h;
}
