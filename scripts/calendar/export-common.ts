import type { IcsComponent, IcsProperty } from './ics.ts';
import { text, utcStamp } from './ics.ts';
import { localStamp, vtimezone } from './vtimezone.ts';

/** What every calendar shares: the zone, the horizon its VTIMEZONE covers, the UID domain, and when it was made. */
export interface ExportContext {
  zone: string;
  /** Horizon of the export: recurrence exceptions are computed inside it. */
  fromMs: number;
  toMs: number;
  /** Appended to every UID, e.g. `yunfan-tech.ops-policies.opsgate`: a UID is the same on every run. */
  uidDomain: string;
  /** DTSTAMP of every event. */
  now: Date;
}

export interface IcsFile {
  /** File name inside the output folder, e.g. `maintenance.ics`. */
  name: string;
  content: IcsComponent;
}

/** A UID: kind and stable key, reduced to characters every client accepts. */
export function uid(ctx: ExportContext, ...parts: string[]): string {
  return `${parts.map((p) => p.replace(/[^A-Za-z0-9._-]+/g, '-')).join('-')}@${ctx.uidDomain}`;
}

export function calendar(ctx: ExportContext, name: string, description: string, events: IcsComponent[]): IcsComponent {
  return {
    type: 'VCALENDAR',
    props: [
      { name: 'VERSION', value: '2.0' },
      { name: 'PRODID', value: '-//opsgate//calendar export//EN' },
      { name: 'CALSCALE', value: 'GREGORIAN' },
      { name: 'METHOD', value: 'PUBLISH' },
      { name: 'NAME', value: text(name) },
      { name: 'X-WR-CALNAME', value: text(name) },
      { name: 'X-WR-CALDESC', value: text(description) },
      { name: 'X-WR-TIMEZONE', value: ctx.zone },
      { name: 'REFRESH-INTERVAL', params: { VALUE: 'DURATION' }, value: 'PT1H' },
      { name: 'X-PUBLISHED-TTL', value: 'PT1H' },
    ],
    components: [vtimezone(ctx.zone, ctx.fromMs, ctx.toMs), ...[...events].sort(byUidThenStart)],
  };
}

function byUidThenStart(a: IcsComponent, b: IcsComponent): number {
  const key = (c: IcsComponent) => `${c.props.find((p) => p.name === 'UID')?.value ?? ''}\0${c.props.find((p) => p.name === 'RECURRENCE-ID')?.value ?? ''}`;
  return key(a).localeCompare(key(b));
}

/** DTSTART/DTEND-style property in the calendar's zone. */
export function zoned(ctx: ExportContext, name: string, ms: number): IcsProperty {
  return { name, params: { TZID: ctx.zone }, value: localStamp(ms, ctx.zone) };
}

/** DTSTAMP: when the feed was made (UTC). */
export function stamp(ctx: ExportContext): IcsProperty {
  return { name: 'DTSTAMP', value: utcStamp(ctx.now.getTime()) };
}

/** The properties every event starts with. */
export function eventHead(ctx: ExportContext, id: string, startMs: number, endMs: number, summary: string): IcsProperty[] {
  return [{ name: 'UID', value: id }, stamp(ctx), zoned(ctx, 'DTSTART', startMs), zoned(ctx, 'DTEND', endMs), { name: 'SUMMARY', value: text(summary) }];
}

/** EXDATE with the zone, one value per line so no line grows without bound (folding keeps each short anyway). */
export function exdates(ctx: ExportContext, starts: readonly number[]): IcsProperty[] {
  return [...starts].sort((a, b) => a - b).map((ms) => zoned(ctx, 'EXDATE', ms));
}
