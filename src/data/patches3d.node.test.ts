import { describe, expect, it } from 'vitest';
import {
  applyGeometry3D,
  canRotateInPlane,
  DEFAULT_AUGMENT_3D,
  drawGeometry3D,
  jitterIntensity3D,
  type Augment3DConfig,
  type Geometry3D,
  type Patch3D,
} from './augment3d.ts';
import { buildVolumePools, extractPatch3D, sample3DBatch, type Batch3DOptions } from './patches3d.ts';
import { Random } from './random.ts';
import type { TrainingVolume } from './trainingVolume.ts';

type Triple = [number, number, number];
type AtVoxel<T> = (i: number, j: number, k: number) => T;

function makeVolume(
  dims: Triple,
  opts: { image?: AtVoxel<number>; labels?: AtVoxel<number>; labeled?: AtVoxel<boolean>; spacing?: Triple; id?: string } = {},
): TrainingVolume {
  const [ni, nj, nk] = dims;
  const n = ni * nj * nk;
  const image = new Float32Array(n);
  const labels = new Uint8Array(n);
  const labeled = new Uint8Array(n);
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      for (let i = 0; i < ni; i++) {
        const p = (k * nj + j) * ni + i;
        image[p] = opts.image?.(i, j, k) ?? 1;
        labels[p] = opts.labels?.(i, j, k) ?? 0;
        labeled[p] = (opts.labeled?.(i, j, k) ?? true) ? 1 : 0;
      }
    }
  }
  return { id: opts.id ?? 'v', dims, spacing: opts.spacing ?? [1, 1, 1], channels: 1, image, labels, labeled };
}

const NO_INTENSITY = { gain: 0, bias: 0, noiseProb: 0, noiseSd: 0, gammaProb: 0 };
const GEOMETRY_ONLY: Augment3DConfig = { ...NO_INTENSITY, flipProb: [0.5, 0.5, 0.5], rot90Prob: 0.5 };
const NO_AUGMENT: Augment3DConfig = { ...NO_INTENSITY, flipProb: [0, 0, 0], rot90Prob: 0 };

function options(size: Triple, labeled: number, unlabeled: number, augment: Augment3DConfig, extra: Partial<Batch3DOptions> = {}): Batch3DOptions {
  return { size, labeled, unlabeled, augment, perturb: NO_INTENSITY, ...extra };
}

describe('3D pools', () => {
  it('finds labeled volumes, their labeled slices and classes, and volumes with unlabeled voxels', () => {
    const partial = makeVolume([6, 5, 8], {
      labeled: (_i, _j, k) => k === 2 || k === 5,
      labels: (i, _j, k) => (k === 2 && i < 2 ? 1 : k === 5 && i === 4 ? 3 : 0),
    });
    const unlabeled = makeVolume([4, 4, 4], { labeled: () => false });
    const background = makeVolume([4, 4, 4]);
    const pools = buildVolumePools([partial, unlabeled, background]);
    expect(pools.labeled).toEqual([0, 2]);
    expect(pools.unlabeled).toEqual([0, 1]);
    expect(pools.classes).toEqual([1, 3]);
    expect(pools.classVolumes).toEqual([[0], [0]]);
    expect(pools.stats[0]!.labeledSlices).toEqual([2, 5]);
    expect(pools.stats[0]!.labeledTotal).toBe(2 * 30);
    expect(pools.stats[1]!.labeledTotal).toBe(0);
    expect(pools.stats[2]!.foreground).toEqual([]);
    const [one, three] = pools.stats[0]!.foreground;
    expect(one!.count).toBe(2 * 5);
    expect(three!.count).toBe(5);
    for (const f of [one!, three!]) for (const p of f.locations) expect(partial.labels[p]).toBe(f.cls);
  });

  it('keeps a capped, valid, duplicate-free sample of a large class', () => {
    const v = makeVolume([10, 10, 10], { labels: (i) => (i < 5 ? 2 : 0) });
    const pools = buildVolumePools([v], 40);
    const f = pools.stats[0]!.foreground[0]!;
    expect(f.count).toBe(500);
    expect(f.locations).toHaveLength(40);
    expect(new Set(f.locations).size).toBe(40);
    for (const p of f.locations) expect(v.labels[p]).toBe(2);
    // Not simply the first 40 voxels in memory order: the reservoir replaced some with later ones.
    expect(Math.max(...f.locations)).toBeGreaterThan(40 * 2);
  });
});

describe('3D batches', () => {
  it('has one shape whatever the volume, and pads with exact zeros outside it', () => {
    const tiny = makeVolume([6, 5, 3], { image: (i, j, k) => 1 + 0.01 * (i + j + k), labels: () => 1 });
    const big = makeVolume([20, 20, 20], { labeled: (_i, _j, k) => k < 10 });
    const size: Triple = [8, 8, 8];
    const voxels = 512;
    const pools = buildVolumePools([tiny, big]);
    const rng = new Random(1);
    for (let n = 0; n < 10; n++) {
      const b = sample3DBatch([tiny, big], pools, options(size, 3, 2, DEFAULT_AUGMENT_3D), rng);
      expect(b.size).toEqual(size);
      expect([b.labeledCount, b.unlabeledCount, b.channels]).toEqual([3, 2, 1]);
      expect([b.xl.length, b.yl.length, b.ml.length, b.xuTeacher.length, b.xuStudent.length]).toEqual([
        3 * voxels,
        3 * voxels,
        3 * voxels,
        2 * voxels,
        2 * voxels,
      ]);
    }
    // The tiny volume alone: every patch holds it whole (90 voxels) and zeros elsewhere, even after gain and bias.
    const alone = buildVolumePools([tiny]);
    const b = sample3DBatch(
      [tiny],
      alone,
      options(size, 4, 4, DEFAULT_AUGMENT_3D, { perturb: { gain: 0.3, bias: 0.5, noiseProb: 1, noiseSd: 0.1 } }),
      new Random(2),
    );
    for (let s = 0; s < 4; s++) {
      let ml = 0;
      let nonzero = 0;
      for (let q = s * voxels; q < (s + 1) * voxels; q++) {
        ml += b.ml[q]!;
        if (b.xl[q] !== 0) nonzero++;
        if (!b.ml[q]) {
          expect(b.xl[q]).toBe(0);
          expect(b.yl[q]).toBe(0);
        }
      }
      expect(ml).toBe(90);
      expect(nonzero).toBe(90);
      const teacher = b.xuTeacher.subarray(s * voxels, (s + 1) * voxels);
      const student = b.xuStudent.subarray(s * voxels, (s + 1) * voxels);
      expect(teacher.filter((x) => x !== 0)).toHaveLength(90);
      for (let q = 0; q < voxels; q++) if (teacher[q] === 0) expect(student[q]).toBe(0);
    }
  });

  it('supervises only labeled slices of a partially labeled volume, and every labeled patch has supervision', () => {
    // The image encodes the slice: k + 1, so padding (0) and every slice can be told apart after flips and turns.
    const labeledK = new Set([5, 8, 15]);
    const v = makeVolume([16, 16, 20], {
      image: (_i, _j, k) => k + 1,
      labeled: (_i, _j, k) => labeledK.has(k),
      labels: (i, _j, k) => (labeledK.has(k) && i < 8 ? 1 : 0),
    });
    const pools = buildVolumePools([v]);
    const rng = new Random(3);
    let supervisedSlices = 0;
    for (let n = 0; n < 30; n++) {
      const b = sample3DBatch([v], pools, options([8, 8, 8], 2, 0, GEOMETRY_ONLY), rng);
      for (let s = 0; s < 2; s++) {
        let ml = 0;
        let wrong = 0;
        for (let q = s * 512; q < (s + 1) * 512; q++) {
          if ((b.ml[q] === 1) !== labeledK.has(b.xl[q]! - 1)) wrong++;
          ml += b.ml[q]!;
        }
        expect(wrong).toBe(0);
        // Labeled slices are whole planes here, and a patch centred on 5 or 8 holds both, one on 15 only 15.
        expect(ml % 64).toBe(0);
        expect([64, 128]).toContain(ml);
        supervisedSlices += ml / 64;
      }
    }
    // Slice 15 is drawn a third of the time: about 2/3 · 2 + 1/3 · 1 ≈ 1.67 supervised planes per patch.
    expect(supervisedSlices / 60).toBeGreaterThan(1.4);
    expect(supervisedSlices / 60).toBeLessThan(1.9);
  });

  it('oversamples foreground class-balanced: a tiny structure is centred as often as a large one', () => {
    // Class 1 fills half the volume, class 2 is a 2³ cube: 4096 voxels against 8.
    const v = makeVolume([32, 32, 32], {
      labels: (i, j, k) => (i >= 20 && i < 22 && j >= 20 && j < 22 && k >= 20 && k < 22 ? 2 : i < 16 ? 1 : 0),
    });
    const pools = buildVolumePools([v]);
    const centreClassFrequency = (foregroundProb: number | undefined, seed: number): number[] => {
      const n = 600;
      const extra = foregroundProb === undefined ? {} : { foregroundProb };
      const b = sample3DBatch([v], pools, options([8, 8, 8], n, 0, NO_AUGMENT, extra), new Random(seed));
      const freq = [0, 0, 0];
      // Without augmentation the centre voxel (4, 4, 4) is the drawn voxel, or, for class 1 near the border where
      // the window is clamped inside the volume, still a class-1 voxel.
      for (let s = 0; s < n; s++) freq[b.yl[s * 512 + (4 * 8 + 4) * 8 + 4]!]! += 1 / n;
      return freq;
    };
    const balanced = centreClassFrequency(1, 4);
    expect(balanced[0]).toBe(0);
    expect(balanced[1]).toBeGreaterThan(0.4);
    expect(balanced[2]).toBeGreaterThan(0.4);
    // Without oversampling the cube is all but never seen (8 of 32768 voxels).
    const uniform = centreClassFrequency(0, 5);
    expect(uniform[2]).toBeLessThan(0.02);
    expect(uniform[0]).toBeGreaterThan(0.35);
    // The default: a third of patches oversampled, so the cube is centred in about a sixth of them (sd ≈ 0.015).
    const byDefault = centreClassFrequency(undefined, 6);
    expect(byDefault[2]).toBeGreaterThan(1 / 6 - 0.06);
    expect(byDefault[2]).toBeLessThan(1 / 6 + 0.06);
  });

  it('takes unlabeled patches from volumes and regions without labels', () => {
    const labeled = makeVolume([16, 16, 10], { image: () => 1 });
    // Only slices 4 and 5 labeled; the image encodes the slice as 2 + k/100.
    const partial = makeVolume([16, 16, 10], { image: (_i, _j, k) => 2 + k / 100, labeled: (_i, _j, k) => k === 4 || k === 5 });
    const pools = buildVolumePools([labeled, partial]);
    expect(pools.unlabeled).toEqual([1]);
    const b = sample3DBatch([labeled, partial], pools, options([4, 8, 8], 0, 100, NO_AUGMENT), new Random(7));
    expect(b.labeledCount).toBe(0);
    for (let s = 0; s < 100; s++) {
      const patch = b.xuTeacher.subarray(s * 256, (s + 1) * 256);
      expect(patch.includes(1)).toBe(false);
      // The centre voxel is the drawn one, or (near the ends, where the window is clamped) slice 2 or 8: never
      // a labeled slice.
      const k = Math.round((patch[(2 * 8 + 4) * 8 + 4]! - 2) * 100);
      expect([2, 3, 6, 7, 8]).toContain(k);
    }
  });

  it('is reproducible from its seed', () => {
    const v = makeVolume([12, 14, 10], {
      image: (i, j, k) => Math.sin(i + 2 * j + 3 * k),
      labels: (i) => (i < 3 ? 1 : 0),
      labeled: (_i, _j, k) => k % 3 === 0,
    });
    const pools = buildVolumePools([v]);
    const opts = options([8, 8, 8], 2, 2, DEFAULT_AUGMENT_3D, { perturb: { gain: 0.2, bias: 0.2, noiseProb: 1, noiseSd: 0.1 } });
    const a = sample3DBatch([v], pools, opts, new Random(11));
    const b = sample3DBatch([v], pools, opts, new Random(11));
    const c = sample3DBatch([v], pools, opts, new Random(12));
    expect(b).toEqual(a);
    expect(c.xl).not.toEqual(a.xl);
    expect(c.xuStudent).not.toEqual(a.xuStudent);
  });

  it('gives the teacher the volume intensities and the student the same geometry with perturbed intensities', () => {
    // Every voxel a distinct multiple of 1/64 (exact in float32), so a teacher value names its source voxel.
    const dims: Triple = [20, 20, 20];
    const v = makeVolume(dims, { image: (i, j, k) => ((k * 20 + j) * 20 + i + 1) / 64, labeled: (_i, _j, k) => k === 0 });
    const pools = buildVolumePools([v]);
    const b = sample3DBatch(
      [v],
      pools,
      options([8, 8, 8], 0, 40, GEOMETRY_ONLY, { perturb: { gain: 0.3, bias: 0.3, noiseProb: 0, noiseSd: 0 } }),
      new Random(13),
    );
    let largestChange = 0;
    let mirroredOrTurned = 0;
    for (let s = 0; s < 40; s++) {
      const t = b.xuTeacher.subarray(s * 512, (s + 1) * 512);
      const u = b.xuStudent.subarray(s * 512, (s + 1) * 512);
      expect(t.every((x) => Number.isInteger(x * 64) && x * 64 >= 1 && x * 64 <= 8000)).toBe(true);
      // The student is one affine map of the teacher: fit it on two voxels, check it on all.
      const a = (u[511]! - u[0]!) / (t[511]! - t[0]!);
      const c = u[0]! - a * t[0]!;
      let worst = 0;
      for (let q = 0; q < 512; q++) worst = Math.max(worst, Math.abs(u[q]! - (a * t[q]! + c)));
      expect(worst).toBeLessThan(1e-4);
      largestChange = Math.max(largestChange, Math.abs(a - 1) + Math.abs(c));
      // In an unaugmented crop the next voxel along W is the next voxel along i: +1/64.
      if (Math.abs(t[1]! - t[0]! - 1 / 64) > 1e-6) mirroredOrTurned++;
    }
    expect(largestChange).toBeGreaterThan(0.05);
    expect(mirroredOrTurned).toBeGreaterThan(10);
    expect(mirroredOrTurned).toBeLessThan(40);
  });
});

describe('3D augmentation', () => {
  function codedPatch(size: Triple, code: (z: number, y: number, x: number) => number): Patch3D {
    const n = size[0] * size[1] * size[2];
    const p: Patch3D = { size, channels: 1, image: new Float32Array(n), labels: new Uint8Array(n), mask: new Uint8Array(n), inside: new Uint8Array(n) };
    let q = 0;
    for (let z = 0; z < size[0]; z++) {
      for (let y = 0; y < size[1]; y++) {
        for (let x = 0; x < size[2]; x++, q++) {
          const c = code(z, y, x);
          p.image[q] = c;
          p.labels[q] = c % 251;
          p.mask[q] = c % 2;
          p.inside[q] = c % 3 === 0 ? 0 : 1;
        }
      }
    }
    return p;
  }

  const all: Geometry3D[] = [];
  for (let f = 0; f < 8; f++) for (const rot90 of [0, 1, 2, 3] as const) all.push({ flip: [(f & 1) > 0, (f & 2) > 0, (f & 4) > 0], rot90 });

  it('moves image, labels, mask and inside together, and permutes voxels', () => {
    const p = codedPatch([3, 5, 5], (z, y, x) => (z * 5 + y) * 5 + x);
    for (const g of all) {
      const o = applyGeometry3D(p, g);
      for (let q = 0; q < o.image.length; q++) {
        expect(o.labels[q]).toBe(o.image[q]! % 251);
        expect(o.mask[q]).toBe(o.image[q]! % 2);
        expect(o.inside[q]).toBe(o.image[q]! % 3 === 0 ? 0 : 1);
      }
      expect([...o.image].sort((a, b) => a - b)).toEqual([...p.image].sort((a, b) => a - b));
    }
  });

  it('composes quarter turns and mirrors as a group', () => {
    const p = codedPatch([2, 4, 4], (z, y, x) => (z * 4 + y) * 4 + x);
    const turn = (q: Patch3D, rot90: 0 | 1 | 2 | 3): Patch3D => applyGeometry3D(q, { flip: [false, false, false], rot90 });
    expect(turn(turn(turn(turn(p, 1), 1), 1), 1).image).toEqual(p.image);
    expect(turn(turn(p, 1), 1).image).toEqual(turn(p, 2).image);
    expect(turn(turn(p, 1), 3).image).toEqual(p.image);
    expect(turn(p, 1).image).not.toEqual(p.image);
    const mirror = (q: Patch3D): Patch3D => applyGeometry3D(q, { flip: [true, true, true], rot90: 0 });
    expect(mirror(mirror(p)).image).toEqual(p.image);
  });

  it('never moves the slice axis into the plane', () => {
    // Image = slice index: every output plane must still be one source plane.
    const p = codedPatch([4, 6, 6], (z) => z + 1);
    for (const g of all) {
      const o = applyGeometry3D(p, g);
      for (let z = 0; z < 4; z++) {
        const plane = o.image.subarray(z * 36, (z + 1) * 36);
        expect(new Set(plane).size).toBe(1);
        expect(plane[0]).toBe(g.flip[0] ? 4 - z : z + 1);
      }
    }
    // …while a quarter turn does swap the in-plane axes: image = x becomes constant along x.
    const byX = applyGeometry3D(
      codedPatch([1, 6, 6], (_z, _y, x) => x + 1),
      { flip: [false, false, false], rot90: 1 },
    );
    for (let y = 0; y < 6; y++) expect(new Set(byX.image.subarray(y * 6, (y + 1) * 6)).size).toBe(1);
  });

  it('turns only square, in-plane isotropic patches', () => {
    expect(canRotateInPlane([8, 16, 16], [0.8, 0.8, 5])).toBe(true);
    expect(canRotateInPlane([8, 16, 24], [0.8, 0.8, 5])).toBe(false);
    expect(canRotateInPlane([8, 16, 16], [0.8, 1.0, 5])).toBe(false);
    const cfg: Augment3DConfig = { ...DEFAULT_AUGMENT_3D, rot90Prob: 1 };
    const rng = new Random(17);
    for (let n = 0; n < 50; n++) {
      expect(drawGeometry3D(cfg, [8, 16, 24], [1, 1, 1], rng).rot90).toBe(0);
      expect(drawGeometry3D(cfg, [8, 16, 16], [0.8, 1.0, 1], rng).rot90).toBe(0);
      expect(drawGeometry3D(cfg, [8, 16, 16], [0.8, 0.8, 5], rng).rot90).not.toBe(0);
    }
  });

  it('changes intensities inside the volume only; gamma keeps the range and the order', () => {
    const n = 1000;
    const rng = new Random(19);
    const image = new Float32Array(n).map(() => rng.normal());
    const inside = new Uint8Array(n).map((_, q) => (q < 900 ? 1 : 0));
    for (let q = 900; q < n; q++) image[q] = 0;
    const out = jitterIntensity3D(image, inside, 1, { gain: 0.3, bias: 0.3, noiseProb: 1, noiseSd: 0.1, gammaProb: 1, gammaRange: [0.5, 2] }, rng);
    for (let q = 900; q < n; q++) expect(out[q]).toBe(0);
    expect(out.subarray(0, 900)).not.toEqual(image.subarray(0, 900));
    const gammaOnly = { gain: 0, bias: 0, noiseProb: 0, noiseSd: 0, gammaProb: 1, gammaRange: [0.5, 2] as [number, number] };
    const real = image.subarray(0, 900);
    const order = [...real.keys()].sort((a, b) => real[a]! - real[b]!);
    for (let trial = 0; trial < 5; trial++) {
      const g = jitterIntensity3D(image, inside, 1, gammaOnly, rng).subarray(0, 900);
      expect(Math.min(...g)).toBeCloseTo(Math.min(...real), 5);
      expect(Math.max(...g)).toBeCloseTo(Math.max(...real), 5);
      for (let r = 1; r < order.length; r++) expect(g[order[r]!]!).toBeGreaterThanOrEqual(g[order[r - 1]!]! - 1e-6);
      expect(g).not.toEqual(real);
    }
  });

  it('extracts windows that cross the border with row copies, padding outside', () => {
    const v = makeVolume([5, 4, 3], { image: (i, j, k) => 100 * k + 10 * j + i + 1, labels: (i) => i, labeled: (_i, _j, k) => k === 1 });
    const p = extractPatch3D(v, [-1, 2, 3], [3, 3, 3]);
    for (let z = 0; z < 3; z++) {
      for (let y = 0; y < 3; y++) {
        for (let x = 0; x < 3; x++) {
          const [i, j, k] = [x + 3, y + 2, z - 1];
          const q = (z * 3 + y) * 3 + x;
          const inVolume = i < 5 && j < 4 && k >= 0;
          expect(p.image[q]).toBe(inVolume ? 100 * k + 10 * j + i + 1 : 0);
          expect(p.labels[q]).toBe(inVolume ? i : 0);
          expect(p.mask[q]).toBe(inVolume && k === 1 ? 1 : 0);
          expect(p.inside[q]).toBe(inVolume ? 1 : 0);
        }
      }
    }
  });
});
