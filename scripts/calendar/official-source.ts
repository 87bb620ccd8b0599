import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseOfficialSchedule, type ChineseDaysData, type OfficialSchedule } from './official.ts';

let cached: OfficialSchedule | undefined;

/**
 * Reads the official schedule from the installed `chinese-days` package (its
 * data file, not its date functions: those fall back to plain weekdays for a
 * year they do not know, which is exactly the guess opsgate must not make).
 * The installed version decides which years are known; package.json pins it. Edge.
 */
export function loadOfficialSchedule(): OfficialSchedule {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('chinese-days/package.json');
  const version = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string }).version;
  const data = JSON.parse(readFileSync(path.join(path.dirname(pkgFile), 'dist', 'chinese-days.json'), 'utf8')) as ChineseDaysData;
  cached = parseOfficialSchedule(data, `chinese-days@${version}`);
  return cached;
}
