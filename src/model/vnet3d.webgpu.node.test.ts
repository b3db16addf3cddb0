import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { instanceNorm, leakyRelu } from './ops.ts';
import { conv3d, upConv3d } from './ops3d.ts';
import { Params } from './params.ts';
import { expectCentralDifferences, expectEveryParamGradient } from './testing/gradientChecks.ts';
import { maxRelErr, randomTensor } from './testing/tensors.ts';
import { captureValidationError, expectNoValidationErrors, startWebGPUInNode } from './testing/webgpuNode.ts';
import { createVNet3D, vNet3DForward, type VNet3DConfig } from './vnet3d.ts';

// WebGPU in Node through Dawn (on SwiftShader without a GPU). Each check runs on cpu first, the reference, then
// on webgpu inside a validation error scope: tfjs only logs a shader that fails to compile and carries on with
// zeros or stale memory, so a value comparison alone can pass by luck. Never dataSync on webgpu (WEBGPU.md trap
// "no dataSync").
const webgpu = await startWebGPUInNode();
await tf.setBackend('cpu');

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Runs f on the named backend and comes back to cpu, the backend the rest of the file expects. */
async function on<T>(backend: 'cpu' | 'webgpu', f: () => Promise<T>): Promise<T> {
  await tf.setBackend(backend);
  try {
    return await f();
  } finally {
    await tf.setBackend('cpu');
  }
}

/** Value and gradients of Σ probe·f(inputs), read back with await, on the active backend. */
async function valueAndGrads(f: (...t: tf.Tensor[]) => tf.Tensor, shapes: number[][], seed: number): Promise<Float32Array[]> {
  const rng = new Random(seed);
  const inputs = shapes.map((s) => randomTensor(rng, s));
  const y = f(...inputs);
  const probe = randomTensor(rng, y.shape);
  const grads = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), probe)))(inputs);
  const out = [(await y.data()) as Float32Array, ...(await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array)))];
  tf.dispose([...inputs, y, probe, ...grads]);
  return out;
}

describe.skipIf(!webgpu.ok)(`WebGPU traps of tfjs 4.22 at rank 5, and the workarounds (${webgpu.reason})`, () => {
  it('trap 1: rank 5 combined with a rank-1 tensor of 2–127 channels fails to compile; [1,1,1,1,C] is right', async () => {
    // tfjs's binary-op shader caches a rank-1 operand of fewer than 128 values in workgroup memory and indexes
    // it with coords[4], which WGSL cannot do on tfjs's rank-5 coordinate struct. Inputs under 1000 values that
    // are still on the CPU never reach the GPU (tfjs hands them to its CPU kernels), which is why
    // ones([1,4,4,4,3]) + tensor1d(3) looked right; a 1024-value map with 16 channels does not.
    const shape = [1, 4, 4, 4, 16];
    const x = Float32Array.from({ length: 1024 }, (_, i) => (i % 7) - 3);
    const c = Float32Array.from({ length: 16 }, (_, i) => i + 1);
    const expected = x.map((v, i) => v * c[i % 16]!);
    await on('webgpu', async () => {
      const xt = tf.tensor(x, shape);
      const rank1 = await captureValidationError(async () => (await tf.mul(xt, tf.tensor1d(c)).data()) as Float32Array);
      expect(rank1.error, 'tfjs compiles rank-5 × rank-1 now: trap 1 may be fixed').toMatch(/vec5/);
      expect(maxRelErr(rank1.value, expected)).toBeGreaterThan(0.5);
      const shaped = await expectNoValidationErrors(async () => (await tf.mul(xt, tf.tensor(c, [1, 1, 1, 1, 16])).data()) as Float32Array);
      expect(maxRelErr(shaped, expected)).toBe(0);
      const small = await expectNoValidationErrors(async () => (await tf.add(tf.ones([1, 4, 4, 4, 3]), tf.tensor1d([1, 2, 3])).data()) as Float32Array);
      expect(Array.from(small.slice(0, 3))).toEqual([2, 3, 4]);
    });
  });

  it("trap 3: tf.where throws at rank 5, so tfjs's leakyRelu has no gradient there; relu(x) − a·relu(−x) has", async () => {
    const shape = [2, 4, 8, 8, 4];
    const cpu = await valueAndGrads((x) => leakyRelu(x!, 0.1), [shape], 21);
    await on('webgpu', async () => {
      const x = randomTensor(new Random(22), shape);
      expect(() => tf.grad((t: tf.Tensor) => tf.sum(tf.leakyRelu(t, 0.1)))(x)).toThrow(/Where for rank 5/);
      const gpu = await expectNoValidationErrors(() => valueAndGrads((t) => leakyRelu(t!, 0.1), [shape], 21));
      gpu.forEach((v, n) => expect(maxRelErr(v, cpu[n]!)).toBeLessThan(1e-6));
    });
  });

  it('Reverse throws and Pad fails to compile at rank 5, which ops3d avoids with rank-4 and rank-3 views', async () => {
    // Both found writing ops3d: conv3d's input gradient flips the filter on every backend, and the forward-conv
    // gradients (for backends whose backprop kernels are untrusted) pad.
    await on('webgpu', async () => {
      expect(() => tf.reverse(tf.ones([3, 3, 3, 2, 2]), [0, 1, 2])).toThrow();
      const padded = await captureValidationError(async () =>
        tf
          .pad(tf.ones([1, 4, 4, 4, 2]), [
            [0, 0],
            [1, 1],
            [1, 1],
            [1, 1],
            [0, 0],
          ])
          .data(),
      );
      expect(padded.error, 'tfjs pads rank 5 now').toMatch(/vec5/);
    });
  });

  it('instance norm at rank 5 (moments over three axes) matches cpu with its gradients', async () => {
    const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => instanceNorm(x, g, b);
    const shapes = [
      [2, 4, 8, 8, 16],
      [1, 1, 1, 1, 16],
      [1, 1, 1, 1, 16],
    ];
    const cpu = await valueAndGrads((x, g, b) => f(x!, g!, b!), shapes, 23);
    const gpu = await on('webgpu', () => expectNoValidationErrors(() => valueAndGrads((x, g, b) => f(x!, g!, b!), shapes, 23)));
    gpu.forEach((v, n) => expect(maxRelErr(v, cpu[n]!), `output ${n}`).toBeLessThan(1e-5));
  });
});

describe.skipIf(!webgpu.ok)(`ops3d on WebGPU (${webgpu.reason})`, () => {
  const cases: [string, (x: tf.Tensor5D, w: tf.Tensor5D) => tf.Tensor5D, number[], number[]][] = [
    ['conv 3×3×3 s1 same', (x, w) => conv3d(x, w), [2, 4, 5, 6, 3], [3, 3, 3, 3, 4]],
    ['conv 3×3×3 s[1,2,2] same', (x, w) => conv3d(x, w, [1, 2, 2]), [1, 3, 7, 5, 2], [3, 3, 3, 2, 3]],
    ['conv 3×3×3 s2 valid', (x, w) => conv3d(x, w, [2, 2, 2], 'valid'), [1, 7, 6, 5, 2], [3, 3, 3, 2, 2]],
    ['conv 2×2×2 s2 block', (x, w) => conv3d(x, w, [2, 2, 2], 'valid'), [2, 4, 6, 8, 3], [2, 2, 2, 3, 4]],
    ['upConv 2×2×2', (x, w) => upConv3d(x, w, [2, 2, 2]), [2, 2, 3, 4, 3], [2, 2, 2, 5, 3]],
    ['upConv 1×2×2', (x, w) => upConv3d(x, w, [1, 2, 2]), [1, 3, 2, 3, 4], [1, 2, 2, 2, 4]],
  ];

  it('conv3d and upConv3d values and both gradients match cpu within 1e-5 relative, with no validation error', async () => {
    for (const [n, [name, f, xs, ws]] of cases.entries()) {
      const g = (x: tf.Tensor, w: tf.Tensor) => f(x as tf.Tensor5D, w as tf.Tensor5D);
      const cpu = await valueAndGrads((x, w) => g(x!, w!), [xs, ws], 30 + n);
      const gpu = await on('webgpu', () => expectNoValidationErrors(() => valueAndGrads((x, w) => g(x!, w!), [xs, ws], 30 + n)));
      ['value', '∂x', '∂w'].forEach((what, k) => expect(maxRelErr(gpu[k]!, cpu[k]!), `${name} ${what}`).toBeLessThan(1e-5));
    }
  });

  it('the transposed convolution: webgpu gradients match central differences (2e-2 + 1e-4) and cpu (1e-5)', async () => {
    // Built on the active backend each time, from the same seed, so the cpu and webgpu runs see the same numbers.
    const check = async (probeCentral: boolean) => {
      const rng = new Random(40);
      const p = new Params();
      p.add('x', randomTensor(rng, [1, 2, 3, 2, 3]));
      p.add('w', randomTensor(rng, [2, 2, 2, 4, 3], 0.5));
      const target = randomTensor(rng, [1, 4, 6, 4, 4]);
      const loss = () => tf.mean(tf.square(tf.sub(upConv3d(p.get('x') as tf.Tensor5D, p.get('w') as tf.Tensor5D, [2, 2, 2]), target))) as tf.Scalar;
      const { value, grads } = tf.variableGrads(loss, p.variables());
      const out = await Promise.all(['x', 'w'].map(async (name) => (await grads[p.get(name).name]!.data()) as Float32Array));
      if (probeCentral) await expectCentralDifferences(p, ['x', 'w'], grads, loss, new Random(41), () => 1e-2);
      tf.dispose([value, grads, target]);
      p.dispose();
      return out;
    };
    const cpu = await check(false);
    const gpu = await on('webgpu', () => expectNoValidationErrors(() => check(true)));
    gpu.forEach((g, n) => expect(maxRelErr(g, cpu[n]!)).toBeLessThan(1e-5));
  });
});

describe.skipIf(!webgpu.ok)(`V-Net 3D on WebGPU (${webgpu.reason})`, () => {
  // Anisotropic strides so both block shapes run; 2 × 4×8×8 voxels keep SwiftShader to a few seconds. Every
  // workaround is on this path: [1,1,1,1,C] scales and shifts (trap 1), relu-form leaky ReLU (trap 3), matMul
  // up-convolutions (trap 2), the rank-4 filter flip in the conv input gradient, moments-based instance norm.
  const cfg: VNet3DConfig = {
    inChannels: 1,
    numClasses: 3,
    width: 4,
    depth: 2,
    strides: [
      [1, 2, 2],
      [2, 2, 2],
    ],
  };

  interface Pass {
    logits: Float32Array;
    decoder: Float32Array;
    loss: number;
    grads: Float32Array[];
  }

  const pass = async (): Promise<Pass> => {
    const p = createVNet3D(cfg, new Random(50));
    const rng = new Random(51);
    const x = randomTensor(rng, [2, 4, 8, 8, 1]) as tf.Tensor5D;
    const target = randomTensor(rng, [2, 4, 8, 8, 3]);
    const out = vNet3DForward(p, cfg, x);
    expect(out.encoder.map((e) => e.shape)).toEqual([
      [2, 4, 8, 8, 4],
      [2, 4, 4, 4, 8],
      [2, 2, 2, 2, 16],
    ]);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(vNet3DForward(p, cfg, x).logits, target))) as tf.Scalar, p.variables());
    await expectEveryParamGradient(p, grads);
    const result: Pass = {
      logits: (await out.logits.data()) as Float32Array,
      decoder: (await out.decoder.data()) as Float32Array,
      loss: (await value.data())[0]!,
      grads: await Promise.all(p.variables().map(async (v) => (await grads[v.name]!.data()) as Float32Array)),
    };
    tf.dispose([x, target, out.logits, out.decoder, ...out.encoder, value, grads]);
    p.dispose();
    return result;
  };

  it('forward logits (1e-4) and every parameter gradient (1e-3 of its largest entry) match cpu, with no validation error', async () => {
    const cpu = await pass();
    const gpu = await on('webgpu', () => expectNoValidationErrors(pass));
    const names = createVNet3D(cfg, new Random(50));
    expect(maxRelErr(gpu.logits, cpu.logits)).toBeLessThan(1e-4);
    expect(maxRelErr(gpu.decoder, cpu.decoder)).toBeLessThan(1e-4);
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(1e-4 * Math.abs(cpu.loss));
    // Gradients pass through leaky-ReLU kinks, where float32 rounding may put a pre-activation on either side.
    names.names().forEach((name, n) => expect(maxRelErr(gpu.grads[n]!, cpu.grads[n]!), name).toBeLessThan(1e-3));
    names.dispose();
  });
});
