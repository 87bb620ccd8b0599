import { describe, expect, it } from 'vitest';
import { formatLocal } from '../../scripts/incident/time.ts';

describe("formatLocal: times in messages read in the organisation's zone", () => {
  it.each([
    ['2026-11-11T00:20:00+08:00', 'Asia/Shanghai', '2026-11-11 00:20 +08:00'],
    // New York springs forward at 07:00 UTC on 2026-03-08: the same UTC day carries both offsets.
    ['2026-03-08T06:59:00Z', 'America/New_York', '2026-03-08 01:59 -05:00'],
    ['2026-03-08T07:00:00Z', 'America/New_York', '2026-03-08 03:00 -04:00'],
    ['2026-03-08T23:30:00Z', 'America/New_York', '2026-03-08 19:30 -04:00'],
    ['2026-11-01T05:30:00Z', 'America/New_York', '2026-11-01 01:30 -04:00'],
    ['2026-11-01T06:30:00Z', 'America/New_York', '2026-11-01 01:30 -05:00'],
    ['2026-07-01T12:00:00Z', 'Asia/Kolkata', '2026-07-01 17:30 +05:30'],
  ])('%s in %s is %s', (iso, zone, want) => {
    expect(formatLocal(Date.parse(iso), zone)).toBe(want);
  });
});
