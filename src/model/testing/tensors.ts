import * as tf from '@tensorflow/tfjs';
import type { Random } from '../../data/random.ts';

/** A float32 tensor of seeded N(0, scale²) draws: tests need inputs and probes that are random yet repeatable. */
export function randomTensor(rng: Random, shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal() * scale),
    shape,
  );
}

/** max |a − b| over every element, read back as one number so a tolerance can be asserted on it. */
export async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  return (await tf.max(tf.abs(tf.sub(a, b))).data())[0]!;
}

/** max |a − b| / max |b|: one number per comparison, so tolerances read as relative errors. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}
