import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config.ts';
import { hardPseudoCeDice, pseudoLabelCrossEntropy, softmaxMse } from '../losses.ts';
import type { LossKit, UnlabeledViews } from '../methods/method.ts';
import { confidentSoftmaxMse } from './confidentMse.ts';
import { semiLoss } from '../vlm/textMaskLosses.ts';

/**
 * The tensor functions a method's losses are written against (methods/method.ts), bound to tfjs. `alignStage` is
 * the network's: only a 3D run with TAK's class prompts can align its encoder features with them.
 */
export function lossKit(alignStage: ((stage: number) => tf.Scalar) | null): LossKit {
  return {
    zero: () => tf.scalar(0),
    mean: (terms) => tf.div(tf.addN(terms), terms.length) as tf.Scalar,
    softmaxMse,
    confidentSoftmaxMse,
    pseudoLabelCrossEntropy,
    hardPseudoCeDice,
    semiLoss: (u: UnlabeledViews & { textMask: tf.Tensor }, cfg: TrainConfig) => {
      // Every pixel of an unlabeled slice counts; σ is softmax for PromptSSL's mask, sigmoid for DuSSS's.
      const ones = tf.ones<tf.Rank>([...u.studentLogits.shape.slice(0, -1), 1]) as tf.Tensor4D;
      const target = cfg.text.form === 'softmax' && cfg.text.target === 'binary' ? 'normalize' : cfg.text.target;
      return semiLoss(u.studentLogits as tf.Tensor4D, u.teacherLogits as tf.Tensor4D, u.textMask as tf.Tensor4D, ones, { merge: cfg.text.form, target });
    },
    alignStage:
      alignStage ??
      (() => {
        throw new Error('contrastive alignment needs a 3D run with its class prompts attached (preset tak)');
      }),
  };
}
