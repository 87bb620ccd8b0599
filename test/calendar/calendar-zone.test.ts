import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { calendarZone, declaredZone, DEFAULT_ZONE, zoneFromCalendarText } from '../../scripts/calendar/zone.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

/** A repository model that holds only a calendar with `timezone` (none when undefined). */
const repoWith = (timezone?: string) => ({
  one: (kind: string) => (kind === 'calendar' && timezone !== undefined ? { data: { id: 'calendar', timezone, maintenance_windows: [] } } : undefined),
});

describe('the calendar\'s time zone: one answer (ARCHITECTURE.md, "The calendar\'s time zone")', () => {
  it('a repository with no calendar uses the one default, UTC (what opsgate init writes without --timezone)', () => {
    expect(DEFAULT_ZONE).toBe('UTC');
    expect(calendarZone(repoWith() as never)).toBe('UTC');
    expect(declaredZone(undefined)).toBe('UTC');
    expect(zoneFromCalendarText(undefined, 'policies/calendar.yaml')).toEqual({ zone: 'UTC' });
  });

  it("a loaded calendar's zone is the answer; one luxon cannot use is never computed with", () => {
    expect(calendarZone(repoWith('America/New_York') as never)).toBe('America/New_York');
    expect(calendarZone(repoWith('Europe/Berln') as never)).toBe('UTC');
    expect(declaredZone({ timezone: 'Europe/Berln' })).toBe('Europe/Berln');
  });

  it.each([
    ['plain', 'timezone: Europe/Berlin\n'],
    ['double quotes', 'timezone: "Europe/Berlin"\n'],
    ['single quotes', "timezone: 'Europe/Berlin'\n"],
    ['a trailing comment', 'timezone: Europe/Berlin # CET\n'],
    ['flow style', '{id: calendar, timezone: Europe/Berlin}\n'],
    ['after other keys, indented values', 'id: calendar\nmaintenance_windows:\n  - id: x\ntimezone: >-\n  Europe/Berlin\n'],
  ])('the file read as YAML: %s', (_, text) => {
    expect(zoneFromCalendarText(text, 'policies/calendar.yml')).toEqual({ zone: 'Europe/Berlin' });
  });

  it.each([
    ['a name that is no zone', 'id: calendar\ntimezone: Europe/Berln\n', 'calendar.timezone-invalid', 2],
    ['a quoted name with its quotes inside', `id: calendar\ntimezone: '"Europe/Berlin"'\n`, 'calendar.timezone-invalid', 2],
    ['a number', 'id: calendar\ntimezone: 8\n', 'calendar.timezone-invalid', 2],
    ['null', 'id: calendar\ntimezone:\n', 'calendar.timezone-missing', 1],
    ['no timezone', 'id: calendar\n', 'calendar.timezone-missing', 1],
    ['a list, not a mapping', '- timezone: Europe/Berlin\n', 'yaml.not-mapping', 1],
    ['not YAML', 'timezone: [Europe/Berlin\n', 'yaml.', undefined],
    ['a duplicate key', 'timezone: Europe/Berlin\ntimezone: Asia/Shanghai\n', 'yaml.', undefined],
  ])('refused, located: %s', (_, text, code, line) => {
    const answer = zoneFromCalendarText(text, 'policies/calendar.yaml');
    expect('problems' in answer).toBe(true);
    const [first] = 'problems' in answer ? answer.problems : [];
    expect(first?.code.startsWith(code)).toBe(true);
    expect(first?.file).toBe('policies/calendar.yaml');
    if (line !== undefined) expect(first?.line).toBe(line);
  });
});

/**
 * No reader of the calendar falls back to a zone of its own: every one uses scripts/calendar/zone.ts. The list of
 * files not moved yet is empty and stays so (a file that matches fails it).
 * scripts/demo and scripts/bench are about the sample organisation, whose zone is Asia/Shanghai.
 */
describe('no other zone fallback in scripts/', () => {
  const NOT_YET_MOVED: string[] = [];
  const scripts = path.join(repoRoot, 'scripts');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

  it('a literal zone after ??, = or return appears only in the one module and the files not moved yet', () => {
    const found = files(scripts)
      .map((f) => path.relative(scripts, f).split(path.sep).join('/'))
      .filter((f) => !/^(demo|bench)\//.test(f) && f !== 'calendar/zone.ts')
      .filter((f) => /(\?\?|=|return)\s*'(UTC|Etc\/UTC|Asia\/Shanghai)'/.test(readFileSync(path.join(scripts, f), 'utf8')))
      .sort();
    expect(found).toEqual(NOT_YET_MOVED);
  });
});
