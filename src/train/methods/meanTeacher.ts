import { STRONG_AUGMENT } from '../../data/strongAugment2d.ts';
import { consistencyLoss } from './consistency.ts';
import type { TrainingMethod } from './method.ts';

/**
 * The mean teacher (Mean teachers are better role models, Tarvainen & Valpola, NeurIPS 2017): L_sup + λ_u(t) ·
 * consistency between the student on a perturbed view and the EMA teacher (DuSSS eq 13) on the plain one.
 *
 * One default differs from the 2017 paper because the three-seed held-out benchmark supported it
 * (docs/semi-supervision-audit.md, "Three seeds"): the student's unlabeled view is strongly augmented (contrast,
 * gamma, blur, cutout: weak-to-strong consistency as in FixMatch and UniMatch), so agreeing with the teacher is not
 * trivially met. It applies to the 2D network; the 3D network has no strong view yet.
 */
export const meanTeacher = {
  name: 'mean-teacher' as const,
  label: 'Mean teacher (labeled + unlabeled)',
  summary: 'Learns from the labeled slices and from agreeing with its own averaged copy on unlabeled ones.',
  network: null,
  text: 'none',
  switches: { ema: { enabled: true }, strongAugment: STRONG_AUGMENT },
  unlabeledLoss: consistencyLoss,
} satisfies TrainingMethod;
