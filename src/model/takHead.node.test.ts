import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { controllerParams, createTakHead, dynamicHead, dynamicHeadSize, takLogits, type TakHeadConfig } from './takHead.ts';
import { expectEveryParamGradient } from './testing/gradientChecks.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const cfg: TakHeadConfig = { textDim: 5, featureChannels: 3, deepChannels: 4, hidden: 7, headChannels: [4, 2], numClasses: 3 };

/** The dynamic head written as loops: three 1×1×1 convolutions with ReLUs, per voxel, per class. */
function referenceHead(features: Float32Array, theta: Float32Array, B: number, N: number): Float32Array {
  const { featureChannels: C, numClasses: K } = cfg;
  const [h1, h2] = cfg.headChannels;
  const T = dynamicHeadSize(cfg);
  const out = new Float32Array(B * N * K);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < K; k++) {
      const th = theta.subarray((b * K + k) * T, (b * K + k + 1) * T);
      const w1 = th.subarray(0, C * h1);
      const b1 = th.subarray(C * h1, C * h1 + h1);
      const o2 = C * h1 + h1;
      const w2 = th.subarray(o2, o2 + h1 * h2);
      const b2 = th.subarray(o2 + h1 * h2, o2 + h1 * h2 + h2);
      const o3 = o2 + h1 * h2 + h2;
      for (let v = 0; v < N; v++) {
        const x = features.subarray((b * N + v) * C, (b * N + v + 1) * C);
        const a1 = Array.from({ length: h1 }, (_, j) => Math.max(0, b1[j]! + x.reduce((s, xc, c) => s + xc * w1[c * h1 + j]!, 0)));
        const a2 = Array.from({ length: h2 }, (_, j) => Math.max(0, b2[j]! + a1.reduce((s, a, i) => s + a * w2[i * h2 + j]!, 0)));
        out[(b * N + v) * K + k] = th[o3 + h2]! + a2.reduce((s, a, i) => s + a * th[o3 + i]!, 0);
      }
    }
  }
  return out;
}

describe("TAK's text-driven dynamic head", () => {
  it('sizes θ as three 1×1×1 convolutions with biases', () => {
    expect(dynamicHeadSize(cfg)).toBe(3 * 4 + 4 + 4 * 2 + 2 + 2 + 1);
  });

  it('applies per patch and per class the head that θ describes (loop reference, 1e-5)', async () => {
    const B = 2;
    const [D, H, W] = [2, 3, 2];
    const N = D * H * W;
    const features = tf.randomNormal([B, D, H, W, cfg.featureChannels], 0, 1, 'float32', 1) as tf.Tensor5D;
    const theta = tf.randomNormal([B * cfg.numClasses, dynamicHeadSize(cfg)], 0, 1, 'float32', 2) as tf.Tensor2D;
    const got = (await dynamicHead(cfg, features, theta).data()) as Float32Array;
    const want = referenceHead((await features.data()) as Float32Array, (await theta.data()) as Float32Array, B, N);
    expect(got).toHaveLength(want.length);
    let worst = 0;
    for (let n = 0; n < want.length; n++) worst = Math.max(worst, Math.abs(got[n]! - want[n]!));
    expect(worst).toBeLessThan(1e-5);
    tf.dispose([features, theta]);
  });

  it('makes θ depend on the class prompts and on the image (F), and trains every controller weight', async () => {
    const p = createTakHead(cfg, new Random(4));
    const pos = tf.randomNormal([3, 5], 0, 1, 'float32', 3) as tf.Tensor2D;
    const shape = tf.randomNormal([3, 5], 0, 1, 'float32', 4) as tf.Tensor2D;
    const deep = tf.randomNormal([2, 1, 1, 1, 4], 0, 1, 'float32', 5) as tf.Tensor5D;
    const theta = (await controllerParams(p, cfg, pos, shape, deep).data()) as Float32Array;
    const T = dynamicHeadSize(cfg);
    expect(theta).toHaveLength(2 * 3 * T);
    const row = (b: number, k: number) => Array.from(theta.subarray((b * 3 + k) * T, (b * 3 + k + 1) * T));
    // Different classes (texts) and different patches (F) get different heads.
    expect(row(0, 0)).not.toEqual(row(0, 1));
    expect(row(0, 0)).not.toEqual(row(1, 0));
    const feats = tf.randomNormal([2, 2, 2, 2, 3], 0, 1, 'float32', 6) as tf.Tensor5D;
    const target = tf.randomNormal([2, 2, 2, 2, 3], 0, 1, 'float32', 7);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(takLogits(p, cfg, pos, shape, deep, feats), target))) as tf.Scalar, p.variables());
    expect(Number.isFinite((await value.data())[0]!)).toBe(true);
    await expectEveryParamGradient(p, grads);
    tf.dispose([value, pos, shape, deep, feats, target]);
    tf.dispose(grads);
    p.dispose();
  });
});
