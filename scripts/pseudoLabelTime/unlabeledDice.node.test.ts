import { describe, expect, it } from 'vitest';
import { unlabeledClassDice, unlabeledDice, type ScoredVolume } from './unlabeledDice.ts';

// Two 2×2 k-slices: slice 0 is labeled (left out of the score), slice 1 is not.
const volume: ScoredVolume = { dims: [2, 2, 2], truth: new Uint8Array([1, 1, 2, 2, 1, 1, 0, 2]), labeledKs: [0] };

describe('Dice on the unlabeled slices', () => {
  it('scores only the slices that were not given as labels', () => {
    // Wrong everywhere on the labeled slice, right on the other: a perfect score.
    const pred = new Uint8Array([0, 0, 0, 0, 1, 1, 0, 2]);
    expect(unlabeledClassDice(pred, volume, 1)).toBe(1);
    expect(unlabeledClassDice(pred, volume, 2)).toBe(1);
  });

  it('counts overlap as 2·|A∩B| / (|A| + |B|)', () => {
    // Class 1: truth {4,5}, prediction {4,6}: 2·1 / 4. Class 2: truth {7}, prediction {5,7}: 2·1 / 3.
    const pred = new Uint8Array([1, 1, 2, 2, 1, 2, 1, 2]);
    expect(unlabeledClassDice(pred, volume, 1)).toBeCloseTo(0.5, 10);
    expect(unlabeledClassDice(pred, volume, 2)).toBeCloseTo(2 / 3, 10);
    const s = unlabeledDice([pred], [volume], [1, 2]);
    expect(s.mean).toBeCloseTo((0.5 + 2 / 3) / 2, 10);
  });

  it('leaves a class out of a volume where neither truth nor prediction has it', () => {
    const empty: ScoredVolume = { dims: [2, 2, 1], truth: new Uint8Array([1, 0, 0, 0]), labeledKs: [] };
    const pred = new Uint8Array([1, 0, 0, 0]);
    expect(unlabeledClassDice(pred, empty, 2)).toBeNull();
    // Class 2 is scored on the first volume only (0 there: predicted nowhere it is true).
    const s = unlabeledDice([new Uint8Array(8), pred], [volume, empty], [1, 2]);
    expect(s.byClass[1]).toBeCloseTo((0 + 1) / 2, 10);
    expect(s.byClass[2]).toBe(0);
  });

  it('refuses predictions that do not pair with the volumes', () => {
    expect(() => unlabeledDice([], [volume], [1])).toThrow(/0 predictions for 1 volumes/);
  });
});
