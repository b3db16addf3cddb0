import { consistencyLoss } from './consistency.ts';
import type { TrainingMethod } from './method.ts';

/**
 * The mean teacher (Mean teachers are better role models, Tarvainen & Valpola, NeurIPS 2017): L_sup + λ_u(t) ·
 * consistency between the student on a perturbed view and the EMA teacher (DuSSS eq 13) on the plain one.
 */
export const meanTeacher = {
  name: 'mean-teacher' as const,
  label: 'Mean teacher (labeled + unlabeled)',
  summary: 'Learns from the labeled slices and from agreeing with its own averaged copy on unlabeled ones.',
  network: null,
  text: 'none',
  switches: { ema: { enabled: true } },
  unlabeledLoss: consistencyLoss,
} satisfies TrainingMethod;
