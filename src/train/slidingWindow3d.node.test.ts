import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { gaussianTileWeights, tileStarts } from './inference.ts';
import { gaussianWindowWeights3D, predictVolumeArgmax, predictVolumeProbs, slidingWindow3D, type WindowRun3D } from './slidingWindow3d.ts';

type Triple = [number, number, number];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomVolume(dims: Triple, seed: number, channels: 1 | 3 = 1): TrainingVolume {
  const rng = new Random(seed);
  const n = dims[0] * dims[1] * dims[2];
  const image = new Float32Array(n * channels).map(() => rng.normal());
  return { id: 'v', dims, spacing: [1, 1, 1], channels, image, labels: new Uint8Array(n), labeled: new Uint8Array(n) };
}

interface Slab {
  k0: number;
  k1: number;
  maps: Float32Array[];
}

async function collect(v: TrainingVolume, size: Triple, batchSize: number, K: number, run: WindowRun3D, overlap?: number): Promise<Slab[]> {
  const slabs: Slab[] = [];
  const opts = { size, batchSize, numChannelsOut: K, ...(overlap === undefined ? {} : { overlap }) };
  expect(await slidingWindow3D(v, opts, run, (k0, k1, maps) => slabs.push({ k0, k1, maps }))).toBe(true);
  return slabs;
}

function expectSlabsCover(slabs: Slab[], v: TrainingVolume, K: number, maps: number): void {
  const [ni, nj, nk] = v.dims;
  let next = 0;
  for (const s of slabs) {
    expect(s.k0).toBe(next);
    expect(s.k1).toBeGreaterThan(s.k0);
    expect(s.maps).toHaveLength(maps);
    for (const m of s.maps) expect(m).toHaveLength((s.k1 - s.k0) * nj * ni * K);
    next = s.k1;
  }
  expect(next).toBe(nk);
}

describe('3D Gaussian window weights', () => {
  it('is the 2D tile weighting on a one-slice window, peaks at the centre, never vanishes', () => {
    const flat = gaussianWindowWeights3D(1, 12, 20);
    const tile = gaussianTileWeights(12, 20);
    for (let n = 0; n < tile.length; n++) expect(flat[n]).toBeCloseTo(tile[n]!, 6);
    const g = gaussianWindowWeights3D(9, 7, 11);
    expect(Math.max(...g)).toBe(g[(4 * 7 + 3) * 11 + 5]);
    expect(Math.min(...g)).toBeGreaterThan(0);
    // σ = side/8 per axis: along D of side 16 the centre is 7.5 and σ = 2, whatever the other sides are.
    const deep = gaussianWindowWeights3D(16, 3, 5);
    const at = (z: number): number => deep[(z * 3 + 1) * 5 + 2]!;
    expect(at(7)).toBeCloseTo(Math.exp(-0.5 * (0.5 / 2) ** 2), 6);
    expect(at(11)).toBeCloseTo(Math.exp(-0.5 * (3.5 / 2) ** 2), 6);
    // The far border is below the floor of 1e-3 and gets the floor.
    expect(at(0)).toBeCloseTo(1e-3, 7);
  });
});

describe('3D sliding-window inference', () => {
  it('reconstructs a pointwise map of a known volume exactly where windows overlap, every map, any shape', async () => {
    // Whatever windows cover a voxel, each sees the same value there, so the Gaussian blend must give back f(x).
    const run: WindowRun3D = (x) => [tf.concat([x, tf.mul(x, 2)], 4), tf.concat([tf.exp(x), tf.neg(x)], 4)];
    const cases: { dims: Triple; size: Triple; overlap?: number }[] = [
      { dims: [13, 11, 9], size: [4, 8, 8] },
      { dims: [5, 20, 3], size: [8, 8, 8] },
      { dims: [7, 7, 1], size: [4, 8, 8] },
      { dims: [17, 9, 21], size: [6, 4, 10], overlap: 0.25 },
      { dims: [16, 8, 12], size: [4, 8, 16], overlap: 0.75 },
    ];
    for (const [n, { dims, size, overlap }] of cases.entries()) {
      const v = randomVolume(dims, 20 + n);
      const slabs = await collect(v, size, 3, 2, run, overlap);
      expectSlabsCover(slabs, v, 2, 2);
      const [ni, nj] = dims;
      let worst = 0;
      for (const { k0, k1, maps } of slabs) {
        const [a, b] = maps as [Float32Array, Float32Array];
        for (let q = 0; q < (k1 - k0) * ni * nj; q++) {
          const x = v.image[k0 * ni * nj + q]!;
          worst = Math.max(
            worst,
            Math.abs(a[2 * q]! - x),
            Math.abs(a[2 * q + 1]! - 2 * x),
            Math.abs(b[2 * q]! - Math.exp(x)) / Math.exp(x),
            Math.abs(b[2 * q + 1]! + x),
          );
        }
      }
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('reads interleaved channels in place', async () => {
    const v = randomVolume([9, 6, 5], 30, 3);
    const run: WindowRun3D = (x) => {
      const [r, g, b] = tf.split(x, 3, 4);
      return [tf.concat([tf.add(r!, tf.mul(b!, 10)), g!], 4)];
    };
    const slabs = await collect(v, [4, 4, 4], 2, 2, run);
    expectSlabsCover(slabs, v, 2, 1);
    for (const { k0, k1, maps } of slabs) {
      for (let q = 0; q < (k1 - k0) * 54; q++) {
        const p = k0 * 54 + q;
        expect(Math.abs(maps[0]![2 * q]! - (v.image[3 * p]! + 10 * v.image[3 * p + 2]!))).toBeLessThan(1e-5);
        expect(Math.abs(maps[0]![2 * q + 1]! - v.image[3 * p + 1]!)).toBeLessThan(1e-5);
      }
    }
  });

  it('blends overlapping windows with the Gaussian weights (checked against a direct sum)', async () => {
    // Each window predicts one constant, the mean of what it sees (padding included): the result at a voxel is
    // then Σ g·mean / Σ g over the windows covering it, which a plain average would not match.
    const dims: Triple = [10, 7, 9];
    const size: Triple = [4, 4, 6];
    const [d, h, w] = size;
    const [ni, nj, nk] = dims;
    const v = randomVolume(dims, 31);
    const run: WindowRun3D = (x) => [tf.tile(tf.mean(x, [1, 2, 3, 4], true), [1, d, h, w, 1])];
    const out = (await predictVolumeProbs(v, { size, batchSize: 4, numChannelsOut: 1 }, run))![0]!;
    const g = gaussianWindowWeights3D(d, h, w);
    const num = new Float64Array(ni * nj * nk);
    const den = new Float64Array(ni * nj * nk);
    const plain = new Float64Array(ni * nj * nk);
    const count = new Float64Array(ni * nj * nk);
    const inside = (i: number, j: number, k: number): boolean => i >= 0 && j >= 0 && k >= 0 && i < ni && j < nj && k < nk;
    for (const z0 of tileStarts(nk, d, 0.5)) {
      for (const y0 of tileStarts(nj, h, 0.5)) {
        for (const x0 of tileStarts(ni, w, 0.5)) {
          let sum = 0;
          for (let z = 0; z < d; z++)
            for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inside(x0 + x, y0 + y, z0 + z)) sum += v.image[((z0 + z) * nj + y0 + y) * ni + x0 + x]!;
          const mean = sum / (d * h * w);
          for (let z = 0; z < d; z++) {
            for (let y = 0; y < h; y++) {
              for (let x = 0; x < w; x++) {
                if (!inside(x0 + x, y0 + y, z0 + z)) continue;
                const p = ((z0 + z) * nj + y0 + y) * ni + x0 + x;
                const wt = g[(z * h + y) * w + x]!;
                num[p]! += wt * mean;
                den[p]! += wt;
                plain[p]! += mean;
                count[p]! += 1;
              }
            }
          }
        }
      }
    }
    let worst = 0;
    let unweighted = 0;
    for (let p = 0; p < out.length; p++) {
      worst = Math.max(worst, Math.abs(out[p]! - num[p]! / den[p]!));
      unweighted = Math.max(unweighted, Math.abs(out[p]! - plain[p]! / count[p]!));
    }
    expect(worst).toBeLessThan(1e-5);
    expect(unweighted).toBeGreaterThan(1e-3);
  });

  it('calls the network with one fixed batch shape, padding the last batch with empty windows', async () => {
    const v = randomVolume([11, 9, 13], 32);
    const shapes: number[][] = [];
    const progress: [number, number][] = [];
    const run: WindowRun3D = (x) => {
      shapes.push(x.shape);
      return [tf.concat([x, x], 4)];
    };
    const size: Triple = [6, 4, 8];
    const total = tileStarts(13, 6, 0.5).length * tileStarts(9, 4, 0.5).length * tileStarts(11, 8, 0.5).length;
    expect(total % 5).not.toBe(0);
    await slidingWindow3D(v, { size, batchSize: 5, numChannelsOut: 2, onProgress: (done, all) => progress.push([done, all]) }, run, () => {});
    expect(shapes).toHaveLength(Math.ceil(total / 5));
    for (const s of shapes) expect(s).toEqual([5, 6, 4, 8, 1]);
    expect(progress.map(([, all]) => all)).toEqual(shapes.map(() => total));
    expect(progress.map(([done]) => done)).toEqual(shapes.map((_, n) => Math.min(total, 5 * (n + 1))));
  });

  it('streams: slabs are sent while windows further along k are still to run, each at most a window deep', async () => {
    const v = randomVolume([10, 10, 40], 33);
    const events: string[] = [];
    const slabs: Slab[] = [];
    const run: WindowRun3D = (x) => {
      events.push('run');
      return [tf.concat([x, x], 4)];
    };
    await slidingWindow3D(v, { size: [8, 8, 8], batchSize: 2, numChannelsOut: 2 }, run, (k0, k1, maps) => {
      events.push('sink');
      slabs.push({ k0, k1, maps });
    });
    expectSlabsCover(slabs, v, 2, 1);
    expect(slabs.length).toBeGreaterThanOrEqual(8);
    for (const s of slabs) expect(s.k1 - s.k0).toBeLessThanOrEqual(8);
    expect(events.indexOf('sink')).toBeLessThan(events.lastIndexOf('run'));
    expect(events.at(-1)).toBe('sink');
  });

  it('stops between batches when asked, leaks no tensors, and reports the stop', async () => {
    const v = randomVolume([12, 12, 30], 34);
    const run: WindowRun3D = (x) => [tf.concat([tf.sigmoid(x), tf.relu(x)], 4)];
    const before = tf.memory().numTensors;
    let calls = 0;
    const counting: WindowRun3D = (x) => {
      calls++;
      return run(x);
    };
    const sent: number[] = [];
    const finished = await slidingWindow3D(v, { size: [8, 8, 8], batchSize: 2, numChannelsOut: 2, shouldStop: () => calls >= 3 }, counting, (k0, k1) => {
      for (let k = k0; k < k1; k++) sent.push(k);
    });
    expect(finished).toBe(false);
    expect(calls).toBe(3);
    expect(sent.length).toBeLessThan(30);
    expect(tf.memory().numTensors).toBe(before);
    expect(await predictVolumeProbs(v, { size: [8, 8, 8], batchSize: 2, numChannelsOut: 2, shouldStop: () => true }, run)).toBeNull();
    expect(await predictVolumeArgmax(v, { size: [8, 8, 8], batchSize: 2, numChannelsOut: 2, shouldStop: () => true }, run)).toBeNull();
    await predictVolumeProbs(v, { size: [8, 8, 8], batchSize: 3, numChannelsOut: 2 }, run);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('collects whole-volume maps and class indices from the slabs', async () => {
    const v = randomVolume([14, 9, 11], 35);
    const [ni, nj, nk] = v.dims;
    // Logits (−x, x): class 1 exactly where the image is positive.
    const run: WindowRun3D = (x) => [tf.concat([tf.neg(x), x], 4)];
    const opts = { size: [4, 8, 8] as Triple, batchSize: 3, numChannelsOut: 2 };
    const probs = (await predictVolumeProbs(v, opts, run))!;
    expect(probs).toHaveLength(1);
    expect(probs[0]).toHaveLength(ni * nj * nk * 2);
    for (let p = 0; p < ni * nj * nk; p++) expect(Math.abs(probs[0]![2 * p + 1]! - v.image[p]!)).toBeLessThan(1e-5);
    const classes = (await predictVolumeArgmax(v, opts, run))!;
    expect(classes).toHaveLength(ni * nj * nk);
    let positives = 0;
    for (let p = 0; p < classes.length; p++) {
      expect(classes[p]).toBe(v.image[p]! > 0 ? 1 : 0);
      positives += classes[p]!;
    }
    expect(positives).toBeGreaterThan(0.3 * classes.length);
  });
});
