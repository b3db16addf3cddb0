import * as tf from '@tensorflow/tfjs';
import type { Random } from '../../data/random.ts';
import { maxClasses } from '../../model/classAxis.ts';
import type { MixKit } from '../methods/method.ts';
import { boxMask } from './boxMask.ts';

/**
 * The tensor functions a mixing method builds the student's inputs with (methods/method.ts), bound to tfjs and to
 * the run's own mask stream, so the boxes are repeatable from the seed and draw nothing from the sampling stream.
 * Every op is elementwise or a slice along the batch axis: no int casts or reductions a WebGPU backend would trip on.
 */
export function mixKit(rng: Random): MixKit {
  return {
    boxMask: (like, ratio) => {
      const [n, ...rest] = like.shape;
      const spatial = rest.slice(0, -1);
      return tf.tensor(boxMask(n!, spatial, ratio, rng), [n!, ...spatial, 1]);
    },
    paste: (a, b, m) => tf.add(tf.mul(a, m), tf.mul(b, tf.sub(1, m))),
    mul: (a, b) => tf.mul(a, b),
    complement: (m) => tf.sub(1, m),
    take: (t, n) => (n === t.shape[0] ? t : tf.slice(t, 0, n)),
    roll: (t) => {
      const n = t.shape[0]!;
      return n <= 1 ? t : tf.concat([tf.slice(t, 1, n - 1), tf.slice(t, 0, 1)], 0);
    },
    concat: (ts) => (ts.length === 1 ? ts[0]! : tf.concat(ts, 0)),
    // Where a voxel's probability equals its maximum: its argmax as a float one-hot, elementwise as losses.ts does
    // it (ties, vanishingly rare, mark both). The teacher's probabilities come from outside the gradient tape.
    hardLabels: (probs) => tf.cast(tf.greaterEqual(probs, maxClasses(probs)), 'float32'),
  };
}
