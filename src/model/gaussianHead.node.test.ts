import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { createGaussianHead, gaussianHead, gaussianHeadParamCount, SIGMA_FLOOR } from './gaussianHead.ts';
import { Params } from './params.ts';
import { backwardPass, expectEveryParamGradient, expectNoTensorLeak } from './testing/gradientChecks.ts';
import { randomTensor } from './testing/tensors.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Gaussian head on a [CLS] embedding', () => {
  it('gives f, μ and σ of shape [B, embedDim], σ positive and above the floor, and counts its parameters', async () => {
    const p = new Params();
    const rng = new Random(1);
    createGaussianHead(p, rng, 'img', 16, 12);
    expect(p.count()).toBe(3 * (16 * 12 + 12));
    expect(gaussianHeadParamCount(16, 12)).toBe(p.count());
    const cls = randomTensor(rng, [5, 16]) as tf.Tensor2D;
    const { embedding, mu, sigma } = gaussianHead(p, 'img', cls);
    for (const t of [embedding, mu, sigma]) expect(t.shape).toEqual([5, 12]);
    const s = await sigma.data();
    expect(Math.min(...s)).toBeGreaterThan(SIGMA_FLOOR);
    // σ starts close to softplus(0) ≈ 0.69 for every input, so early D_2W is driven by μ.
    expect(Math.min(...s)).toBeGreaterThan(0.4);
    expect(Math.max(...s)).toBeLessThan(1.1);
    // Driven far negative, softplus underflows and σ rests on the floor: never 0, never negative.
    p.get('img.sigma.b').assign(tf.fill([1, 12], -200));
    const floored = await gaussianHead(p, 'img', cls).sigma.data();
    floored.forEach((v) => expect(v).toBeCloseTo(SIGMA_FLOOR, 6));
    p.dispose();
  });

  it('two heads live side by side in one Params, and every parameter gets a finite, non-zero gradient', async () => {
    const p = new Params();
    const rng = new Random(2);
    createGaussianHead(p, rng, 'img', 8, 6);
    createGaussianHead(p, rng, 'txt', 8, 6);
    const cls = randomTensor(rng, [4, 8]) as tf.Tensor2D;
    const probes = [0, 1, 2].map(() => randomTensor(rng, [4, 6]));
    const loss = () =>
      tf.tidy(() => {
        const a = gaussianHead(p, 'img', cls);
        const b = gaussianHead(p, 'txt', cls);
        const parts = [a.embedding, a.mu, a.sigma].map((t, n) => tf.sum(tf.mul(tf.add(t, [b.embedding, b.mu, b.sigma][n]!), probes[n]!)));
        return tf.addN(parts) as tf.Scalar;
      });
    const { value, grads } = tf.variableGrads(loss, p.variables());
    value.dispose();
    await expectEveryParamGradient(p, grads);
    // ∂σ/∂b = sigmoid(pre-activation): check one entry of the σ bias against that closed form.
    const pre = tf.add(tf.matMul(cls, p.get('img.sigma.w') as tf.Tensor2D), p.get('img.sigma.b'));
    const expected = (await tf.sum(tf.mul(tf.sigmoid(pre), probes[2]!), 0).data())[3]!;
    expect((await grads[p.get('img.sigma.b').name]!.data())[3]).toBeCloseTo(expected, 5);
    tf.dispose(grads);
    // The gradient above was the first pass: no second warm-up, so the count is taken where it always was.
    expectNoTensorLeak(() => backwardPass(loss, p), { warmUp: false });
    p.dispose();
  });
});
