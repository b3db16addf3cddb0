import { Random } from '../../../data/random.ts';
import type { TrainingVolume } from '../../../data/trainingVolume.ts';

/*
 * A workspace a person could describe in words: every 32×32 slice shows a bright disc (class 1) and a dark bar
 * (class 2) at random places on mid-grey noise; half the volumes have the disc in the upper half and say so.
 * Region pairs show one structure each, so "round bright disc" and "thin dark bar" are learnable from pixels, and
 * the two descriptions are learnable from where the disc sits.
 */
export function describedWorkspace(seed: number): TrainingVolume[] {
  const rng = new Random(seed);
  const [ni, nj, nk] = [32, 32, 6];
  const out: TrainingVolume[] = [];
  for (let v = 0; v < 6; v++) {
    const upper = v % 2 === 0;
    const image = new Float32Array(ni * nj * nk);
    const labels = new Uint8Array(ni * nj * nk);
    const labeled = new Uint8Array(ni * nj * nk);
    for (let k = 0; k < nk; k++) {
      const ci = rng.range(8, 24);
      const cj = upper ? rng.range(6, 12) : rng.range(20, 26);
      const r = rng.range(3, 5);
      const bj = upper ? rng.int(20, 27) : rng.int(3, 10);
      const bi = rng.int(4, 14);
      for (let j = 0; j < nj; j++) {
        for (let i = 0; i < ni; i++) {
          const p = k * ni * nj + j * ni + i;
          let x = 0.3 * rng.normal();
          if ((i - ci) ** 2 + (j - cj) ** 2 <= r * r) {
            x += 2;
            labels[p] = 1;
          } else if (j >= bj && j < bj + 2 && i >= bi && i < bi + 14) {
            x -= 2;
            labels[p] = 2;
          }
          image[p] = x;
          if (k < 4) labeled[p] = 1;
        }
      }
    }
    out.push({ id: `v${v}`, dims: [ni, nj, nk], spacing: [1, 1, 1], channels: 1, image, labels, labeled });
  }
  return out;
}

export const CLASS_TEXTS = ['round bright disc', 'thin dark horizontal bar'];
export const DESCRIPTIONS = ['the disc lies in the upper half', 'the disc lies in the lower half'];
