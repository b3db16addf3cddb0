import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { Params } from '../model/params.ts';
import { Adam, learningRate } from './adam.ts';
import { emaDecay, emaUpdate } from './ema.ts';
import { maskedCrossEntropy, maskedSoftDice, pseudoLabelCrossEntropy, sigmoidRampUp, softmaxMse } from './losses.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const val = async (t: tf.Tensor): Promise<number> => (await t.data())[0]!;

describe('losses against hand-computed values', () => {
  // Two voxels, two classes. Voxel 0: logits (0, ln 3) → p = (0.25, 0.75), truth class 1. Voxel 1: logits (0, 0)
  // → p = (0.5, 0.5), truth class 0.
  const logits = tf.tensor([0, Math.log(3), 0, 0], [1, 2, 2]);
  const target = tf.tensor([0, 1, 1, 0], [1, 2, 2]);

  it('cross-entropy averages −log p_true over labeled voxels only', async () => {
    const both = tf.tensor([1, 1], [1, 2, 1]);
    expect(await val(maskedCrossEntropy(logits, target, both))).toBeCloseTo((-Math.log(0.75) - Math.log(0.5)) / 2, 6);
    const first = tf.tensor([1, 0], [1, 2, 1]);
    expect(await val(maskedCrossEntropy(logits, target, first))).toBeCloseTo(-Math.log(0.75), 6);
    const none = tf.tensor([0, 0], [1, 2, 1]);
    expect(await val(maskedCrossEntropy(logits, target, none))).toBe(0);
  });

  it('soft Dice over foreground classes (and with background)', async () => {
    const probs = tf.softmax(logits);
    const mask = tf.tensor([1, 1], [1, 2, 1]);
    // Class 1: inter = 0.75, sums = (0.75 + 0.5) + (1 + 0) → dice = 1.5 / 2.25.
    const eps = 1e-5;
    expect(await val(maskedSoftDice(probs, target, mask, { includeBackground: false, eps }))).toBeCloseTo(1 - (1.5 + eps) / (2.25 + eps), 6);
    // Class 0: inter = 0.5, sums = (0.25 + 0.5) + 1 → dice = 1 / 1.75.
    const both = 1 - ((1.5 + eps) / (2.25 + eps) + (1 + eps) / (1.75 + eps)) / 2;
    expect(await val(maskedSoftDice(probs, target, mask, { includeBackground: true, eps }))).toBeCloseTo(both, 6);
  });

  it('softmax MSE between student and teacher, and no gradient into the teacher', async () => {
    const teacher = tf.tensor([0.5, 0.5, 0.5, 0.5], [1, 2, 2]);
    // Student p = (0.25, 0.75), (0.5, 0.5) → squared differences 0.0625 × 2 + 0 → mean over 4 = 0.03125.
    expect(await val(softmaxMse(logits, teacher))).toBeCloseTo(0.03125, 7);
    const g = tf.grad((t: tf.Tensor) => softmaxMse(logits, t))(teacher);
    expect(Array.from(await g.data())).toEqual([0, 0, 0, 0]);
  });

  it("pseudo-label CE uses the teacher's confident argmax only", async () => {
    const teacher = tf.tensor([0.1, 0.9, 0.55, 0.45], [1, 2, 2]);
    // Voxel 0 pseudo-label 1 (conf 0.9): −log 0.75. Voxel 1 pseudo-label 0 (conf 0.55).
    expect(await val(pseudoLabelCrossEntropy(logits, teacher, 0))).toBeCloseTo((-Math.log(0.75) - Math.log(0.5)) / 2, 6);
    expect(await val(pseudoLabelCrossEntropy(logits, teacher, 0.6))).toBeCloseTo(-Math.log(0.75), 6);
  });

  it('ramps up from exp(−5) to 1', () => {
    expect(sigmoidRampUp(0, 100)).toBeCloseTo(Math.exp(-5), 12);
    expect(sigmoidRampUp(50, 100)).toBeCloseTo(Math.exp(-1.25), 12);
    expect(sigmoidRampUp(150, 100)).toBe(1);
    expect(sigmoidRampUp(3, 0)).toBe(1);
  });
});

describe('partial labels', () => {
  it('an unlabeled slice contributes nothing to the supervised loss, whatever its content', async () => {
    const rng = new Random(3);
    const logits = tf.tensor(
      Float32Array.from({ length: 2 * 4 * 4 * 3 }, () => rng.normal()),
      [2, 4, 4, 3],
    );
    const labels = Float32Array.from({ length: 2 * 4 * 4 }, () => rng.int(0, 2));
    const target = tf.oneHot(tf.tensor(labels, [2, 4, 4], 'int32'), 3).toFloat();
    // Slice 0 labeled, slice 1 not.
    const mask = tf.concat([tf.ones([1, 4, 4, 1]), tf.zeros([1, 4, 4, 1])]);
    const garbage = tf.concat([tf.slice(target, [0, 0, 0, 0], [1, -1, -1, -1]), tf.oneHot(tf.fill([1, 4, 4], 2, 'int32'), 3).toFloat()]);
    for (const f of [maskedCrossEntropy, (l: tf.Tensor, t: tf.Tensor, m: tf.Tensor) => maskedSoftDice(tf.softmax(l), t, m)]) {
      expect(await val(f(logits, target, mask))).toBeCloseTo(await val(f(logits, garbage, mask)), 6);
      const g = await tf
        .grad((l: tf.Tensor) => f(l, target, mask))(logits)
        .data();
      const second = g.slice(4 * 4 * 3);
      expect(second.every((v) => v === 0)).toBe(true);
    }
  });
});

describe('EMA teacher and Adam', () => {
  it('uses the true average early and α later', () => {
    expect(emaDecay(0, 0.99)).toBe(0);
    expect(emaDecay(1, 0.99)).toBe(0.5);
    expect(emaDecay(9, 0.99)).toBeCloseTo(0.9, 12);
    expect(emaDecay(1000, 0.99)).toBe(0.99);
  });

  it('moves the teacher towards the student: θt ← a θt + (1 − a) θs', async () => {
    const s = new Params();
    s.add('w', tf.tensor([2, 4]));
    const t = s.clone();
    s.get('w').assign(tf.tensor([4, 8]));
    emaUpdate(t, s, 0, 0.99); // a = 0: teacher becomes the student
    expect(Array.from(await t.get('w').data())).toEqual([4, 8]);
    s.get('w').assign(tf.tensor([0, 0]));
    emaUpdate(t, s, 3, 0.99); // a = 0.75
    expect(Array.from(await t.get('w').data())).toEqual([3, 6]);
  });

  it('Adam takes the textbook first step (−lr·sign(g)) and checkpoints its moments', async () => {
    const p = new Params();
    p.add('w', tf.tensor([1, -1, 0.5]));
    const opt = new Adam(p, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    opt.apply(new Map([['w', tf.tensor([0.3, -2, 0])]]), 0.1);
    const w = Array.from(await p.get('w').data());
    expect(w[0]).toBeCloseTo(0.9, 6);
    expect(w[1]).toBeCloseTo(-0.9, 6);
    expect(w[2]).toBeCloseTo(0.5, 6);
    const saved = await opt.toArrays();
    expect(saved.step).toBe(1);
    [0.03, -0.2, 0].forEach((m, n) => expect(saved.m[0]!.values[n]).toBeCloseTo(m, 7));
  });

  it('warms up and decays the learning rate', () => {
    const s = { lr: 1e-3, warmupSteps: 10, kind: 'cosine' as const, totalSteps: 110, minFactor: 0.1 };
    expect(learningRate(0, s)).toBeCloseTo(1e-4, 12);
    expect(learningRate(10, s)).toBeCloseTo(1e-3, 12);
    expect(learningRate(60, s)).toBeCloseTo(1e-3 * (0.1 + 0.9 * 0.5), 12);
    expect(learningRate(110, s)).toBeCloseTo(1e-4, 12);
    expect(learningRate(500, { ...s, kind: 'constant' })).toBe(1e-3);
  });
});
