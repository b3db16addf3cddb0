import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../data/random.ts';
import {
  contrastiveLoss,
  createTextProjections,
  gatherRows,
  sampleStageVoxels,
  stageAlignmentLoss,
  voxelEntropy,
  type VoxelSource,
} from './contrastiveAlignment.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const scalar = async (t: tf.Tensor): Promise<number> => {
  const v = (await t.data())[0]!;
  t.dispose();
  return v;
};

describe('TAK eq 1: voxel entropy', () => {
  it('is log K for a uniform prediction and 0 for a certain one', () => {
    const h = voxelEntropy(new Float32Array([0.5, 0.5, 1, 0, 0.9, 0.1]), 2);
    expect(h[0]).toBeCloseTo(Math.log(2), 6);
    expect(h[1]).toBe(0);
    expect(h[2]).toBeCloseTo(-(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1)), 6);
  });
});

describe('TAK eq 2: L_con', () => {
  // f0 = (1,0), f1 = (0.6,0.8) of class 0, f2 = (0,1) of class 1. Dot products: f0·f1 = 0.6, f0·f2 = 0, f1·f2 = 0.8.
  // τ = 1, eq 2 as written: anchor 0 → −log(e^0.6 / e^0) = −0.6; anchor 1 → −log(e^0.6 / e^0.8) = 0.2; anchor 2 has
  // no positive and no term. L = (−0.6 + 0.2) / 2 = −0.2.
  const f = [1, 0, 0.6, 0.8, 0, 1];
  const cls = Int32Array.from([0, 0, 1]);

  it('matches the hand-computed value, eq 2 as written', async () => {
    expect(await scalar(contrastiveLoss(tf.tensor2d(f, [3, 2]), cls, { tau: 1, denominator: 'negatives' }))).toBeCloseTo(-0.2, 5);
    // τ = 0.5 doubles every logit: (−1.2 + 0.4) / 2.
    expect(await scalar(contrastiveLoss(tf.tensor2d(f, [3, 2]), cls, { tau: 0.5, denominator: 'negatives' }))).toBeCloseTo(-0.4, 5);
  });

  it('with positives in the denominator (the switch): log(1 + e^−0.6) and log(1 + e^0.2), averaged', async () => {
    const want = (Math.log(1 + Math.exp(-0.6)) + Math.log(1 + Math.exp(0.2))) / 2;
    expect(await scalar(contrastiveLoss(tf.tensor2d(f, [3, 2]), cls, { tau: 1, denominator: 'all' }))).toBeCloseTo(want, 5);
  });

  it('normalises the features first, and is 0 without any negative', async () => {
    const scaled = [3, 0, 0.6, 0.8, 0, 2];
    expect(await scalar(contrastiveLoss(tf.tensor2d(scaled, [3, 2]), cls, { tau: 1, denominator: 'negatives' }))).toBeCloseTo(-0.2, 5);
    expect(await scalar(contrastiveLoss(tf.tensor2d(f, [3, 2]), Int32Array.from([1, 1, 1]), { tau: 1, denominator: 'negatives' }))).toBe(0);
  });

  it('pulls same-class features together: its gradient lowers the loss', async () => {
    const x = tf.variable(tf.tensor2d(f, [3, 2]));
    const loss = () => contrastiveLoss(x, cls, { tau: 0.5, denominator: 'all' });
    const before = await scalar(loss());
    for (let s = 0; s < 20; s++) {
      const { grads } = tf.variableGrads(loss, [x]);
      x.assign(tf.sub(x, tf.mul(grads[x.name]!, 0.1)));
      tf.dispose(grads);
    }
    expect(await scalar(loss())).toBeLessThan(before - 0.05);
    x.dispose();
  });
});

describe('sampling voxels per class and stage', () => {
  it('draws up to λ_N eligible voxels per class at the cell centres, without repeats', () => {
    // A 4³ patch at a 2³ stage: cell (z, y, x) stands for full voxel (2z + 1, 2y + 1, 2x + 1).
    const classes = new Uint8Array(64);
    const eligible = new Uint8Array(64);
    const at = (z: number, y: number, x: number) => (z * 4 + y) * 4 + x;
    classes[at(1, 1, 1)] = 1;
    eligible[at(1, 1, 1)] = 1;
    classes[at(3, 3, 3)] = 2;
    eligible[at(3, 3, 3)] = 1;
    classes[at(3, 1, 1)] = 2; // eligible 0: a high-entropy voxel is never drawn
    classes[at(0, 0, 0)] = 1; // not a cell centre
    eligible[at(0, 0, 0)] = 1;
    const src: VoxelSource[] = [
      { classes, eligible },
      { classes, eligible },
    ];
    const s = sampleStageVoxels(src, { full: [4, 4, 4], stage: [2, 2, 2] }, [1, 2], 40, new Random(1));
    // Element 0: class 1 at cell 0, class 2 at cell 7; element 1 the same, offset by 8 cells.
    expect([...s.rows].sort((a, b) => a - b)).toEqual([0, 7, 8, 15]);
    expect(s.rows.length).toBe(s.classes.length);
    for (let n = 0; n < s.rows.length; n++) expect(s.classes[n]).toBe(s.rows[n]! % 8 === 0 ? 1 : 2);
    const capped = sampleStageVoxels(src, { full: [4, 4, 4], stage: [2, 2, 2] }, [1, 2], 1, new Random(1));
    expect([...capped.classes]).toEqual([1, 2]);
  });

  it('samples uniformly: every eligible voxel is drawn about equally often', () => {
    const classes = new Uint8Array(8).fill(1);
    const eligible = new Uint8Array(8).fill(1);
    const counts = new Array(8).fill(0);
    const rng = new Random(3);
    for (let t = 0; t < 4000; t++)
      for (const r of sampleStageVoxels([{ classes, eligible }], { full: [2, 2, 2], stage: [2, 2, 2] }, [1], 2, rng).rows) counts[r]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });
});

describe('gathering rows with a gradient on every backend', () => {
  it("matches tf.gather's value and gradient on cpu, and runs on wasm (which lacks UnsortedSegmentSum)", async () => {
    const x = tf.variable(tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]));
    const rows = Int32Array.from([2, 0]);
    const w = tf.tensor2d([1, -1, 2, 3], [2, 2]);
    const ours = tf.variableGrads(() => tf.sum(tf.mul(gatherRows(x, rows), w)), [x]);
    const theirs = tf.variableGrads(() => tf.sum(tf.mul(tf.gather(x, tf.tensor1d(rows, 'int32')), w)), [x]);
    expect(Array.from(await ours.grads[x.name]!.data())).toEqual(Array.from(await theirs.grads[x.name]!.data()));
    expect(Array.from(await ours.grads[x.name]!.data())).toEqual([2, 3, 0, 0, 1, -1, 0, 0]);
    await tf.setBackend('wasm');
    try {
      const xw = tf.variable(tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]));
      const g = tf.variableGrads(() => tf.sum(tf.mul(gatherRows(xw, rows), tf.tensor2d([1, -1, 2, 3], [2, 2]))), [xw]);
      expect(Array.from(await g.grads[xw.name]!.data())).toEqual([2, 3, 0, 0, 1, -1, 0, 0]);
      xw.dispose();
    } finally {
      await tf.setBackend('cpu');
    }
    x.dispose();
  });
});

describe('one stage of the alignment', () => {
  it('joins visual rows and projected prompts, and gives the projections and the features a gradient', async () => {
    const rng = new Random(2);
    const proj = createTextProjections(6, [4, 8], [0, 1], rng);
    const feats = tf.variable(tf.randomNormal([2, 2, 2, 2, 8], 0, 1, 'float32', 7));
    const textPos = tf.randomNormal([3, 6], 0, 1, 'float32', 8) as tf.Tensor2D;
    const textShape = tf.randomNormal([3, 6], 0, 1, 'float32', 9) as tf.Tensor2D;
    const sample = { rows: Int32Array.from([0, 3, 9, 12]), classes: Int32Array.from([1, 1, 2, 2]) };
    const { value, grads } = tf.variableGrads(
      () => stageAlignmentLoss(proj, 1, feats as unknown as tf.Tensor5D, sample, textPos, textShape, [1, 2], { tau: 0.1, denominator: 'negatives' }),
      [feats, ...proj.variables()],
    );
    expect(Number.isFinite(await scalar(value))).toBe(true);
    const g = (await grads[feats.name]!.data()) as Float32Array;
    // Only the drawn rows (of 16 voxels × 8 channels) get a gradient.
    for (let r = 0; r < 16; r++) {
      const norm = Math.hypot(...g.subarray(r * 8, r * 8 + 8));
      if ([0, 3, 9, 12].includes(r)) expect(norm).toBeGreaterThan(0);
      else expect(norm).toBe(0);
    }
    for (const name of proj.names().filter((n) => n.startsWith('tak.proj1.'))) {
      const v = proj.get(name);
      const gv = (await grads[v.name]!.data()) as Float32Array;
      expect(
        gv.some((x) => x !== 0),
        name,
      ).toBe(true);
      expect(gv.every(Number.isFinite), name).toBe(true);
    }
    tf.dispose(grads);
    feats.dispose();
    proj.dispose();
  });
});
