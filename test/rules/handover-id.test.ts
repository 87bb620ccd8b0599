import { DateTime, Settings } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { handoverId } from '../../scripts/handover/boundaries.ts';

/** handoverId as it was: luxon's toFormat in the default (English) locale, the oracle. */
const oracle = (atMs: number, zone: string) => `HO-${DateTime.fromMillis(atMs, { zone }).toFormat('yyyy-MM-dd-HHmm')}`;

describe('handoverId', () => {
  const { defaultLocale, defaultNumberingSystem } = Settings;
  afterEach(() => {
    Settings.defaultLocale = defaultLocale;
    Settings.defaultNumberingSystem = defaultNumberingSystem;
  });

  it("writes what luxon's toFormat writes, across zones, DST changes and odd offsets", () => {
    const zones = ['Asia/Shanghai', 'America/New_York', 'Europe/Berlin', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'UTC', 'UTC+8', 'Nowhere/Atlantis'];
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (const zone of zones)
      for (let k = 0; k < 2000; k++) {
        const t = start + k * 4 * 3_600_000 + (k % 7) * 60_000;
        expect(handoverId(t, zone)).toBe(oracle(t, zone));
      }
    expect(handoverId(Number.NaN, 'Asia/Shanghai')).toBe(oracle(Number.NaN, 'Asia/Shanghai'));
  });

  it('writes ASCII digits whatever locale or numbering system luxon formats in: an id names a file', () => {
    const t = Date.parse('2026-12-01T08:30:00+08:00');
    expect(handoverId(t, 'Asia/Shanghai')).toBe('HO-2026-12-01-0830');
    Settings.defaultLocale = 'ar-EG';
    expect(oracle(t, 'Asia/Shanghai')).not.toBe('HO-2026-12-01-0830'); // toFormat follows the locale
    expect(handoverId(t, 'Asia/Shanghai')).toBe('HO-2026-12-01-0830');
    Settings.defaultLocale = defaultLocale;
    Settings.defaultNumberingSystem = 'beng';
    expect(handoverId(t, 'Asia/Shanghai')).toBe('HO-2026-12-01-0830');
  });
});
