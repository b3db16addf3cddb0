import type { TrainingMethod } from '../method.ts';

/**
 * A method that exists only for the registry's test: a mean teacher whose unlabeled term is the pseudo-label CE at
 * a 0.5 confidence threshold, with a made-up extra term (the mean teacher's squared difference on the unlabeled
 * views) weighted 0.25 from step 1. It proves that a new method is one file like this plus one registry line.
 */
export const toyMethod = {
  name: 'toy' as const,
  label: 'Toy (test only)',
  summary: 'A registry test method.',
  network: null,
  text: 'none',
  switches: { ema: { enabled: true }, consistency: { kind: 'pseudo-ce', threshold: 0.5 } },
  unlabeledLoss: (kit, u, cfg) => kit.pseudoLabelCrossEntropy(u.studentLogits, u.teacherProbs, cfg.consistency.threshold),
  extraTerms: () => [
    { key: 'toy', weight: (step) => (step >= 1 ? 0.25 : 0), loss: (kit, _cfg, u) => (u ? kit.softmaxMse(u.studentLogits, u.teacherProbs) : kit.zero()) },
  ],
} satisfies TrainingMethod;
