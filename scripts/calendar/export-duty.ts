import type { OncallDocument } from '../model/documents.generated.ts';
import { rotationSlots, type DutySlot } from '../rules/oncall.ts';
import { localStamp, zoneTransitions } from './vtimezone.ts';
import { text } from './ics.ts';
import type { IcsComponent } from './ics.ts';
import { calendar, eventHead, exdates, uid, type ExportContext, type IcsFile } from './export-common.ts';

const HOUR = 3_600_000;
/** Machine-readable who and which rotation, for tools that read the feed. */
const who2 = (rotation: string, person: string) => [
  { name: 'X-OPSGATE-ROTATION', value: text(rotation) },
  { name: 'X-OPSGATE-PERSON', value: text(person) },
];

/**
 * The duty rota (值班表): one calendar for the team and one per person. Who is
 * on duty when comes from `rotationSlots` (scripts/rules/oncall.ts), the same
 * expansion lint's coverage and rest rules use, overrides applied. Each
 * member's turn in a rotation is one recurring event (every members × hours);
 * the turns an override takes over are EXDATEs, the part of a turn an override
 * leaves is an event of its own, and each override is an event naming who
 * stands in and why. A rotation restricted to daily hours is written as
 * single events. Pure.
 */
export function dutyCalendars(ctx: ExportContext, oncall: OncallDocument, file: string, names: ReadonlyMap<string, string>): IcsFile[] {
  const team: IcsComponent[] = [];
  const perPerson = new Map<string, IcsComponent[]>();
  const add = (person: string, teamEvent: IcsComponent, personEvent: IcsComponent) => {
    team.push(teamEvent);
    (perPerson.get(person) ?? perPerson.set(person, []).get(person)!).push(personEvent);
  };
  const who = (p: string) => (names.get(p) && names.get(p) !== p ? `${names.get(p)} (${p})` : p);
  const dst = zoneTransitions(ctx.zone, ctx.fromMs, ctx.toMs).length > 0;
  for (const r of oncall.rotations) {
    const len = r.shift.hours * HOUR;
    const anchor = Date.parse(r.shift.start);
    const slots = rotationSlots(oncall, r, Math.max(ctx.fromMs, anchor), ctx.toMs, ctx.zone);
    const overrides = slots.filter((s) => s.override);
    const regular = slots.filter((s) => !s.override);
    const matched = new Set<DutySlot>();
    if (!r.daily) {
      r.members.forEach((person, i) => {
        const period = r.members.length * len;
        const naive: number[] = [];
        for (let start = anchor + i * len; start < ctx.toMs; start += period) if (start + len > ctx.fromMs) naive.push(start);
        if (!naive.length) return;
        const kept = new Set(regular.filter((s) => s.person === person && s.end - s.start === len && naive.includes(s.start)).map((s) => s.start));
        for (const s of regular) if (s.person === person && kept.has(s.start) && s.end - s.start === len) matched.add(s);
        const hours = period / HOUR;
        const rule = !dst && hours % 24 === 0 ? `FREQ=DAILY;INTERVAL=${hours / 24}` : `FREQ=HOURLY;INTERVAL=${hours}`;
        const event = (scope: string): IcsComponent => ({
          type: 'VEVENT',
          props: [
            ...eventHead(ctx, uid(ctx, 'duty', scope, r.id, person), naive[0]!, naive[0]! + len, `值班 On duty (${r.id}): ${who(person)}`),
            { name: 'RRULE', value: rule },
            ...exdates(
              ctx,
              naive.filter((s) => !kept.has(s)),
            ),
            { name: 'DESCRIPTION', value: text(`${r.title}\n${who(person)} is on duty every ${hours} h for ${r.shift.hours} h (members in turn: ${r.members.map(who).join(', ')}).`) },
            { name: 'CATEGORIES', value: 'ONCALL' },
            ...who2(r.id, person),
          ],
        });
        add(person, event('team'), event(person));
      });
    }
    for (const s of regular.filter((x) => !matched.has(x))) {
      const event = (scope: string): IcsComponent => ({
        type: 'VEVENT',
        props: [
          ...eventHead(ctx, uid(ctx, 'duty', scope, r.id, s.person, localStamp(s.start, ctx.zone)), s.start, s.end, `值班 On duty (${r.id}): ${who(s.person)}`),
          { name: 'DESCRIPTION', value: text(`${r.title}\n${who(s.person)} is on duty${r.daily ? ` (daily ${r.daily.from}–${r.daily.to})` : ' (the rest of a turn an override shortened)'}.`) },
          { name: 'CATEGORIES', value: 'ONCALL' },
          ...who2(r.id, s.person),
        ],
      });
      add(s.person, event('team'), event(s.person));
    }
    for (const s of overrides) {
      const o = (oncall.overrides ?? []).find((x) => x.rotation === r.id && x.person === s.person && Date.parse(x.start) === s.start && Date.parse(x.end) === s.end);
      const event = (scope: string): IcsComponent => ({
        type: 'VEVENT',
        props: [
          ...eventHead(ctx, uid(ctx, 'duty-override', scope, r.id, s.person, localStamp(s.start, ctx.zone)), s.start, s.end, `值班 On duty (${r.id}, override): ${who(s.person)}`),
          { name: 'DESCRIPTION', value: text(`${r.title}\nOverride: ${who(s.person)} stands in.${o?.reason ? `\nReason: ${o.reason}` : ''}`) },
          { name: 'CATEGORIES', value: 'ONCALL,OVERRIDE' },
          ...who2(r.id, s.person),
        ],
      });
      add(s.person, event('team'), event(s.person));
    }
  }
  const files: IcsFile[] = [{ name: 'oncall-team.ics', content: calendar(ctx, 'opsgate: duty rota 值班表', `Every rotation of ${file}, overrides included.`, team) }];
  for (const [person, events] of [...perPerson].sort((a, b) => a[0].localeCompare(b[0]))) {
    files.push({ name: `oncall-${person}.ics`, content: calendar(ctx, `opsgate: duty rota ${who(person)}`, `${who(person)}'s turns on duty, overrides included.`, events) });
  }
  return files;
}
