import type { TrainConfig } from '../config.ts';

/*
 * The step-dependent settings of the teacher–student loop that are not the learning rate (adam.ts): how long λ_u
 * ramps up and which EMA decay the teacher uses. Pure functions of the step and the config.
 */

/**
 * Steps over which λ_u(t) ramps up (losses.ts sigmoidRampUp): consistency.rampUpFraction of the run when that share
 * is set and the run's length is known, else consistency.rampUpSteps. The reference mean teacher (SSL4MIS) ramps
 * over its whole run, so a fixed 300 steps is most of a 300-step run but a fifth of a 1500-step one.
 */
export function consistencyRampLength(cfg: Pick<TrainConfig, 'consistency' | 'optimiser'>): number {
  const fraction = cfg.consistency.rampUpFraction ?? 0;
  const total = cfg.optimiser.totalSteps;
  return fraction > 0 && total > 0 ? Math.max(1, Math.round(fraction * total)) : cfg.consistency.rampUpSteps;
}

/**
 * α at `step`: with ema.alphaRampSteps > 0 it rises linearly from ema.alphaStart to ema.alpha, so the teacher follows
 * the quickly changing early student closely and averages over more steps once it settles; else ema.alpha. ema.ts
 * still caps the decay by 1 − 1/(step + 1) in the first steps.
 */
export function emaAlphaAt(step: number, ema: TrainConfig['ema']): number {
  const ramp = ema.alphaRampSteps ?? 0;
  if (!(ramp > 0)) return ema.alpha;
  const t = Math.min(1, Math.max(0, step / ramp));
  return ema.alphaStart + (ema.alpha - ema.alphaStart) * t;
}
