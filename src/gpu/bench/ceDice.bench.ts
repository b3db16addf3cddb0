import * as tf from '@tensorflow/tfjs';
import { Random } from '../../data/random.ts';
import { softmaxClasses } from '../../model/classAxis.ts';
import { maskedCrossEntropy, maskedSoftDice } from '../../train/losses.ts';
import { fusedCeDice } from '../fusedCeDice.ts';
import type { BenchCase } from './types.ts';

/*
 * The supervised loss of a training step, CE + soft Dice with its gradient into the logits, at the default
 * configurations' shapes: ours (fusedCeDice, on) against the tfjs-op route maskedCrossEntropy + maskedSoftDice
 * (off). Inputs are made on first use and freed by dispose. One in three slices unlabeled (mask 0), as with
 * partial labels; the background is not scored (the default).
 */

const BATCH = 8;
const SHAPE_2D = [BATCH, 256, 256] as const;
const SHAPE_3D = [BATCH, 32, 48, 32] as const;
const OPTIONS = { includeBackground: false, eps: 1e-5 };

interface Inputs {
  logits: tf.Tensor;
  target: tf.Tensor;
  mask: tf.Tensor;
}

function makeInputs(spatial: readonly number[], K: number): Inputs {
  const rng = new Random(K * 1000 + spatial.length);
  const n = spatial.reduce((a, b) => a * b, 1);
  const slice = n / spatial[0]! / spatial[1]!; // voxels per slice along the second axis
  const target = new Float32Array(n * K);
  const mask = new Float32Array(n);
  for (let v = 0; v < n; v++) {
    target[v * K + rng.int(0, K - 1)] = 1;
    mask[v] = Math.floor(v / slice) % 3 === 2 ? 0 : 1;
  }
  // Float32Array-built one-hot targets and masks, not casts (WEBGPU.md trap "cast then transpose").
  return {
    logits: tf.keep(tf.randomNormal([...spatial, K], 0, 2, 'float32', 7)),
    target: tf.keep(tf.tensor(target, [...spatial, K])),
    mask: tf.keep(tf.tensor(mask, [...spatial, 1])),
  };
}

/** CE + Dice and ∂(CE + Dice)/∂z through one route; returns [ce, dice, ∂z] for the timer to dispose. */
function lossAndGradient(on: boolean, { logits, target, mask }: Inputs): tf.Tensor[] {
  const route = (z: tf.Tensor) =>
    on ? fusedCeDice(z, target, mask, OPTIONS) : { ce: maskedCrossEntropy(z, target, mask), dice: maskedSoftDice(softmaxClasses(z), target, mask, OPTIONS) };
  const { value, grads } = tf.valueAndGrads((z: tf.Tensor) => {
    const { ce, dice } = route(z);
    return tf.add(ce, dice) as tf.Scalar;
  })([logits]);
  return [value, ...grads];
}

function ceDiceCase(spatial: readonly number[], K: number): BenchCase {
  let inputs: Inputs | null = null;
  return {
    kernel: 'Softmax CE + Dice',
    name: `${[...spatial, K].join('×')}, loss + ∂z`,
    flops: null,
    run: (on) => lossAndGradient(on, (inputs ??= makeInputs(spatial, K))),
    dispose() {
      if (inputs) tf.dispose([inputs.logits, inputs.target, inputs.mask]);
      inputs = null;
    },
  };
}

export function ceDiceBenchCases(): BenchCase[] {
  return [ceDiceCase(SHAPE_2D, 2), ceDiceCase(SHAPE_2D, 4), ceDiceCase(SHAPE_3D, 2), ceDiceCase(SHAPE_3D, 3)];
}
