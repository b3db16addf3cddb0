import { describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENT } from './augment2d.ts';
import { Random } from './random.ts';
import { buildPools } from './sampler.ts';
import { buildPairPool, DEFAULT_PAIR_OPTIONS, drawableTexts, pairImage, samplePairBatch, shrinkSlice } from './textPairs.ts';
import type { TrainingVolume } from './trainingVolume.ts';

/** 16×16×4 volume, image = 1 everywhere; class 1 a 4×4 square at (2..5, 2..5) and class 2 at (10..13, 10..13) on slices 0 and 1 (labeled). */
function phantom(id: string): TrainingVolume {
  const [ni, nj, nk] = [16, 16, 4];
  const labels = new Uint8Array(ni * nj * nk);
  const labeled = new Uint8Array(ni * nj * nk);
  for (let k = 0; k < 2; k++) {
    for (let j = 0; j < nj; j++) {
      for (let i = 0; i < ni; i++) {
        const p = k * ni * nj + j * ni + i;
        labeled[p] = 1;
        if (i >= 2 && i <= 5 && j >= 2 && j <= 5) labels[p] = 1;
        if (i >= 10 && i <= 13 && j >= 10 && j <= 13) labels[p] = 2;
      }
    }
  }
  return { id, dims: [ni, nj, nk], spacing: [1, 1, 1], channels: 1, image: new Float32Array(ni * nj * nk).fill(1), labels, labeled };
}

const noAugment = { ...DEFAULT_AUGMENT, flipProb: 0, affineProb: 0, gain: 0, bias: 0, noiseProb: 0 };

describe('image–text pairs for pre-training', () => {
  const volumes = [phantom('a'), phantom('b')];
  const pools = buildPools(volumes, { validationFraction: 0, minLabeledForValidation: Infinity }, new Random(1));

  it('makes a region pair per labeled slice and class, and description pairs per described volume', () => {
    const pool = buildPairPool(
      volumes,
      pools,
      { ...DEFAULT_PAIR_OPTIONS, heldOutFraction: 0, classTexts: ['liver', 'lesion'], descriptions: ['first volume', ''] },
      new Random(1),
    );
    expect(pool.texts).toEqual(['liver', 'lesion', 'first volume']);
    expect(pool.classOfText).toEqual([1, 2, 0]);
    // 2 volumes × 2 labeled slices × 2 classes region pairs, and 4 description slices of volume a.
    expect(pool.train.filter((p) => p.kind === 'region')).toHaveLength(8);
    expect(pool.train.filter((p) => p.kind === 'description').map((p) => p.k)).toEqual([0, 1, 2, 3]);
    expect(pool.heldOut).toHaveLength(0);
  });

  it('holds out whole slices, so no slice both trains and scores', () => {
    const pool = buildPairPool(
      volumes,
      pools,
      { ...DEFAULT_PAIR_OPTIONS, heldOutFraction: 0.5, classTexts: ['liver', 'lesion'], descriptions: ['x', 'y'] },
      new Random(3),
    );
    const trainSlices = new Set(pool.train.map((p) => `${p.volume}:${p.k}`));
    expect(pool.heldOut.length).toBeGreaterThan(0);
    for (const p of pool.heldOut) expect(trainSlices.has(`${p.volume}:${p.k}`)).toBe(false);
  });

  it('masks a region image to the neighbourhood of its class only', () => {
    const pool = buildPairPool(
      volumes,
      pools,
      { ...DEFAULT_PAIR_OPTIONS, heldOutFraction: 0, classTexts: ['liver', 'lesion'], descriptions: [] },
      new Random(1),
    );
    const ref = pool.train.find((p) => p.classIndex === 1)!;
    const img = pairImage(volumes[0]!, ref, [16, 16]);
    // The kept box is the square ± 3 px, i, j ∈ −1..8, of which 0..8 lie on the slice: 9 × 9 pixels stay.
    const kept = Array.from(img).filter((x) => x === 1).length;
    expect(kept).toBe(9 * 9);
    // Nothing of the other class's square (i, j ∈ 10..13) survives: the image is 0 there.
    const window = { top: Math.round(3.5 - 8), left: Math.round(3.5 - 8) };
    for (let j = 10; j <= 13; j++)
      for (let i = 10; i <= 13; i++) {
        const y = j - window.top;
        const x = i - window.left;
        if (y < 16 && x < 16) expect(img[y * 16 + x]).toBe(0);
      }
    // The lesion's box, 7..16 clipped to 7..15, also keeps 9 × 9 pixels.
    const lesion = pool.train.find((p) => p.classIndex === 2)!;
    const lesionImg = pairImage(volumes[0]!, lesion, [16, 16]);
    expect(Array.from(lesionImg).filter((x) => x === 1).length).toBe(9 * 9);
  });

  it('samples batches of distinct texts, deterministically for a seed', () => {
    const pool = buildPairPool(
      volumes,
      pools,
      { ...DEFAULT_PAIR_OPTIONS, heldOutFraction: 0, classTexts: ['liver', 'lesion'], descriptions: ['x', 'y'] },
      new Random(1),
    );
    expect(drawableTexts(pool)).toEqual([0, 1, 2, 3]);
    const a = samplePairBatch(volumes, pool, 8, [16, 16], noAugment, new Random(9));
    const b = samplePairBatch(volumes, pool, 8, [16, 16], noAugment, new Random(9));
    expect(a.count).toBe(4);
    expect(new Set(a.texts).size).toBe(4);
    expect(a.texts).toEqual(b.texts);
    expect(Array.from(a.images)).toEqual(Array.from(b.images));
    expect(a.images).toHaveLength(4 * 16 * 16);
    const small = samplePairBatch(volumes, pool, 2, [16, 16], noAugment, new Random(9));
    expect(small.count).toBe(2);
  });

  it('shows a description pair whole: a slice larger than the input is shrunk by area averaging, not cropped', () => {
    // 8×4 slice, left half 0, right half 4 → shrunk to 2×4 (h × w): each output pixel averages a 2×2 block.
    const v: TrainingVolume = {
      id: 'w',
      dims: [8, 4, 1],
      spacing: [1, 1, 1],
      channels: 1,
      image: Float32Array.from({ length: 32 }, (_, p) => (p % 8 >= 4 ? 4 : 0)),
      labels: new Uint8Array(32),
      labeled: new Uint8Array(32),
    };
    expect(Array.from(shrinkSlice(v, 0, [2, 4]))).toEqual([0, 0, 4, 4, 0, 0, 4, 4]);
    expect(Array.from(pairImage(v, { volume: 0, k: 0, text: 0, kind: 'description', classIndex: 0 }, [2, 4]))).toEqual([0, 0, 4, 4, 0, 0, 4, 4]);
  });
});
