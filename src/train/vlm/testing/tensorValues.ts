import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/*
 * Readers and references for tests that check losses against values worked out by hand: tensors come back as
 * plain numbers so expectations can be written as literals, and the float64 log-sum-exp is what the hand values
 * are computed with.
 */

/** The first (for a scalar, the only) value of a tensor. */
export const val = async (t: tf.Tensor): Promise<number> => (await t.data())[0]!;

/** A tensor's values, flattened in row-major order. */
export const arr = async (t: tf.Tensor): Promise<number[]> => Array.from(await t.data());

/** Same length, and each entry toBeCloseTo its wanted value at `digits` decimal digits. */
export const expectClose = (got: number[], want: number[], digits = 6): void => {
  expect(got.length).toBe(want.length);
  want.forEach((w, n) => expect(got[n]).toBeCloseTo(w, digits));
};

/** log Σ exp, stable in float64. */
export const lse = (xs: number[]): number => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
};
