import type { SliceRef } from '../data/sampler.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { argmaxClasses, type SlicePrediction } from './inference.ts';

/**
 * Dice per foreground class over the labeled voxels of held-out slices, pooled over all of them (a structure
 * absent from both prediction and truth is null, not 1), and their mean. The 2D and the 3D trainer validate the same
 * way; only how a slice is predicted differs, so that is passed in.
 */
export async function heldOutSliceDice(
  volumes: readonly TrainingVolume[],
  slices: readonly SliceRef[],
  K: number,
  predict: (volumeIndex: number, ks: number[]) => Promise<SlicePrediction[]>,
): Promise<{ dice: (number | null)[]; meanDice: number | null; slices: number }> {
  const inter = new Float64Array(K);
  const sumP = new Float64Array(K);
  const sumG = new Float64Array(K);
  const byVolume = new Map<number, number[]>();
  for (const s of slices) byVolume.set(s.volume, [...(byVolume.get(s.volume) ?? []), s.k]);
  for (const [vi, ks] of byVolume) {
    const v = volumes[vi]!;
    const per = v.dims[0] * v.dims[1];
    for (const { k, probs } of await predict(vi, ks)) {
      const predicted = argmaxClasses(probs, K);
      for (let p = 0; p < per; p++) {
        if (!v.labeled[k * per + p]) continue;
        const best = predicted[p]!;
        const g = v.labels[k * per + p]!;
        sumP[best]!++;
        sumG[g]!++;
        if (best === g) inter[g]!++;
      }
    }
  }
  const dice: (number | null)[] = [];
  for (let c = 1; c < K; c++) dice.push(sumP[c]! + sumG[c]! > 0 ? (2 * inter[c]!) / (sumP[c]! + sumG[c]!) : null);
  const scored = dice.filter((d): d is number => d !== null);
  return { dice, meanDice: scored.length ? scored.reduce((a, b) => a + b, 0) / scored.length : null, slices: slices.length };
}
