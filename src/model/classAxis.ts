import * as tf from '@tensorflow/tfjs';

/*
 * Operations along the class axis (the last one), written as elementwise ops over its few channels. A reduction
 * along a short last axis dispatches one workgroup per voxel with barriers, which software GPUs (SwiftShader,
 * llvmpipe) emulate ~500× slower than elementwise work; with K ≤ a dozen classes the unrolled form costs the same
 * on real GPUs and on the CPU.
 */

/**
 * The class planes of x, each x's shape without the class axis. Unstacked from a [voxels, K] view: at rank 5 tfjs's
 * wasm Unpack (and its gradient) ran through a slow generic slice, a third of a 3D training step's time.
 */
function channels(x: tf.Tensor): tf.Tensor[] {
  const k = x.shape[x.rank - 1]!;
  const rest = x.shape.slice(0, -1);
  if (x.rank <= 2) return tf.unstack(x, x.rank - 1);
  return tf.unstack(tf.reshape(x, [-1, k]), 1).map((plane) => tf.reshape(plane, rest));
}

function reduceChannels(parts: tf.Tensor[], op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): tf.Tensor {
  return parts.reduce((acc, p) => op(acc, p));
}

/** Σ over the class axis, keeping it (size 1). */
export function sumClasses(x: tf.Tensor): tf.Tensor {
  return tf.expandDims(reduceChannels(channels(x), tf.add), -1);
}

/** Max over the class axis, keeping it (size 1). */
export function maxClasses(x: tf.Tensor): tf.Tensor {
  return tf.expandDims(reduceChannels(channels(x), tf.maximum), -1);
}

/** log softmax over classes: z − max − log Σ exp(z − max). */
export function logSoftmaxClasses(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    // The max only keeps exp() in range; its gradient cancels, so it needs no special treatment.
    const shifted = tf.sub(logits, maxClasses(logits));
    return tf.sub(shifted, tf.log(sumClasses(tf.exp(shifted))));
  });
}

export function softmaxClasses(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.exp(logSoftmaxClasses(logits)));
}
