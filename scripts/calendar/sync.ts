import { isMap, isSeq, parseDocument, type Document, type YAMLSeq } from 'yaml';
import { workdayName, type OfficialSchedule } from './official.ts';

type ListKey = 'holidays' | 'makeup_workdays';

export interface SyncEntry {
  list: ListKey;
  date: string;
  name: string;
}

export interface SyncResult {
  /** The calendar with the year's official days added; the same text when nothing was missing. */
  text: string;
  added: SyncEntry[];
  /** Days of the year the calendar lists that the schedule does not have, undeclared: left for a person. */
  unofficial: SyncEntry[];
  /** The schedule does not know the year: nothing was written. */
  unknownYear: boolean;
}

interface Insertion {
  offset: number;
  text: string;
}

/**
 * Adds the official holidays and make-up workdays (调休) of `year` that the
 * calendar lacks, in date order. The yaml Document tells where each entry is;
 * new lines are spliced into the original text in the style of the entry
 * beside them (flow or block, same indentation), so every comment and every
 * other byte stays as it was. Days under `deviations` are left as declared;
 * nothing is removed. `file` is the calendar's file as the repository spells it (.yaml or .yml), named when the
 * text is not a mapping. Pure.
 */
export function syncCalendarText(text: string, official: OfficialSchedule, year: number, file: string): SyncResult {
  const unchanged = { text, added: [], unofficial: [], unknownYear: !official.years.has(year) };
  if (unchanged.unknownYear) return unchanged;
  const doc = parseDocument(text);
  if (doc.errors.length || !isMap(doc.contents)) throw new Error(`${file} does not parse as a mapping: run opsgate lint and fix it first`);
  const deviations = new Set(((doc.toJS() as { deviations?: { date: string }[] }).deviations ?? []).map((d) => String(d.date)));
  const inYear = (d: string) => d.startsWith(`${year}-`);
  const wanted: Record<ListKey, SyncEntry[]> = {
    holidays: [...official.holidays.values()].filter((d) => inYear(d.date)).map((d) => ({ list: 'holidays', date: d.date, name: d.name })),
    makeup_workdays: [...official.workdays.values()].filter((d) => inYear(d.date)).map((d) => ({ list: 'makeup_workdays', date: d.date, name: workdayName(d) })),
  };
  const added: SyncEntry[] = [];
  const unofficial: SyncEntry[] = [];
  const insertions: Insertion[] = [];
  const appended: string[] = [];
  for (const key of ['holidays', 'makeup_workdays'] as const) {
    const node = doc.get(key, true);
    const seq = isSeq(node) ? node : undefined;
    const present = new Map((seq?.items ?? []).map((it) => [dateOf(it), it]));
    const missing = wanted[key].filter((d) => !present.has(d.date) && !deviations.has(d.date));
    const officialDates = new Set(wanted[key].map((d) => d.date));
    for (const [date, item] of present) {
      if (date && inYear(date) && !officialDates.has(date) && !deviations.has(date)) unofficial.push({ list: key, date, name: isMap(item) ? String(item.get('name') ?? '') : '' });
    }
    if (missing.length === 0) continue;
    added.push(...missing);
    if (seq && seq.items.length > 0 && !seq.flow) insertions.push(...spliceInto(text, seq, missing));
    else if (!node) appended.push(`${key}:\n${missing.map((d) => `  - ${flowEntry(d, false)}\n`).join('')}`);
    else return viaDocument(doc, { ...unchanged, added, unofficial }, wanted, deviations); // an empty or flow list: no line to copy the style of
  }
  if (added.length === 0) return { ...unchanged, unofficial };
  let out = text;
  const byOffset = new Map<number, string>(); // entries at one place stay in date order
  for (const ins of insertions) byOffset.set(ins.offset, (byOffset.get(ins.offset) ?? '') + ins.text);
  for (const [offset, lines] of [...byOffset].sort((a, b) => b[0] - a[0])) out = out.slice(0, offset) + lines + out.slice(offset);
  if (appended.length) out = (out.endsWith('\n') ? out : out + '\n') + appended.join('');
  return { text: out, added, unofficial, unknownYear: false };
}

function dateOf(item: unknown): string {
  return isMap(item) ? String(item.get('date') ?? '') : '';
}

const PLAIN = /^[\p{L}\p{N}（）() _-]+$/u;
const scalar = (s: string) => (PLAIN.test(s) ? s : JSON.stringify(s));
const flowEntry = (d: SyncEntry, padded: boolean) => (padded ? `{ date: ${d.date}, name: ${scalar(d.name)} }` : `{date: ${d.date}, name: ${scalar(d.name)}}`);

const lineStart = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
const nextLine = (text: string, offset: number) => {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
};

/** New lines for `missing`, each placed before the first entry with a later date, in the style of the entry beside it. */
function spliceInto(text: string, seq: YAMLSeq, missing: SyncEntry[]): Insertion[] {
  const items = seq.items.filter(isMap);
  return missing.map((d) => {
    const after = items.findIndex((it) => dateOf(it) > d.date);
    const sibling = items[after < 0 ? items.length - 1 : after]!;
    const [start, , end] = sibling.range!;
    const first = lineStart(text, start);
    const prefix = text.slice(first, start); // "  - "
    const entry = sibling.flow ? flowEntry(d, text[start + 1] === ' ') : `date: ${d.date}\n${' '.repeat(prefix.length)}name: ${scalar(d.name)}`;
    const line = `${prefix}${entry}\n`;
    if (after >= 0) return { offset: first, text: line };
    const tail = text.charAt(end - 1) === '\n' ? end : nextLine(text, end); // after the last entry's last line
    return { offset: tail, text: tail === text.length && !text.endsWith('\n') ? `\n${line}` : line };
  });
}

/** The fallback for a list with no entry to copy: the Document API (comments kept, layout of that list normalised). */
function viaDocument(doc: Document, result: SyncResult, wanted: Record<ListKey, SyncEntry[]>, deviations: ReadonlySet<string>): SyncResult {
  for (const key of ['holidays', 'makeup_workdays'] as const) {
    const js = (doc.toJS() as Record<string, { date: string; name: string }[] | undefined>)[key] ?? [];
    const have = new Set(js.map((d) => String(d.date)));
    const next = [...js, ...wanted[key].filter((d) => !have.has(d.date) && !deviations.has(d.date)).map(({ date, name }) => ({ date, name }))];
    next.sort((a, b) => String(a.date).localeCompare(String(b.date)));
    const seq = doc.createNode(next) as YAMLSeq;
    for (const it of seq.items) if (isMap(it)) it.flow = true;
    doc.set(key, seq);
  }
  return { ...result, text: doc.toString({ flowCollectionPadding: false, lineWidth: 0 }) };
}
