import { describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENT } from './augment2d.ts';
import { Random } from './random.ts';
import { sampleBatch, type SlicePools } from './sampler.ts';
import { gaussianBlur, NO_STRONG_AUGMENT, STRONG_AUGMENT, strongAugment } from './strongAugment2d.ts';
import type { TrainingVolume } from './trainingVolume.ts';

function ramp(h: number, w: number): Float32Array {
  return Float32Array.from({ length: h * w }, (_, n) => Math.sin(n * 0.7) + (n % w) / w);
}

describe('strong augmentation of the student view', () => {
  it('off: returns the image unchanged and draws no random number', () => {
    const img = ramp(8, 8);
    const a = new Random(3);
    const out = strongAugment(img, 8, 8, 1, NO_STRONG_AUGMENT, a);
    expect(Array.from(out)).toEqual(Array.from(img));
    expect(a.uniform()).toBe(new Random(3).uniform());
  });

  it('cutout alone erases one rectangle to the slice mean and leaves the rest', () => {
    const img = ramp(16, 16);
    const mean = img.reduce((s, v) => s + v, 0) / img.length;
    const out = strongAugment(img, 16, 16, 1, { ...NO_STRONG_AUGMENT, cutoutProb: 1, cutoutArea: 0.25 }, new Random(1));
    const changed = Array.from(out).flatMap((v, n) => (v !== img[n] ? [n] : []));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThanOrEqual(0.25 * 256 + 16);
    for (const n of changed) expect(out[n]).toBeCloseTo(mean, 5);
    const ys = changed.map((n) => Math.floor(n / 16));
    const xs = changed.map((n) => n % 16);
    const box = (Math.max(...ys) - Math.min(...ys) + 1) * (Math.max(...xs) - Math.min(...xs) + 1);
    // Every pixel of the bounding box was erased (a value equal to the mean by chance would only make this smaller).
    expect(changed.length).toBeLessThanOrEqual(box);
    expect(changed.length).toBeGreaterThanOrEqual(box - 2);
  });

  it('blur keeps the mean of a constant and smooths an impulse', () => {
    const flat = new Float32Array(25).fill(2);
    expect(Array.from(gaussianBlur(flat, 5, 5, 1, 1)).every((v) => Math.abs(v - 2) < 1e-6)).toBe(true);
    const impulse = new Float32Array(25);
    impulse[12] = 1;
    const b = gaussianBlur(impulse, 5, 5, 1, 1);
    expect(b[12]!).toBeLessThan(0.5);
    expect(b[11]!).toBeGreaterThan(0);
  });

  it('sampleBatch: strong changes only the student view of unlabeled slices', () => {
    const n = 16;
    const image = ramp(n, n * 3);
    const v: TrainingVolume = {
      id: 'v',
      dims: [n, n, 3],
      spacing: [1, 1, 1],
      channels: 1,
      image,
      labels: new Uint8Array(n * n * 3),
      labeled: new Uint8Array(n * n * 3).fill(1),
    };
    const pools: SlicePools = { labeled: [{ volume: 0, k: 0 }], validation: [], unlabeled: [{ volume: 0, k: 1 }] };
    const opts = {
      size: [n, n] as [number, number],
      labeled: 1,
      unlabeled: 1,
      augment: DEFAULT_AUGMENT,
      perturb: { gain: 0, bias: 0, noiseProb: 0, noiseSd: 0 },
    };
    const weak = sampleBatch([v], pools, opts, new Random(9));
    const off = sampleBatch([v], pools, { ...opts, strong: { cfg: NO_STRONG_AUGMENT, rng: new Random(2) } }, new Random(9));
    const strong = sampleBatch([v], pools, { ...opts, unlabeled: 3, strong: { cfg: { ...STRONG_AUGMENT, cutoutProb: 1 }, rng: new Random(2) } }, new Random(9));
    const weak3 = sampleBatch([v], pools, { ...opts, unlabeled: 3 }, new Random(9));
    expect(Array.from(off.xuStudent)).toEqual(Array.from(weak.xuStudent));
    // Its own stream: every teacher view and labeled sample of the batch is as without it.
    expect(Array.from(strong.xuTeacher)).toEqual(Array.from(weak3.xuTeacher));
    expect(Array.from(strong.xl)).toEqual(Array.from(weak3.xl));
    const px = n * n;
    for (let b = 0; b < 3; b++)
      expect(Array.from(strong.xuStudent.slice(b * px, (b + 1) * px))).not.toEqual(Array.from(weak3.xuStudent.slice(b * px, (b + 1) * px)));
  });
});
