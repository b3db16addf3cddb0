import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../data/random.ts';
import { expectEveryInputGradient } from '../../model/testing/gradientChecks.ts';
import { randomTensor } from '../../model/testing/tensors.ts';
import { dusssLoss, sssInfoNce, type DusssInputs } from './dusssLoss.ts';
import { lse, val } from './testing/tensorValues.ts';
import type { GaussianEmbedding } from './uncertainty.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Two pairs, 2-d, as in glscLoss.node.test.ts. Images (1,0), (0,1); texts (0.6,0.8), (−0.6,0.8).
// cos = 0.6, −0.6, 0.8, 0.8; D_s² = 2 − 2 cos = 0.8, 3.2, 0.4, 0.4. D_2W = 1, 6, 2, 3; a = 0.5, b = 1 →
// D_u = 1.5, 4, 2, 2.5. λ = 1 → D_SSS = exp(−D_u/D_s); ŝim = 1 − (1 − cos)·D_SSS (eq 5). τ = 0.5.
const image: GaussianEmbedding = {
  emb: tf.tensor2d([1, 0, 0, 1], [2, 2]),
  mu: tf.tensor2d([0, 0, 1, 1], [2, 2]),
  sigma: tf.tensor2d([1, 1, 1, 2], [2, 2]),
};
const text: GaussianEmbedding = {
  emb: tf.tensor2d([0.6, 0.8, -0.6, 0.8], [2, 2]),
  mu: tf.tensor2d([1, 0, 0, 2], [2, 2]),
  sigma: tf.tensor2d([1, 1, 2, 2], [2, 2]),
};
const TAU = 0.5;
const COS = [0.6, -0.6, 0.8, 0.8];
const DS = [0.8, 3.2, 0.4, 0.4].map(Math.sqrt);
const DU = [1.5, 4, 2, 2.5];
const DSSS = DU.map((du, n) => Math.exp(-du / DS[n]!));
const SIMHAT = COS.map((c, n) => 1 - (1 - c) * DSSS[n]!);

/** Eq 6 (rows) and eq 7 (columns) on 2×2 matrices: numerator diag of `num`, denominators over `den`. */
const directions = (num: number[], den: number[]): [number, number] => {
  const [n, d] = [num.map((x) => x / TAU), den.map((x) => x / TAU)];
  const i2t = (lse([d[0]!, d[1]!]) - n[0]! + lse([d[2]!, d[3]!]) - n[3]!) / 2;
  const t2i = (lse([d[0]!, d[2]!]) - n[0]! + lse([d[1]!, d[3]!]) - n[3]!) / 2;
  return [i2t, t2i];
};

const base = { a: 0.5, b: 1, lambda: 1, temperature: { tau: tf.scalar(TAU) } };

describe('DuSSS CMC (eq 6–8)', () => {
  it('L_cmc = ½ (L_I2T + L_T2I) with ŝim in every denominator (default)', async () => {
    const [i2t, t2i] = directions(SIMHAT, SIMHAT);
    const r = sssInfoNce(image, text, base);
    expect(await val(r.rowToColumn)).toBeCloseTo(i2t, 5);
    expect(await val(r.columnToRow)).toBeCloseTo(t2i, 5);
    expect(await val(r.loss)).toBeCloseTo((i2t + t2i) / 2, 5);
  });

  it('literalDenominator puts D_SSS in the denominators, as eq 6–7 print', async () => {
    const [i2t, t2i] = directions(SIMHAT, DSSS);
    const r = sssInfoNce(image, text, { ...base, literalDenominator: true });
    expect(await val(r.rowToColumn)).toBeCloseTo(i2t, 5);
    expect(await val(r.columnToRow)).toBeCloseTo(t2i, 5);
    // Different from the default, by exactly the change of denominator.
    const [j2t, u2i] = directions(SIMHAT, SIMHAT);
    expect(Math.abs((i2t + t2i) / 2 - (j2t + u2i) / 2)).toBeGreaterThan(0.1);
    expect(await val(r.loss)).not.toBeCloseTo(await val(sssInfoNce(image, text, base).loss), 2);
  });

  it('the literal form is no log-probability: it goes negative at a small τ, the default never does', async () => {
    const small = { ...base, temperature: { tau: tf.scalar(0.05) } };
    expect(await val(sssInfoNce(image, text, { ...small, literalDenominator: true }).loss)).toBeLessThan(0);
    expect(await val(sssInfoNce(image, text, small).loss)).toBeGreaterThan(0);
  });
});

describe('DuSSS IMC (eq 9) and L_VLM', () => {
  // Augmented image = the text embeddings and heads above, so I2I reproduces CMC's image→text direction.
  // Augmented text = the text itself: T2T has D_2W = 0 and D_s = 0 (→ floor) on the diagonal, so D_SSS = exp(−1/1e-6) = 0
  // and ŝim = 1 there. Off the diagonal: cos(T0, T1) = −0.36 + 0.64 = 0.28, D_s² = 2 − 0.56 = 1.44 → D_s = 1.2;
  // D_2W = ‖(1,−2)‖² + ‖(−1,−1)‖² = 5 + 2 = 7 → D_u = 4.5 → ŝim = 1 − 0.72·e^(−3.75).
  const s = 1 - 0.72 * Math.exp(-3.75);
  const t2t = lse([2, 2 * s]) - 2; // each row: logits (1, s)/0.5, positive first (and symmetrically)
  const i2i = directions(SIMHAT, SIMHAT)[0];
  const inputs = (): DusssInputs => ({
    image,
    text,
    imageAug: text,
    textAug: text,
    logTau: tf.scalar(Math.log(TAU)),
    a: 0.5,
    b: 1,
    lambda: 1,
  });

  it('L_imc = ½ (L_I2I + L_T2T), one-way by default; L_VLM = L_cmc + L_imc', async () => {
    const out = dusssLoss(inputs());
    const [i2t, t2i] = directions(SIMHAT, SIMHAT);
    expect(await val(out.cmc)).toBeCloseTo((i2t + t2i) / 2, 5);
    expect(await val(out.imc)).toBeCloseTo((i2i + t2t) / 2, 5);
    expect(await val(out.total)).toBeCloseTo((i2t + t2i) / 2 + (i2i + t2t) / 2, 5);
  });

  it('imcTwoWay averages in the reverse direction; weights scale the terms', async () => {
    const [i2t, t2i] = directions(SIMHAT, SIMHAT);
    const out = dusssLoss({ ...inputs(), imcTwoWay: true, weights: { cmc: 2, imc: 3 } });
    // T2T is symmetric, so its two directions agree; I2I becomes the mean of CMC's two directions.
    const imc = ((i2t + t2i) / 2 + t2t) / 2;
    expect(await val(out.imc)).toBeCloseTo(imc, 5);
    expect(await val(out.total)).toBeCloseTo(2 * ((i2t + t2i) / 2) + 3 * imc, 5);
  });

  it('the literal flag reaches IMC too', async () => {
    const out = dusssLoss({ ...inputs(), literalDenominator: true });
    const [i2tL, t2iL] = directions(SIMHAT, DSSS);
    // T2T literal: numerator 1/τ = 2, denominator rows (D_SSS: 0 on the diagonal, e^−3.75 off it)/τ.
    const t2tL = lse([0, 2 * Math.exp(-3.75)]) - 2;
    expect(await val(out.cmc)).toBeCloseTo((i2tL + t2iL) / 2, 5);
    expect(await val(out.imc)).toBeCloseTo((i2tL + t2tL) / 2, 5);
  });

  it('gradients are finite and non-zero for every embedding, head and log τ (both denominators)', async () => {
    const rng = new Random(5);
    const draw = (...shape: number[]) => randomTensor(rng, shape);
    const x: tf.Tensor[] = [];
    for (let side = 0; side < 4; side++) x.push(draw(3, 4), draw(3, 2), tf.softplus(draw(3, 2)));
    x.push(tf.scalar(Math.log(0.2)));
    const ge = (t: tf.Tensor[], o: number): GaussianEmbedding => ({ emb: t[o] as tf.Tensor2D, mu: t[o + 1] as tf.Tensor2D, sigma: t[o + 2] as tf.Tensor2D });
    for (const literalDenominator of [false, true]) {
      const f = (...t: tf.Tensor[]) =>
        dusssLoss({ image: ge(t, 0), text: ge(t, 3), imageAug: ge(t, 6), textAug: ge(t, 9), logTau: t[12]!, a: 0.3, b: 0.1, lambda: 0.5, literalDenominator })
          .total;
      const grads = tf.grads(f)(x);
      await expectEveryInputGradient(grads, (n) => `input ${n}`);
    }
  });
});
