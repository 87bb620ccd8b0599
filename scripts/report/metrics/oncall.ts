import { insideDaily } from '../../rules/oncall.ts';
import { byKey, count, percent, type Figure } from '../figure.ts';
import { DAY, HOUR, dayStartAfter, isoIn, ms, type Period } from '../period.ts';
import type { ReportInput } from '../types.ts';

export interface OncallSection {
  figures: Figure[];
  from: string;
  to: string;
  gaps: { start: string; end: string; hours: number }[];
}

export interface RunbooksSection {
  figures: Figure[];
  overdue: { id: string; title: string; owner: string; due: string; path: string }[];
}

/**
 * On-call coverage of the 30 days after `now`, hour by hour: an hour is
 * covered when some rotation has an active person on duty (overrides first,
 * then the rotation's member for that shift, only inside the rotation's
 * `daily` span, read as wall-clock time in the calendar's zone). Pure.
 */
export function computeOncall(input: ReportInput, period: Period, now: number): OncallSection {
  const from = Math.ceil(now / HOUR) * HOUR;
  const to = from + 30 * DAY;
  const doc = input.oncall?.data;
  const active = new Set(input.people.filter((p) => p.data.status === 'active').map((p) => p.id));
  const evidence = [...(input.oncall ? [input.oncall.file] : []), ...input.people.map((p) => p.file)];
  if (!doc)
    return {
      figures: [percent('oncall.coverage_30d', 0, 0, [], 'formula.oncall_coverage'), count('oncall.gaps', [], 0, 'formula.oncall_gaps')],
      from: isoIn(from, period.timezone),
      to: isoIn(to, period.timezone),
      gaps: [],
    };
  const covered = (t: number): boolean =>
    doc.rotations.some((rot) => {
      const o = (doc.overrides ?? []).find((x) => x.rotation === rot.id && (ms(x.start) ?? Infinity) <= t && t < (ms(x.end) ?? -Infinity));
      if (o) return active.has(o.person);
      const anchor = ms(rot.shift.start);
      if (anchor === undefined || rot.members.length === 0 || rot.shift.hours <= 0 || t < anchor) return false;
      if (rot.daily && !insideDaily(t, rot.daily, period.timezone)) return false;
      const idx = Math.floor((t - anchor) / (rot.shift.hours * HOUR)) % rot.members.length;
      return active.has(rot.members[idx]!);
    });
  let hits = 0;
  const gaps: OncallSection['gaps'] = [];
  let gapStart: number | undefined;
  for (let t = from; t < to; t += HOUR) {
    if (covered(t)) {
      hits++;
      if (gapStart !== undefined) gaps.push(gap(gapStart, t, period.timezone));
      gapStart = undefined;
    } else gapStart ??= t;
  }
  if (gapStart !== undefined) gaps.push(gap(gapStart, to, period.timezone));
  return {
    figures: [percent('oncall.coverage_30d', hits, 30 * 24, evidence, 'formula.oncall_coverage'), count('oncall.gaps', evidence, gaps.length, 'formula.oncall_gaps')],
    from: isoIn(from, period.timezone),
    to: isoIn(to, period.timezone),
    gaps,
  };
}

function gap(start: number, end: number, zone: string) {
  return { start: isoIn(start, zone), end: isoIn(end, zone), hours: (end - start) / HOUR };
}

/** Runbooks whose last review is older than their review cadence, as of `now`. Pure. */
export function computeRunbooks(input: ReportInput, period: Period, now: number): RunbooksSection {
  const overdue = input.runbooks
    .map((r) => ({ r, due: dayStartAfter(r.data.last_reviewed, r.data.review_every_days, period.timezone) ?? r.data.review_every_days * DAY }))
    .filter((x) => x.due < now)
    .sort(byKey((x) => x.r.id))
    .map(({ r, due }) => ({ id: r.id, title: r.data.title, owner: r.data.owner, due: isoIn(due, period.timezone).slice(0, 10), path: r.file }));
  return {
    figures: [
      count(
        'runbooks.total',
        input.runbooks.map((r) => r.file),
        undefined,
        'formula.runbooks_total',
      ),
      count(
        'runbooks.overdue',
        overdue.map((o) => o.path),
        overdue.length,
        'formula.runbooks_overdue',
      ),
    ],
    overdue,
  };
}
