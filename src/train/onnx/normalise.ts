import type { OnnxNormalisation } from './sidecar.ts';

/**
 * The intensities as the imported network was trained to see them (the sidecar's normalisation), in place.
 * Per-image statistics are taken over the whole volume, not per window, as nnU-Net does: a window of air would
 * otherwise be stretched into tissue contrast.
 */
export function normaliseInPlace(x: Float32Array, n: OnnxNormalisation): void {
  switch (n.kind) {
    case 'none':
      return;
    case 'range': {
      const s = 1 / (n.max - n.min);
      for (let p = 0; p < x.length; p++) x[p] = (x[p]! - n.min) * s;
      return;
    }
    case 'zscore': {
      const [lo, hi] = n.clip ?? [-Infinity, Infinity];
      const s = 1 / n.std;
      for (let p = 0; p < x.length; p++) x[p] = (Math.min(hi, Math.max(lo, x[p]!)) - n.mean) * s;
      return;
    }
    case 'zscore-per-image':
      normaliseInPlace(x, imageZscore(x));
      return;
  }
}

/** The zscore of one whole image: its own mean and standard deviation (nnU-Net's ZScoreNormalization). */
export function imageZscore(x: ArrayLike<number>): OnnxNormalisation {
  let sum = 0;
  for (let p = 0; p < x.length; p++) sum += x[p]!;
  const mean = sum / Math.max(1, x.length);
  let sq = 0;
  for (let p = 0; p < x.length; p++) sq += (x[p]! - mean) ** 2;
  return { kind: 'zscore', mean, std: Math.max(1e-8, Math.sqrt(sq / Math.max(1, x.length))) };
}
