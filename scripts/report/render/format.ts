/**
 * How values read in a report: times in the report's zone to the minute (no
 * milliseconds, no offset noise: the zone is printed on the cover and in the
 * running header), people by name, lists without dangling separators, and
 * record messages translated by their code so the zh-CN report carries no
 * English text of its own. Pure.
 */
import { DateTime } from 'luxon';
import type { Language } from '../build-report.ts';
import type { Translate } from '../strings/index.ts';

export interface Formatter {
  /** An ISO timestamp as `yyyy-MM-dd HH:mm` in the report's zone; a date stays a date; '' for nothing. */
  time: (iso: string | null | undefined) => string;
  /** Text quoted from a record with every ISO timestamp in it shown as `time` shows it (report zone, no milliseconds). */
  stamps: (text: string) => string;
  /** A person's name (their id when the directory does not know them). */
  person: (id: string | null | undefined) => string;
  people: (ids: readonly string[]) => string;
  /** Joins non-empty parts with the language's list separator. */
  list: (parts: readonly (string | null | undefined)[]) => string;
  /** Hours with one decimal and the unit. */
  hours: (n: number | null | undefined) => string;
  /** A translated enum value (`val.<family>.<value>`), the raw value when the table lacks it. */
  value: (family: string, v: string) => string;
  /** A record or loader message, translated by code; the English text only in the English report. */
  message: (code: string, english: string) => string;
  /** Why a host could not be inspected, translated by phase. */
  unreachable: (reason: string) => string;
  /** What a gate rule requires ("2 of team cab"), translated when it has the gate's shape. */
  requires: (text: string) => string;
}

export function createFormatter(language: Language, zone: string, people: Readonly<Record<string, string>>, t: Translate, has: (key: string) => boolean): Formatter {
  const sep = language === 'zh-CN' ? '、' : ', ';
  const time = (iso: string | null | undefined) => {
    if (!iso) return '';
    if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
    const d = DateTime.fromISO(iso, { setZone: true });
    return d.isValid ? d.setZone(zone).toFormat('yyyy-MM-dd HH:mm') : iso;
  };
  const person = (id: string | null | undefined) => (id ? (people[id] ?? id) : '');
  const value = (family: string, v: string) => (has(`val.${family}.${v}`) ? t(`val.${family}.${v}`) : v);
  const message = (code: string, english: string) => {
    const key = `msg.${code}`;
    // A message may name a commit (first 12 hex digits): the translation keeps it.
    if (has(key)) return t(key, { commit: /\b[0-9a-f]{12}\b/.exec(english)?.[0] ?? '' });
    const prefix = `msg.${code.split('.')[0]}.*`;
    if (language === 'en') return english;
    return has(prefix) ? t(prefix, { code }) : t('msg.unknown', { code });
  };
  const unreachable = (reason: string) => {
    if (reason === 'not_inspected') return t('reason.not_inspected');
    const phase = /^([a-z_-]+):/.exec(reason)?.[1] ?? 'unreachable';
    const key = `val.phase.${phase}`;
    if (language === 'en') return reason;
    return has(key) ? t(key) : t('val.phase.unreachable');
  };
  const requires = (text: string) => {
    const m = /^(\d+) of (team|teams|owners of group|owners of groups|people) (.+)$/.exec(text.trim());
    if (!m) return text;
    const who = m[3]!.split(/,\s*/).join(sep);
    return t(`requires.${m[2]!.replace(/ /g, '_')}`, { count: m[1]!, who });
  };
  const stamps = (text: string) => text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})/g, (m) => time(m));
  return {
    time,
    stamps,
    person,
    people: (ids) => ids.map(person).filter(Boolean).join(sep),
    list: (parts) => parts.filter((p): p is string => !!p && p.trim() !== '').join(sep),
    hours: (n) => (n === null || n === undefined ? t('no_data') : `${Math.round(n * 10) / 10} ${t('unit.hours')}`),
    value,
    message,
    unreachable,
    requires,
  };
}
