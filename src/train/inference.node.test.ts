import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { createResUNet2D } from '../model/resunet2d.ts';
import { argmaxClasses, gaussianTileWeights, predictSlices, predictWindows, tileStarts } from './inference.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function volume(ni: number, nj: number, fill: (i: number, j: number) => number): TrainingVolume {
  const image = new Float32Array(ni * nj);
  for (let j = 0; j < nj; j++) for (let i = 0; i < ni; i++) image[j * ni + i] = fill(i, j);
  return { id: 'v', dims: [ni, nj, 1], spacing: [1, 1, 1], channels: 1, image, labels: new Uint8Array(ni * nj), labeled: new Uint8Array(ni * nj) };
}

describe('tiled inference of large slices', () => {
  it('places tiles from edge to edge, at most a stride apart', () => {
    expect(tileStarts(64, 64, 0.5)).toEqual([0]);
    expect(tileStarts(40, 64, 0.5)).toEqual([-12]);
    const s = tileStarts(1000, 256, 0.5);
    expect(s[0]).toBe(0);
    expect(s.at(-1)).toBe(1000 - 256);
    for (let n = 1; n < s.length; n++) expect(s[n]! - s[n - 1]!).toBeLessThanOrEqual(128);
  });

  it('weights tile centres most, borders least, never zero', () => {
    const g = gaussianTileWeights(16, 16);
    expect(g[8 * 16 + 8]).toBeGreaterThan(g[0]!);
    expect(Math.min(...g)).toBeGreaterThan(0);
  });

  it('labels a slice the same whatever canvas or workspace surrounds it: windows are the training patch', async () => {
    const model = { inChannels: 1, numClasses: 3, width: 4, depth: 2 };
    const net = createResUNet2D(model, new Random(4));
    const rng = new Random(6);
    const small = volume(40, 28, () => rng.normal());
    // The same slice in a volume of other slices: its labels come from windows over it alone, so they must match.
    const big = {
      ...small,
      dims: [40, 28, 3] as [number, number, number],
      image: new Float32Array([...small.image.map((x) => -x), ...small.image, ...small.image.map((x) => 2 * x)]),
    };
    const patch: [number, number] = [32, 32];
    const [alone] = await predictSlices(net, model, small, [0], patch, 2);
    const [inStack] = await predictSlices(net, model, big, [1], patch, 5);
    expect(Array.from(argmaxClasses(inStack!.probs, 3))).toEqual(Array.from(argmaxClasses(alone!.probs, 3)));
    let worst = 0;
    for (let n = 0; n < alone!.probs.length; n++) worst = Math.max(worst, Math.abs(alone!.probs[n]! - inStack!.probs[n]!));
    expect(worst).toBeLessThan(1e-5);
    net.dispose();
  });

  it('tiles reproduce the whole-slice prediction where the network is translation-invariant (a blank slice)', async () => {
    const model = { inChannels: 1, numClasses: 3, width: 4, depth: 2 };
    const net = createResUNet2D(model, new Random(3));
    // A blank slice: every window sees the same input, zero padding included, so each tile predicts the same
    // constant map and the Gaussian blend must return exactly it.
    const blank = volume(100, 72, () => 0);
    const [tiled] = await predictSlices(net, model, blank, [0], [32, 32], 4);
    const [whole] = await predictSlices(net, model, blank, [0], [104, 104], 1);
    expect(tiled!.probs).toHaveLength(100 * 72 * 3);
    let worst = 0;
    for (let n = 0; n < tiled!.probs.length; n++) worst = Math.max(worst, Math.abs(tiled!.probs[n]! - whole!.probs[n]!));
    expect(worst).toBeLessThan(1e-5);
    // On a real image every pixel's blended distribution still sums to 1.
    const rng = new Random(5);
    const busy = volume(100, 72, () => rng.normal());
    const [p] = await predictSlices(net, model, busy, [0], [32, 32], 4);
    for (let q = 0; q < 100 * 72; q += 97) expect(p!.probs[3 * q]! + p!.probs[3 * q + 1]! + p!.probs[3 * q + 2]!).toBeCloseTo(1, 5);
    net.dispose();
  });

  it('reconstructs a pointwise map of the whole slice exactly, every map of the run, slices in order', async () => {
    const rng = new Random(9);
    const v = volume(45, 37, () => rng.normal());
    const two = { ...v, dims: [45, 37, 2] as [number, number, number], image: new Float32Array([...v.image, ...v.image.map((x) => -x)]) };
    // A pointwise "network": whatever windows cover a pixel, each sees the same value there, so any convex blend
    // of them must give back f(x) exactly (up to float rounding).
    const run = (x: tf.Tensor4D) => [tf.concat([x, tf.mul(x, 2)], 3), tf.concat([tf.exp(x), tf.neg(x)], 3)];
    for (const size of [
      [16, 16],
      [64, 64],
      [16, 24],
    ] as [number, number][]) {
      const out = await predictWindows(two, [1, 0], size, 3, 2, run);
      expect(out.map((o) => o.k)).toEqual([1, 0]);
      for (const { k, maps } of out) {
        let worst = 0;
        for (let p = 0; p < 45 * 37; p++) {
          const x = two.image[k * 45 * 37 + p]!;
          worst = Math.max(
            worst,
            Math.abs(maps[0]![2 * p]! - x),
            Math.abs(maps[0]![2 * p + 1]! - 2 * x),
            Math.abs(maps[1]![2 * p]! - Math.exp(x)) / Math.exp(x),
            Math.abs(maps[1]![2 * p + 1]! + x),
          );
        }
        expect(worst).toBeLessThan(1e-5);
      }
    }
  });
});
