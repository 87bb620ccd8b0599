import { describe, expect, it } from 'vitest';
import { newRunId } from '../../scripts/change/recorder.ts';

describe('newRunId', () => {
  const now = new Date('2026-11-30T01:31:26.406Z');

  it('names the start second', () => {
    expect(newRunId(now)).toMatch(/^2026-11-30T013126Z-[0-9a-f]{6}$/);
  });

  it.each([
    ['a run of the same second whose suffix sorts last', ['2026-11-30T013126Z-ffffff']],
    ['several runs, one a second ahead', ['2026-11-30T013126Z-000000', '2026-11-30T013127Z-ffffff']],
    ['a run far ahead (clock skew)', ['2026-12-01T000000Z-abcdef']],
    ['a run a year ahead', ['2027-11-30T013126Z-abcdef']],
    ['a file name of another shape', ['zz-manual']],
  ])('sorts after every existing run: %s', (_what, existing) => {
    for (let i = 0; i < 50; i++) {
      const id = newRunId(now, existing);
      expect([...existing, id].sort().at(-1)).toBe(id);
    }
  });
});
