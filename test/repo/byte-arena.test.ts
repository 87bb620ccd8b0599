import { describe, expect, it } from 'vitest';
import { keepCopy } from '../../scripts/repo/byte-arena.ts';

/** Bytes 0..n-1 of a pattern that differs for every seed. */
function pattern(seed: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

/** Byte equality without a per-element matcher (vitest compares typed arrays element by element, slowly). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

describe('keepCopy packs lasting copies of short-lived views (scripts/repo/byte-arena.ts)', () => {
  it('a copy keeps its bytes when the buffer it came from is overwritten', () => {
    const shared = new Uint8Array(4096);
    shared.set(pattern(1, 1000), 100);
    const copy = keepCopy(shared.subarray(100, 1100));
    shared.fill(0);
    expect(same(copy, pattern(1, 1000))).toBe(true);
  });

  it('thousands of copies, across several blocks, never overlap one another', () => {
    const shared = new Uint8Array(64 * 1024);
    const copies: { seed: number; bytes: Uint8Array }[] = [];
    // About 30 MB in all: far more than one block, with sizes that leave a block's tail unused.
    for (let seed = 0; seed < 8000; seed++) {
      const n = 1 + ((seed * 2654435761) % 7919);
      shared.set(pattern(seed, n));
      copies.push({ seed, bytes: keepCopy(shared.subarray(0, n)) });
    }
    const blocks = new Set(copies.map((c) => c.bytes.buffer));
    expect(blocks.size).toBeGreaterThan(1);
    const damaged = copies.filter((c) => !same(c.bytes, pattern(c.seed, c.bytes.byteLength))).map((c) => c.seed);
    expect(damaged).toEqual([]);
  });

  it('a long view gets a buffer of its own, so a block is not spent on one document', () => {
    const long = pattern(7, 1024 * 1024);
    const copy = keepCopy(long);
    expect(copy.buffer).not.toBe(long.buffer);
    expect(copy.byteOffset).toBe(0);
    expect(copy.buffer.byteLength).toBe(long.byteLength);
    long.fill(0);
    expect(same(copy, pattern(7, 1024 * 1024))).toBe(true);
  });

  it('a long Buffer view is copied too (Buffer#slice would only be another view of the same memory)', () => {
    const shared = Buffer.alloc(2 * 1024 * 1024);
    shared.set(pattern(9, 1024 * 1024));
    const copy = keepCopy(shared.subarray(0, 1024 * 1024));
    shared.fill(0);
    expect(same(copy, pattern(9, 1024 * 1024))).toBe(true);
  });

  it('an empty view copies to an empty view', () => {
    expect(keepCopy(new Uint8Array(0)).byteLength).toBe(0);
  });
});
