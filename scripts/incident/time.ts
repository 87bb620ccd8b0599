import { DateTime } from 'luxon';

/** `2026-11-11 00:20 +08:00`: times in messages read in the organisation's zone. Pure. */
export function formatLocal(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm ZZ');
}

/** ISO 8601 with the zone's offset and no milliseconds, as documents write timestamps. Pure. */
export function isoLocal(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).set({ millisecond: 0 }).toISO({ suppressMilliseconds: true })!;
}
