import * as tf from '@tensorflow/tfjs';
import { customKernelsActive } from '../gpu/customKernels.ts';
import { fusedCeDice, fusedCeDiceUnsupported } from '../gpu/fusedCeDice.ts';
import { logSoftmaxClasses, maxClasses, softmaxClasses, sumClasses } from '../model/classAxis.ts';

/*
 * Losses of the teacher–student engine (docs/METHOD.md). Shapes: logits and one-hot targets [..., K] with the
 * class axis last; masks [..., 1] with 1 where a voxel carries ground truth. Labels are per slice, so every
 * supervised term averages over masked voxels only: an unlabeled slice never counts as background.
 */

/** Identity forward, zero gradient: the teacher's outputs are targets, never paths to its weights. */
export function stopGradient(x: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((input, save) => {
    (save as tf.GradSaveFunc)([]);
    return { value: tf.clone(input as tf.Tensor), gradFunc: (dy) => [tf.zerosLike(dy as tf.Tensor)] };
  });
  return op(x) as tf.Tensor;
}

/** Σ over all elements, as a scalar, guarded away from zero (an all-unlabeled batch contributes 0). */
function safeCount(mask: tf.Tensor): tf.Scalar {
  return tf.maximum(tf.sum(mask), 1) as tf.Scalar;
}

/**
 * L_sup, cross-entropy part (PromptSSL eq 12's L_sup = CE(y_l, y_gt); DuSSS eq 15): mean over labeled voxels of
 * −Σ_k g_k log softmax(z)_k.
 */
export function maskedCrossEntropy(logits: tf.Tensor, target: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const perVoxel = tf.neg(sumClasses(tf.mul(target, logSoftmaxClasses(logits))));
    return tf.div(tf.sum(tf.mul(perVoxel, mask)), safeCount(mask)) as tf.Scalar;
  });
}

export interface DiceOptions {
  /** Score the background class too (nnU-Net leaves it out: it dominates and is easy). */
  includeBackground: boolean;
  /** Smoothing so empty classes give a defined value. */
  eps: number;
}

/**
 * L_sup, soft Dice part (TAK's L_s = CE + Dice; METHOD: "supervised CE + Dice on labeled voxels only"):
 * 1 − mean_k (2 Σ m·p_k·g_k + ε) / (Σ m·(p_k + g_k) + ε), summed over the whole batch (batch Dice: stable for
 * small structures that are absent from some slices).
 */
export function maskedSoftDice(probs: tf.Tensor, target: tf.Tensor, mask: tf.Tensor, opts: DiceOptions = { includeBackground: false, eps: 1e-5 }): tf.Scalar {
  return tf.tidy(() => {
    const axes = Array.from({ length: probs.rank - 1 }, (_, n) => n);
    const inter = tf.sum(tf.mul(tf.mul(probs, target), mask), axes);
    const denom = tf.sum(tf.mul(tf.add(probs, target), mask), axes);
    let dice = tf.div(tf.add(tf.mul(inter, 2), opts.eps), tf.add(denom, opts.eps));
    if (!opts.includeBackground) dice = tf.slice(dice, [1], [-1]);
    return tf.sub(1, tf.mean(dice)) as tf.Scalar;
  });
}

/**
 * L_sup = CE + soft Dice on the same logits (PromptSSL eq 12, DuSSS eq 15; TAK's L_s, and L_u against hard
 * pseudo-labels): maskedCrossEntropy(logits, target, mask) and maskedSoftDice(softmax(logits), target, mask, opts).
 * With our WebGPU kernels active this is one fused softmax + CE + Dice kernel and its one-pass gradient
 * (src/gpu/fusedCeDice.ts); otherwise, or for a case that kernel does not take, the two functions above, which
 * stay the reference route.
 */
export function maskedCeDice(
  logits: tf.Tensor,
  target: tf.Tensor,
  mask: tf.Tensor,
  opts: DiceOptions = { includeBackground: false, eps: 1e-5 },
): { ce: tf.Scalar; dice: tf.Scalar } {
  if (customKernelsActive() && fusedCeDiceUnsupported(logits, target, mask) === null) return fusedCeDice(logits, target, mask, opts);
  return tf.tidy(() => ({ ce: maskedCrossEntropy(logits, target, mask), dice: maskedSoftDice(softmaxClasses(logits), target, mask, opts) }));
}

/**
 * Mean-teacher consistency (Tarvainen & Valpola 2017; the `mean-teacher` preset): mean squared difference
 * between student and teacher class probabilities, over voxels and classes. The teacher gets no gradient.
 */
export function softmaxMse(studentLogits: tf.Tensor, teacherProbs: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(softmaxClasses(studentLogits), stopGradient(teacherProbs)))) as tf.Scalar);
}

/**
 * Pseudo-label loss: cross-entropy of the student against the teacher's hard labels (TAK's L_u is CE + Dice
 * against pseudo-labels), restricted to voxels where the teacher is at least `threshold` confident.
 */
export function pseudoLabelCrossEntropy(studentLogits: tf.Tensor, teacherProbs: tf.Tensor, threshold = 0): tf.Scalar {
  return tf.tidy(() => {
    const t = stopGradient(teacherProbs);
    // One-hot of the argmax, elementwise (no argMax reduction, no int→float cast: WEBGPU.md trap 4).
    const top = maxClasses(t);
    const hard = tf.cast(tf.greaterEqual(t, top), 'float32');
    const confident = tf.cast(tf.greaterEqual(maxClasses(t), threshold), 'float32');
    return maskedCrossEntropy(studentLogits, hard, confident);
  });
}

/**
 * Sigmoid ramp-up exp(−5 (1 − t)²), t = step / length clipped to [0, 1] (Laine & Aila; METHOD: "ramp λ_u up with
 * the usual sigmoid ramp"). Length 0 means no ramp.
 */
export function sigmoidRampUp(step: number, length: number): number {
  if (length <= 0) return 1;
  const t = Math.min(1, Math.max(0, step / length));
  return Math.exp(-5 * (1 - t) * (1 - t));
}

/** The teacher's one-hot argmax, elementwise (no argMax, no int→float cast: WEBGPU.md trap 4), with its max. */
function hardLabels(teacherProbs: tf.Tensor): { hard: tf.Tensor; top: tf.Tensor } {
  const t = stopGradient(teacherProbs);
  const top = maxClasses(t);
  return { hard: tf.cast(tf.greaterEqual(t, top), 'float32'), top };
}

/**
 * L_u of Leveraging Textual Anatomical Knowledge for Class-Imbalanced Semi-Supervised Multi-Organ Segmentation
 * (TAK, eq 4) = ℓ_ce + ℓ_dc of the student against the teacher's one-hot argmax ŷ. With no confidence threshold
 * both terms count every voxel, so they share one mask and go through maskedCeDice (fused on WebGPU); with one,
 * CE counts only the confident voxels while Dice still counts all, so the two are computed apart.
 */
export function hardPseudoCeDice(studentLogits: tf.Tensor, teacherProbs: tf.Tensor, threshold: number, includeBackground: boolean): tf.Scalar {
  // max_k p_k ≥ 0 always, so threshold ≤ 0 makes pseudoLabelCrossEntropy's confidence mask all ones.
  if (threshold > 0)
    return tf.add(pseudoLabelCrossEntropy(studentLogits, teacherProbs, threshold), hardPseudoDice(studentLogits, teacherProbs, includeBackground)) as tf.Scalar;
  return tf.tidy(() => {
    const { hard, top } = hardLabels(teacherProbs);
    const { ce, dice } = maskedCeDice(studentLogits, hard, tf.onesLike(top), { includeBackground, eps: 1e-5 });
    return tf.add(ce, dice) as tf.Scalar;
  });
}

/** Soft Dice of the student against the teacher's one-hot argmax (TAK eq 4's ℓ_dc(p^u, ŷ)), every voxel counted. */
function hardPseudoDice(studentLogits: tf.Tensor, teacherProbs: tf.Tensor, includeBackground: boolean): tf.Scalar {
  return tf.tidy(() => {
    const { hard, top } = hardLabels(teacherProbs);
    return maskedSoftDice(softmaxClasses(studentLogits), hard, tf.onesLike(top), { includeBackground, eps: 1e-5 });
  });
}
