import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { Params } from './params.ts';
import { expectEveryParamGradient } from './testing/gradientChecks.ts';
import { maxAbsDiff, randomTensor } from './testing/tensors.ts';
import {
  addDense,
  addLayerNorm,
  addMultiHeadSelfAttention,
  addTransformerBlock,
  dense,
  gelu,
  layerNorm,
  multiHeadSelfAttention,
  transformerBlock,
  transformerBlockParamCount,
} from './transformer.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Plain-JS multi-head attention in float64 for one sequence: the spec the tfjs version is checked against. */
function referenceAttention(x: number[][], wqkv: number[][], bqkv: number[], wout: number[][], bout: number[], heads: number, mask: number[]): number[][] {
  const L = x.length;
  const D = x[0]!.length;
  const dh = D / heads;
  const affine = (rows: number[][], w: number[][], b: number[]) => rows.map((r) => b.map((bj, j) => r.reduce((s, v, i) => s + v * w[i]![j]!, bj)));
  const qkv = affine(x, wqkv, bqkv);
  const merged = Array.from({ length: L }, () => new Array<number>(D).fill(0));
  for (let h = 0; h < heads; h++) {
    const feature = (row: number[], part: number, f: number) => row[part * D + h * dh + f]!;
    for (let i = 0; i < L; i++) {
      const scores = Array.from({ length: L }, (_, j) => {
        let s = 0;
        for (let f = 0; f < dh; f++) s += feature(qkv[i]!, 0, f) * feature(qkv[j]!, 1, f);
        return mask[j] ? s / Math.sqrt(dh) : -Infinity;
      });
      const m = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - m));
      const z = e.reduce((a, b) => a + b, 0);
      for (let f = 0; f < dh; f++) merged[i]![h * dh + f] = e.reduce((s, ej, j) => s + (ej / z) * feature(qkv[j]!, 2, f), 0);
    }
  }
  return affine(merged, wout, bout);
}

describe('transformer building blocks', () => {
  it('dense is x·W + b on the last axis for any leading shape', async () => {
    const p = new Params();
    const rng = new Random(1);
    addDense(p, rng, 'fc', 5, 3);
    p.get('fc.b').assign(tf.tensor([[0.1, -0.2, 0.3]]));
    const x = randomTensor(rng, [2, 4, 5]);
    const y = dense(p, 'fc', x);
    expect(y.shape).toEqual([2, 4, 3]);
    const expected = tf.add(tf.reshape(tf.matMul(tf.reshape(x, [8, 5]), p.get('fc.w') as tf.Tensor2D), [2, 4, 3]), tf.tensor([0.1, -0.2, 0.3]));
    expect(await maxAbsDiff(y, expected)).toBeLessThan(1e-6);
    expect(() => dense(p, 'fc', tf.zeros([2, 4]))).toThrow(/4 features/);
    p.dispose();
  });

  it('layer norm gives each token zero mean and unit variance, then applies gain and bias', async () => {
    const p = new Params();
    addLayerNorm(p, 'ln', 6);
    const rng = new Random(2);
    const x = tf.add(randomTensor(rng, [3, 2, 6], 4), 7);
    const { mean, variance } = tf.moments(layerNorm(p, 'ln', x), -1);
    expect(await tf.max(tf.abs(mean)).data()).toSatisfy((v: Float32Array) => v[0]! < 1e-5);
    expect(await tf.max(tf.abs(tf.sub(variance, 1))).data()).toSatisfy((v: Float32Array) => v[0]! < 1e-3);
    p.get('ln.g').assign(tf.fill([1, 6], 2));
    p.get('ln.b').assign(tf.fill([1, 6], -1));
    const m2 = tf.moments(layerNorm(p, 'ln', x), -1);
    expect(await maxAbsDiff(m2.mean, tf.fill([3, 2], -1))).toBeLessThan(1e-5);
    expect(await maxAbsDiff(m2.variance, tf.fill([3, 2], 4))).toBeLessThan(4e-3);
    p.dispose();
  });

  it('GELU: the tanh form is within 1e-3 of x·Φ(x) and its gradient matches finite differences', async () => {
    const xs = Array.from({ length: 41 }, (_, n) => -5 + n * 0.25);
    const exact = xs.map((x) => 0.5 * x * (1 + erf(x / Math.SQRT2)));
    const approx = await gelu(tf.tensor(xs)).data();
    const viaErf = await gelu(tf.tensor(xs), false).data();
    xs.forEach((_, n) => {
      expect(Math.abs(approx[n]! - exact[n]!)).toBeLessThan(1e-3);
      expect(Math.abs(viaErf[n]! - exact[n]!)).toBeLessThan(1e-5);
    });
    const g = await tf
      .grad((t: tf.Tensor) => tf.sum(gelu(t)))(tf.tensor(xs))
      .data();
    const h = 1e-3;
    const numeric = await tf.div(tf.sub(gelu(tf.tensor(xs.map((x) => x + h))), gelu(tf.tensor(xs.map((x) => x - h)))), 2 * h).data();
    xs.forEach((_, n) => expect(Math.abs(g[n]! - numeric[n]!)).toBeLessThan(2e-3));
  });

  it('multi-head attention matches a float64 reference, padded keys included', async () => {
    const p = new Params();
    const rng = new Random(3);
    const D = 8;
    const heads = 2;
    addMultiHeadSelfAttention(p, rng, 'attn', D, heads);
    for (const part of ['q', 'v', 'out']) p.get(`attn.${part}.b`).assign(randomTensor(rng, [1, D], 0.1));
    const x = randomTensor(rng, [2, 5, D]);
    const mask = [
      [1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0],
    ];
    const y = await multiHeadSelfAttention(p, 'attn', x as tf.Tensor3D, heads, tf.tensor2d(mask)).array();
    const xs = (await x.array()) as number[][][];
    const weights = async (part: string) => (await p.get(`attn.${part}.w`).array()) as number[][];
    const biases = async (part: string) => ((await p.get(`attn.${part}.b`).array()) as number[][])[0]!;
    // The reference takes one fused [D, 3D] matrix: queries, keys, values side by side.
    const [wq, wk, wv] = [await weights('q'), await weights('k'), await weights('v')];
    const wqkv = wq.map((row, i) => [...row, ...wk[i]!, ...wv[i]!]);
    const bqkv = [...(await biases('q')), ...new Array<number>(D).fill(0), ...(await biases('v'))];
    const wout = await weights('out');
    const bout = await biases('out');
    let maxErr = 0;
    for (let b = 0; b < 2; b++) {
      const ref = referenceAttention(xs[b]!, wqkv, bqkv, wout, bout, heads, mask[b]!);
      ref.forEach((row, i) => row.forEach((v, j) => (maxErr = Math.max(maxErr, Math.abs(v - (y as number[][][])[b]![i]![j]!)))));
    }
    expect(maxErr).toBeLessThan(1e-5);
    p.dispose();
  });

  it('a block ignores padded tokens: appending padding or changing padded values leaves real tokens within 1e-5', async () => {
    const p = new Params();
    const rng = new Random(4);
    addTransformerBlock(p, rng, 'blk', 16, 4, 2);
    const real = randomTensor(rng, [2, 6, 16]) as tf.Tensor3D;
    const base = transformerBlock(p, 'blk', real, 4, tf.ones([2, 6]));
    const padded = tf.concat([real, randomTensor(rng, [2, 3, 16], 5)], 1) as tf.Tensor3D;
    const mask = tf.concat([tf.ones([2, 6]), tf.zeros([2, 3])], 1) as tf.Tensor2D;
    const withPadding = tf.slice(transformerBlock(p, 'blk', padded, 4, mask), [0, 0, 0], [2, 6, 16]);
    expect(await maxAbsDiff(withPadding, base)).toBeLessThan(1e-5);
    // Without the mask the padded tokens are attended to and the output moves: the check above is not vacuous.
    const unmasked = tf.slice(transformerBlock(p, 'blk', padded, 4), [0, 0, 0], [2, 6, 16]);
    expect(await maxAbsDiff(unmasked, base)).toBeGreaterThan(1e-2);
    p.dispose();
  });

  it('counts 12·d² + 12·d parameters per block at MLP ratio 4, and every one gets a finite gradient', async () => {
    const p = new Params();
    const rng = new Random(5);
    addTransformerBlock(p, rng, 'blk', 16, 4, 4);
    expect(p.count()).toBe(12 * 16 * 16 + 12 * 16);
    expect(transformerBlockParamCount(16, 4)).toBe(p.count());
    expect(() => addTransformerBlock(new Params(), rng, 'bad', 10, 4, 4)).toThrow(/divisible/);
    const x = randomTensor(rng, [2, 5, 16]) as tf.Tensor3D;
    const probe = randomTensor(rng, [2, 5, 16]);
    const mask = tf.tensor2d([
      [1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0],
    ]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(transformerBlock(p, 'blk', x, 4, mask), probe)) as tf.Scalar, p.variables());
    await expectEveryParamGradient(p, grads);
    p.dispose();
  });
});

/** erf by Abramowitz & Stegun 7.1.26 is too coarse for a reference; this series/continued-fraction pair is ~1e-12. */
function erf(x: number): number {
  const t = Math.abs(x);
  if (t < 3) {
    // Maclaurin series: erf(x) = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)).
    let term = t;
    let sum = t;
    for (let n = 1; n < 60; n++) {
      term *= (-t * t) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Continued fraction for erfc at large |x|.
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (t + f);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f));
}
