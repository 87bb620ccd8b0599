import { DateTime } from 'luxon';
import type { OncallDocument } from '../model/documents.generated.ts';

type Rotation = OncallDocument['rotations'][number];
const HOUR = 3_600_000;

export interface DutySlot {
  rotation: string;
  person: string;
  start: number;
  end: number;
  override?: boolean;
}

/**
 * Shifts of one rotation overlapping [fromMs, toMs], overrides applied; a `daily` span is local wall-clock time
 * in `zone`, the calendar's (ARCHITECTURE.md, "The calendar's time zone"). Pure.
 */
export function rotationSlots(oncall: OncallDocument, rotation: Rotation, fromMs: number, toMs: number, zone: string): DutySlot[] {
  const anchor = Date.parse(rotation.shift.start);
  const len = rotation.shift.hours * HOUR;
  const slots: DutySlot[] = [];
  const first = Math.max(0, Math.floor((fromMs - anchor) / len));
  for (let k = first; anchor + k * len < toMs; k++) {
    const start = anchor + k * len;
    const end = start + len;
    if (end <= fromMs) continue;
    slots.push({ rotation: rotation.id, person: rotation.members[k % rotation.members.length]!, start, end });
  }
  const daily = rotation.daily ? restrictDaily(slots, rotation.daily, zone) : slots;
  return applyOverrides(
    daily,
    (oncall.overrides ?? []).filter((o) => o.rotation === rotation.id),
  );
}

type Daily = NonNullable<Rotation['daily']>;
const minuteOfDay = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * The spans [start, end) of a daily `from`–`to` that overlap [fromMs, toMs]: each local day in `zone` from `from`
 * to `to`, past midnight when `to` is not after `from` (equal: the whole day). Pure.
 */
export function dailySpans(daily: Daily, fromMs: number, toMs: number, zone: string): { start: number; end: number }[] {
  const f = minuteOfDay(daily.from);
  const t = minuteOfDay(daily.to);
  const out: { start: number; end: number }[] = [];
  // From the local day before fromMs: its span may run past midnight into [fromMs, toMs].
  for (let d = DateTime.fromMillis(fromMs, { zone }).startOf('day').minus({ days: 1 }); d.toMillis() < toMs; d = d.plus({ days: 1 })) {
    const start = d.set({ hour: Math.floor(f / 60), minute: f % 60 }).toMillis();
    const end = (t > f ? d : d.plus({ days: 1 })).set({ hour: Math.floor(t / 60), minute: t % 60 }).toMillis();
    if (end > fromMs && start < toMs && end > start) out.push({ start, end });
  }
  return out;
}

/** Whether instant `t` falls in a daily span (dailySpans: local time in `zone`). Pure. */
export function insideDaily(t: number, daily: Daily, zone: string): boolean {
  return dailySpans(daily, t, t + 1, zone).some((s) => s.start <= t && t < s.end);
}

function restrictDaily(slots: DutySlot[], daily: Daily, zone: string): DutySlot[] {
  if (slots.length === 0) return slots;
  const spans = dailySpans(daily, slots[0]!.start, slots[slots.length - 1]!.end, zone);
  const out: DutySlot[] = [];
  for (const s of slots) {
    for (const w of spans) {
      const a = Math.max(s.start, w.start);
      const b = Math.min(s.end, w.end);
      if (b > a) out.push({ ...s, start: a, end: b });
    }
  }
  return out;
}

function applyOverrides(slots: DutySlot[], overrides: NonNullable<OncallDocument['overrides']>): DutySlot[] {
  let out = slots;
  for (const o of overrides) {
    const os = Date.parse(o.start);
    const oe = Date.parse(o.end);
    const next: DutySlot[] = [];
    for (const s of out) {
      if (s.end <= os || s.start >= oe) {
        next.push(s);
        continue;
      }
      if (s.start < os) next.push({ ...s, end: os });
      if (s.end > oe) next.push({ ...s, start: oe });
    }
    next.push({ rotation: o.rotation, person: o.person, start: os, end: oe, override: true });
    out = next.sort((a, b) => a.start - b.start);
  }
  return out;
}

/** Every duty slot of every rotation overlapping [fromMs, toMs]; daily spans in `zone` (rotationSlots). Pure. */
export function dutySlots(oncall: OncallDocument, fromMs: number, toMs: number, zone: string): DutySlot[] {
  return oncall.rotations.flatMap((r) => rotationSlots(oncall, r, fromMs, toMs, zone)).sort((a, b) => a.start - b.start);
}

/** Intervals inside [fromMs, toMs] when nobody at all is on duty. Pure. */
export function coverageGaps(slots: readonly DutySlot[], fromMs: number, toMs: number): { start: number; end: number }[] {
  const gaps: { start: number; end: number }[] = [];
  let covered = fromMs;
  for (const s of [...slots].sort((a, b) => a.start - b.start)) {
    if (s.start > covered) gaps.push({ start: covered, end: Math.min(s.start, toMs) });
    covered = Math.max(covered, s.end);
    if (covered >= toMs) break;
  }
  if (covered < toMs) gaps.push({ start: covered, end: toMs });
  return gaps.filter((g) => g.end > g.start);
}

/** Rest-rule breaches: a person on duty longer than allowed in one stretch, or with too short a rest. Pure. */
export function restBreaches(slots: readonly DutySlot[], rest: OncallDocument['rest']): { person: string; at: number; kind: 'too-long' | 'too-little-rest'; hours: number }[] {
  if (!rest) return [];
  const byPerson = new Map<string, DutySlot[]>();
  for (const s of slots) byPerson.set(s.person, [...(byPerson.get(s.person) ?? []), s]);
  const out: { person: string; at: number; kind: 'too-long' | 'too-little-rest'; hours: number }[] = [];
  for (const [person, list] of byPerson) {
    list.sort((a, b) => a.start - b.start);
    let stretchStart = list[0]?.start ?? 0;
    let stretchEnd = list[0]?.end ?? 0;
    for (const s of list.slice(1).concat([{ ...list[0]!, start: Infinity, end: Infinity }])) {
      if (s.start <= stretchEnd) {
        stretchEnd = Math.max(stretchEnd, s.end);
        continue;
      }
      const hours = (stretchEnd - stretchStart) / HOUR;
      if (rest.max_consecutive_hours && hours > rest.max_consecutive_hours) out.push({ person, at: stretchStart, kind: 'too-long', hours });
      const restHours = (s.start - stretchEnd) / HOUR;
      if (rest.min_rest_hours !== undefined && Number.isFinite(restHours) && restHours < rest.min_rest_hours) out.push({ person, at: stretchEnd, kind: 'too-little-rest', hours: restHours });
      stretchStart = s.start;
      stretchEnd = s.end;
    }
  }
  return out;
}
