import { consistencyLoss } from './consistency.ts';
import type { TrainingMethod } from './method.ts';

/**
 * L_sup alone, CE + soft Dice on labeled voxels (PromptSSL eq 12, DuSSS eq 15, TAK eq 3). No teacher: predictions
 * come from the student. Its unlabeled term is the mean teacher's, switched off by λ_u = 0, so `--set
 * consistency.weight=…` turns it back into a mean teacher (with ema.enabled=true) rather than into nothing.
 */
export const supervised = {
  name: 'supervised' as const,
  label: 'Supervised (labeled slices only)',
  summary: 'Learns from the labeled slices only.',
  network: null,
  text: 'none',
  switches: { consistency: { weight: 0 }, ema: { enabled: false }, batchUnlabeled: 0 },
  unlabeledLoss: consistencyLoss,
} satisfies TrainingMethod;
