import type { TextHeadReport } from '../vlm/TextGuidance.ts';

export interface StepReport {
  step: number;
  lr: number;
  lambdaU: number;
  /** `consistency` is the unlabeled term: the mean teacher's, or L_semi when text guidance is on. */
  losses: { total: number; ce: number; dice: number; consistency: number };
  /** The text-guided decoder's own terms (promptssl, duss): its supervision, L_region, L_feat, L_tg. */
  text: TextHeadReport | null;
  /** TAK (3D): L_con of eq 2 and the λ_c it entered with (0 during its warm-up). */
  tak?: { con: number; lambdaC: number } | null;
  /** The method's extra terms (methods/method.ts ExtraTerm) by key: value and the weight it entered with. */
  extra?: Record<string, { value: number; weight: number }>;
  ms: number;
}

export interface ValidationReport {
  step: number;
  /** Dice per foreground class index 1..K−1 over the validation slices' labeled pixels (null when absent). */
  dice: (number | null)[];
  meanDice: number | null;
  slices: number;
}
