import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { conv2d, leakyRelu, upsample2x } from './ops.ts';
import { createResUNet2D, resUNet2D } from './resunet2d.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomTensor(rng: Random, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

async function maxRelErr(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const diff = (await tf.max(tf.abs(tf.sub(a, b))).data())[0]!;
  const scale = (await tf.max(tf.abs(b)).data())[0]!;
  return diff / Math.max(scale, 1e-6);
}

describe('conv2d with gradients as forward convolutions', () => {
  // Every stride, padding and kernel our networks use, with odd sizes; tfjs's own kernels are the reference.
  const cases: [string, number[], number[], number, 'same' | 'valid'][] = [
    ['3×3 s1 same', [2, 9, 7, 3], [3, 3, 3, 5], 1, 'same'],
    ['3×3 s2 same, odd input', [2, 9, 11, 4], [3, 3, 4, 6], 2, 'same'],
    ['3×3 s2 same, even input', [1, 8, 8, 2], [3, 3, 2, 3], 2, 'same'],
    ['1×1 s1', [3, 5, 6, 4], [1, 1, 4, 2], 1, 'same'],
    ['2×2 s2 valid', [2, 8, 6, 3], [2, 2, 3, 4], 2, 'valid'],
    ['3×3 s1 valid', [1, 7, 6, 2], [3, 3, 2, 2], 1, 'valid'],
    ['5×5 s1 same', [1, 10, 9, 2], [5, 5, 2, 3], 1, 'same'],
  ];
  for (const [name, xs, ws, stride, pad] of cases) {
    it(`${name}: value and both gradients match tfjs within 1e-5 relative`, async () => {
      const rng = new Random(xs.reduce((a, b) => a * 31 + b, ws[0]!));
      const x = randomTensor(rng, xs) as tf.Tensor4D;
      const w = randomTensor(rng, ws) as tf.Tensor4D;
      const probe = randomTensor(rng, tf.conv2d(x, w, stride, pad).shape);
      const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), probe)));
      const theirs = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), probe)));
      const [dxA, dwA] = ours([x, w]);
      const [dxB, dwB] = theirs([x, w]);
      expect(await maxRelErr(conv2d(x, w, stride, pad), tf.conv2d(x, w, stride, pad))).toBeLessThan(1e-6);
      expect(await maxRelErr(dxA!, dxB!)).toBeLessThan(1e-5);
      expect(await maxRelErr(dwA!, dwB!)).toBeLessThan(1e-5);
    });
  }

  it('upsample2x duplicates pixels and sends back the sum over each 2×2 block', async () => {
    const rng = new Random(11);
    const x = randomTensor(rng, [2, 3, 5, 2]) as tf.Tensor4D;
    const t = randomTensor(rng, [2, 6, 10, 2]);
    const y = await upsample2x(x).data();
    const xv = await x.data();
    expect(y[((0 * 6 + 3) * 10 + 7) * 2 + 1]).toBe(xv[((0 * 3 + 1) * 5 + 3) * 2 + 1]);
    const g = await tf
      .grad((a: tf.Tensor) => tf.sum(tf.mul(upsample2x(a as tf.Tensor4D), t)))(x)
      .data();
    const tv = await t.data();
    let maxErr = 0;
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 5; j++)
          for (let c = 0; c < 2; c++) {
            let s = 0;
            for (const di of [0, 1]) for (const dj of [0, 1]) s += tv[((b * 6 + 2 * i + di) * 10 + 2 * j + dj) * 2 + c]!;
            maxErr = Math.max(maxErr, Math.abs(s - g[((b * 3 + i) * 5 + j) * 2 + c]!));
          }
    expect(maxErr).toBeLessThan(1e-5);
  });

  it('leaky ReLU equals tfjs leakyRelu with the same gradient', async () => {
    const x = tf.tensor([-2, -0.5, 0.3, 4]);
    expect(await leakyRelu(x, 0.1).data()).toEqual(await tf.leakyRelu(x, 0.1).data());
    const g = await tf
      .grad((t: tf.Tensor) => tf.sum(leakyRelu(t, 0.1)))(x)
      .data();
    expect(Array.from(g)).toEqual([0.1, 0.1, 1, 1].map((v) => Math.fround(v)));
  });
});

describe('ResUNet-2D', () => {
  it('maps [B,H,W,C] to per-class logits and counts its parameters', () => {
    const cfg = { inChannels: 3, numClasses: 4, width: 8, depth: 2 };
    const p = createResUNet2D(cfg, new Random(1));
    const y = resUNet2D(p, cfg, tf.zeros([2, 16, 24, 3]) as tf.Tensor4D);
    expect(y.shape).toEqual([2, 16, 24, 4]);
    // stem 3·3·3·8, per conv γ,β; enc0 2×(9·8·8); down1 9·8·16; enc1 2×9·16·16; down2 9·16·32; enc2 2×9·32·32;
    // up1 9·32·16, merge1 9·32·16, dec1 2×9·16·16; up0 9·16·8, merge0 9·16·8, dec0 2×9·8·8; head 8·4 + 4.
    const convs: [number, number][] = [
      [3, 8],
      [8, 8],
      [8, 8],
      [8, 16],
      [16, 16],
      [16, 16],
      [16, 32],
      [32, 32],
      [32, 32],
      [32, 16],
      [32, 16],
      [16, 16],
      [16, 16],
      [16, 8],
      [16, 8],
      [8, 8],
      [8, 8],
    ];
    const expected = convs.reduce((n, [ci, co]) => n + 9 * ci * co + 2 * co, 0) + 8 * 4 + 4;
    expect(p.count()).toBe(expected);
    expect(() => resUNet2D(p, cfg, tf.zeros([1, 10, 16, 3]) as tf.Tensor4D)).toThrow(/divisible/);
    p.dispose();
  });

  it('has finite, non-zero gradients for every parameter that match finite differences', async () => {
    // Slope 1 makes the network smooth (instance norm, convolutions, upsampling, skips, residuals remain), so
    // central differences are reliable; with ReLU kinks they wander with the step size.
    const cfg = { inChannels: 1, numClasses: 3, width: 4, depth: 2, negativeSlope: 1 };
    const p = createResUNet2D(cfg, new Random(3));
    const rng = new Random(4);
    // 16×16 so the deepest level is 4×4: instance norm over 2×2 maps is so non-linear that finite differences
    // cross ReLU kinks within ±h.
    const x = randomTensor(rng, [2, 16, 16, 1]) as tf.Tensor4D;
    const target = randomTensor(rng, [2, 16, 16, 3]);
    const loss = () => tf.mean(tf.square(tf.sub(resUNet2D(p, cfg, x), target))) as tf.Scalar;
    const { grads } = tf.variableGrads(loss);
    for (const name of p.names()) {
      const g = grads[p.get(name).name]!;
      const values = await g.data();
      expect(values.every(Number.isFinite), name).toBe(true);
      expect(
        values.some((v) => v !== 0),
        `${name} gets a gradient`,
      ).toBe(true);
    }
    // Central differences on weights of every kind of layer (float32: step 3e-3, 3 % tolerance).
    for (const name of ['stem.w', 'stem.g', 'enc0.c2.w', 'down1.w', 'enc2.c1.b', 'down2.w', 'up1.w', 'merge0.w', 'dec0.c1.w', 'head.w', 'head.b']) {
      const v = p.get(name);
      const index = Math.min(5, v.size - 1);
      const analytic = (await grads[v.name]!.data())[index]!;
      const base = (await v.data()).slice();
      const probe = async (delta: number): Promise<number> => {
        const moved = base.slice();
        moved[index] = moved[index]! + delta;
        v.assign(tf.tensor(moved, v.shape));
        return (await loss().data())[0]!;
      };
      const h = 3e-3;
      const numeric = ((await probe(h)) - (await probe(-h))) / (2 * h);
      v.assign(tf.tensor(base, v.shape));
      expect(Math.abs(numeric - analytic), `${name}: numeric ${numeric} vs analytic ${analytic}`).toBeLessThan(
        0.03 * Math.max(Math.abs(analytic), 1e-3) + 2e-4,
      );
    }
    p.dispose();
  });
});

describe('class-axis operations written elementwise', () => {
  it('softmax, log-softmax and class sums match tfjs, values and gradients', async () => {
    const { logSoftmaxClasses, softmaxClasses, sumClasses, maxClasses } = await import('./classAxis.ts');
    const rng = new Random(21);
    const z = randomTensor(rng, [2, 5, 3, 4]).mul(3);
    expect(await maxRelErr(softmaxClasses(z), tf.softmax(z))).toBeLessThan(1e-6);
    expect(await maxRelErr(logSoftmaxClasses(z), tf.logSoftmax(z))).toBeLessThan(1e-6);
    expect(await maxRelErr(sumClasses(z), tf.sum(z, -1, true))).toBeLessThan(1e-6);
    expect(await maxRelErr(maxClasses(z), tf.max(z, -1, true))).toBeLessThan(1e-6);
    const probe = randomTensor(rng, [2, 5, 3, 4]);
    const ours = await tf.grad((a: tf.Tensor) => tf.sum(tf.mul(logSoftmaxClasses(a), probe)))(z);
    const theirs = await tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.logSoftmax(a), probe)))(z);
    expect(await maxRelErr(ours, theirs)).toBeLessThan(1e-5);
  });
});
