import { DUSS_TEXT } from '../vlm/textGuidanceConfig.ts';
import { textSemiLoss } from './consistency.ts';
import type { TrainingMethod } from './method.ts';

/**
 * DuSSS: vision–language pre-training by semantic similarity in CMC and IMC (eq 1–9), a sigmoid text-guided mask
 * (eq 10–11), and L = L_sup + λ_u(t)·L_semi (eq 15–18); the mask's decoder adds L_tg (eq 12) in its own step.
 */
export const duss = {
  name: 'duss' as const,
  label: 'DuSSS (mean teacher + text-guided mask)',
  summary: 'A mean teacher whose pseudo-labels are merged with a mask drawn from each class text (sigmoid).',
  network: '2d',
  networkReason: 'DuSSS trains the 2D network: its text-guided mask comes from a vision transformer over slices.',
  text: 'vision-language',
  switches: { ema: { enabled: true }, text: { ...DUSS_TEXT, enabled: true }, vlm: { objective: 'dusss' } },
  unlabeledLoss: textSemiLoss,
} satisfies TrainingMethod;
