import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { presetConfig, type PresetName } from './config.ts';
import { Trainer3D, type TakTextVectors } from './Trainer3D.ts';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

/**
 * Small volumes with a bright ball (class 1) and a dark bar (class 2) in noise; `labeledSlices` of the first volume
 * carry labels, the second volume none: partial labels, the app's normal case.
 */
function workspace(labeledSlices: number[]): TrainingVolume[] {
  const rng = new Random(5);
  const [ni, nj, nk] = [16, 16, 16];
  return [0, 1].map((v) => {
    const image = new Float32Array(ni * nj * nk);
    const labels = new Uint8Array(ni * nj * nk);
    const labeled = new Uint8Array(ni * nj * nk);
    const [ci, cj, ck] = [6 + v * 3, 8, 7];
    for (let k = 0; k < nk; k++) {
      for (let j = 0; j < nj; j++) {
        for (let i = 0; i < ni; i++) {
          const p = (k * nj + j) * ni + i;
          let x = 0.3 * rng.normal();
          if ((i - ci) ** 2 + (j - cj) ** 2 + (k - ck) ** 2 <= 9) {
            x += 2;
            labels[p] = 1;
          } else if (j >= 12 && j < 14 && i >= 3 && i < 13 && k >= 4 && k < 12) {
            x -= 2;
            labels[p] = 2;
          }
          image[p] = x;
          if (v === 0 && labeledSlices.includes(k)) labeled[p] = 1;
        }
      }
    }
    return {
      id: `v${v}`,
      dims: [ni, nj, nk],
      spacing: [1, 1, 1],
      channels: 1,
      image,
      labels: v === 0 ? labels : new Uint8Array(labels.length),
      labeled,
      truth: labels,
    } as TrainingVolume & { truth: Uint8Array };
  });
}

function takTexts(K: number, dim = 12, seed = 11): TakTextVectors {
  const rng = new Random(seed);
  const vec = () => Float32Array.from({ length: K * dim }, () => rng.normal());
  return { dim, position: vec(), shape: vec(), encoder: 'test vectors' };
}

function trainer(preset: PresetName, labeledSlices: number[], overrides = {}) {
  const volumes = workspace(labeledSlices);
  const cfg = presetConfig(preset, {
    seed: 3,
    model: { kind: '3d', width: 4, depth: 2 },
    patch3d: [8, 8, 8],
    batchLabeled: 2,
    batchUnlabeled: 2,
    optimiser: { lr: 3e-3, warmupSteps: 5 },
    consistency: { rampUpSteps: 0 },
    validation: { fraction: 0, minLabeledSlices: 1000 },
    tak: { conWarmupSteps: 2, samplesPerClass: 8 },
    ...overrides,
  });
  return { volumes, t: new Trainer3D(volumes, 3, cfg) };
}

describe('3D training (V-Net teacher–student)', () => {
  it('learns from a few labeled slices: loss falls, nothing leaks, slices are predicted with 3D context', async () => {
    const { t } = trainer('mean-teacher', [5, 7, 9]);
    expect(t.patch).toEqual([8, 8, 8]);
    expect(t.pools.labeled.length).toBe(3);
    const first = await t.trainStep();
    const tensors = tf.memory().numTensors;
    const losses = [first.losses.total];
    for (let s = 0; s < 40; s++) {
      const r = await t.trainStep();
      losses.push(r.losses.total);
      expect(r.losses.consistency).toBeGreaterThanOrEqual(0);
      expect(tf.memory().numTensors, `step ${s}`).toBe(tensors);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.7 * mean(losses.slice(0, 5)));
    const preds = await t.predictSlices(1, [7, 0, 15]);
    expect(preds.map((p) => p.k)).toEqual([7, 0, 15]);
    for (const p of preds) {
      expect(p.probs).toHaveLength(16 * 16 * 3);
      for (let q = 0; q < 256; q += 17) expect(p.probs[3 * q]! + p.probs[3 * q + 1]! + p.probs[3 * q + 2]!).toBeCloseTo(1, 4);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    const all = await t.predictVolumeClasses(t['volumes'][1]!, undefined, undefined);
    expect(all).toHaveLength(16 * 16 * 16);
    t.dispose();
  }, 120_000);

  it('tak: the text-driven head trains, L_con joins after its warm-up, and re-encoded prompts change the output', async () => {
    const { t } = trainer('tak', [5, 7, 9]);
    await expect(t.trainStep()).rejects.toThrow(/class prompts/);
    const before = t.student.count();
    t.attachTakTexts(takTexts(3));
    expect(t.student.count()).toBeGreaterThan(before);
    const reports = [];
    for (let s = 0; s < 6; s++) reports.push(await t.trainStep());
    expect(reports[0]!.tak).toEqual({ con: 0, lambdaC: 0 });
    const late = reports.slice(2);
    for (const r of late) {
      expect(r.tak!.lambdaC).toBe(0.1);
      expect(Number.isFinite(r.tak!.con)).toBe(true);
      expect(r.tak!.con).not.toBe(0);
    }
    const [a] = await t.predictSlices(0, [7]);
    t.attachTakTexts(takTexts(3, 12, 12));
    const [b] = await t.predictSlices(0, [7]);
    expect(Array.from(a!.probs)).not.toEqual(Array.from(b!.probs));
    expect(() => t.attachTakTexts(takTexts(3, 10))).toThrow(/12-wide/);
    t.dispose();
  }, 120_000);

  it('segments an unseen volume after 50 steps: Dice of both structures above 0.5', async () => {
    const volumes = workspace([...Array(16).keys()]);
    const truth = (volumes[1] as TrainingVolume & { truth: Uint8Array }).truth;
    const cfg = presetConfig('supervised', {
      seed: 3,
      model: { kind: '3d', width: 4, depth: 2 },
      patch3d: [8, 16, 16],
      batchLabeled: 2,
      optimiser: { lr: 3e-3, warmupSteps: 5 },
      validation: { fraction: 0, minLabeledSlices: 1000 },
    });
    const t = new Trainer3D([volumes[0]!], 3, cfg);
    for (let s = 0; s < 50; s++) await t.trainStep();
    const pred = (await t.predictVolumeClasses(volumes[1]!))!;
    for (const c of [1, 2]) {
      let inter = 0;
      let sum = 0;
      for (let p = 0; p < truth.length; p++) {
        if (pred[p] === c && truth[p] === c) inter++;
        if (pred[p] === c) sum++;
        if (truth[p] === c) sum++;
      }
      expect((2 * inter) / sum, `class ${c}`).toBeGreaterThan(0.5);
    }
    t.dispose();
  }, 120_000);

  it('keeps held-out slices out of training and scores them', async () => {
    const { t } = trainer('supervised', [2, 4, 6, 8, 10, 12], { validation: { fraction: 0.34, minLabeledSlices: 3 } });
    expect(t.pools.validation.length).toBe(2);
    const trainMask = t['trainVolumes'][0]!.labeled;
    for (const s of t.pools.validation) expect(trainMask.subarray(s.k * 256, (s.k + 1) * 256).every((x) => x === 0)).toBe(true);
    for (let s = 0; s < 5; s++) await t.trainStep();
    const v = await t.validate();
    expect(v.slices).toBe(2);
    expect(v.dice).toHaveLength(2);
    t.dispose();
  }, 120_000);
});
