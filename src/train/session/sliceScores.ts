import type { SlicePrediction } from '../inference.ts';
import { uncertaintyBytes } from '../inference.ts';
import { yieldToMessages } from '../yieldToMessages.ts';
import type { PreparedRun } from './runPreparation.ts';
import { predictProbabilities } from './trainerOps.ts';

/** 2D slices scored per batch of work (Stop and other messages are answered between batches). */
const SCORE_CHUNK_SLICES = 8;

/** Mean total-variation distance between two networks' class distributions over a slice's pixels, in [0, 1]. */
export function disagreement(a: Float32Array, b: Float32Array, K: number): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]!);
  return d / 2 / (a.length / K);
}

/** Mean normalised entropy of a slice's class distributions, in [0, 1]: the score without a teacher. */
export function meanUncertainty(probs: Float32Array, K: number): number {
  const u = uncertaintyBytes(probs, K);
  return u.reduce((s, x) => s + x, 0) / u.length / 255;
}

/**
 * Per-slice disagreement between teacher and student of one volume; without a teacher, mean normalised entropy.
 * High = the model is unsure: label here next. Null when `ending` cut the scan short (half a scan is not shown).
 */
export async function scoreSlices(run: PreparedRun, volumeIndex: number, ending: () => boolean): Promise<Float32Array | null> {
  const t = run.trainer;
  const nk = run.volumes[volumeIndex]!.dims[2];
  const K = t.numClasses;
  const scores = new Float32Array(nk);
  // 2D scores a few slices at a time: every slice of a 512²×300 CT at once is over a GB of probabilities per
  // network, and Stop must not wait for the whole volume. (3D predicts slabs: one pass.)
  const threeD = t.kind === '3d';
  const chunk = threeD ? nk : SCORE_CHUNK_SLICES;
  const volume = run.trainingVolumes[volumeIndex]!;
  const predict = (ks: number[], which: 'predictor' | 'student'): Promise<SlicePrediction[]> =>
    predictProbabilities(t, volumeIndex, volume, ks, which, { batch: threeD ? 2 : 8, overlap2D: run.previewOverlap2D });
  for (let k0 = 0; k0 < nk; k0 += chunk) {
    const ks = Array.from({ length: Math.min(chunk, nk - k0) }, (_, n) => k0 + n);
    const main = await predict(ks, 'predictor');
    if (ending()) return null;
    if (t.teacher) {
      const student = await predict(ks, 'student');
      if (ending()) return null;
      main.forEach(({ k, probs }, n) => (scores[k] = disagreement(probs, student[n]!.probs, K)));
    } else {
      for (const { k, probs } of main) scores[k] = meanUncertainty(probs, K);
    }
    if (k0 + chunk < nk) await yieldToMessages();
    if (ending()) return null;
  }
  return scores;
}
