import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { presetConfig, type TrainConfig } from './config.ts';
import { boxMask } from './loop/boxMask.ts';
import { mixedLoss } from './loop/mixedLoss.ts';
import { mixKit } from './loop/mixKit.ts';
import { Trainer } from './Trainer.ts';
import { Trainer3D } from './Trainer3D.ts';
import { describedWorkspace } from './vlm/testing/describedWorkspace.ts';
import { bcp, bcpMix } from './methods/bcp.ts';
import { methodNamed } from './methods/registry.ts';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

const arr = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** Small BCP runs on the 32×32 described workspace: a few labeled slices per volume, the rest unlabeled. */
function bcpConfig(overrides: Parameters<typeof presetConfig>[1] = {}): TrainConfig {
  return presetConfig('bcp', {
    seed: 4,
    model: { width: 4, depth: 2 },
    patch: [16, 16],
    batchLabeled: 2,
    batchUnlabeled: 2,
    optimiser: { warmupSteps: 2 },
    bcp: { pretrainSteps: 0 },
    ...overrides,
  });
}

/** The workspace with only `perVolume` labeled slices per volume; the other slices' labels are kept (they must not matter). */
function fewSlices(seed: number, perVolume: number): TrainingVolume[] {
  return describedWorkspace(seed).map((v) => {
    const labeled = v.labeled.slice();
    const plane = v.dims[0] * v.dims[1];
    labeled.fill(0, perVolume * plane);
    return { ...v, labeled };
  });
}

describe('copy-paste masks', () => {
  it('zero a box of ⌊β·side⌋ along every axis, one per sample, 2D and 3D', () => {
    const m2 = boxMask(3, [9, 6], 2 / 3, new Random(1));
    for (let b = 0; b < 3; b++) expect(m2.subarray(b * 54, (b + 1) * 54).filter((x) => x === 0).length).toBe(6 * 4);
    const m3 = boxMask(2, [6, 9, 3], 2 / 3, new Random(2));
    const D = 6,
      H = 9,
      W = 3;
    for (let b = 0; b < 2; b++) {
      const zeros: [number, number, number][] = [];
      for (let d = 0; d < D; d++)
        for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) if (m3[b * D * H * W + (d * H + h) * W + w] === 0) zeros.push([d, h, w]);
      expect(zeros.length).toBe(4 * 6 * 2);
      // A box: the zeros span exactly 4 × 6 × 2 distinct positions along the axes.
      for (const [axis, side] of [
        [0, 4],
        [1, 6],
        [2, 2],
      ] as const)
        expect(new Set(zeros.map((z) => z[axis])).size).toBe(side);
    }
    expect(() => boxMask(1, [4, 4], 1.5, new Random(1))).toThrow(/ratio/);
  });
});

describe('bcp mixing', () => {
  it('pastes images and labels exactly, in both directions, from four different samples', () => {
    const n = 2;
    const [h, w, K] = [3, 3, 2];
    const px = h * w;
    const xl = tf.tensor4d(
      Array.from({ length: n * px }, (_, i) => 1 + i),
      [n, h, w, 1],
    );
    const xu = tf.tensor4d(
      Array.from({ length: n * px }, (_, i) => 100 + i),
      [n, h, w, 1],
    );
    // Labeled class 1 everywhere; the teacher says class 0 everywhere; the second labeled sample's last pixel unlabeled.
    const yl = tf.tensor4d(Array.from({ length: n * px }, () => [0, 1]).flat(), [n, h, w, K]);
    const ml = tf.tensor4d(
      Array.from({ length: n * px }, (_, i) => (i === n * px - 1 ? 0 : 1)),
      [n, h, w, 1],
    );
    const probs = tf.tensor4d(Array.from({ length: n * px }, () => [0.7, 0.3]).flat(), [n, h, w, K]);
    const cfg = presetConfig('bcp');
    const mixed = bcpMix(mixKit(new Random(9)), { labeled: { x: xl, y: yl, m: ml }, unlabeled: { x: xu, teacherProbs: probs } }, cfg);
    // The same stream gives the same boxes: M of each pair, 1 outside a 2×2 box.
    const M = boxMask(n, [h, w], 2 / 3, new Random(9));
    expect(M.filter((v) => v === 0).length).toBe(n * 4);
    const L = arr(xl),
      U = arr(xu),
      m = arr(ml);
    const x = arr(mixed.x);
    expect(mixed.x.shape).toEqual([2 * n, h, w, 1]);
    for (let b = 0; b < n; b++) {
      const next = (b + 1) % n;
      for (let p = 0; p < px; p++) {
        const inside = M[b * px + p] === 0;
        // X^in = X^l ⊙ M + X^u ⊙ (1 − M); X^out = X^u' ⊙ M + X^l' ⊙ (1 − M) with the next pair.
        expect(x[b * px + p]).toBe(inside ? U[b * px + p] : L[b * px + p]);
        expect(x[(n + b) * px + p]).toBe(inside ? L[next * px + p] : U[next * px + p]);
        // Ground truth counts where the voxel came from a labeled sample and was labeled there; pseudo-labels elsewhere.
        expect(arr(mixed.truth.m)[b * px + p]).toBe(inside ? 0 : m[b * px + p]);
        expect(arr(mixed.truth.m)[(n + b) * px + p]).toBe(inside ? m[next * px + p] : 0);
        expect(arr(mixed.pseudo!.m)[b * px + p]).toBe(inside ? 1 : 0);
        expect(arr(mixed.pseudo!.m)[(n + b) * px + p]).toBe(inside ? 0 : 1);
      }
    }
    // Pseudo-labels are the teacher's argmax (class 0), ground truth the labeled one-hot (class 1).
    expect(
      arr(mixed.pseudo!.y)
        .filter((_, i) => i % K === 0)
        .every((v) => v === 1),
    ).toBe(true);
    expect(
      arr(mixed.truth.y)
        .filter((_, i) => i % K === 1)
        .every((v) => v === 1),
    ).toBe(true);
  });

  it('without unlabeled samples pastes labeled ones into each other, all ground truth', () => {
    const xl = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19], [2, 3, 3, 1]);
    const yl = tf.oneHot(tf.tensor1d([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1], 'int32'), 2).reshape([2, 3, 3, 2]);
    const ml = tf.ones([2, 3, 3, 1]);
    const mixed = bcpMix(mixKit(new Random(3)), { labeled: { x: xl, y: yl, m: ml }, unlabeled: null }, presetConfig('bcp'));
    const M = boxMask(2, [3, 3], 2 / 3, new Random(3));
    const x = arr(mixed.x),
      y = arr(mixed.truth.y),
      L = arr(xl);
    for (let i = 0; i < 18; i++) {
      const other = (i + 9) % 18;
      expect(x[i]).toBe(M[i] === 1 ? L[i] : L[other]);
      // The label moves with the pixel: class 1 exactly where the pixel came from the second image.
      expect(y[2 * i + 1]).toBe((M[i] === 1 ? i : other) >= 9 ? 1 : 0);
    }
    expect(arr(mixed.truth.m).every((v) => v === 1)).toBe(true);
    expect(mixed.pseudo).toBeNull();
  });
});

describe('bcp loss', () => {
  it('weights the pseudo-labeled voxels by α and the ground-truth ones by 1', () => {
    const rng = new Random(5);
    const logits = tf.tensor4d(
      Array.from({ length: 2 * 4 * 4 * 3 }, () => rng.normal()),
      [2, 4, 4, 3],
    );
    const mixed = bcpMix(
      mixKit(new Random(6)),
      {
        labeled: { x: tf.ones([1, 4, 4, 1]), y: tf.oneHot(tf.fill([1, 4, 4], 1, 'int32'), 3), m: tf.ones([1, 4, 4, 1]) },
        unlabeled: { x: tf.zeros([1, 4, 4, 1]), teacherProbs: tf.oneHot(tf.fill([1, 4, 4], 2, 'int32'), 3).toFloat() },
      },
      presetConfig('bcp'),
    );
    const sup = presetConfig('bcp').supervised;
    const at = (a: number) => mixedLoss(logits, mixed, a, sup);
    const half = at(0.5),
      none = at(0),
      one = at(1);
    const value = (s: tf.Scalar) => s.dataSync()[0]!;
    expect(value(half.pseudo)).toBeGreaterThan(0.1);
    expect(value(none.total)).toBeCloseTo(value(half.ce) + value(half.dice), 5);
    expect(value(half.total)).toBeCloseTo(value(none.total) + 0.5 * value(half.pseudo), 5);
    expect(value(one.total)).toBeCloseTo(value(none.total) + value(half.pseudo), 5);
  });

  it('a step reports α as λ_u and adds α times the pseudo-label term; the warm-up has none', async () => {
    for (const alpha of [0.5, 0.25]) {
      const trainer = new Trainer(fewSlices(2, 2), 3, bcpConfig({ bcp: { alpha, pretrainSteps: 1 } }));
      const warm = await trainer.trainStep();
      expect(warm.lambdaU).toBe(0);
      expect(warm.losses.consistency).toBe(0);
      const r = await trainer.trainStep();
      trainer.dispose();
      expect(r.lambdaU).toBe(alpha);
      expect(r.losses.consistency).toBeGreaterThan(0);
      expect(r.losses.total).toBeCloseTo(r.losses.ce + r.losses.dice + alpha * r.losses.consistency, 4);
    }
  }, 60_000);
});

describe('bcp in the loop', () => {
  it('is a registered method on either network, with the paper’s defaults', () => {
    expect(methodNamed('bcp')).toBe(bcp);
    expect(bcp.network).toBeNull();
    const cfg = presetConfig('bcp');
    expect(cfg.bcp).toMatchObject({ alpha: 0.5, boxRatio: 2 / 3 });
    expect(cfg.ema).toMatchObject({ enabled: true, alpha: 0.99 });
  });

  it('keeps tensor count and memory flat across steps, through the end of the warm-up', async () => {
    const trainer = new Trainer(fewSlices(2, 2), 3, bcpConfig({ bcp: { pretrainSteps: 2 } }));
    await trainer.trainStep();
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let s = 0; s < 4; s++) {
      await trainer.trainStep();
      expect(tf.memory().numTensors, `step ${s + 2}`).toBe(tensors);
      expect(tf.memory().numBytes, `step ${s + 2}`).toBe(bytes);
    }
    trainer.dispose();
  }, 60_000);

  it('trains the 3D network too, pasting cuboids', async () => {
    // Two 12³ volumes with a bright ball; three labeled slices of the first, the second unlabeled.
    const n = 12;
    const rng = new Random(8);
    const volumes: TrainingVolume[] = [0, 1].map((v) => {
      const image = new Float32Array(n ** 3);
      const labels = new Uint8Array(n ** 3);
      const labeled = new Uint8Array(n ** 3);
      for (let p = 0; p < n ** 3; p++) {
        const [i, j, k] = [p % n, Math.floor(p / n) % n, Math.floor(p / n / n)];
        const inside = (i - 5 - v) ** 2 + (j - 6) ** 2 + (k - 6) ** 2 <= 8;
        image[p] = 0.3 * rng.normal() + (inside ? 2 : 0);
        labels[p] = inside && v === 0 ? 1 : 0;
        labeled[p] = v === 0 && [4, 6, 8].includes(k) ? 1 : 0;
      }
      return { id: `v${v}`, dims: [n, n, n], spacing: [1, 1, 1], channels: 1, image, labels, labeled };
    });
    const cfg = presetConfig('bcp', {
      seed: 3,
      model: { kind: '3d', width: 4, depth: 2 },
      patch3d: [8, 8, 8],
      batchLabeled: 2,
      batchUnlabeled: 2,
      bcp: { pretrainSteps: 1 },
      validation: { fraction: 0, minLabeledSlices: 1000 },
    });
    const trainer = new Trainer3D(volumes, 2, cfg);
    const warm = await trainer.trainStep();
    const r = await trainer.trainStep();
    trainer.dispose();
    expect(warm.lambdaU).toBe(0);
    expect(r.lambdaU).toBe(0.5);
    expect(r.losses.consistency).toBeGreaterThan(0);
    expect(r.losses.total).toBeCloseTo(r.losses.ce + r.losses.dice + 0.5 * r.losses.consistency, 4);
  }, 60_000);

  it('never reads the labels of unlabeled slices', async () => {
    const run = async (scramble: boolean): Promise<number[]> => {
      const volumes = fewSlices(3, 2).map((v) => {
        if (!scramble) return v;
        const labels = v.labels.map((c, i) => (v.labeled[i] ? c : (c + 1) % 3));
        return { ...v, labels };
      });
      const trainer = new Trainer(volumes, 3, bcpConfig());
      const out: number[] = [];
      for (let s = 0; s < 3; s++) out.push((await trainer.trainStep()).losses.total);
      trainer.dispose();
      return out;
    };
    expect(await run(true)).toEqual(await run(false));
  }, 60_000);

  it('restarts the teacher from the student when the warm-up ends', async () => {
    const trainer = new Trainer(fewSlices(2, 2), 3, bcpConfig({ bcp: { pretrainSteps: 2 } }));
    await trainer.trainStep();
    await trainer.trainStep();
    const flat = async (p: { toArrays(): Promise<{ values: Float32Array }[]> }) => (await p.toArrays()).flatMap((a) => Array.from(a.values));
    const s2 = await flat(trainer.student);
    const t2 = await flat(trainer.teacher!);
    await trainer.trainStep();
    const s3 = await flat(trainer.student);
    const t3 = await flat(trainer.teacher!);
    trainer.dispose();
    // After the step, the teacher is a·θ_s(2) + (1 − a)·θ_s(3) for one a: it restarted from θ_s(2), not from t2.
    let num = 0,
      den = 0;
    for (let i = 0; i < s2.length; i++) {
      num += (t3[i]! - s3[i]!) * (s2[i]! - s3[i]!);
      den += (s2[i]! - s3[i]!) ** 2;
    }
    const a = num / den;
    expect(a).toBeGreaterThan(0);
    expect(a).toBeLessThan(1);
    const residual = Math.max(...t3.map((t, i) => Math.abs(t - (a * s2[i]! + (1 - a) * s3[i]!))));
    expect(residual).toBeLessThan(2e-5);
    // …which the fit could not tell apart were the old teacher as close to the student as this residual.
    expect(Math.max(...t2.map((t, i) => Math.abs(t - s2[i]!)))).toBeGreaterThan(1e-4);
  }, 60_000);

  it('learns a toy segmentation from two labeled slices per volume', async () => {
    // Whole 32×32 slices and a high rate, so 30 steps on the WebAssembly backend are enough to find the disc (class 1); the
    // thin bar (class 2) takes far longer for every method and is not asserted.
    const cfg = bcpConfig({
      patch: [32, 32],
      optimiser: { warmupSteps: 2, lr: 0.01 },
      bcp: { pretrainSteps: 10 },
      validation: { fraction: 0.25, minLabeledSlices: 4 },
    });
    const trainer = new Trainer(fewSlices(5, 2), 3, cfg);
    const disc = async () => (await trainer.validate()).dice[0] ?? 0;
    const before = await disc();
    const losses: number[] = [];
    for (let s = 0; s < 30; s++) losses.push((await trainer.trainStep()).losses.ce);
    const after = await disc();
    trainer.dispose();
    expect(after).toBeGreaterThan(0.6);
    expect(after).toBeGreaterThan(before + 0.3);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)));
  }, 480_000);
});
