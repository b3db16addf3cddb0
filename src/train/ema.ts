import * as tf from '@tensorflow/tfjs';
import type { Params } from '../model/params.ts';

/**
 * The decay actually used at `step` (0-based count of updates already made): min(1 − 1/(step + 1), α), so the
 * early teacher is a true average of the student's first weights rather than stuck near its initialisation
 * (docs/METHOD.md).
 */
export function emaDecay(step: number, alpha: number): number {
  return Math.min(1 - 1 / (step + 1), alpha);
}

/** θ_t ← a·θ_t + (1 − a)·θ_s after each optimiser step (DuSSS eq 13), a = emaDecay(step, α). */
export function emaUpdate(teacher: Params, student: Params, step: number, alpha: number): void {
  const a = emaDecay(step, alpha);
  tf.tidy(() => {
    for (const name of student.names()) {
      const t = teacher.get(name);
      t.assign(tf.add(tf.mul(t, a), tf.mul(student.get(name), 1 - a)));
    }
  });
}
