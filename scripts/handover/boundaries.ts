import { DateTime } from 'luxon';
import type { ChangeDocument, IncidentDocument, OncallDocument } from '../model/documents.generated.ts';
import { rotationSlots } from '../rules/oncall.ts';
import { parseInstant } from '../model/instant.ts';

/**
 * Shift boundaries of a 24x7 rotation: each moment one person hands over to
 * the next (交接班), overrides included. A boundary where the same person
 * continues needs no handover. Pure.
 */
export interface Boundary {
  rotation: string;
  at: number;
  outgoing: string;
  incoming: string;
  /** When the incoming person's shift ends (the next boundary). */
  shiftEnd: number;
  /** HO-YYYY-MM-DD-HHMM in the organisation's time zone. */
  id: string;
}

export const DEFAULT_LOOKBACK_HOURS = 72;
export const DEFAULT_ACK_MINUTES = 30;

/**
 * `HO-yyyy-MM-dd-HHmm` in `zone`, always in ASCII digits: an id names a file and is matched by the
 * schema's pattern, so it never follows the locale (luxon's toFormat wrote Arabic-Indic digits under
 * ar-EG). From the local fields, not toFormat, which cost most of lint's handover rule. An invalid
 * time or zone gives what toFormat gives (`HO-Invalid DateTime`), which no schema accepts.
 */
export function handoverId(atMs: number, zone: string): string {
  const t = DateTime.fromMillis(atMs, { zone });
  if (!t.isValid || t.year < 0 || t.year > 9999) return `HO-${t.toFormat('yyyy-MM-dd-HHmm')}`;
  return `HO-${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}-${pad(t.hour, 2)}${pad(t.minute, 2)}`;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A handover's file without its extension, in the year folder of its id: incidents/handovers/YYYY/ID. */
export function handoverStem(id: string): string {
  return `incidents/handovers/${id.slice(3, 7)}/${id}`;
}

/** The file `handover new` writes for a handover id: .yaml (lint accepts .yml too, scripts/repo/kinds.ts). */
export function handoverPath(id: string): string {
  return `${handoverStem(id)}.yaml`;
}

/** Boundaries of `rotationId` with fromMs ≤ at ≤ toMs. */
export function shiftBoundaries(oncall: OncallDocument, rotationId: string, fromMs: number, toMs: number, zone: string): Boundary[] {
  const rotation = oncall.rotations.find((r) => r.id === rotationId);
  if (!rotation || toMs < fromMs) return [];
  const len = rotation.shift.hours * 3_600_000;
  const slots = rotationSlots(oncall, rotation, fromMs - len, toMs + len, zone);
  const out: Boundary[] = [];
  for (let k = 1; k < slots.length; k++) {
    const a = slots[k - 1]!;
    const b = slots[k]!;
    if (a.end !== b.start || a.person === b.person || b.start < fromMs || b.start > toMs) continue;
    out.push({ rotation: rotationId, at: b.start, outgoing: a.person, incoming: b.person, shiftEnd: b.end, id: handoverId(b.start, zone) });
  }
  return out;
}

/** Incidents open at a moment: detected by then and not resolved by then. */
export function openIncidentsAt<T extends { data: IncidentDocument }>(incidents: readonly T[], atMs: number): T[] {
  return openAt(incidentSpans(incidents), atMs);
}

/** Changes whose window opens during [fromMs, toMs). */
export function changesOpeningIn<T extends { data: ChangeDocument }>(changes: readonly T[], fromMs: number, toMs: number): T[] {
  return openingIn(changeStarts(changes), fromMs, toMs);
}

/** Each incident's detection and end, read once, for asking openAt at many boundaries (lint: every handover). */
export interface IncidentSpan<T> {
  doc: T;
  from: number;
  end: number | undefined;
}

export function incidentSpans<T extends { data: IncidentDocument }>(incidents: readonly T[]): IncidentSpan<T>[] {
  return incidents.map((doc) => {
    const end = doc.data.resolved_at ?? doc.data.closed_at;
    return { doc, from: parseInstant(doc.data.detected_at), end: end ? parseInstant(end) : undefined };
  });
}

export function openAt<T>(spans: readonly IncidentSpan<T>[], atMs: number): T[] {
  const out: T[] = [];
  for (const s of spans) if (!(s.from > atMs) && (s.end === undefined || s.end > atMs)) out.push(s.doc);
  return out;
}

export function changeStarts<T extends { data: ChangeDocument }>(changes: readonly T[]): { doc: T; start: number }[] {
  return changes.map((doc) => ({ doc, start: parseInstant(doc.data.window.start) }));
}

export function openingIn<T>(starts: readonly { doc: T; start: number }[], fromMs: number, toMs: number): T[] {
  const out: T[] = [];
  for (const s of starts) if (s.start >= fromMs && s.start < toMs) out.push(s.doc);
  return out;
}
