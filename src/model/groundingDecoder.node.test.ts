import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import {
  createGroundingDecoder,
  DEFAULT_GROUNDING_DECODER,
  groundingDecoder,
  groundingDecoderParamCount,
  groundingLogits,
  INITIAL_LOGIT_SCALE,
  textActivation,
  type GroundingDecoderConfig,
} from './groundingDecoder.ts';
import type { Params } from './params.ts';
import { expectWasmMatchesCpu } from './testing/backendParity.ts';
import { backwardPass, expectCentralDifferences, expectEveryParamGradient, expectNoTensorLeak } from './testing/gradientChecks.ts';
import { maxAbsDiff, randomTensor } from './testing/tensors.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Patch 4 (two ×2 stages of 8 channels), a 2-channel image skip, d = 5, texts of width 6. */
const TINY: GroundingDecoderConfig = { patchDim: 6, patchSize: 4, textDim: 6, outDim: 5, width: 8, imageChannels: 2, skipWidth: 3 };

function probeLoss(
  p: Params,
  cfg: GroundingDecoderConfig,
  patches: tf.Tensor4D,
  image: tf.Tensor4D | undefined,
  text: tf.Tensor2D,
  probe: tf.Tensor,
): () => tf.Scalar {
  return () => tf.tidy(() => tf.sum(tf.mul(groundingLogits(p, groundingDecoder(p, cfg, patches, image), text), probe)) as tf.Scalar);
}

describe('grounding decoder f_g / f_d', () => {
  it('maps patch tokens [B,Hp,Wp,D] to pixel features [B,Hp·P,Wp·P,d], with and without the image skip', () => {
    const p = createGroundingDecoder(TINY, new Random(1));
    const vf = groundingDecoder(p, TINY, tf.zeros([2, 3, 2, 6]) as tf.Tensor4D, tf.zeros([2, 12, 8, 2]) as tf.Tensor4D);
    expect(vf.shape).toEqual([2, 12, 8, 5]);
    // up0 9·6·8 + 16, up1 9·8·8 + 16 (a width below the floor of 16 is kept at every stage), skip 9·2·3 + 6,
    // head (8 + 3)·5 + 5, text projection 6·5 + 5, logit scale and bias 2.
    const expected = 9 * 6 * 8 + 16 + (9 * 8 * 8 + 16) + (9 * 2 * 3 + 6) + (11 * 5 + 5) + (6 * 5 + 5) + 2;
    expect(p.count()).toBe(expected);
    expect(groundingDecoderParamCount(TINY)).toBe(expected);
    expect(() => groundingDecoder(p, TINY, tf.zeros([2, 3, 2, 6]) as tf.Tensor4D)).toThrow(/pass the image/);
    expect(() => groundingDecoder(p, TINY, tf.zeros([2, 3, 2, 6]) as tf.Tensor4D, tf.zeros([2, 12, 12, 2]) as tf.Tensor4D)).toThrow(/expected 2×12×8×2/);
    p.dispose();
    const noSkip = { ...TINY, imageChannels: 0 };
    const q = createGroundingDecoder(noSkip, new Random(2));
    expect(groundingDecoder(q, noSkip, tf.zeros([1, 2, 2, 6]) as tf.Tensor4D).shape).toEqual([1, 8, 8, 5]);
    expect(q.count()).toBe(groundingDecoderParamCount(noSkip));
    q.dispose();
    expect(() => createGroundingDecoder({ ...TINY, patchSize: 6 }, new Random(0))).toThrow(/power of two/);
    // Defaults at ViT patch 8, dim 64, embedDim 64, grey image: stages 64 → 32 → 16 → 16, skip 16, d = 32.
    const def: GroundingDecoderConfig = { ...DEFAULT_GROUNDING_DECODER, patchDim: 64, patchSize: 8, textDim: 64, imageChannels: 1 };
    const stages = 9 * 64 * 32 + 64 + (9 * 32 * 16 + 32) + (9 * 16 * 16 + 32);
    expect(groundingDecoderParamCount(def)).toBe(stages + (9 * 16 + 32) + (32 * 32 + 32) + (64 * 32 + 32) + 2);
  });

  it('textActivation is scale·cos(t_k, v_f) + bias at every pixel, as a float64 reference computes it', async () => {
    const rng = new Random(3);
    const vf = randomTensor(rng, [2, 3, 4, 5]) as tf.Tensor4D;
    const text = randomTensor(rng, [3, 5]) as tf.Tensor2D;
    const out = textActivation(vf, text, 7, -0.5);
    expect(out.shape).toEqual([2, 3, 4, 3]);
    const v = (await vf.array()) as number[][][][];
    const t = (await text.array()) as number[][];
    const o = (await out.array()) as number[][][][];
    const norm = (a: number[]) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
    let maxErr = 0;
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 4; j++)
          for (let k = 0; k < 3; k++) {
            const pix = v[b]![i]![j]!;
            const cos = pix.reduce((s, x, c) => s + x * t[k]![c]!, 0) / norm(pix) / norm(t[k]!);
            maxErr = Math.max(maxErr, Math.abs(7 * cos - 0.5 - o[b]![i]![j]![k]!));
          }
    expect(maxErr).toBeLessThan(1e-5);
    // Cosines ignore the norms of either side; a zero feature vector gives 0, not NaN.
    expect(await maxAbsDiff(textActivation(tf.mul(vf, 3) as tf.Tensor4D, tf.mul(text, 0.1) as tf.Tensor2D), textActivation(vf, text))).toBeLessThan(1e-5);
    expect(Array.from(await textActivation(tf.zeros([1, 1, 1, 5]) as tf.Tensor4D, text).data())).toEqual([0, 0, 0]);
    expect(() => textActivation(vf, tf.zeros([3, 4]) as tf.Tensor2D)).toThrow(/4 features/);
  });

  it('the learned logit scale starts at 10 and groundingLogits projects texts to d', async () => {
    const p = createGroundingDecoder(TINY, new Random(4));
    const rng = new Random(5);
    const vf = groundingDecoder(p, TINY, randomTensor(rng, [1, 2, 2, 6]) as tf.Tensor4D, randomTensor(rng, [1, 8, 8, 2]) as tf.Tensor4D);
    const logits = groundingLogits(p, vf, randomTensor(rng, [4, 6]) as tf.Tensor2D);
    expect(logits.shape).toEqual([1, 8, 8, 4]);
    const values = await logits.data();
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(INITIAL_LOGIT_SCALE + 1e-4);
    p.dispose();
  });

  it('every parameter, and the patch tokens, get finite non-zero gradients that match central differences', async () => {
    // Slope 1 makes the decoder smooth (as in the ResUNet test), so central differences are reliable.
    const cfg = { ...TINY, negativeSlope: 1 };
    const p = createGroundingDecoder(cfg, new Random(6));
    const rng = new Random(7);
    const patches = randomTensor(rng, [2, 3, 2, 6]) as tf.Tensor4D;
    const image = randomTensor(rng, [2, 12, 8, 2]) as tf.Tensor4D;
    const text = randomTensor(rng, [3, 6]) as tf.Tensor2D;
    const probe = randomTensor(rng, [2, 12, 8, 3], 0.1);
    const loss = probeLoss(p, cfg, patches, image, text, probe);
    const { value, grads } = tf.variableGrads(loss, p.variables());
    value.dispose();
    await expectEveryParamGradient(p, grads);
    // The encoder may fine-tune through the decoder: the patch tokens get a gradient too.
    const dPatches = await tf
      .grad((t: tf.Tensor) => tf.sum(tf.mul(groundingLogits(p, groundingDecoder(p, cfg, t as tf.Tensor4D, image), text), probe)))(patches)
      .data();
    expect(dPatches.every(Number.isFinite) && dPatches.some((v) => v !== 0)).toBe(true);
    // Central differences, step 3e-3, relative tolerance 2e-2, on the largest of 8 random entries per tensor.
    const names = ['up0.w', 'up1.g', 'skip.w', 'head.w', 'head.b', 'text.w', 'logit.scale', 'logit.bias'];
    await expectCentralDifferences(p, names, grads, loss, rng, () => 3e-3);
    tf.dispose(grads);
    p.dispose();
  });

  it('leaks no tensors across repeated forward and backward passes', () => {
    const p = createGroundingDecoder(TINY, new Random(8));
    const rng = new Random(9);
    const patches = randomTensor(rng, [2, 3, 2, 6]) as tf.Tensor4D;
    const image = randomTensor(rng, [2, 12, 8, 2]) as tf.Tensor4D;
    const loss = probeLoss(p, TINY, patches, image, randomTensor(rng, [3, 6]) as tf.Tensor2D, randomTensor(rng, [2, 12, 8, 3]));
    expectNoTensorLeak(() => {
      backwardPass(loss, p);
      tf.dispose(groundingDecoder(p, TINY, patches, image));
    });
    p.dispose();
  });

  it('gives the same loss and gradients on the wasm backend as on cpu', async () => {
    const p = createGroundingDecoder(TINY, new Random(10));
    const rng = new Random(11);
    const loss = probeLoss(
      p,
      TINY,
      randomTensor(rng, [2, 3, 2, 6]) as tf.Tensor4D,
      randomTensor(rng, [2, 12, 8, 2]) as tf.Tensor4D,
      randomTensor(rng, [3, 6]) as tf.Tensor2D,
      randomTensor(rng, [2, 12, 8, 3]),
    );
    await expectWasmMatchesCpu(loss, p);
    p.dispose();
  });
});
