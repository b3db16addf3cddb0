import type { TrainConfig } from '../config.ts';
import type { MixedBatch, MixKit, MixSource, TrainingMethod } from './method.ts';

/*
 * Bidirectional Copy-Paste (BCP; Bai, Chen, Li, Shen & Wang, "Bidirectional Copy-Paste for Semi-Supervised Medical
 * Image Segmentation", CVPR 2023), symbols of its Sec. 3.2. A mean teacher whose student never sees a labeled or an
 * unlabeled sample alone: a box of one is pasted into the other, both ways, and the labels are pasted the same way
 * from the ground truth and the teacher's pseudo-labels. docs/METHOD.md "BCP" says what we chose where the paper
 * leaves it open.
 */

/**
 * The student's inputs and targets for one step. M is 1 outside a box of β of each side and 0 inside (one box per
 * pair). With n pairs (labeled i, unlabeled i), the second direction takes the next pair, so the two mixed images of
 * a step are built from four different samples as in the paper (X^l_i, X^l_j, X^u_p, X^u_q) whenever n ≥ 2:
 *   X^in  = X^l ⊙ M + X^u ⊙ (1 − M)           Y^in  = Y^l ⊙ M + Ŷ^u ⊙ (1 − M)
 *   X^out = X^u' ⊙ M + X^l' ⊙ (1 − M)         Y^out = Ŷ^u' ⊙ M + Y^l' ⊙ (1 − M)
 * Ŷ^u is the teacher's hard pseudo-label on the unlabeled sample. The ground-truth part of each target is also
 * restricted to the labeled voxels (a slice's mask), and only the unlabeled part is weighted by α (the mixer's
 * pseudoWeight): L^in = L_seg ⊙ M + α L_seg ⊙ (1 − M), L^out = L_seg ⊙ (1 − M) + α L_seg ⊙ M.
 * Without unlabeled samples (the pre-training of Sec. 3.3, or a workspace with none) labeled samples are pasted into
 * each other and every voxel is ground truth.
 */
export function bcpMix(kit: MixKit, src: MixSource, cfg: TrainConfig): MixedBatch {
  const { labeled: l, unlabeled: u } = src;
  const beta = cfg.bcp.boxRatio;
  if (!u) {
    const M = kit.boxMask(l.x, beta);
    return {
      x: kit.paste(l.x, kit.roll(l.x), M),
      truth: { y: kit.paste(l.y, kit.roll(l.y), M), m: kit.paste(l.m, kit.roll(l.m), M) },
      pseudo: null,
    };
  }
  const n = Math.min(l.x.shape[0]!, u.x.shape[0]!);
  const xl = kit.take(l.x, n);
  const yl = kit.take(l.y, n);
  const ml = kit.take(l.m, n);
  const xu = kit.take(u.x, n);
  // The unlabeled samples' only labels: the teacher's argmax (their ground truth never reaches this function).
  const yu = kit.hardLabels(kit.take(u.teacherProbs, n));
  const M = kit.boxMask(xl, beta);
  const notM = kit.complement(M);
  const xIn = kit.paste(xl, xu, M);
  const xOut = kit.paste(kit.roll(xu), kit.roll(xl), M);
  return {
    x: kit.concat([xIn, xOut]),
    truth: { y: kit.concat([yl, kit.roll(yl)]), m: kit.concat([kit.mul(ml, M), kit.mul(kit.roll(ml), notM)]) },
    pseudo: { y: kit.concat([yu, kit.roll(yu)]), m: kit.concat([notM, M]) },
  };
}

export const bcp = {
  name: 'bcp' as const,
  label: 'BCP (bidirectional copy-paste)',
  summary: 'A mean teacher that pastes boxes of labeled and unlabeled slices into each other and learns from the pasted labels and pseudo-labels.',
  network: null,
  text: 'none',
  switches: { ema: { enabled: true } },
  // Never called: the mixer's loss replaces both L_sup on the plain batch and the unlabeled term.
  unlabeledLoss: (kit) => kit.zero(),
  mixer: {
    // Sec. 3.3: the student first learns from labeled samples pasted into each other; the teacher starts from it.
    warmupSteps: (cfg) => cfg.bcp.pretrainSteps,
    pseudoWeight: (_step, cfg) => cfg.bcp.alpha,
    mix: bcpMix,
  },
} satisfies TrainingMethod;
