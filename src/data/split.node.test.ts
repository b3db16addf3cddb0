import { describe, expect, it } from 'vitest';
import { chooseLabeledCases, chooseLabeledSlices, seededSplit } from './split.ts';

describe('splits', () => {
  const ids = Array.from({ length: 50 }, (_, n) => `case_${String(n).padStart(3, '0')}`);

  it('is seeded, disjoint, complete and independent of input order', () => {
    const a = seededSplit(ids, 0.2, 7);
    expect(a.val).toHaveLength(10);
    expect(new Set([...a.train, ...a.val]).size).toBe(50);
    expect(seededSplit([...ids].reverse(), 0.2, 7)).toEqual(a);
    expect(seededSplit(ids, 0.2, 8).val).not.toEqual(a.val);
  });

  it('labels a fraction of training cases, at least one', () => {
    expect(chooseLabeledCases(ids, 0.1, 1)).toHaveLength(5);
    expect(chooseLabeledCases(ids.slice(0, 3), 0.1, 1)).toHaveLength(1);
    expect(chooseLabeledCases(ids, 0, 1)).toEqual([]);
    expect(chooseLabeledCases(ids, 0.1, 1)).toEqual(chooseLabeledCases(ids, 0.1, 1));
  });

  it('spreads labeled slices through the structure', () => {
    const dims: [number, number, number] = [2, 2, 20];
    const labels = new Uint8Array(80);
    for (let k = 5; k < 15; k++) labels[k * 4] = 1;
    expect(chooseLabeledSlices(labels, dims, 2)).toEqual([7, 12]);
    expect(chooseLabeledSlices(labels, dims, 50)).toHaveLength(10);
    expect(chooseLabeledSlices(new Uint8Array(80), dims, 4)).toEqual([2, 7, 12, 17]);
  });
});
