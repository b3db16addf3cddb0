import { describe, expect, it } from 'vitest';
import { disagreement, meanUncertainty } from './sliceScores.ts';

describe('slice scores', () => {
  // "Next uncertain slice" ranks slices by these: both must span [0, 1] and order slices the right way.
  it('teacher–student disagreement: 0 when they agree, 1 when every pixel flips, in between otherwise', () => {
    const a = Float32Array.from([1, 0, 0, 1]);
    expect(disagreement(a, a, 2)).toBe(0);
    expect(disagreement(a, Float32Array.from([0, 1, 1, 0]), 2)).toBe(1);
    expect(disagreement(a, Float32Array.from([0.5, 0.5, 0, 1]), 2)).toBeCloseTo(0.25);
  });

  it('without a teacher: mean normalised entropy, 0 for sure pixels and about 1 for uniform ones', () => {
    expect(meanUncertainty(Float32Array.from([1, 0, 0, 0, 1, 0]), 3)).toBeCloseTo(0, 2);
    expect(meanUncertainty(Float32Array.from([1 / 3, 1 / 3, 1 / 3]), 3)).toBeCloseTo(1, 2);
    const mixed = meanUncertainty(Float32Array.from([0.6, 0.4, 0.9, 0.1]), 2);
    expect(mixed).toBeGreaterThan(0.3);
    expect(mixed).toBeLessThan(1);
  });
});
