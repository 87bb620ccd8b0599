import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isDate, isDateTime } from '../../scripts/repo/date-formats.ts';
import { readFileSync } from 'node:fs';
import { generatedValidatorsScript } from '../../scripts/repo/generate-validators.ts';

const require = createRequire(import.meta.url);
const { fullFormats } = require('ajv-formats/dist/formats') as { fullFormats: Record<string, { validate: (s: string) => boolean }> };
const ajvDateTime = fullFormats['date-time']!.validate;
const ajvDate = fullFormats.date!.validate;

const VALID_DATE_TIMES = [
  '2026-11-28T22:00:00+08:00',
  '2026-11-28t22:00:00z',
  '2026-11-28 22:00:00Z',
  '2024-02-29T00:00:00-05:30',
  '2000-02-29T12:34:56.789+0800',
  '2026-01-01T00:00:00+08',
  '1990-12-31T23:59:60Z',
  '1990-12-31T15:59:60-08:00',
  '1991-01-01T07:59:60+08:00',
  '2026-11-28T23:59:59.999999999999999999Z',
  '2026-11-28\u300022:00:00+08:00',
  '2026-11-28\u00a022:00:00+08:00',
  '2026-11-28\t22:00:00Z',
];
const INVALID_DATE_TIMES = [
  '',
  '2026-11-28',
  '2026-11-28T22:00:00',
  '2026-11-28T22:00+08:00',
  '2026-11-28T24:00:00Z',
  '2026-11-28T23:60:00Z',
  '2026-11-28T12:00:60Z',
  '2026-11-28T12:00:59.99999999999999999Z',
  '2023-02-29T00:00:00Z',
  '1900-02-29T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-00-10T00:00:00Z',
  '2026-04-31T00:00:00Z',
  '2026-04-00T00:00:00Z',
  '2026-11-28TT22:00:00Z',
  '2026-11-28T22:00:00+24:00',
  '2026-11-28T22:00:00+08:60',
  '2026-11-28T22:00:00+08:',
  '2026-11-28T22:00:00+08:0',
  '2026-11-28T22:00:00+08:000',
  '2026-11-28T22:00:00+8:00',
  '2026-11-28T22:00:00.+08:00',
  '2026-11-28T22:00:00Zt',
  '2026-11-28T22:00:00 Z',
  '2026-11-28T22:00:00z ',
  ' 2026-11-28T22:00:00Z',
  '2026-11-2822:00:00Z',
  '20261-1-28T22:00:00Z',
  '２０２６-11-28T22:00:00Z',
  '2026-11-28T22:00:00+08:00\n',
  '2026/11/28T22:00:00Z',
];

/** Deterministic mutations of the corpus: every kind of character the two parsers treat differently, at every position. */
function mutations(seeds: readonly string[]): string[] {
  const alphabet = ['0', '1', '2', '3', '5', '6', '9', '-', ':', '.', '+', 'T', 't', 'Z', 'z', ' ', '\u3000', '\u2028', '\ufeff', 'x', '٣'];
  const out: string[] = [];
  for (const s of seeds) {
    for (let i = 0; i <= s.length; i++) {
      out.push(s.slice(0, i) + s.slice(i + 1));
      for (const c of alphabet) {
        out.push(s.slice(0, i) + c + s.slice(i + 1));
        out.push(s.slice(0, i) + c + s.slice(i));
      }
    }
  }
  return out;
}

describe('date formats', () => {
  it.each(VALID_DATE_TIMES)('accepts the date-time %j as ajv-formats does', (s) => {
    expect(ajvDateTime(s)).toBe(true);
    expect(isDateTime(s)).toBe(true);
  });

  it.each(INVALID_DATE_TIMES)('rejects the date-time %j as ajv-formats does', (s) => {
    expect(ajvDateTime(s)).toBe(false);
    expect(isDateTime(s)).toBe(false);
  });

  it('decide every mutation of the corpus exactly as ajv-formats', () => {
    const corpus = mutations([...VALID_DATE_TIMES, '2026-12-31T23:59:60+00:00', '2026-11-28T22:00:00.5-0130']);
    const differ = corpus.filter((s) => isDateTime(s) !== ajvDateTime(s));
    expect(differ).toEqual([]);
    // The corpus holds both answers in bulk, so agreement is not agreement on "false".
    expect(corpus.filter((s) => ajvDateTime(s)).length).toBeGreaterThan(500);
    expect(corpus.filter((s) => !ajvDateTime(s)).length).toBeGreaterThan(5000);
  });

  it('decide every date, and every mutation of a date, exactly as ajv-formats', () => {
    const dates: string[] = [];
    for (const y of ['1900', '2000', '2023', '2024', '2100', '0000', '9999'])
      for (let m = 0; m <= 13; m++) for (let d = 0; d <= 32; d++) dates.push(`${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    const corpus = [...dates, ...mutations(['2024-02-29', '2026-11-28']), '', '2026-1-28', '2026-11-28T00:00:00Z'];
    expect(corpus.filter((s) => isDate(s) !== ajvDate(s))).toEqual([]);
    expect(corpus.filter((s) => ajvDate(s)).length).toBeGreaterThan(1000);
  });
});

describe('the precompiled validators', () => {
  it('call these formats, not the ones of ajv-formats', () => {
    const text = readFileSync(generatedValidatorsScript, 'utf8');
    // (booleans, so a failure does not print the megabyte of generated code)
    expect(/const formats\d+ = DATE_FORMATS\["date-time"\];/.test(text)).toBe(true);
    expect(/const formats\d+ = DATE_FORMATS\["date"\];/.test(text)).toBe(true);
    expect(/fullFormats(\.date\b|\["date-time"\])/.test(text)).toBe(false);
  });
});
