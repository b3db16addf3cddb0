import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { Params } from './params.ts';
import { expectWasmMatchesCpu } from './testing/backendParity.ts';
import { backwardPass, expectCentralDifferences, expectEveryParamGradient, expectNoTensorLeak, rmsStep } from './testing/gradientChecks.ts';
import { maxAbsDiff, randomTensor } from './testing/tensors.ts';
import { dense } from './transformer.ts';
import { createViT, DEFAULT_VIT, patchify, vit, vitParamCount, type ViTConfig } from './vit.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A ViT small enough for finite differences: 2 blocks of width 8 over 3×2 patches of 4×4. */
const TINY: ViTConfig = { inChannels: 2, patchSize: 4, imageSize: [12, 8], dim: 8, depth: 2, heads: 2, mlpRatio: 2 };

/** A scalar of every output, weighted by fixed random probes so every output element matters. */
function probeLoss(p: Params, cfg: ViTConfig, x: tf.Tensor4D, probeCls: tf.Tensor, probePatches: tf.Tensor): () => tf.Scalar {
  return () =>
    tf.tidy(() => {
      const { cls, patches } = vit(p, cfg, x);
      return tf.add(tf.sum(tf.mul(cls, probeCls)), tf.sum(tf.mul(patches, probePatches))) as tf.Scalar;
    });
}

describe('ViT image encoder', () => {
  it('patch embedding equals a stride-P convolution with the same weights', async () => {
    const rng = new Random(1);
    const p = createViT(TINY, rng);
    p.get('patch.b').assign(randomTensor(rng, [1, TINY.dim], 0.1));
    const x = randomTensor(rng, [2, 12, 8, 2]) as tf.Tensor4D;
    const ours = tf.reshape(dense(p, 'patch', patchify(x, 4)), [2, 3, 2, TINY.dim]);
    const filter = tf.reshape(p.get('patch.w'), [4, 4, 2, TINY.dim]) as tf.Tensor4D;
    const conv = tf.add(tf.conv2d(x, filter, 4, 'valid'), tf.reshape(p.get('patch.b'), [TINY.dim]));
    expect(await maxAbsDiff(ours, conv)).toBeLessThan(1e-5);
    p.dispose();
  });

  it('maps [B,H,W,C] to [CLS] [B,dim] and patch tokens [B,H/P,W/P,dim], and counts its parameters', () => {
    const p = createViT(TINY, new Random(2));
    const { cls, patches } = vit(p, TINY, tf.zeros([3, 12, 8, 2]) as tf.Tensor4D);
    expect(cls.shape).toEqual([3, 8]);
    expect(patches.shape).toEqual([3, 3, 2, 8]);
    // patch 4·4·2·8 + 8, [CLS] 8, position (1 + 6)·8, norm 2·8, two blocks of: norms 2·(2·8), q/k/v/out
    // 4·(8·8 + 8) less the key bias, MLP 8·16 + 16 + 16·8 + 8.
    const block = 32 + 4 * 72 - 8 + 128 + 16 + 128 + 8;
    expect(p.count()).toBe(32 * 8 + 8 + 8 + 7 * 8 + 2 * block + 16);
    expect(vitParamCount(TINY)).toBe(p.count());
    expect(() => vit(p, TINY, tf.zeros([1, 16, 8, 2]) as tf.Tensor4D)).toThrow(/12×8/);
    expect(() => createViT({ ...TINY, imageSize: [10, 8] }, new Random(0))).toThrow(/divisible/);
    p.dispose();
    // The default size: 96×96 grey slices, patch 8.
    const def: ViTConfig = { ...DEFAULT_VIT, inChannels: 1, imageSize: [96, 96] };
    expect(vitParamCount(def)).toBe(64 * 64 + 64 + 64 + 145 * 64 + 2 * (12 * 64 * 64 + 12 * 64) + 128);
  });

  it('position embedding matters: permuting patches changes [CLS]; without it [CLS] is permutation-invariant', async () => {
    const p = createViT(TINY, new Random(3));
    const rng = new Random(4);
    const x = randomTensor(rng, [1, 12, 8, 2]) as tf.Tensor4D;
    // Swap the top-left and bottom-right 4×4 patches.
    const rows = tf.split(x, 3, 1);
    const [a, b] = tf.split(rows[0]!, 2, 2);
    const [c, d] = tf.split(rows[2]!, 2, 2);
    const swapped = tf.concat([tf.concat([d!, b!], 2), rows[1]!, tf.concat([c!, a!], 2)], 1) as tf.Tensor4D;
    const cls = vit(p, TINY, x).cls;
    expect(await maxAbsDiff(vit(p, TINY, swapped).cls, cls)).toBeGreaterThan(1e-3);
    // Control: with position embeddings zeroed, self-attention is permutation-equivariant and [CLS] unchanged.
    p.get('pos').assign(tf.zeros(p.get('pos').shape));
    expect(await maxAbsDiff(vit(p, TINY, swapped).cls, vit(p, TINY, x).cls)).toBeLessThan(1e-5);
    p.dispose();
  });

  it('every parameter gets a finite, non-zero gradient that matches central differences', async () => {
    const p = createViT(TINY, new Random(5));
    const rng = new Random(6);
    const x = randomTensor(rng, [2, 12, 8, 2]) as tf.Tensor4D;
    const loss = probeLoss(p, TINY, x, randomTensor(rng, [2, 8]), randomTensor(rng, [2, 3, 2, 8], 0.5));
    const { value, grads } = tf.variableGrads(loss, p.variables());
    value.dispose();
    await expectEveryParamGradient(p, grads);
    // Central differences in float32 on the largest-gradient entry of 8 random ones per tensor (a tiny
    // gradient's relative error is all rounding): relative tolerance 2e-2. The step is 5 % of the tensor's RMS,
    // within [1e-3, 1e-2]: [CLS] and position embeddings start at std 0.02, and the first layer norm divides
    // the [CLS] token by its own small spread, so a fixed 1e-2 step would leave the linear regime.
    const names = [
      'patch.w',
      'patch.b',
      'cls',
      'pos',
      'block0.ln1.g',
      'block0.attn.k.w',
      'block0.attn.out.w',
      'block1.mlp.fc1.w',
      'block1.mlp.fc2.b',
      'norm.g',
    ];
    await expectCentralDifferences(p, names, grads, loss, rng, rmsStep);
    tf.dispose(grads);
    p.dispose();
  });

  it('leaks no tensors across repeated forward and backward passes', () => {
    const p = createViT(TINY, new Random(7));
    const rng = new Random(8);
    const x = randomTensor(rng, [2, 12, 8, 2]) as tf.Tensor4D;
    const loss = probeLoss(p, TINY, x, randomTensor(rng, [2, 8]), randomTensor(rng, [2, 3, 2, 8]));
    expectNoTensorLeak(() => {
      backwardPass(loss, p);
      tf.dispose(vit(p, TINY, x));
    });
    p.dispose();
  });

  it('gives the same loss and gradients on the wasm backend as on cpu', async () => {
    const p = createViT(TINY, new Random(9));
    const rng = new Random(10);
    const x = randomTensor(rng, [2, 12, 8, 2]) as tf.Tensor4D;
    const loss = probeLoss(p, TINY, x, randomTensor(rng, [2, 8]), randomTensor(rng, [2, 3, 2, 8]));
    await expectWasmMatchesCpu(loss, p);
    p.dispose();
  });
});
