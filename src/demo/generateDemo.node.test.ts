import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { CLASS_PALETTE } from '../volume/classes.ts';
import { axisStep, originOf, spacingOf, transformPoint, type Vec3 } from '../volume/geometry.ts';
import { labeledVoxelMask, SliceProvenance } from '../volume/labels.ts';
import { DEMO_CENTRE_LPS, DEMO_GENERATOR_VERSION, DEMO_SEED, generateDemoDataset, renderDemoVolume } from './generateDemo.ts';
import { blobSignedDistance, Tissue, tubeCentreAt } from './phantom.ts';
import { renderPhantom } from './renderPhantom.ts';
import { centroid } from './testing/demoStatistics.ts';

/** Byte equality; vitest's deep equality walks typed arrays element by element and takes seconds. */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

describe('demo dataset', () => {
  // The first call in this process: includes JIT warm-up, as at app start.
  const t0 = performance.now();
  const demo = generateDemoDataset();
  const firstMs = performance.now() - t0;
  const t1 = performance.now();
  const again = generateDemoDataset();
  console.log(
    `demo generation: ${firstMs.toFixed(0)} ms cold, ${(performance.now() - t1).toFixed(0)} ms warm, for ${demo.volumes.length} volumes of ${demo.volumes[0]!.geometry.dims.join('×')}`,
  );
  const rendered = [0, 1, 2].map((index) => renderDemoVolume(DEMO_SEED, index));

  it('is byte-identical from the same seed and differs with another', () => {
    for (let v = 0; v < demo.volumes.length; v++) {
      expect(sameBytes(again.volumes[v]!.voxels, demo.volumes[v]!.voxels)).toBe(true);
      expect(sameBytes(again.groundTruth[v]!, demo.groundTruth[v]!)).toBe(true);
      expect(sameBytes(again.initialLabels[v]!.voxels, demo.initialLabels[v]!.voxels)).toBe(true);
      for (const axis of [0, 1, 2] as const) expect(sameBytes(again.initialLabels[v]!.slices[axis], demo.initialLabels[v]!.slices[axis])).toBe(true);
      expect(again.volumes[v]!.description).toBe(demo.volumes[v]!.description);
    }
    const other = generateDemoDataset({ seed: 1 });
    for (let v = 0; v < demo.volumes.length; v++) {
      expect(sameBytes(other.volumes[v]!.voxels, demo.volumes[v]!.voxels)).toBe(false);
      expect(sameBytes(other.groundTruth[v]!, demo.groundTruth[v]!)).toBe(false);
    }
    // Volumes of one dataset are different patients, not copies.
    expect(sameBytes(demo.groundTruth[0]!, demo.groundTruth[1]!)).toBe(false);
  });

  it('makes each volume from (seed, index) alone, so one can be regenerated without the others', () => {
    const one = generateDemoDataset({ count: 1 });
    expect(sameBytes(one.volumes[0]!.voxels, demo.volumes[0]!.voxels)).toBe(true);
    for (let v = 0; v < 3; v++) {
      expect(sameBytes(rendered[v]!.volume.voxels, demo.volumes[v]!.voxels)).toBe(true);
      expect(sameBytes(rendered[v]!.truth, demo.groundTruth[v]!)).toBe(true);
    }
  });

  it('has axial LPS geometry with the requested spacing, centred off the origin', () => {
    demo.volumes.forEach((v, index) => {
      const g = v.geometry;
      expect(g.dims).toEqual([96, 96, 48]);
      expect(g.spacing).toEqual([1, 1, 2]);
      expect(spacingOf(g.ijkToLps)).toEqual([1, 1, 2]);
      // i → patient left (+x), j → posterior (+y), k → superior (+z).
      expect(axisStep(g.ijkToLps, 0)).toEqual([1, 0, 0]);
      expect(axisStep(g.ijkToLps, 1)).toEqual([0, 1, 0]);
      expect(axisStep(g.ijkToLps, 2)).toEqual([0, 0, 2]);
      expect(originOf(g.ijkToLps)).toEqual([-47.5, -27.5, -17]);
      expect(transformPoint(g.ijkToLps, [47.5, 47.5, 23.5])).toEqual(DEMO_CENTRE_LPS);
      expect(v.voxels).toBeInstanceOf(Float32Array);
      expect(v.voxels.length).toBe(96 * 96 * 48);
      expect(v.channels).toBe(1);
      expect(v.source).toEqual({ format: 'demo', seed: DEMO_SEED, index, generator: DEMO_GENERATOR_VERSION });
      expect(v.name).toBe(`Demo phantom ${index + 1}`);
      expect(v.id).toBe(`demo-${DEMO_SEED}-${index}`);
    });
    const custom = generateDemoDataset({ count: 1, dims: [40, 36, 12], spacing: [0.8, 0.8, 3] });
    expect(custom.volumes[0]!.geometry.dims).toEqual([40, 36, 12]);
    expect(spacingOf(custom.volumes[0]!.geometry.ijkToLps)).toEqual([0.8, 0.8, 3]);
    expect(custom.groundTruth[0]!.length).toBe(40 * 36 * 12);
    expect(custom.initialLabels[0]!.dims).toEqual([40, 36, 12]);
  });

  it('has intensities like a magnitude MR: non-negative, about 0..1000', () => {
    for (const v of demo.volumes) {
      let lo = Infinity;
      let hi = -Infinity;
      let above = 0;
      for (const x of v.voxels) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
        if (x > 1000) above++;
      }
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeGreaterThan(800);
      expect(hi).toBeLessThan(1300);
      expect(above / v.voxels.length).toBeLessThan(0.001);
    }
  });

  it('has three named classes with palette colours and text for position and shape', () => {
    expect(demo.classes.map((c) => c.value)).toEqual([1, 2, 3]);
    expect(demo.classes.map((c) => c.name)).toEqual(['Liver', 'Liver lesion', 'Inferior vena cava']);
    for (const c of demo.classes) {
      expect(CLASS_PALETTE).toContainEqual(c.color);
      expect(c.position.length).toBeGreaterThan(20);
      expect(c.shape.length).toBeGreaterThan(20);
    }
    expect(new Set(demo.classes.map((c) => c.color.join())).size).toBe(3);
    // A copy: editing the user's classes must not change the next demo.
    demo.classes[0]!.color[0] = 1;
    expect(generateDemoDataset({ count: 0 }).classes[0]!.color[0]).not.toBe(1);
  });

  it('draws every structure in every volume at a plausible, varying size', () => {
    const sizes: number[][] = [];
    for (const truth of demo.groundTruth) {
      const counts = [0, 0, 0, 0];
      for (const t of truth) counts[t]!++;
      // Voxels are 2 mm³ and the phantom a quarter-scale abdomen: liver 25–60 ml, lesion ~0.4–2 ml, vena cava ~2–5 ml.
      expect(counts[1]).toBeGreaterThan(12_000);
      expect(counts[1]).toBeLessThan(30_000);
      expect(counts[2]).toBeGreaterThan(200);
      expect(counts[2]).toBeLessThan(1_000);
      expect(counts[3]).toBeGreaterThan(600);
      expect(counts[3]).toBeLessThan(2_500);
      sizes.push(counts);
    }
    for (const c of [1, 2, 3]) expect(new Set(sizes.map((s) => s[c])).size).toBe(3);
  });

  it('puts the lesion inside the liver and the vena cava through every slice', () => {
    for (const truth of demo.groundTruth) {
      const [ni, nj, nk] = [96, 96, 48];
      let lesionEdges = 0;
      let lesionBackground = 0;
      const vesselSlices = new Set<number>();
      for (let n = 0; n < truth.length; n++) {
        if (truth[n] === 3) vesselSlices.add(Math.floor(n / (ni * nj)));
        if (truth[n] !== 2) continue;
        for (const m of [n - 1, n + 1, n - ni, n + ni]) {
          if (truth[m] === 2) continue;
          lesionEdges++;
          if (truth[m] === 0) lesionBackground++;
        }
      }
      // In plane, the lesion's border is (almost) all liver.
      expect(lesionEdges).toBeGreaterThan(50);
      expect(lesionBackground / lesionEdges).toBeLessThan(0.05);
      expect(vesselSlices.size).toBe(nk);
    }
  });

  it('labels exactly the analytic shapes (bounding boxes and shortcuts lose nothing) and softens their edges', () => {
    const { phantom, tissue, volume } = rendered[0]!;
    const [ni, nj, nk] = volume.geometry.dims;
    const [sx, sy, sz] = volume.geometry.spacing;
    const halfHeight = ((nk - 1) * sz) / 2;
    const mismatches = { liver: 0, lesion: 0, vessel: 0 };
    // Noise- and bias-free renders with and without the vessel (moved far out of the field of view): their
    // difference is what the vessel adds to each voxel.
    const flat = { noiseSd: 0, bias: { gradient: [0, 0, 0] as Vec3, bowl: 0 } };
    const render = (p: typeof phantom): Float32Array => renderPhantom(p, volume.geometry.dims, volume.geometry.spacing, new Random(1)).voxels;
    const clean = render({ ...phantom, ...flat });
    const noVessel = render({ ...phantom, ...flat, vessel: { ...phantom.vessel, centre: [1e4, 1e4] } });
    let fringe = 0;
    let n = 0;
    for (let k = 0; k < nk; k++) {
      const z = (k - (nk - 1) / 2) * sz;
      const [vx, vy] = tubeCentreAt(phantom.vessel, z, halfHeight);
      for (let j = 0; j < nj; j++) {
        const y = (j - (nj - 1) / 2) * sy;
        for (let i = 0; i < ni; i++, n++) {
          const x = (i - (ni - 1) / 2) * sx;
          const t = tissue[n]!;
          const inVessel = Math.hypot(x - vx, y - vy) < phantom.vessel.radius;
          const inLiver = blobSignedDistance(phantom.liver, x, y, z) < 0;
          if ((t === Tissue.Vessel) !== inVessel) mismatches.vessel++;
          // Within a millimetre outside the vessel, its brightness bleeds in: edges are soft, not cut off.
          const outside = Math.hypot(x - vx, y - vy) - phantom.vessel.radius;
          if (outside > 0 && outside < 1) {
            fringe++;
            if (!(clean[n]! > noVessel[n]! + 3)) mismatches.vessel++;
          }
          // The liver may be cut by the body wall or covered by the lesion or the vessel, never grown or shrunk.
          if (t === Tissue.Liver && !inLiver) mismatches.liver++;
          if (inLiver && !inVessel && [Tissue.Muscle, Tissue.Spleen, Tissue.Bone].includes(t as never)) mismatches.liver++;
          if (t === Tissue.Lesion && !(inLiver && blobSignedDistance(phantom.lesion, x, y, z) < 0)) mismatches.lesion++;
          if (inLiver && !inVessel && blobSignedDistance(phantom.lesion, x, y, z) < 0 && t === Tissue.Liver) mismatches.lesion++;
        }
      }
    }
    expect(fringe).toBeGreaterThan(100);
    expect(mismatches).toEqual({ liver: 0, lesion: 0, vessel: 0 });
  });

  it('places the structures where the class text says: liver right, vena cava right of and in front of the spine', () => {
    for (const d of rendered) {
      const dims = d.volume.geometry.dims;
      const liver = centroid(d.truth, dims, (c) => c === 1);
      const vessel = centroid(d.truth, dims, (c) => c === 3);
      const spine = centroid(d.tissue, dims, (t) => t === Tissue.Bone);
      const body = centroid(d.tissue, dims, (t) => t !== Tissue.Air);
      // Voxel axes are LPS: smaller i is the patient's right, smaller j the front.
      expect(liver[0]).toBeLessThan(body[0] - 8);
      expect(vessel[0]).toBeLessThan(spine[0]);
      expect(vessel[1]).toBeLessThan(spine[1]);
      expect(Math.abs(vessel[0] - body[0])).toBeLessThan(12);
      // The vena cava curves: its centre moves from slice to slice, by a few voxels over the volume.
      const [ni, nj, nk] = dims;
      const xs: number[] = [];
      for (let k = 0; k < nk; k++) {
        const slice = d.truth.subarray(k * ni * nj, (k + 1) * ni * nj);
        xs.push(centroid(slice, [ni, nj, 1], (c) => c === 3)[0]);
      }
      expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(2);
      expect(Math.max(...xs) - Math.min(...xs)).toBeLessThan(15);
    }
  });

  it('starts with two painted axial slices in volume 1 equal to the truth, showing all three classes, and nothing else', () => {
    const l = demo.initialLabels[0]!;
    const labeled = [...l.slices[2]].flatMap((p, k) => (p ? [k] : []));
    expect(labeled).toHaveLength(2);
    expect(labeled[1]! - labeled[0]!).toBeGreaterThanOrEqual(3);
    for (const k of labeled) expect(l.slices[2][k]).toBe(SliceProvenance.Painted);
    expect(l.slices[0].every((p) => p === SliceProvenance.Unlabeled)).toBe(true);
    expect(l.slices[1].every((p) => p === SliceProvenance.Unlabeled)).toBe(true);
    const per = l.dims[0] * l.dims[1];
    const truth = demo.groundTruth[0]!;
    for (const k of labeled) {
      expect(sameBytes(l.voxels.subarray(k * per, (k + 1) * per), truth.subarray(k * per, (k + 1) * per))).toBe(true);
      expect([...new Set(truth.subarray(k * per, (k + 1) * per))].sort()).toEqual([0, 1, 2, 3]);
    }
    // Outside the painted slices the label map is empty.
    const mask = labeledVoxelMask(l);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(2 * per);
    expect(l.voxels.every((v, n) => v === 0 || mask[n] === 1)).toBe(true);
    for (const other of demo.initialLabels.slice(1)) {
      expect(other.voxels.every((x) => x === 0)).toBe(true);
      expect(other.slices.every((s) => s.every((p) => p === SliceProvenance.Unlabeled))).toBe(true);
    }
  });

  it('describes each volume in words that match where the lesion and vena cava are drawn', () => {
    for (const [v, volume] of demo.volumes.entries()) {
      const text = volume.description!;
      const m =
        /^The lesion lies (?:in the ((?:upper|lower|front|back|left|right)(?: (?:front|back|left|right))?) part of|near the centre of) the liver and measures about (\d+) mm\. The vena cava runs (behind|in front of) the liver, on its (left|right) side\.$/.exec(
          text,
        );
      expect(m, text).not.toBeNull();
      const dims = volume.geometry.dims;
      const truth = demo.groundTruth[v]!;
      const liver = centroid(truth, dims, (c) => c === 1 || c === 2);
      const lesion = centroid(truth, dims, (c) => c === 2);
      const vessel = centroid(truth, dims, (c) => c === 3);
      // Voxel axes are LPS: +i is the patient's left, +j back, +k up.
      const sign = { left: [0, 1], right: [0, -1], back: [1, 1], front: [1, -1], upper: [2, 1], lower: [2, -1] } as const;
      for (const word of (m![1] ?? '').split(' ').filter(Boolean) as (keyof typeof sign)[]) {
        const [axis, direction] = sign[word];
        expect((lesion[axis] - liver[axis]) * direction, `${word} in "${text}"`).toBeGreaterThan(0);
      }
      const diameter = Number(m![2]);
      expect(diameter).toBeGreaterThan(6);
      expect(diameter).toBeLessThan(20);
      expect((vessel[1] - liver[1]) * (m![3] === 'behind' ? 1 : -1)).toBeGreaterThan(0);
      expect((vessel[0] - liver[0]) * (m![4] === 'left' ? 1 : -1)).toBeGreaterThan(0);
    }
    expect(new Set(demo.volumes.map((v) => v.description)).size).toBeGreaterThan(1);
  });

  it('scales down to tiny volumes and rejects nonsense options', () => {
    const small = generateDemoDataset({ count: 2, dims: [32, 32, 8] });
    const present = new Set<number>();
    for (const t of small.groundTruth[0]!) present.add(t);
    expect([...present].sort()).toEqual([0, 1, 2, 3]);
    expect(small.initialLabels[0]!.slices[2].filter((p) => p !== 0)).toHaveLength(2);
    expect(generateDemoDataset({ count: 1, dims: [16, 16, 1] }).volumes[0]!.voxels.length).toBe(256);
    expect(generateDemoDataset({ count: 0 }).volumes).toEqual([]);
    expect(() => generateDemoDataset({ count: -1 })).toThrow(RangeError);
    expect(() => generateDemoDataset({ dims: [10, 10, 0] })).toThrow(RangeError);
    expect(() => generateDemoDataset({ spacing: [1, 1, -2] })).toThrow(RangeError);
  });
});
