import { PROMPTSSL_TEXT } from '../vlm/textGuidanceConfig.ts';
import { textSemiLoss } from './consistency.ts';
import type { TrainingMethod } from './method.ts';

/**
 * PromptSSL: GLsc vision–language pre-training (eq 1–7), a softmax prompt-guided mask (eq 8), and
 * L = L_sup + λ_u(t)·L_semi (eq 12–15); the mask's decoder adds λ_i L_region + λ_f L_feat (eq 9–10) in its own step.
 */
export const promptssl = {
  name: 'promptssl' as const,
  label: 'PromptSSL (mean teacher + prompt-guided mask)',
  summary: 'A mean teacher whose pseudo-labels are merged with a mask drawn from each class prompt (softmax).',
  network: '2d',
  networkReason: 'PromptSSL trains the 2D network: its prompt-guided mask comes from a vision transformer over slices.',
  text: 'vision-language',
  switches: { ema: { enabled: true }, text: { ...PROMPTSSL_TEXT, enabled: true }, vlm: { objective: 'glsc' } },
  unlabeledLoss: textSemiLoss,
} satisfies TrainingMethod;
