import { IANAZone } from 'luxon';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { RepoModel } from '../repo/repo-model.ts';
import { parseYamlText } from '../repo/parse-yaml.ts';

/**
 * The zone of a repository with no calendar at all (ARCHITECTURE.md, "The calendar's time zone"): `opsgate init`'s
 * `--timezone` default, and the zone that favours no organisation.
 */
export const DEFAULT_ZONE = 'UTC';

/** The calendar's zone, or why a calendar that exists gives none (located). */
export type ZoneAnswer = { zone: string } | { problems: Diagnostic[] };

const HINT = 'set timezone to an IANA time zone, e.g. timezone: Europe/Berlin or timezone: Asia/Shanghai';

/** The zone a calendar declares, as written; DEFAULT_ZONE without a calendar. For a reader that checks the zone itself. Pure. */
export function declaredZone(calendar: { timezone: string } | undefined): string {
  return calendar?.timezone ?? DEFAULT_ZONE;
}

/**
 * The zone of the loaded repository's calendar: its `timezone` when that is an IANA zone, DEFAULT_ZONE when the
 * repository has no calendar that loaded or its zone is not one (lint reports a calendar that did not load). For
 * readers of the whole repository that judge rather than write (rules, the notification watch): they never compute
 * with a zone luxon cannot use. Pure.
 */
export function calendarZone(repo: Pick<RepoModel, 'one'>): string {
  const zone = declaredZone(repo.one('calendar')?.data);
  return isZone(zone) ? zone : DEFAULT_ZONE;
}

/**
 * The zone the calendar file `file` gives, read as YAML (quotes, comments, flow style): `text` undefined is a
 * repository with no calendar (DEFAULT_ZONE). Text that is not YAML, a `timezone` missing, not a string or not an
 * IANA zone is refused with a located diagnostic, never read as the default. Pure.
 */
export function zoneFromCalendarText(text: Uint8Array | string | undefined, file: string): ZoneAnswer {
  if (text === undefined) return { zone: DEFAULT_ZONE };
  const parsed = parseYamlText(text, file);
  if (parsed.diagnostics.some((d) => d.severity === 'error') || parsed.data === undefined) return { problems: parsed.diagnostics };
  const data = parsed.data;
  const zone = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as { timezone?: unknown }).timezone : undefined;
  if (zone === undefined || zone === null)
    return { problems: [diagnostic('calendar.timezone-missing', { file, line: 1, col: 1 }, 'the calendar has no timezone: the time zone cannot be told', { pointer: '/timezone', hint: HINT })] };
  if (!isZone(zone)) return { problems: [invalidZone(zone, { file, ...parsed.locate('/timezone') })] };
  return { zone };
}

/** Is `zone` a time zone luxon can compute with (an IANA name)? Pure. */
export function isZone(zone: unknown): zone is string {
  return typeof zone === 'string' && IANAZone.isValidZone(zone);
}

/**
 * `calendar.timezone-invalid` at `place` (the calendar's `timezone` value) for `zone`, which is not an IANA zone;
 * `undefined` for a value that is not a string and not known (a calendar that did not load). Pure.
 */
export function invalidZone(zone: unknown, place: { file: string; line: number; col: number }): Diagnostic {
  const what = typeof zone === 'string' ? `timezone '${zone}' is not` : zone === undefined ? 'the timezone is not a string, so not' : `timezone ${JSON.stringify(zone)} is not`;
  return diagnostic('calendar.timezone-invalid', place, `${what} an IANA time zone: the time zone cannot be told`, { pointer: '/timezone', hint: HINT });
}

/** A calendar that exists and cannot be read (a directory, no permission): `reason` says why. Pure. */
export function unreadableCalendar(file: string, reason: string): ZoneAnswer {
  return {
    problems: [
      diagnostic('calendar.unreadable', { file, line: 1, col: 1 }, `cannot read the calendar (${reason}): the time zone cannot be told`, {
        hint: `make ${file} a readable file, or remove it to use ${DEFAULT_ZONE}`,
      }),
    ],
  };
}
