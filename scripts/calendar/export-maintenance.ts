import { DateTime } from 'luxon';
import type { CalendarDocument } from '../model/documents.generated.ts';
import { windowOccurrences } from '../rules/calendar.ts';
import { text } from './ics.ts';
import type { IcsComponent } from './ics.ts';
import { calendar, eventHead, exdates, stamp, uid, zoned, type ExportContext, type IcsFile } from './export-common.ts';

type Window = CalendarDocument['maintenance_windows'][number];
const BYDAY: Record<Window['days'][number], string> = { mon: 'MO', tue: 'TU', wed: 'WE', thu: 'TH', fri: 'FR', sat: 'SA', sun: 'SU' };
const LUXON_DAY: Record<Window['days'][number], number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

/**
 * The maintenance calendar: each window as one weekly recurring event, the
 * days it stays shut inside the horizon (holidays, for `workdays_only`) as
 * EXDATEs — decided by `windowOccurrences`, the rule lint and apply use, not
 * re-decided here — every freeze, and the holidays and make-up workdays as
 * all-day events. `file` is the calendar's file as the repository spells it, named in the description. Pure.
 */
export function maintenanceCalendar(ctx: ExportContext, cal: CalendarDocument, file: string): IcsFile {
  const events: IcsComponent[] = [];
  for (const w of cal.maintenance_windows) {
    const e = windowEvent(ctx, cal, w);
    if (e) events.push(e);
  }
  for (const f of cal.freezes ?? []) {
    const description = [`Change freeze ${f.id}: changes of type ${f.allow_types.length ? `other than ${f.allow_types.join(', ')}` : 'any'} are refused.`, f.reason ?? ''].filter(Boolean).join('\n');
    events.push({
      type: 'VEVENT',
      props: [
        ...eventHead(ctx, uid(ctx, 'freeze', f.id), Date.parse(f.start), Date.parse(f.end), `封网 Freeze: ${f.title}`),
        { name: 'DESCRIPTION', value: text(description) },
        { name: 'CATEGORIES', value: 'FREEZE' },
        { name: 'TRANSP', value: 'OPAQUE' },
      ],
    });
  }
  const deviation = new Map((cal.deviations ?? []).map((d) => [d.date, d.reason]));
  const day = (d: { date: string; name: string }, kind: 'holiday' | 'workday') => {
    const next = DateTime.fromISO(d.date, { zone: 'UTC' }).plus({ days: 1 }).toFormat('yyyyMMdd');
    const why = deviation.get(d.date);
    return {
      type: 'VEVENT',
      props: [
        { name: 'UID', value: uid(ctx, kind, d.date) },
        stamp(ctx),
        { name: 'DTSTART', params: { VALUE: 'DATE' }, value: d.date.replace(/-/g, '') },
        { name: 'DTEND', params: { VALUE: 'DATE' }, value: next },
        { name: 'SUMMARY', value: text(kind === 'holiday' ? `假日 Holiday: ${d.name}` : `调休上班 Make-up workday: ${d.name}`) },
        ...(why ? [{ name: 'DESCRIPTION', value: text(`Local deviation from the official schedule: ${why}`) }] : []),
        { name: 'CATEGORIES', value: kind === 'holiday' ? 'HOLIDAY' : 'WORKDAY' },
        { name: 'TRANSP', value: 'TRANSPARENT' },
      ],
    } satisfies IcsComponent;
  };
  for (const h of cal.holidays ?? []) events.push(day(h, 'holiday'));
  for (const m of cal.makeup_workdays ?? []) events.push(day(m, 'workday'));
  return {
    name: 'maintenance.ics',
    content: calendar(ctx, 'opsgate: maintenance windows and freezes', `Maintenance windows, change freezes, holidays and make-up workdays from ${file} (${ctx.zone}).`, events),
  };
}

function windowEvent(ctx: ExportContext, cal: CalendarDocument, w: Window): IcsComponent | undefined {
  const zone = cal.timezone;
  const [sh, sm] = w.start.split(':').map(Number) as [number, number];
  const [eh, em] = w.end.split(':').map(Number) as [number, number];
  const crosses = eh * 60 + em <= sh * 60 + sm;
  const naive: { start: number; end: number }[] = [];
  const weekdays = new Set(w.days.map((d) => LUXON_DAY[d]));
  for (let d = DateTime.fromMillis(ctx.fromMs, { zone }).startOf('day'); d.toMillis() < ctx.toMs; d = d.plus({ days: 1 })) {
    if (!weekdays.has(d.weekday)) continue;
    const start = d.set({ hour: sh, minute: sm }).toMillis();
    const end = d
      .plus({ days: crosses ? 1 : 0 })
      .set({ hour: eh, minute: em })
      .toMillis();
    if (start >= ctx.fromMs && start < ctx.toMs) naive.push({ start, end });
  }
  const first = naive[0];
  if (!first) return undefined;
  const actual = new Set(
    windowOccurrences(w, cal, ctx.fromMs, ctx.toMs)
      .map((o) => o.start)
      .filter((s) => s >= first.start && s < ctx.toMs),
  );
  const naiveStarts = new Set(naive.map((n) => n.start));
  const shut = naive.filter((n) => !actual.has(n.start)).map((n) => n.start);
  const extra = [...actual].filter((s) => !naiveStarts.has(s));
  const scope = w.applies_to
    ? Object.entries(w.applies_to)
        .map(([k, v]) => `${k}: ${(v as string[]).join(', ')}`)
        .join('; ')
    : 'every host';
  const until = DateTime.fromMillis(ctx.toMs, { zone }).toISODate();
  return {
    type: 'VEVENT',
    props: [
      ...eventHead(ctx, uid(ctx, 'window', w.id), first.start, first.end, `维护窗口 Maintenance window: ${w.title}`),
      { name: 'RRULE', value: `FREQ=WEEKLY;BYDAY=${w.days.map((d) => BYDAY[d]).join(',')}` },
      ...exdates(ctx, shut),
      ...extra.sort((a, b) => a - b).map((ms) => zoned(ctx, 'RDATE', ms)),
      {
        name: 'DESCRIPTION',
        value: text(
          `Window ${w.id} (${w.start}–${w.end}${crosses ? ' next day' : ''}, ${zone}) for ${scope}.${w.workdays_only ? ` Workdays only: holidays are left out and make-up workdays (调休) counted up to ${until}.` : ''}`,
        ),
      },
      { name: 'CATEGORIES', value: 'MAINTENANCE' },
      { name: 'TRANSP', value: 'TRANSPARENT' },
    ],
  };
}
