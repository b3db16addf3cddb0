import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { Vec3 } from '../volume/geometry.ts';
import { DEMO_SEED, renderDemoVolume } from './generateDemo.ts';
import { NOISE_SD, Tissue } from './phantom.ts';
import { renderPhantom } from './renderPhantom.ts';
import { centroid, coreValues, meanAndSd } from './testing/demoStatistics.ts';

/* The demo's images are worth learning from: classes apart by several noise SDs, yet not separable by a window, with
 * MR-like noise and bias. Geometry, labels and determinism are generateDemo.node.test.ts. */

describe('demo dataset images', () => {
  const rendered = [0, 1, 2].map((index) => renderDemoVolume(DEMO_SEED, index));

  it('is learnable: the classes differ from each other and from the tissues around them by several noise SDs', () => {
    for (const d of rendered) {
      const core = coreValues(d);
      const mean = core.map((values) => meanAndSd(values).mean);
      const classes = [Tissue.Liver, Tissue.Lesion, Tissue.Vessel];
      for (const a of classes) {
        expect(core[a]!.length).toBeGreaterThan(40);
        for (const b of classes) if (a !== b) expect(Math.abs(mean[a]! - mean[b]!)).toBeGreaterThan(6 * NOISE_SD);
        for (const b of [Tissue.Air, Tissue.Fat, Tissue.Muscle, Tissue.Bone]) expect(Math.abs(mean[a]! - mean[b]!)).toBeGreaterThan(3.5 * NOISE_SD);
      }
      // Whole structures, edges included, still differ pairwise.
      const all = [1, 2, 3].map((c) => meanAndSd(Array.from(d.volume.voxels.filter((_, n) => d.truth[n] === c))).mean);
      expect(Math.abs(all[0]! - all[1]!)).toBeGreaterThan(6 * NOISE_SD);
      expect(Math.abs(all[0]! - all[2]!)).toBeGreaterThan(4 * NOISE_SD);
    }
  });

  it('is not trivial: no intensity window finds the lesion, and none finds liver or vessel perfectly', () => {
    for (const d of rendered) {
      const x = d.volume.voxels;
      for (const [cls, ceiling] of [
        [1, 0.95],
        [2, 0.3],
        [3, 0.95],
      ] as const) {
        const values = Array.from(x.filter((_, n) => d.truth[n] === cls)).sort((a, b) => a - b);
        let best = 0;
        for (const [pLo, pHi] of [
          [0.02, 0.98],
          [0.05, 0.95],
          [0.1, 0.9],
          [0.25, 0.75],
        ] as const) {
          const lo = values[Math.floor(pLo * values.length)]!;
          const hi = values[Math.floor(pHi * values.length)]!;
          let hit = 0;
          let wrong = 0;
          for (let n = 0; n < x.length; n++) if (x[n]! >= lo && x[n]! <= hi) d.truth[n] === cls ? hit++ : wrong++;
          best = Math.max(best, (2 * hit) / (values.length + hit + wrong));
        }
        expect(best, `class ${cls}`).toBeLessThan(ceiling);
      }
    }
  });

  it('has real noise of the intended size: Gaussian inside tissue, a Rician floor in air', () => {
    for (const d of rendered) {
      const [ni, nj] = d.volume.geometry.dims;
      const x = d.volume.voxels;
      const t = d.tissue;
      // The slice through the middle of the liver.
      const k = Math.round(centroid(d.truth, d.volume.geometry.dims, (c) => c === 1)[2]);
      const inSlice: number[] = [];
      const differences: number[] = [];
      for (let j = 1; j < nj - 1; j++) {
        for (let i = 1; i < ni - 2; i++) {
          const n = i + ni * (j + nj * k);
          if ([n - 1, n, n + 1, n + 2, n - ni, n + ni].some((m) => t[m] !== Tissue.Liver)) continue;
          inSlice.push(x[n]!);
          // Neighbours share the smooth bias, so their difference is noise alone, with variance 2σ².
          differences.push(x[n + 1]! - x[n]!);
        }
      }
      expect(inSlice.length).toBeGreaterThan(300);
      expect(meanAndSd(inSlice).sd).toBeGreaterThan(0.8 * NOISE_SD);
      const sigma = Math.sqrt(differences.reduce((a, b) => a + b * b, 0) / differences.length / 2);
      expect(Math.abs(sigma - NOISE_SD)).toBeLessThan(0.08 * NOISE_SD);
      // Far from the body the signal is zero and the magnitude of complex noise is Rayleigh: mean σ√(π/2).
      const corner: number[] = [];
      for (let j = 0; j < 8; j++) for (let i = 0; i < 8; i++) corner.push(x[i + ni * (j + nj * k)]!);
      expect(t[0]).toBe(Tissue.Air);
      expect(Math.abs(meanAndSd(corner).mean - NOISE_SD * Math.sqrt(Math.PI / 2))).toBeLessThan(0.15 * NOISE_SD);
    }
  });

  it('has a smooth multiplicative bias field that makes the same tissue differ between halves of the volume', () => {
    const { phantom, volume } = rendered[0]!;
    const { dims, spacing } = volume.geometry;
    const flat = { gradient: [0, 0, 0] as Vec3, bowl: 0 };
    // Noise-free renders with and without the field: their ratio is the field itself.
    const biased = renderPhantom({ ...phantom, noiseSd: 0 }, dims, spacing, new Random(1)).voxels;
    const unbiased = renderPhantom({ ...phantom, noiseSd: 0, bias: flat }, dims, spacing, new Random(1));
    let lo = Infinity;
    let hi = -Infinity;
    let steepest = 0;
    const ratio = (n: number): number => biased[n]! / unbiased.voxels[n]!;
    for (let n = 0; n < biased.length - 1; n++) {
      if (unbiased.voxels[n]! < 20 || unbiased.voxels[n + 1]! < 20 || n % dims[0] === dims[0] - 1) continue;
      lo = Math.min(lo, ratio(n));
      hi = Math.max(hi, ratio(n));
      steepest = Math.max(steepest, Math.abs(ratio(n + 1) - ratio(n)));
    }
    expect(lo).toBeGreaterThan(0.6);
    expect(hi).toBeLessThan(1.45);
    expect(hi - lo).toBeGreaterThan(0.1);
    // Smooth: from one voxel to the next, across tissue boundaries too (so multiplicative, not additive).
    expect(steepest).toBeLessThan(0.01);

    // With noise: the liver's inside (no partial-volume edge) in one half of the liver versus the other, along
    // each axis. Without the field the halves agree to within noise (standard error ≈ 0.5); with it they differ.
    const [ni, nj] = dims;
    const t = unbiased.tissue;
    const isCore = (n: number): boolean => [n, n - 1, n + 1, n - ni, n + ni, n - ni * nj, n + ni * nj].every((m) => t[m] === Tissue.Liver);
    const withNoise = (bias: typeof flat | undefined): Float32Array =>
      renderPhantom(bias ? { ...phantom, bias } : phantom, dims, spacing, new Random(2)).voxels;
    const halves = (x: Float32Array): number => {
      const c = centroid(unbiased.truth, dims, (v) => v === 1);
      let biggest = 0;
      for (const axis of [0, 1, 2] as const) {
        const sums = [0, 0];
        const counts = [0, 0];
        for (let n = 0; n < x.length; n++) {
          if (!isCore(n)) continue;
          const index = axis === 0 ? n % dims[0] : axis === 1 ? Math.floor(n / dims[0]) % dims[1] : Math.floor(n / (dims[0] * dims[1]));
          const side = index < c[axis] ? 0 : 1;
          sums[side]! += x[n]!;
          counts[side]!++;
        }
        biggest = Math.max(biggest, Math.abs(sums[0]! / counts[0]! - sums[1]! / counts[1]!));
      }
      return biggest;
    };
    const withField = halves(withNoise(undefined));
    const withoutField = halves(withNoise(flat));
    console.log(`liver halves differ by up to ${withField.toFixed(1)} with the bias field, ${withoutField.toFixed(1)} without`);
    expect(withField).toBeGreaterThan(10);
    expect(withoutField).toBeLessThan(2.5);
  });
});
