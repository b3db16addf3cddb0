import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { Vec3 } from '../volume/geometry.ts';
import { binaryMetrics, distanceTransform, labelMetrics, meanMetrics, percentile, surface } from './metrics.ts';

function volumeWith(dims: Vec3, voxels: Vec3[]): Uint8Array {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (const [i, j, k] of voxels) m[i + dims[0] * (j + dims[1] * k)] = 1;
  return m;
}

/** Independent reference: every surface voxel against every other, O(n·m). */
function bruteDistances(from: Uint8Array, to: Uint8Array, dims: Vec3, spacing: Vec3): number[] {
  const coords = (m: Uint8Array): Vec3[] => {
    const out: Vec3[] = [];
    for (let n = 0; n < m.length; n++) if (m[n]) out.push([n % dims[0], Math.floor(n / dims[0]) % dims[1], Math.floor(n / (dims[0] * dims[1]))]);
    return out;
  };
  const b = coords(to);
  return coords(from).map((a) => Math.min(...b.map((c) => Math.hypot((a[0] - c[0]) * spacing[0], (a[1] - c[1]) * spacing[1], (a[2] - c[2]) * spacing[2]))));
}

describe('distances in millimetres', () => {
  it('two single voxels 3-4-5 apart', () => {
    const dims: Vec3 = [8, 8, 3];
    const m = binaryMetrics(volumeWith(dims, [[0, 0, 1]]), volumeWith(dims, [[3, 4, 1]]), dims, [1, 1, 1])!;
    expect(m.dice).toBe(0);
    expect(m.hd95).toBeCloseTo(5, 10);
    expect(m.asd).toBeCloseTo(5, 10);
  });

  it('honours anisotropic spacing (2.5 mm slices)', () => {
    const dims: Vec3 = [4, 4, 6];
    const m = binaryMetrics(volumeWith(dims, [[1, 1, 0]]), volumeWith(dims, [[1, 1, 2]]), dims, [0.7, 0.7, 2.5])!;
    expect(m.hd95).toBeCloseTo(5, 10);
  });

  it('identical masks score Dice 1 and zero distance', () => {
    const dims: Vec3 = [10, 9, 4];
    const mask = volumeWith(dims, [
      [2, 2, 1],
      [3, 2, 1],
      [3, 3, 1],
      [3, 3, 2],
    ]);
    expect(binaryMetrics(mask, mask, dims, [1, 2, 3])).toEqual({ dice: 1, iou: 1, hd95: 0, asd: 0 });
  });

  it('matches a brute-force reference on random blobs, including 2D', () => {
    for (const [seed, dims, spacing] of [
      [1, [14, 11, 7], [0.8, 1.1, 2.0]],
      [2, [20, 17, 1], [0.5, 0.5, 1]],
      [3, [9, 9, 9], [1, 1, 1]],
    ] as [number, Vec3, Vec3][]) {
      const rng = new Random(seed);
      const blob = (): Uint8Array => {
        const c: Vec3 = [rng.range(2, dims[0] - 2), rng.range(2, dims[1] - 2), rng.range(0, dims[2])];
        const r = rng.range(2, 5);
        const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
        for (let k = 0; k < dims[2]; k++)
          for (let j = 0; j < dims[1]; j++)
            for (let i = 0; i < dims[0]; i++) {
              if (Math.hypot(i - c[0], (j - c[1]) * 1.3, (k - c[2]) * 0.8) < r + rng.range(-0.5, 0.5)) m[i + dims[0] * (j + dims[1] * k)] = 1;
            }
        return m;
      };
      const a = blob();
      const b = blob();
      const sa = surface(a, dims);
      const sb = surface(b, dims);
      const ab = bruteDistances(sa, sb, dims, spacing);
      const ba = bruteDistances(sb, sa, dims, spacing);
      const m = binaryMetrics(a, b, dims, spacing)!;
      expect(m.asd).toBeCloseTo(ab.reduce((x, y) => x + y, 0) / ab.length, 9);
      expect(m.hd95).toBeCloseTo(percentile(Float64Array.from([...ab, ...ba]), 95), 9);
      // And the transform itself, at every voxel, for one of them.
      const dt = distanceTransform(sb, dims, spacing);
      const all = new Uint8Array(a.length).fill(1);
      const brute = bruteDistances(all, sb, dims, spacing);
      let maxErr = 0;
      for (let n = 0; n < dt.length; n++) maxErr = Math.max(maxErr, Math.abs(dt[n]! - brute[n]!));
      expect(maxErr).toBeLessThan(1e-9);
    }
  });

  it('percentile interpolates like numpy', () => {
    expect(percentile(Float64Array.from([1, 2, 3, 4]), 95)).toBeCloseTo(3.85, 12);
    expect(percentile(Float64Array.from([5]), 95)).toBe(5);
  });
});

describe('per-class metrics and means', () => {
  it('skips classes absent from both, and scores a missed class at worst distance', () => {
    const dims: Vec3 = [6, 6, 2];
    const truth = new Uint8Array(72);
    const pred = new Uint8Array(72);
    truth[7] = 1;
    pred[7] = 1;
    truth[20] = 2; // class 2 only in the truth
    const byClass = labelMetrics(pred, truth, dims, [1, 1, 1], [1, 2, 3]);
    expect(byClass[1]).toEqual({ dice: 1, iou: 1, hd95: 0, asd: 0 });
    expect(byClass[2]!.dice).toBe(0);
    expect(byClass[2]!.hd95).toBeCloseTo(Math.hypot(6, 6, 2), 10);
    expect(byClass[3]).toBeNull();
    const mean = meanMetrics(byClass)!;
    expect(mean.dice).toBe(0.5);
  });

  it('gives Dice and IoU of overlapping squares exactly', () => {
    const dims: Vec3 = [10, 10, 1];
    const a = new Uint8Array(100);
    const b = new Uint8Array(100);
    for (let j = 0; j < 4; j++)
      for (let i = 0; i < 4; i++) {
        a[i + 10 * j] = 1;
        b[i + 2 + 10 * j] = 1;
      }
    const m = binaryMetrics(a, b, dims, [1, 1, 1])!;
    expect(m.dice).toBeCloseTo(0.5, 12);
    expect(m.iou).toBeCloseTo(8 / 24, 12);
  });
});
