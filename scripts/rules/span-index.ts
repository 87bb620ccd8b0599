import type { IncidentSpan } from '../handover/boundaries.ts';

/**
 * openAt and openingIn (scripts/handover/boundaries.ts) asked at many moments (lint:
 * every handover) over thousands of incidents and changes: the spans are sorted once
 * and each question reads only the few that can answer it, in the order of the input,
 * so each answer equals the linear scan's. Pure.
 */

/** The first position in `sorted` whose key is greater than `x` (keys ascending, no NaN). */
function firstAbove(sorted: readonly number[], key: (i: number) => number, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(sorted[mid]!) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The first position in `sorted` whose key is at least `x`. */
function firstAtLeast(sorted: readonly number[], key: (i: number) => number, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(sorted[mid]!) >= x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const ascending = (a: number, b: number) => a - b;

/** openAt(spans, atMs) for many moments: incidents detected by then and not resolved by then. */
export function openAtIndex<T>(spans: readonly IncidentSpan<T>[]): (atMs: number) => T[] {
  const isOpen = (s: IncidentSpan<T>, atMs: number) => !(s.from > atMs) && (s.end === undefined || s.end > atMs);
  // Sorted by end (none: still open, last); a span with an unreadable time is always tested.
  // Each end read once into an array: the sort compares numbers, not two calls per comparison.
  const ends = new Float64Array(spans.length);
  const byEnd: number[] = [];
  const odd: number[] = [];
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (Number.isNaN(s.from) || Number.isNaN(s.end)) odd.push(i);
    else {
      ends[i] = s.end ?? Infinity;
      byEnd.push(i);
    }
  }
  byEnd.sort((a, b) => (ends[a]! < ends[b]! ? -1 : ends[a]! > ends[b]! ? 1 : a - b));
  const endOf = (i: number) => ends[i]!;
  return (atMs) => {
    if (!Number.isFinite(atMs)) return spans.filter((s) => isOpen(s, atMs)).map((s) => s.doc);
    const hits: number[] = [];
    // Only the spans that end after the moment can be open at it.
    for (let k = firstAbove(byEnd, endOf, atMs); k < byEnd.length; k++) if (isOpen(spans[byEnd[k]!]!, atMs)) hits.push(byEnd[k]!);
    for (const i of odd) if (isOpen(spans[i]!, atMs)) hits.push(i);
    return hits.sort(ascending).map((i) => spans[i]!.doc);
  };
}

/** openingIn(starts, fromMs, toMs) for many intervals: changes whose window opens during [fromMs, toMs). */
export function openingInIndex<T>(starts: readonly { doc: T; start: number }[]): (fromMs: number, toMs: number) => T[] {
  // A start that cannot be read opens in no interval. Each start read once into an array for the sort.
  const at = new Float64Array(starts.length);
  const byStart: number[] = [];
  for (let i = 0; i < starts.length; i++) {
    const t = starts[i]!.start;
    if (Number.isNaN(t)) continue;
    at[i] = t;
    byStart.push(i);
  }
  byStart.sort((a, b) => at[a]! - at[b]! || a - b);
  const startOf = (i: number) => at[i]!;
  return (fromMs, toMs) => {
    if (Number.isNaN(fromMs) || Number.isNaN(toMs)) return [];
    const hits: number[] = [];
    for (let k = firstAtLeast(byStart, startOf, fromMs); k < byStart.length && startOf(byStart[k]!) < toMs; k++) hits.push(byStart[k]!);
    return hits.sort(ascending).map((i) => starts[i]!.doc);
  };
}
