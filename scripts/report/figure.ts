/**
 * A figure is one number in a report together with how it was computed and
 * the evidence (repository paths) it came from. Every number a template
 * prints is a Figure, so every number leads to its evidence.
 */
export type Unit = 'count' | 'percent' | 'hours' | 'minutes' | 'days';

export interface Figure {
  /** Stable id, e.g. `changes.success_rate`; the anchor in the evidence appendix. */
  id: string;
  /** null when there is nothing to compute it from (shown as "no data"). */
  value: number | null;
  unit: Unit;
  /** For ratios: the parts, so the formula can be printed with its values. */
  numerator?: number;
  denominator?: number;
  /** String-table key of the formula or definition. */
  formula?: string;
  /** Repository paths of the documents and records the figure was computed from. */
  evidence: string[];
  /** Gap codes (completeness.ts) when an input the figure needs was missing or unreadable. */
  incomplete?: string[];
}

export function count(id: string, paths: Iterable<string>, value?: number, formula?: string): Figure {
  const evidence = uniqueSorted(paths);
  const f: Figure = { id, value: value ?? evidence.length, unit: 'count', evidence };
  if (formula) f.formula = formula;
  return f;
}

/** A percentage, rounded to one decimal; null when the denominator is zero. */
export function percent(id: string, numerator: number, denominator: number, paths: Iterable<string>, formula: string): Figure {
  return {
    id,
    // Half up to one decimal from the integers (×1000 ÷ denominator), not from a binary fraction: 207/720 is 28.8, not 28.7.
    value: denominator === 0 ? null : Math.round((numerator * 1000) / denominator) / 10,
    unit: 'percent',
    numerator,
    denominator,
    formula,
    evidence: uniqueSorted(paths),
  };
}

export function measure(id: string, value: number | null, unit: Unit, paths: Iterable<string>, formula?: string): Figure {
  const f: Figure = { id, value: value === null ? null : round1(value), unit, evidence: uniqueSorted(paths) };
  if (formula) f.formula = formula;
  return f;
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * The q-quantile (0..1) by linear interpolation between closest ranks —
 * Hyndman & Fan type 7, the default of R's quantile(), NumPy's percentile and
 * Excel's PERCENTILE.INC: with the n values sorted as x[0..n-1] and
 * h = (n - 1)·q, Q = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). For q = 0.5 it is
 * the usual median: the middle value of an odd count, the mean of the two
 * middle values of an even count. Null for no values. Pure.
 */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function uniqueSorted(paths: Iterable<string>): string[] {
  return [...new Set(paths)].sort();
}

/** Stable comparison for sorting by string keys, independent of locale. */
export function byKey<T>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

/**
 * Stable comparison by the instant an ISO timestamp names (whatever offset spells it), then by a string key;
 * an absent or unparsable time sorts first. Pure.
 */
export function byInstant<T>(at: (t: T) => string | undefined, then: (t: T) => string): (a: T, b: T) => number {
  const instant = (t: T): number => {
    const v = at(t);
    const n = v === undefined ? NaN : Date.parse(v);
    return Number.isNaN(n) ? -Infinity : n;
  };
  const tie = byKey(then);
  return (a, b) => {
    const x = instant(a);
    const y = instant(b);
    return x < y ? -1 : x > y ? 1 : tie(a, b);
  };
}
