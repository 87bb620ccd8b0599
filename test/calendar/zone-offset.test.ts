import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { hourOffsetMinutes } from '../../scripts/calendar/zone-offset.ts';

const HOUR = 3_600_000;

describe('hourOffsetMinutes', () => {
  // DST north and south, a half-hour DST (Lord Howe), a 45-minute zone, a zone that dropped DST, and none.
  const zones = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Sao_Paulo', 'UTC'];

  it('is luxon’s offset at the start of every UTC hour, 2020–2032, in zones with and without DST', () => {
    const from = Date.UTC(2020, 0, 1) / HOUR;
    const to = Date.UTC(2032, 0, 1) / HOUR;
    for (const zone of zones) {
      let changes = 0;
      let prev: number | undefined;
      for (let h = from; h < to; h++) {
        const want = DateTime.fromMillis(h * HOUR, { zone }).offset;
        // Asked at the middle of the hour, answered for its start.
        const got = hourOffsetMinutes(zone, h * HOUR + 1_799_999);
        if (got !== want) expect({ zone, hour: new Date(h * HOUR).toISOString(), got }).toEqual({ zone, hour: new Date(h * HOUR).toISOString(), got: want });
        if (prev !== undefined && want !== prev) changes++;
        prev = want;
      }
      if (zone === 'America/New_York' || zone === 'Europe/London' || zone === 'Australia/Lord_Howe') expect(changes).toBe(24);
    }
  });

  it('answers NaN for a zone luxon does not know, as DateTime does', () => {
    expect(hourOffsetMinutes('Mars/Olympus_Mons', Date.UTC(2027, 2, 14))).toBeNaN();
    expect(DateTime.fromMillis(Date.UTC(2027, 2, 14), { zone: 'Mars/Olympus_Mons' }).offset).toBeNaN();
  });
});
