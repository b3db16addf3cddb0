import { consistencyLoss } from './consistency.ts';
import type { ExtraTerm, TrainingMethod } from './method.ts';

/**
 * λ_c · L_con (TAK eq 2, eq 5): the student's encoder features pulled towards their class's position and shape
 * prompts, averaged over the aligned stages; it joins after a warm-up (TAK: from the 20th epoch).
 */
const contrastiveAlignment: ExtraTerm = {
  key: 'con',
  weight: (step, cfg) => (cfg.tak.conWeight > 0 && step >= cfg.tak.conWarmupSteps ? cfg.tak.conWeight : 0),
  loss: (kit, cfg) => kit.mean(cfg.tak.conStages.map((s) => kit.alignStage(s))),
};

/**
 * TAK (Leveraging Textual Anatomical Knowledge for Class-Imbalanced Semi-Supervised Multi-Organ Segmentation, Gu et
 * al.): a V-Net mean teacher whose classes are drawn by a head the class prompts generate, with
 * L = L_s + λ_u L_u + λ_c L_con (eq 5), L_u = CE + Dice against the teacher's pseudo-labels (eq 4).
 */
export const tak = {
  name: 'tak' as const,
  label: 'TAK (3D V-Net guided by class descriptions)',
  summary: 'A 3D mean teacher whose classes are drawn by a head built from each class description.',
  network: '3d',
  networkReason: 'TAK trains the 3D network: the part that draws each class from its description reads the V-Net’s features of whole blocks of the volume.',
  text: 'class-prompts',
  switches: { model: { kind: '3d' }, ema: { enabled: true }, consistency: { kind: 'pseudo-ce-dice', threshold: 0 }, tak: { enabled: true } },
  unlabeledLoss: consistencyLoss,
  extraTerms: (cfg) => (cfg.tak.enabled ? [contrastiveAlignment] : []),
} satisfies TrainingMethod;
