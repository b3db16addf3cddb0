import type { Vec3 } from '../../volume/geometry.ts';
import type { DemoVolume } from '../generateDemo.ts';

/* Statistics the demo dataset's tests measure it by. */

export function meanAndSd(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, sd: Math.sqrt(variance) };
}

/**
 * Voxels whose six neighbours share their tissue: the inside of a structure, free of partial-volume blending.
 * Their intensities are what a model sees as "this tissue".
 */
export function coreValues(d: DemoVolume): number[][] {
  const [ni, nj, nk] = d.volume.geometry.dims;
  const t = d.tissue;
  const x = d.volume.voxels;
  const out: number[][] = Array.from({ length: 8 }, () => []);
  for (let k = 1; k < nk - 1; k++) {
    for (let j = 1; j < nj - 1; j++) {
      for (let i = 1; i < ni - 1; i++) {
        const n = i + ni * (j + nj * k);
        const c = t[n]!;
        if (t[n - 1] !== c || t[n + 1] !== c || t[n - ni] !== c || t[n + ni] !== c || t[n - ni * nj] !== c || t[n + ni * nj] !== c) continue;
        out[c]!.push(x[n]!);
      }
    }
  }
  return out;
}

/** Centroid of the voxels where `pick` holds, in voxel indices. */
export function centroid(truth: Uint8Array, dims: Vec3, pick: (c: number) => boolean): Vec3 {
  const [ni, nj] = dims;
  const s = [0, 0, 0];
  let count = 0;
  for (let n = 0; n < truth.length; n++) {
    if (!pick(truth[n]!)) continue;
    s[0]! += n % ni;
    s[1]! += Math.floor(n / ni) % nj;
    s[2]! += Math.floor(n / (ni * nj));
    count++;
  }
  return [s[0]! / count, s[1]! / count, s[2]! / count];
}
