import { describe, expect, it } from 'vitest';
import { mean, paired, sampleSd } from './stats.ts';

describe('statistics over seeds', () => {
  it('gives the mean and the sample (n − 1) standard deviation', () => {
    expect(mean([1, 2, 6])).toBe(3);
    // Deviations −2, −1, 3: squares sum to 14, over n − 1 = 2.
    expect(sampleSd([1, 2, 6])).toBeCloseTo(Math.sqrt(7), 12);
  });

  it('has no mean for no values and no sd below two', () => {
    expect(mean([])).toBeNull();
    expect(sampleSd([0.8])).toBeNull();
  });

  it('pairs only the seeds both arms ran, and counts strict wins', () => {
    const method = new Map([
      [3, 0.7],
      [1, 0.8],
      [2, 0.6],
    ]);
    const baseline = new Map([
      [1, 0.75],
      [2, 0.6],
      [4, 0.9],
    ]);
    const p = paired(method, baseline);
    expect(p.diffs.map((d) => d.seed)).toEqual([1, 2]);
    expect(p.diffs[0]!.diff).toBeCloseTo(0.05, 12);
    expect(p.diffs[1]!.diff).toBe(0);
    expect(p.wins).toBe(1);
    expect(p.mean).toBeCloseTo(0.025, 12);
    expect(p.sd).toBeCloseTo(Math.sqrt(2 * 0.025 ** 2), 12);
  });

  it('has nothing to say when no seed is shared', () => {
    const p = paired(new Map([[1, 0.5]]), new Map([[2, 0.4]]));
    expect(p).toEqual({ diffs: [], mean: null, sd: null, wins: 0 });
  });
});
