import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { Params } from './params.ts';
import { expectWasmMatchesCpu } from './testing/backendParity.ts';
import { backwardPass, expectCentralDifferences, expectEveryParamGradient, expectNoTensorLeak, rmsStep } from './testing/gradientChecks.ts';
import { maxAbsDiff, randomTensor } from './testing/tensors.ts';
import {
  createTextTransformer,
  DEFAULT_TEXT_TRANSFORMER,
  embeddingLookup,
  textTransformer,
  textTransformerParamCount,
  type TextTransformerConfig,
} from './textTransformer.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const TINY: TextTransformerConfig = { vocabSize: 12, maxLength: 10, dim: 8, depth: 2, heads: 2, mlpRatio: 2 };

/** Two sequences, [CLS] = 1 first, padded with 0: lengths 6 and 4 of 7. */
const IDS = [
  [1, 5, 7, 3, 9, 2, 0],
  [1, 4, 4, 11, 0, 0, 0],
];
const MASK = IDS.map((row, b) => row.map((_, n) => (n < [6, 4][b]! ? 1 : 0)));

function batch(ids = IDS, mask = MASK): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
  return { ids: tf.tensor2d(ids, undefined, 'int32'), mask: tf.tensor2d(mask, undefined, 'float32') };
}

function probeLoss(p: Params, cfg: TextTransformerConfig, rng: Random): () => tf.Scalar {
  const { ids, mask } = batch();
  const probeCls = randomTensor(rng, [2, cfg.dim]);
  // Only real tokens are scored: padded rows are meaningless by contract.
  const probeTokens = tf.mul(randomTensor(rng, [2, 7, cfg.dim], 0.5), tf.expandDims(mask, 2));
  return () =>
    tf.tidy(() => {
      const { cls, tokens } = textTransformer(p, cfg, ids, mask);
      return tf.add(tf.sum(tf.mul(cls, probeCls)), tf.sum(tf.mul(tokens, probeTokens))) as tf.Scalar;
    });
}

describe('text transformer', () => {
  it('maps ids [B,L] to [CLS] [B,dim] and tokens [B,L,dim], and counts its parameters', () => {
    const p = createTextTransformer(TINY, new Random(1));
    const { ids, mask } = batch();
    const { cls, tokens } = textTransformer(p, TINY, ids, mask);
    expect(cls.shape).toEqual([2, 8]);
    expect(tokens.shape).toEqual([2, 7, 8]);
    const block = 32 + 4 * 72 - 8 + 128 + 16 + 128 + 8;
    expect(p.count()).toBe((12 + 10) * 8 + 2 * block + 16);
    expect(textTransformerParamCount(TINY)).toBe(p.count());
    const long = tf.zeros([1, 11], 'int32') as tf.Tensor2D;
    expect(() => textTransformer(p, TINY, long, tf.ones([1, 11]))).toThrow(/maxLength/);
    expect(() => textTransformer(p, TINY, tf.zeros([2, 7]) as tf.Tensor2D, mask)).toThrow(/int32/);
    expect(() => textTransformer(p, TINY, ids, tf.ones([2, 6]))).toThrow(/padding mask/);
    p.dispose();
    const def: TextTransformerConfig = { ...DEFAULT_TEXT_TRANSFORMER, vocabSize: 1000 };
    expect(textTransformerParamCount(def)).toBe(1032 * 64 + 2 * (12 * 64 * 64 + 12 * 64) + 128);
  });

  it('padding invariance: appending padded tokens (mask 0) changes neither [CLS] nor real tokens beyond 1e-5', async () => {
    const p = createTextTransformer(TINY, new Random(2));
    const short = batch();
    const base = textTransformer(p, TINY, short.ids, short.mask);
    const longer = batch(
      IDS.map((r) => [...r, 0, 0, 0]),
      MASK.map((r) => [...r, 0, 0, 0]),
    );
    const padded = textTransformer(p, TINY, longer.ids, longer.mask);
    expect(await maxAbsDiff(padded.cls, base.cls)).toBeLessThan(1e-5);
    const realMask = tf.expandDims(short.mask, 2);
    expect(await maxAbsDiff(tf.mul(tf.slice(padded.tokens, [0, 0, 0], [2, 7, 8]), realMask), tf.mul(base.tokens, realMask))).toBeLessThan(1e-5);
    // Padding with other ids changes nothing either: padded keys are never attended to.
    const junk = batch(
      IDS.map((r, b) => r.map((id, n) => (MASK[b]![n] ? id : 7))),
      MASK,
    );
    expect(await maxAbsDiff(textTransformer(p, TINY, junk.ids, junk.mask).cls, base.cls)).toBeLessThan(1e-5);
    // Control: the same junk with a mask of ones does change [CLS].
    expect(await maxAbsDiff(textTransformer(p, TINY, junk.ids, tf.onesLike(junk.mask) as tf.Tensor2D).cls, base.cls)).toBeGreaterThan(1e-3);
    p.dispose();
  });

  it('embedding lookup: gather forward, one-hot matmul gradient equal to tfjs gather’s, repeated ids summed', async () => {
    const rng = new Random(3);
    const table = randomTensor(rng, [6, 4]) as tf.Tensor2D;
    const ids = tf.tensor2d(
      [
        [0, 3, 3],
        [5, 3, 1],
      ],
      undefined,
      'int32',
    );
    const probe = randomTensor(rng, [6, 4]);
    expect(await maxAbsDiff(embeddingLookup(table, ids), tf.gather(table, tf.reshape(ids, [-1])))).toBe(0);
    const ours = await tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(t as tf.Tensor2D, ids), probe)))(table);
    const theirs = await tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.reshape(ids, [-1])), probe)))(table);
    expect(await maxAbsDiff(ours, theirs)).toBeLessThan(1e-6);
    const g = (await ours.array()) as number[][];
    expect(g[2]).toEqual([0, 0, 0, 0]); // id 2 unused
    expect(() => embeddingLookup(table, tf.zeros([2, 2]))).toThrow(/int32/);
  });

  it('every parameter gets a finite, non-zero gradient that matches central differences', async () => {
    const p = createTextTransformer(TINY, new Random(4));
    const rng = new Random(5);
    const loss = probeLoss(p, TINY, rng);
    const { value, grads } = tf.variableGrads(loss, p.variables());
    value.dispose();
    await expectEveryParamGradient(p, grads);
    // Rows of unused ids and positions beyond the longest sequence get exactly zero.
    const tokenGrad = (await grads[p.get('token').name]!.array()) as number[][];
    expect(tokenGrad[10]!.every((v) => v === 0)).toBe(true);
    const posGrad = (await grads[p.get('pos').name]!.array()) as number[][][];
    expect(posGrad[0]![8]!.every((v) => v === 0)).toBe(true);
    // Central differences, as in the ViT test: largest of 8 random entries, step 5 % of the tensor's RMS in
    // [1e-3, 1e-2], relative tolerance 2e-2.
    const names = ['token', 'pos', 'block0.ln1.b', 'block0.attn.q.w', 'block0.attn.v.b', 'block1.attn.out.w', 'block1.mlp.fc1.b', 'block1.mlp.fc2.w', 'norm.b'];
    await expectCentralDifferences(p, names, grads, loss, rng, rmsStep);
    tf.dispose(grads);
    p.dispose();
  });

  it('leaks no tensors across repeated forward and backward passes', () => {
    const p = createTextTransformer(TINY, new Random(6));
    const loss = probeLoss(p, TINY, new Random(7));
    const { ids, mask } = batch();
    expectNoTensorLeak(() => {
      backwardPass(loss, p);
      tf.dispose(textTransformer(p, TINY, ids, mask));
    });
    p.dispose();
  });

  it('trains on the wasm backend (which has no UnsortedSegmentSum) with the same loss and gradients as cpu', async () => {
    const p = createTextTransformer(TINY, new Random(8));
    const loss = probeLoss(p, TINY, new Random(9));
    await expectWasmMatchesCpu(loss, p);
    p.dispose();
  });
});
