import type { Scalar } from '@tensorflow/tfjs';
import type { TrainConfig } from '../config.ts';
import type { LossKit, UnlabeledViews } from './method.ts';

/**
 * The teacher–student consistency term the config's `consistency.kind` names: 'mse' between class probabilities
 * (Mean teachers are better role models, Tarvainen & Valpola, NeurIPS 2017: the consistency cost J),
 * optionally only where the teacher is confident (consistency.mseConfidence, loop/confidentMse.ts),
 * 'pseudo-ce' against the teacher's confident argmax, or 'pseudo-ce-dice', CE + Dice against its pseudo-labels
 * (Leveraging Textual Anatomical Knowledge for Class-Imbalanced Semi-Supervised Multi-Organ Segmentation, TAK, eq 4).
 */
export function consistencyLoss(kit: LossKit, u: UnlabeledViews, cfg: TrainConfig): Scalar {
  const { kind, threshold, mseConfidence } = cfg.consistency;
  if (kind === 'pseudo-ce-dice') return kit.hardPseudoCeDice(u.studentLogits, u.teacherProbs, threshold, cfg.supervised.diceIncludesBackground);
  if (kind === 'mse')
    return mseConfidence > 0 ? kit.confidentSoftmaxMse(u.studentLogits, u.teacherProbs, mseConfidence) : kit.softmaxMse(u.studentLogits, u.teacherProbs);
  return kit.pseudoLabelCrossEntropy(u.studentLogits, u.teacherProbs, threshold);
}

/**
 * L_semi of the text-guided methods: CE against the merged pseudo-label σ(y_u^t + y_u^text) (PromptSSL eq 13,
 * DuSSS eq 16) and against the text mask alone (eq 14 / 17); both on, their mean (eq 15 / 18). Without a text mask
 * attached (stage 1 not run) the run is a mean teacher.
 */
export function textSemiLoss(kit: LossKit, u: UnlabeledViews, cfg: TrainConfig): Scalar {
  const { textMask } = u;
  if (!textMask) return consistencyLoss(kit, u, cfg);
  const semi = kit.semiLoss({ ...u, textMask }, cfg);
  return cfg.text.merged && cfg.text.textTerm ? semi.total : cfg.text.merged ? semi.merged : cfg.text.textTerm ? semi.text : kit.zero();
}
