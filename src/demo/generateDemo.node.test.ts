import { describe, expect, it } from 'vitest';

/** Byte equality; vitest's deep equality walks typed arrays element by element and takes seconds. */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
import { labeledVoxelMask, SliceProvenance } from '../volume/labels.ts';
import { generateDemoDataset } from './generateDemo.ts';

function stats(values: Float32Array, truth: Uint8Array, cls: number, k?: { per: number; k: number }): { mean: number; sd: number; n: number } {
  let s = 0;
  let s2 = 0;
  let n = 0;
  const lo = k ? k.k * k.per : 0;
  const hi = k ? (k.k + 1) * k.per : values.length;
  for (let i = lo; i < hi; i++) {
    if (truth[i] !== cls) continue;
    s += values[i]!;
    s2 += values[i]! ** 2;
    n++;
  }
  const mean = s / n;
  return { mean, sd: Math.sqrt(s2 / n - mean * mean), n };
}

describe('demo dataset', () => {
  const t0 = performance.now();
  const demo = generateDemoDataset();
  console.log(`demo generation: ${(performance.now() - t0).toFixed(0)} ms for ${demo.volumes.length} volumes`);

  it('is deterministic from its seed and changes with it', () => {
    const again = generateDemoDataset();
    for (let v = 0; v < demo.volumes.length; v++) {
      expect(sameBytes(again.volumes[v]!.voxels, demo.volumes[v]!.voxels)).toBe(true);
      expect(sameBytes(again.groundTruth[v]!, demo.groundTruth[v]!)).toBe(true);
    }
    const other = generateDemoDataset({ seed: 1 });
    expect(sameBytes(other.volumes[0]!.voxels, demo.volumes[0]!.voxels)).toBe(false);
    expect(sameBytes(other.groundTruth[0]!, demo.groundTruth[0]!)).toBe(false);
  });

  it('has three classes with names and text descriptions', () => {
    expect(demo.classes.map((c) => c.value)).toEqual([1, 2, 3]);
    for (const c of demo.classes) {
      expect(c.name.length).toBeGreaterThan(2);
      expect(c.position.length).toBeGreaterThan(10);
      expect(c.shape.length).toBeGreaterThan(10);
    }
  });

  it('draws every structure in every volume at a plausible size, different per volume', () => {
    const organSizes: number[] = [];
    for (const truth of demo.groundTruth) {
      const counts = [0, 0, 0, 0];
      for (const t of truth) counts[t]!++;
      // Voxels are 2 mm³: organ some tens of millilitres, lesion ~1 ml, vessel a few ml.
      expect(counts[1]).toBeGreaterThan(8000);
      expect(counts[1]).toBeLessThan(80000);
      expect(counts[2]).toBeGreaterThan(150);
      expect(counts[2]).toBeLessThan(2000);
      expect(counts[3]).toBeGreaterThan(500);
      expect(counts[3]).toBeLessThan(8000);
      organSizes.push(counts[1]!);
    }
    expect(new Set(organSizes).size).toBe(organSizes.length);
  });

  it('is learnable but noisy: structures differ by several noise SDs, yet each is noisy inside', () => {
    const v = demo.volumes[0]!.voxels as Float32Array;
    const t = demo.groundTruth[0]!;
    const body = stats(v, t, 0);
    const organ = stats(v, t, 1);
    const lesion = stats(v, t, 2);
    const vessel = stats(v, t, 3);
    const noise = 38;
    expect(organ.mean - lesion.mean).toBeGreaterThan(4 * noise);
    expect(vessel.mean - organ.mean).toBeGreaterThan(4 * noise);
    expect(organ.mean - body.mean).toBeGreaterThan(2 * noise);
    expect(organ.sd).toBeGreaterThan(noise * 0.8);
  });

  it('has a bias field: the same tissue is brighter on one side than the other', () => {
    const v = demo.volumes[0]!.voxels as Float32Array;
    const t = demo.groundTruth[0]!;
    const [ni] = demo.volumes[0]!.geometry.dims;
    let left = 0;
    let nl = 0;
    let right = 0;
    let nr = 0;
    for (let n = 0; n < v.length; n++) {
      if (t[n] !== 1) continue;
      const i = n % ni;
      if (i < ni / 2 - 12) {
        left += v[n]!;
        nl++;
      } else if (i > ni / 2 - 4) {
        right += v[n]!;
        nr++;
      }
    }
    expect(nl).toBeGreaterThan(100);
    expect(nr).toBeGreaterThan(100);
    expect(Math.abs(left / nl - right / nr)).toBeGreaterThan(5);
  });

  it('starts with exactly two painted axial slices in volume 1 that equal the truth, and none elsewhere', () => {
    const l = demo.initialLabels[0]!;
    const labeled = [...l.slices[2]].flatMap((p, k) => (p ? [k] : []));
    expect(labeled).toHaveLength(2);
    for (const k of labeled) expect(l.slices[2][k]).toBe(SliceProvenance.Painted);
    const per = l.dims[0] * l.dims[1];
    const truth = demo.groundTruth[0]!;
    for (const k of labeled) {
      expect(sameBytes(l.voxels.subarray(k * per, (k + 1) * per), truth.subarray(k * per, (k + 1) * per))).toBe(true);
      const present = new Set(truth.subarray(k * per, (k + 1) * per));
      expect([...present].sort()).toEqual([0, 1, 2, 3]);
    }
    const mask = labeledVoxelMask(l);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(2 * per);
    for (const other of demo.initialLabels.slice(1)) expect(other.voxels.some((x) => x !== 0)).toBe(false);
  });

  it('describes each volume in a sentence', () => {
    for (const v of demo.volumes) expect(v.description).toMatch(/lesion lies in the .* part of the organ/);
  });
});
