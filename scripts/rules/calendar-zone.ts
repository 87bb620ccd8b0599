import { calendarZone, invalidZone, isZone } from '../calendar/zone.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import { UsageError } from '../model/errors.ts';
import type { RepoModel } from '../repo/repo-model.ts';
import type { RuleInput } from './rule-context.ts';
import { singletonFileOf } from './singleton-file.ts';

type Repo = Pick<RepoModel, 'one' | 'files' | 'diagnostics' | 'hasInvalid'>;

/**
 * Can the calendar's time zone be told (ARCHITECTURE.md, "The calendar's time zone")? Yes for a repository with no
 * calendar file at all (DEFAULT_ZONE) and for a calendar that loaded with an IANA zone; no for one that loaded with
 * another zone or that exists and did not load. Rules that compute with the zone do not run when it cannot be told:
 * their findings would be computed with a zone the calendar does not give. Pure.
 */
export function zoneTold(repo: Repo): boolean {
  const calendar = repo.one('calendar');
  if (calendar) return isZone(calendar.data.timezone);
  return !repo.hasInvalid('calendar', 'calendar') && !repo.files.has(singletonFileOf(repo, 'calendar'));
}

/** The loader's schema diagnostic about the `timezone` value of a calendar that did not load (a value that is not a string). Pure. */
export function loaderZoneProblem(repo: Repo): Diagnostic | undefined {
  if (repo.one('calendar')) return undefined;
  const file = singletonFileOf(repo, 'calendar');
  return repo.diagnostics.find((d) => d.file === file && d.pointer === '/timezone' && d.code.startsWith('schema.'));
}

/**
 * `calendar.timezone-invalid`: the calendar's `timezone` is not an IANA zone (a misspelt name, an empty string, a value
 * that is not a string), located at the value. lintRepo gives it in place of the loader's schema diagnostic for a
 * value that is not a string (loaderZoneProblem). Pure.
 */
export function checkCalendarZone({ repo }: RuleInput): Diagnostic[] {
  return zoneProblems(repo);
}

/**
 * `calendar.timezone-invalid` for the calendar's `timezone` value; none when it is an IANA zone, without a calendar, and
 * for a calendar that did not load for another reason (its own diagnostics say why; zoneTold is false). For the commands that compute with the zone from the loaded repository: they refuse on it, located, rather
 * than compute with the default (calendarZone's answer for such a calendar). Pure.
 */
export function zoneProblems(repo: Repo): Diagnostic[] {
  const schema = loaderZoneProblem(repo);
  return schema ? [invalidZone(undefined, schema)] : loadedZoneProblems(repo);
}

/** zoneProblems for a calendar that loaded only: for a loader that already reports the calendar's own loader diagnostics. Pure. */
export function loadedZoneProblems(repo: Pick<RepoModel, 'one'>): Diagnostic[] {
  const calendar = repo.one('calendar');
  if (!calendar || isZone(calendar.data.timezone)) return [];
  return [invalidZone(calendar.data.timezone, { file: calendar.file, ...calendar.locate('/timezone') })];
}

/**
 * The calendar's zone for a command that acts or writes times from the loaded repository, or a UsageError (exit 2)
 * naming the place of the zone the calendar does not give. Pure.
 */
export function zoneOrRefuse(repo: Repo): string {
  const [problem] = zoneProblems(repo);
  if (problem) throw new UsageError(`${problem.file}:${problem.line}:${problem.col} ${problem.code} ${problem.message}; nothing was changed`, problem.hint);
  return calendarZone(repo);
}
