import { describe, expect, it } from 'vitest';
import { quantile } from '../../scripts/report/figure.ts';

describe('quantile: linear interpolation between closest ranks (type 7), stated in Appendix A', () => {
  it.each([
    // The auditor's approval latencies (hours): an even count, the median is the mean of the middle two.
    [[0.41, 6.46, 43.32, 66.74], 0.5, 24.89],
    [[66.74, 0.41, 43.32, 6.46], 0.5, 24.89],
    // Odd counts: the middle value.
    [[3, 1, 2], 0.5, 2],
    [[5], 0.5, 5],
    [[1, 2, 3, 4, 5], 0.5, 3],
    // Even counts.
    [[1, 2], 0.5, 1.5],
    [[10, 20, 30, 40, 50, 60], 0.5, 35],
    // Percentiles, as R quantile(type = 7) / numpy.percentile give them.
    [[1, 2, 3, 4], 0.9, 3.7],
    [[79.6, 102.8, 55.1], 0.9, 98.16],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1],
    [[1, 2, 3], 0, 1],
    [[1, 2, 3], 1, 3],
  ])('quantile(%j, %d) = %d', (values, q, want) => {
    expect(quantile(values, q)).toBeCloseTo(want, 9);
  });

  it('no values: null', () => {
    expect(quantile([], 0.5)).toBeNull();
  });
});
