import * as tf from '@tensorflow/tfjs';
import { customKernelsActive } from '../gpu/customKernels.ts';
import { emaUpdateOnGPU } from '../gpu/emaUpdate.ts';
import type { Params } from '../model/params.ts';

/**
 * The decay actually used at `step` (0-based count of updates already made): min(1 − 1/(step + 1), α), so the
 * early teacher is a true average of the student's first weights rather than stuck near its initialisation
 * (docs/METHOD.md).
 */
export function emaDecay(step: number, alpha: number): number {
  return Math.min(1 - 1 / (step + 1), alpha);
}

/**
 * θ_t ← a·θ_t + (1 − a)·θ_s after each optimiser step (DuSSS eq 13), a = emaDecay(step, α). With our WebGPU kernels
 * on, one fused dispatch over all weights packed together (src/gpu/emaUpdate.ts) instead of three tfjs ops per tensor; both
 * write new buffers and re-point the teacher's variables (a teacher may share buffers with the student).
 */
export function emaUpdate(teacher: Params, student: Params, step: number, alpha: number): void {
  const a = emaDecay(step, alpha);
  if (customKernelsActive()) {
    const names = student.names();
    emaUpdateOnGPU(
      names.map((name) => teacher.get(name)),
      names.map((name) => student.get(name)),
      a,
    );
    return;
  }
  tf.tidy(() => {
    for (const name of student.names()) {
      const t = teacher.get(name);
      t.assign(tf.add(tf.mul(t, a), tf.mul(student.get(name), 1 - a)));
    }
  });
}
