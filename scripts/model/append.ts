/**
 * Array helpers for input of any length. `target.push(...items)` and
 * `Math.min(...values)` pass every element as an argument and overflow the stack
 * past ~100k elements; a record file is input, and a tampered one can hold a
 * million lines (found by a hostile-input sweep: `report` exited 3 on one).
 */

/** Appends every item of `items` to `target`; returns `target`. */
export function appendAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The smallest value, or Infinity for none. */
export function minOf(values: Iterable<number>): number {
  let min = Infinity;
  for (const v of values) if (v < min) min = v;
  return min;
}

/** The largest value, or -Infinity for none. */
export function maxOf(values: Iterable<number>): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return max;
}
