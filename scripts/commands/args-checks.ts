/**
 * Value checks an option declares (`check: is.integer({ min: 1 })`): the parser runs
 * them on every value before the command starts, and reports every bad value at once.
 * Each returns the problem, phrased to follow "--name " ("must be …, not 'x'"), or
 * undefined when the value is fine. Pure: syntax only; whether a named host or policy
 * exists is the command's question (it reads the repository).
 */
import { DateTime, IANAZone } from 'luxon';
import { FIRST_YEAR, inEra } from '../model/era.ts';

export type ValueCheck = (value: string) => string | undefined;

const quote = (v: string) => `'${v.length > 60 ? v.slice(0, 57) + '…' : v}'`;

/** One of a fixed set of values. */
function oneOf(allowed: readonly string[]): ValueCheck {
  return (v) => (allowed.includes(v) ? undefined : `must be one of ${allowed.join(', ')}, not ${quote(v)}`);
}

/** A comma-separated list whose every item is one of a fixed set (`--format html,md`). */
function someOf(allowed: readonly string[]): ValueCheck {
  return (v) => {
    const items = v.split(',').map((s) => s.trim());
    const bad = items.find((s) => !allowed.includes(s));
    return bad !== undefined ? `: ${quote(bad)} is not one of ${allowed.join(', ')} (a comma-separated list, e.g. ${allowed.slice(0, 2).join(',')})` : undefined;
  };
}

/** A whole number in [min, max]. */
function integer({ min = 1, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}): ValueCheck {
  return (v) => {
    const n = /^-?\d+$/.test(v) ? Number(v) : NaN;
    return Number.isSafeInteger(n) && n >= min && n <= max ? undefined : `must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, not ${quote(v)}`;
  };
}

/** A positive number of seconds (fractions allowed). */
const seconds: ValueCheck = (v) => (/^\d+(\.\d+)?$/.test(v) && Number(v) > 0 ? undefined : `must be a positive number of seconds, not ${quote(v)}`);

/** Well-formed, but before FIRST_YEAR (model/era.ts): nothing on record is that old, and date arithmetic breaks there. */
const era = (v: string): string | undefined => (inEra(v) ? undefined : `must be ${FIRST_YEAR} or later, not ${quote(v)}`);

/** A calendar date, YYYY-MM-DD (2026-02-30 is not one). */
const date: ValueCheck = (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v) && DateTime.fromISO(v).isValid ? era(v) : `must be a date as YYYY-MM-DD, not ${quote(v)}`);

/** A month, YYYY-MM. */
const month: ValueCheck = (v) => (/^\d{4}-(0[1-9]|1[0-2])$/.test(v) ? era(v) : `must be a month as YYYY-MM (e.g. 2026-11), not ${quote(v)}`);

/** A year, YYYY. */
const year: ValueCheck = (v) => (/^\d{4}$/.test(v) ? era(v) : `must be a year as YYYY, not ${quote(v)}`);

/** A point in time: ISO 8601 with or without an offset, or HH:MM (today, in the calendar's zone). */
const time: ValueCheck = (v) =>
  /^([01]\d|2[0-3]):[0-5]\d$/.test(v)
    ? undefined
    : /^\d{4}-\d{2}-\d{2}/.test(v) && DateTime.fromISO(v, { setZone: true }).isValid
      ? era(v)
      : `${quote(v)} is not a time: use ISO 8601 (2026-11-11T00:15:00+08:00), a local date-time (2026-11-11T00:15) or HH:MM for today`;

/** A point in time with its offset: ISO 8601 ending in Z or ±HH:MM. */
const instant: ValueCheck = (v) =>
  /^\d{4}-/.test(v) && DateTime.fromISO(v, { setZone: true }).isValid && /(Z|[+-]\d{2}:?\d{2})$/.test(v)
    ? era(v)
    : `must be an ISO 8601 date-time with offset (e.g. 2026-12-01T09:00:00+08:00), not ${quote(v)}`;

/** An IANA time zone. */
const zone: ValueCheck = (v) => (IANAZone.isValidZone(v) ? undefined : `must be an IANA time zone (e.g. Europe/Berlin, Asia/Shanghai), not ${quote(v)}`);

/** A value of a given shape (a pull request number, a commit SHA), never mistaken for an option. */
function matches(what: string, pattern: RegExp): ValueCheck {
  return (v) => (!v.startsWith('-') && pattern.test(v) ? undefined : `must be ${what}, not ${quote(v)}`);
}

/** A comma-separated list of ids as the schemas spell them (hosts, groups, baselines, policies, people, channels). */
function names(what: string, pattern = /^[a-z0-9][a-z0-9._-]*$/): ValueCheck {
  return (v) => {
    const items = v.split(',').map((s) => s.trim());
    const bad = items.filter((s) => !pattern.test(s));
    return bad.length ? `must be ${what} (comma-separated ids like web-01,db-01), and ${bad.map((b) => quote(b)).join(', ')} is not one` : undefined;
  };
}

/** A comma-separated list of recipients, ids or names: none empty (the document's schema judges the rest). */
function recipients(what: string): ValueCheck {
  return (v) => (v.split(',').some((s) => s.trim() === '' || s.trim().startsWith('-')) ? `must be ${what}, comma-separated, none empty, not ${quote(v)}` : undefined);
}

/** One id (a person, a rotation, a channel). */
function name(what: string, pattern = /^[a-z0-9][a-z0-9._-]*$/): ValueCheck {
  return (v) => (pattern.test(v) ? undefined : `must be ${what} (an id like ${what === 'a person' ? 'zhang-wei' : 'ops-primary'}), not ${quote(v)}`);
}

/** Anything but empty (a file, a directory, a reason). */
function given(what: string): ValueCheck {
  return (v) => (v.trim() === '' ? `needs ${what}` : undefined);
}

/** A value that cannot be mistaken for an option, or smuggled into a git or ssh command line as one. */
function notOption(what: string, pattern = /^[\w./:@-]+$/): ValueCheck {
  return (v) => (!v.startsWith('-') && pattern.test(v) ? undefined : `must be ${what}, not ${quote(v)}`);
}

export const is = { oneOf, someOf, integer, seconds, date, month, year, time, instant, zone, names, recipients, name, given, notOption, matches };
