import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config.ts';
import { maskedCeDice } from '../losses.ts';
import type { MixedBatch } from '../methods/method.ts';

/** The loss of a mixed batch and its reported parts. */
export interface MixedLoss {
  total: tf.Scalar;
  /** CE and Dice against ground truth, over the voxels that came from labeled samples. */
  ce: tf.Scalar;
  dice: tf.Scalar;
  /** CE + Dice against the pseudo-labels (each with L_sup's weight), before λ; 0 without unlabeled samples. */
  pseudo: tf.Scalar;
}

/**
 * The student's loss on a mixed batch (BCP, Bai et al., CVPR 2023, Sec. 3.2: L^in + L^out with L_seg = CE + Dice):
 * CE + Dice against ground truth where the voxels came from labeled samples, plus λ times CE + Dice against the
 * teacher's pseudo-labels where they came from unlabeled ones. Both mixed images of a pair are pooled into one masked
 * mean per kind of voxel (a batch Dice, as L_sup is everywhere in this engine), not one mean per image.
 */
export function mixedLoss(logits: tf.Tensor, mixed: MixedBatch, lambda: number, sup: TrainConfig['supervised']): MixedLoss {
  const opts = { includeBackground: sup.diceIncludesBackground, eps: 1e-5 };
  const weighted = (ce: tf.Scalar, dice: tf.Scalar): tf.Scalar => tf.add(tf.mul(ce, sup.ceWeight), tf.mul(dice, sup.diceWeight)) as tf.Scalar;
  const { ce, dice } = maskedCeDice(logits, mixed.truth.y, mixed.truth.m, opts);
  let total = weighted(ce, dice);
  let pseudo: tf.Scalar = tf.scalar(0);
  if (mixed.pseudo) {
    const p = maskedCeDice(logits, mixed.pseudo.y, mixed.pseudo.m, opts);
    pseudo = weighted(p.ce, p.dice);
    total = tf.add(total, tf.mul(pseudo, lambda)) as tf.Scalar;
  }
  return { total, ce, dice, pseudo };
}
