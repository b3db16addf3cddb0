import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../data/random.ts';
import { randomTensor } from '../../model/testing/tensors.ts';
import { arr, expectClose } from './testing/tensorValues.ts';
import {
  DS_FLOOR,
  pairwiseSquaredDistance,
  relativeUncertaintyDusss,
  relativeUncertaintyGlsc,
  semanticDistance,
  sssWeight,
  uncertainSimilarity,
  uncertainSimilarityMatrix,
  uncertaintyLevel,
  wasserstein2,
} from './uncertainty.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Two images and two texts, 2-d, written out by hand.
// Embeddings f_I = (0,0), (3,0); f_T = (0,4), (0,−4). D_s = ‖f_I − f_T‖: (0,0)→(0,±4): 4, 4; (3,0)→(0,±4): 5, 5 (3-4-5).
const fI = tf.tensor2d([0, 0, 3, 0], [2, 2]);
const fT = tf.tensor2d([0, 4, 0, -4], [2, 2]);
const DS = [4, 4, 5, 5];
// Gaussian heads: μ_I = (0,0), (1,1); σ_I = (1,1), (1,2); μ_T = (1,0), (0,2); σ_T = (1,1), (2,2).
// D_2W[0,0] = ‖(−1,0)‖² + ‖(0,0)‖² = 1        D_2W[0,1] = ‖(0,−2)‖² + ‖(−1,−1)‖² = 4 + 2 = 6
// D_2W[1,0] = ‖(0,1)‖²  + ‖(0,1)‖²  = 2        D_2W[1,1] = ‖(1,−1)‖² + ‖(−1,0)‖²  = 2 + 1 = 3
const muI = tf.tensor2d([0, 0, 1, 1], [2, 2]);
const sigmaI = tf.tensor2d([1, 1, 1, 2], [2, 2]);
const muT = tf.tensor2d([1, 0, 0, 2], [2, 2]);
const sigmaT = tf.tensor2d([1, 1, 2, 2], [2, 2]);
const D2W = [1, 6, 2, 3];
// a = 0.5, b = 1: D_u = 0.5·D_2W + 1 = 1.5, 4, 2, 2.5. D_u/D_s = 0.375, 1, 0.4, 0.5. λ = 2.
const DU = [1.5, 4, 2, 2.5];
const RATIO = [0.375, 1, 0.4, 0.5];
const WEIGHT = [Math.exp(-0.75), Math.exp(-2), Math.exp(-0.8), Math.exp(-1)];

describe('GLsc / SSS pieces against hand values', () => {
  it('pairwise squared distance and D_s', async () => {
    expectClose(await arr(pairwiseSquaredDistance(fI, fT)), [16, 16, 25, 25]);
    expectClose(await arr(semanticDistance(fI, fT)), DS);
  });

  it('D_s is floored, with a finite gradient, when two embeddings coincide', async () => {
    const e = tf.tensor2d([0.6, 0.8], [1, 2]);
    expectClose(await arr(semanticDistance(e, e)), [DS_FLOOR], 9);
    const g = await arr(tf.grad((x: tf.Tensor) => tf.sum(semanticDistance(x as tf.Tensor2D, e)))(e));
    expect(g.every(Number.isFinite)).toBe(true);
  });

  it('D_2W (PromptSSL eq 3, DuSSS eq 1) and D_u = a·D_2W + b (eq 4 / eq 2)', async () => {
    const d2w = wasserstein2(muI, sigmaI, muT, sigmaT);
    expectClose(await arr(d2w), D2W);
    expectClose(await arr(uncertaintyLevel(d2w, 0.5, 1)), DU);
  });

  it("D̂_u in both papers' forms and D_SSS", async () => {
    const du = tf.tensor2d(DU, [2, 2]);
    const ds = tf.tensor2d(DS, [2, 2]);
    // PromptSSL eq 5: exp(−λ D_u/D_s) = exp(−0.75), exp(−2), exp(−0.8), exp(−1).
    expectClose(await arr(relativeUncertaintyGlsc(du, ds, 2)), WEIGHT);
    // DuSSS eq 3: D_u/D_s; eq 4: exp(−λ D̂_u) — the same weight.
    const duHat = relativeUncertaintyDusss(du, ds);
    expectClose(await arr(duHat), RATIO);
    expectClose(await arr(sssWeight(duHat, 2)), WEIGHT);
  });

  it('ŝim = 1 − (1 − sim)·D (PromptSSL eq 6, DuSSS eq 5)', async () => {
    // sim = 0.5, 0, −0.5, 1 → 1 − 0.5e^−0.75, 1 − e^−2, 1 − 1.5e^−0.8, 1 (sim = 1 stays 1 whatever D).
    const sim = tf.tensor2d([0.5, 0, -0.5, 1], [2, 2]);
    const got = await arr(uncertainSimilarity(sim, tf.tensor2d(WEIGHT, [2, 2])));
    expectClose(got, [1 - 0.5 * Math.exp(-0.75), 1 - Math.exp(-2), 1 - 1.5 * Math.exp(-0.8), 1]);
  });

  it('the full matrix, with D_s between normalised or raw embeddings', async () => {
    // Images 3·(1,0), 3·(0,1); texts 2·(0.6,0.8), 2·(−0.6,0.8). cos = 0.6, −0.6, 0.8, 0.8;
    // on unit vectors D_s² = 2 − 2 cos = 0.8, 3.2, 0.4, 0.4. Heads as above: D_u = 1.5, 4, 2, 2.5; λ = 1.
    const img = { emb: tf.tensor2d([3, 0, 0, 3], [2, 2]), mu: muI, sigma: sigmaI };
    const txt = { emb: tf.tensor2d([1.2, 1.6, -1.2, 1.6], [2, 2]), mu: muT, sigma: sigmaT };
    const cos = [0.6, -0.6, 0.8, 0.8];
    const ds = [0.8, 3.2, 0.4, 0.4].map(Math.sqrt);
    const weight = DU.map((du, n) => Math.exp(-du / ds[n]!));
    for (const form of ['glsc', 'dusss'] as const) {
      const u = uncertainSimilarityMatrix(img, txt, { a: 0.5, b: 1, lambda: 1, form });
      expectClose(await arr(u.sim), cos);
      expectClose(await arr(u.ds), ds);
      expectClose(await arr(u.d2w), D2W);
      expectClose(await arr(u.weight), weight);
      expectClose(
        await arr(u.simHat),
        cos.map((c, n) => 1 - (1 - c) * weight[n]!),
      );
    }
    // Raw: 3·(1,0) − 2·(0.6,0.8) = (1.8, −1.6) → D_s² = 3.24 + 2.56 = 5.8.
    const raw = uncertainSimilarityMatrix(img, txt, { a: 0.5, b: 1, lambda: 1, form: 'glsc', normalizeForDs: false });
    expect((await arr(raw.ds))[0]).toBeCloseTo(Math.sqrt(5.8), 6);
  });

  it('`normalizeMeans` measures D_2W between unit means, so scaling the heads cannot grow it', async () => {
    // μ_I = (3,0), (0,2) → unit (1,0), (0,1); μ_T = (0,5), (4,0) → unit (0,1), (1,0). ‖Δμ̂‖² = 2, 0, 0, 2;
    // σ as above: ‖Δσ‖² = 0, 2, 1, 1. Raw means: ‖Δμ‖² = 34, 1, 9, 20 → D_2W 34, 3, 10, 21.
    const emb = { img: tf.tensor2d([3, 0, 0, 3], [2, 2]), txt: tf.tensor2d([1.2, 1.6, -1.2, 1.6], [2, 2]) };
    const d2w = async (scale: number, normalizeMeans: boolean) => {
      const img = { emb: emb.img, mu: tf.mul(tf.tensor2d([3, 0, 0, 2], [2, 2]), scale) as tf.Tensor2D, sigma: sigmaI };
      const txt = { emb: emb.txt, mu: tf.mul(tf.tensor2d([0, 5, 4, 0], [2, 2]), scale) as tf.Tensor2D, sigma: sigmaT };
      return arr(uncertainSimilarityMatrix(img, txt, { a: 0.5, b: 1, lambda: 1, form: 'glsc', normalizeMeans }).d2w);
    };
    expectClose(await d2w(1, false), [34, 3, 10, 21]);
    expectClose(await d2w(1, true), [2, 2, 1, 3]);
    expectClose(await d2w(100, true), [2, 2, 1, 3]);
    expect((await d2w(100, false))[0]).toBeGreaterThan(3e5);
  });

  it('the uncertainty path is differentiable; `detach` cuts it', async () => {
    const img = { emb: tf.tensor2d([3, 0, 0, 3], [2, 2]), sigma: sigmaI };
    const txt = { emb: tf.tensor2d([1.2, 1.6, -1.2, 1.6], [2, 2]), mu: muT, sigma: sigmaT };
    const f = (detach: boolean) => (mu: tf.Tensor) =>
      tf.sum(uncertainSimilarityMatrix({ ...img, mu: mu as tf.Tensor2D }, txt, { a: 0.5, b: 1, lambda: 1, form: 'dusss', detach }).simHat);
    const live = await arr(tf.grad(f(false))(muI));
    expect(live.every(Number.isFinite) && live.some((g) => Math.abs(g) > 1e-4)).toBe(true);
    expect((await arr(tf.grad(f(true))(muI))).every((g) => g === 0)).toBe(true);
  });
});

describe('proposition (PromptSSL eq 16, DuSSS eq 19): ŝim increases with D_u for fixed sim < 1', () => {
  it('holds for both forms over many random draws', async () => {
    const rng = new Random(19);
    const n = 2000;
    const sim: number[] = [];
    const ds: number[] = [];
    const lambda: number[] = [];
    const du1: number[] = [];
    const du2: number[] = [];
    for (let i = 0; i < n; i++) {
      sim.push(rng.range(-1, 0.999));
      ds.push(rng.range(0.01, 2));
      lambda.push(rng.range(0.05, 5));
      const lo = rng.range(-1, 5); // b may be negative: the proposition needs only λ > 0 and D_s > 0
      du1.push(lo);
      du2.push(lo + rng.range(1e-3, 3));
    }
    const t = (x: number[]) => tf.tensor1d(x);
    const glsc = async (du: number[]) => arr(uncertainSimilarity(t(sim), relativeUncertaintyGlsc(t(du), t(ds), t(lambda))));
    const dusss = async (du: number[]) => arr(uncertainSimilarity(t(sim), sssWeight(relativeUncertaintyDusss(t(du), t(ds)), t(lambda))));
    for (const form of [glsc, dusss]) {
      const [lo, hi] = [await form(du1), await form(du2)];
      for (let i = 0; i < n; i++) {
        expect(hi[i]!).toBeGreaterThanOrEqual(lo[i]!);
        // Strictly, wherever float32 can resolve the gap (computed here in float64).
        const gap = (1 - sim[i]!) * (Math.exp((-lambda[i]! * du1[i]!) / ds[i]!) - Math.exp((-lambda[i]! * du2[i]!) / ds[i]!));
        if (gap > 1e-4 * Math.max(1, Math.abs(lo[i]!))) expect(hi[i]!).toBeGreaterThan(lo[i]!);
      }
    }
  });

  it('end to end: ŝim moves with D_2W (a > 0) when the text Gaussians are spread out', async () => {
    const rng = new Random(7);
    let grew = 0;
    const draw = (r: number, c: number) => randomTensor(rng, [r, c]) as tf.Tensor2D;
    for (let trial = 0; trial < 50; trial++) {
      const img = { emb: draw(3, 4), mu: draw(3, 2), sigma: tf.softplus(draw(3, 2)) as tf.Tensor2D };
      const txtEmb = draw(3, 4);
      const muT2 = draw(3, 2);
      const sigmaT2 = tf.softplus(draw(3, 2)) as tf.Tensor2D;
      const scale = 1 + rng.range(0.1, 2);
      // Spread the text means about the images' mean: most D_2W grow, some may shrink. sim and D_s do not change,
      // so each ŝim must move the way its D_2W (hence D_u, a > 0) moved.
      const far = {
        emb: txtEmb,
        mu: tf.add(tf.mean(img.mu, 0, true), tf.mul(tf.sub(muT2, tf.mean(img.mu, 0, true)), scale)) as tf.Tensor2D,
        sigma: sigmaT2,
      };
      for (const form of ['glsc', 'dusss'] as const) {
        const opts = { a: rng.range(0.1, 2), b: rng.range(0, 1), lambda: rng.range(0.1, 2), form };
        const near = uncertainSimilarityMatrix(img, { emb: txtEmb, mu: muT2, sigma: sigmaT2 }, opts);
        const away = uncertainSimilarityMatrix(img, far, opts);
        const [d0, d1] = [await arr(near.d2w), await arr(away.d2w)];
        const [s0, s1] = [await arr(near.simHat), await arr(away.simHat)];
        for (let i = 0; i < s0.length; i++) {
          // Where D_2W grew, ŝim must not drop (the proposition); where it shrank, it must not rise.
          if (d1[i]! > d0[i]! + 1e-5) {
            grew++;
            expect(s1[i]!).toBeGreaterThanOrEqual(s0[i]! - 1e-6);
          }
          if (d1[i]! < d0[i]! - 1e-5) expect(s1[i]!).toBeLessThanOrEqual(s0[i]! + 1e-6);
        }
      }
    }
    expect(grew).toBeGreaterThan(300); // not vacuous: most of the 50 × 2 × 9 pairs moved apart
  });
});
