import { invalidZone, isZone } from '../calendar/zone.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
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
  const calendar = repo.one('calendar');
  if (calendar) return isZone(calendar.data.timezone) ? [] : [invalidZone(calendar.data.timezone, { file: calendar.file, ...calendar.locate('/timezone') })];
  const schema = loaderZoneProblem(repo);
  return schema ? [invalidZone(undefined, schema)] : [];
}
