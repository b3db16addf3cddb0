import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../data/random.ts';
import { expectEveryInputGradient } from '../../model/testing/gradientChecks.ts';
import { randomTensor } from '../../model/testing/tensors.ts';
import { globalSemanticLoss, glscLoss, localSemanticLoss, patchTextCosine, patchTextVariance, type GlscInputs } from './glscLoss.ts';
import { arr, expectClose, lse, val } from './testing/tensorValues.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Three images with two patches each, three texts, 2-d. Texts T = (1,0), (0,1), (−1,0).
// Patches (scaled on purpose: only directions matter):
//   image 0: (2,0) → cos (1, 0, −1);        (2,2) → cos (r, r, −r), r = 1/√2
//   image 1: (0,3) → cos (0, 1, 0);         (1,0) → cos (1, 0, −1)
//   image 2: (0,1) → cos (0, 1, 0);         (−5,0) → cos (−1, 0, 1)
// σ_k² (eq 1) = variance over j ≠ i (population):
//   image 0 (texts 1, 2): {0, −1} → 0.25;    {r, −r} → 0.5
//   image 1 (texts 0, 2): {0, 0}  → 0;       {1, −1} → 1
//   image 2 (texts 0, 1): {0, 1}  → 0.25;    {−1, 0} → 0.25
// Unbiased (÷ 1 instead of ÷ 2): twice those.
const r = Math.SQRT1_2;
const patches = tf.tensor3d([2, 0, 2, 2, 0, 3, 1, 0, 0, 1, -5, 0], [3, 2, 2]);
const texts = tf.tensor2d([1, 0, 0, 1, -1, 0], [3, 2]);
const COS = [
  [
    [1, 0, -1],
    [r, r, -r],
  ],
  [
    [0, 1, 0],
    [1, 0, -1],
  ],
  [
    [0, 1, 0],
    [-1, 0, 1],
  ],
];
const VAR = [0.25, 0.5, 0, 1, 0.25, 0.25];

/** Eq 2 by hand: mean over (i, k) of log Σ_j exp(w_ik cos_ikj / τ) − w_ik cos_iki / τ. */
const lsByHand = (weights: number[][], tau: number): number => {
  let sum = 0;
  COS.forEach((img, i) =>
    img.forEach((row, k) => {
      const w = weights[i]![k]! / tau;
      sum += lse(row.map((c) => w * c)) - w * row[i]!;
    }),
  );
  return sum / 6;
};

describe('GLsc local semantic constraint (PromptSSL eq 1–2)', () => {
  it('patch–text cosines and σ_k² of eq 1, biased and unbiased', async () => {
    expectClose(await arr(patchTextCosine(patches, texts)), COS.flat(2));
    const cos = patchTextCosine(patches, texts);
    expectClose(await arr(patchTextVariance(cos)), VAR);
    expectClose(
      await arr(patchTextVariance(cos, true)),
      VAR.map((v) => 2 * v),
    );
    // A batch of two has one mismatched text: population variance 0; unbiased undefined → 0 (the floor then applies).
    const two = patchTextCosine(tf.slice(patches, [0, 0, 0], [2, -1, -1]) as tf.Tensor3D, tf.slice(texts, [0, 0], [2, -1]) as tf.Tensor2D);
    expectClose(await arr(patchTextVariance(two)), [0, 0, 0, 0]);
    expectClose(await arr(patchTextVariance(two, true)), [0, 0, 0, 0]);
  });

  it('L_LS with logits sim/(σ_k² τ), σ_k² floored at 1e-3', async () => {
    // Weights 1/σ²: image 0 (4, 2), image 1 (1/1e-3 = 1000, 1), image 2 (4, 4). τ = 0.5.
    const weights = [
      [4, 2],
      [1000, 1],
      [4, 4],
    ];
    const got = await val(localSemanticLoss(patches, texts, { logTau: tf.scalar(Math.log(0.5)) }));
    expect(got).toBeCloseTo(lsByHand(weights, 0.5), 5);
    // A larger floor binds on more patches: 0.3 → image 0 (1/0.3, 2), image 1 (1/0.3, 1), image 2 (1/0.3, 1/0.3).
    const f = 1 / 0.3;
    const floored = await val(localSemanticLoss(patches, texts, { tau: tf.scalar(0.5) }, { sigmaSqFloor: 0.3 }));
    expect(floored).toBeCloseTo(
      lsByHand(
        [
          [f, 2],
          [f, 1],
          [f, f],
        ],
        0.5,
      ),
      5,
    );
  });

  it("the mean-over-patches normalisation keeps each image's mean weight at 1", async () => {
    // Image 0: (4, 2)/3; image 1: (1000, 1)/500.5; image 2: (4, 4)/4.
    const weights = [
      [4 / 3, 2 / 3],
      [1000 / 500.5, 1 / 500.5],
      [1, 1],
    ];
    const got = await val(localSemanticLoss(patches, texts, { tau: tf.scalar(1) }, { weightNormalization: 'meanOverPatches' }));
    expect(got).toBeCloseTo(lsByHand(weights, 1), 5);
  });

  it('σ_k² carries no gradient: same gradient as with the weights held constant', async () => {
    const w = tf.tensor3d([4, 2, 1000, 1, 4, 4], [3, 2, 1]);
    const eye = tf.reshape(tf.eye(3), [3, 1, 3]);
    const constant = (p: tf.Tensor) => {
      const logits = tf.mul(patchTextCosine(p as tf.Tensor3D, texts), w);
      return tf.mean(tf.sub(tf.logSumExp(logits, -1), tf.sum(tf.mul(logits, eye), -1)));
    };
    const g = await arr(tf.grad((p: tf.Tensor) => localSemanticLoss(p as tf.Tensor3D, texts, { tau: tf.scalar(1) }))(patches));
    const want = await arr(tf.grad(constant)(patches));
    expectClose(g, want, 5);
  });
});

// Two image–text pairs for L_GS. Images (1,0), (0,1); texts (0.6,0.8), (−0.6,0.8): cos = 0.6, −0.6, 0.8, 0.8 and,
// on unit vectors, D_s² = 2 − 2 cos = 0.8, 3.2, 0.4, 0.4. Heads as in uncertainty.node.test.ts: D_2W = 1, 6, 2, 3;
// a = 0.5, b = 1 → D_u = 1.5, 4, 2, 2.5. λ = 1, τ = 0.5.
const COS_GS = [0.6, -0.6, 0.8, 0.8];
const DS_GS = [0.8, 3.2, 0.4, 0.4].map(Math.sqrt);
const DU_GS = [1.5, 4, 2, 2.5];
const SIMHAT = COS_GS.map((c, n) => 1 - (1 - c) * Math.exp(-DU_GS[n]! / DS_GS[n]!));

/** Two-way InfoNCE on a 2×2 matrix m (row-major) at temperature τ: [image→text, text→image]. */
const twoWay = (m: number[], tau: number): [number, number] => {
  const L = m.map((x) => x / tau);
  const i2t = (lse([L[0]!, L[1]!]) - L[0]! + lse([L[2]!, L[3]!]) - L[3]!) / 2;
  const t2i = (lse([L[0]!, L[2]!]) - L[0]! + lse([L[1]!, L[3]!]) - L[3]!) / 2;
  return [i2t, t2i];
};

const gsInputs = (): GlscInputs => ({
  patchTokens: tf.tensor3d([1, 0, 0.6, 0.8, 0, 1, -0.6, 0.8], [2, 2, 2]),
  imageEmb: tf.tensor2d([1, 0, 0, 1], [2, 2]),
  textEmb: tf.tensor2d([0.6, 0.8, -0.6, 0.8], [2, 2]),
  imageMu: tf.tensor2d([0, 0, 1, 1], [2, 2]),
  imageSigma: tf.tensor2d([1, 1, 1, 2], [2, 2]),
  textMu: tf.tensor2d([1, 0, 0, 2], [2, 2]),
  textSigma: tf.tensor2d([1, 1, 2, 2], [2, 2]),
  logTau: tf.scalar(Math.log(0.5)),
  a: 0.5,
  b: 1,
  lambda: 1,
});

describe('GLsc global semantic constraint (PromptSSL eq 3–7)', () => {
  it('L_GS = −E_(I,T) − E_(T,I) on ŝim/τ', async () => {
    const [i2t, t2i] = twoWay(SIMHAT, 0.5);
    expect(await val(globalSemanticLoss(gsInputs()))).toBeCloseTo(i2t + t2i, 5);
  });

  it('glscLoss = w_ls·L_LS + w_gs·L_GS', async () => {
    const inputs = { ...gsInputs(), weights: { ls: 0.5, gs: 2 } };
    const out = glscLoss(inputs);
    // Patches of image 0: (1,0), (0.6,0.8) → cos with texts (0.6, −0.6), (1, 0.28); image 1: (0,1), (−0.6,0.8) →
    // (0.8, 0.8), (0.28, 1). Batch of two: σ² = 0 → floor 1e-3 → weight 1000 everywhere.
    const cos = [
      [
        [0.6, -0.6],
        [1, 0.28],
      ],
      [
        [0.8, 0.8],
        [0.28, 1],
      ],
    ];
    let ls = 0;
    cos.forEach((img, i) => img.forEach((row) => (ls += lse(row.map((c) => (1000 * c) / 0.5)) - (1000 * row[i]!) / 0.5)));
    ls /= 4;
    const [i2t, t2i] = twoWay(SIMHAT, 0.5);
    expect(await val(out.ls)).toBeCloseTo(ls, 3);
    expect(await val(out.gs)).toBeCloseTo(i2t + t2i, 5);
    expect(await val(out.total)).toBeCloseTo(0.5 * (await val(out.ls)) + 2 * (await val(out.gs)), 5);
  });

  it('reports the mean D̂_u over the pairs; far-apart Gaussians silence the term at ln 4 for a batch of two', async () => {
    const out = glscLoss(gsInputs());
    const mean = DU_GS.reduce((sum, du, n) => sum + Math.exp(-du / DS_GS[n]!), 0) / 4;
    expect(await val(out.weight)).toBeCloseTo(mean, 5);
    // What a two-text workspace's stage 1 drifts into (the audit's hippocampus log): every D_2W in the hundreds,
    // D̂_u ≈ 0, ŝim ≈ 1 for every pair, L_GS = 2·ln 2 whatever the embeddings, and no gradient left for them.
    const far = { ...gsInputs(), imageMu: tf.tensor2d([20, 0, 20, 0], [2, 2]), textMu: tf.tensor2d([0, 20, 0, -20], [2, 2]) };
    const quiet = glscLoss(far);
    expect(await val(quiet.weight)).toBeLessThan(1e-30);
    expect(await val(quiet.gs)).toBeCloseTo(2 * Math.log(2), 6);
    const [gImage] = tf.grads((e: tf.Tensor) => globalSemanticLoss({ ...far, imageEmb: e as tf.Tensor2D }))([far.imageEmb]);
    expect(Math.max(...(await arr(gImage!)).map(Math.abs))).toBeLessThan(1e-12);
  });

  it('gradients are finite and non-zero for every trained input', async () => {
    const rng = new Random(11);
    const draw = (...shape: number[]) => randomTensor(rng, shape);
    const x = [draw(4, 5, 3), draw(4, 3), draw(4, 3), draw(4, 2), tf.softplus(draw(4, 2)), draw(4, 2), tf.softplus(draw(4, 2)), tf.scalar(Math.log(0.3))];
    const f = (...t: tf.Tensor[]) =>
      glscLoss({
        patchTokens: t[0] as tf.Tensor3D,
        imageEmb: t[1] as tf.Tensor2D,
        textEmb: t[2] as tf.Tensor2D,
        imageMu: t[3] as tf.Tensor2D,
        imageSigma: t[4] as tf.Tensor2D,
        textMu: t[5] as tf.Tensor2D,
        textSigma: t[6] as tf.Tensor2D,
        logTau: t[7]!,
        a: 0.2,
        b: 0.1,
        lambda: 0.5,
        local: { sigmaSqFloor: 1e-2 },
      }).total;
    const grads = tf.grads(f)(x);
    const names = ['patchTokens', 'imageEmb', 'textEmb', 'imageMu', 'imageSigma', 'textMu', 'textSigma', 'logTau'];
    await expectEveryInputGradient(grads, (n) => names[n]!);
  });
});
