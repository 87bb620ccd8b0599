import type { Batch } from './types.ts';

export const DEFAULT_ROLLOUT = { canary: 1, batchSize: 10, maxFailures: 0, pauseSeconds: 0 } as const;

/**
 * Splits hosts into rollout batches: the first `canary` hosts alone, then
 * `batchSize` at a time, in the order given (inventory order). Pure.
 */
export function planBatches(hosts: readonly string[], canary: number, batchSize: number): Batch[] {
  const out: Batch[] = [];
  const size = Math.max(1, Math.floor(batchSize));
  let rest = [...hosts];
  const c = Math.max(0, Math.floor(canary));
  if (c > 0 && rest.length > 0) {
    out.push({ index: 1, canary: true, hosts: rest.slice(0, c) });
    rest = rest.slice(c);
  }
  while (rest.length > 0) {
    out.push({ index: out.length + 1, canary: false, hosts: rest.slice(0, size) });
    rest = rest.slice(size);
  }
  return out;
}
