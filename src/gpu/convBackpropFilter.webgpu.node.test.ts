import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import { conv2d } from '../model/ops.ts';
import { expectNoValidationErrors, startWebGPUInNode } from '../model/testing/webgpuNode.ts';
import { convBackpropFilterChecks } from './checks/convBackpropFilter.checks.ts';
import { judge } from './checks/types.ts';
import { conv2dBackpropFilterKernel } from './conv2dBackpropFilter.ts';
import { conv3dBackpropFilterKernel } from './conv3dBackpropFilter.ts';
import { planSplitK } from './splitK.ts';
import { customKernelCalls, fallbackLog, installCustomKernels, resetKernelCounters, setCustomKernelsEnabled } from './customKernels.ts';
import { conv2dBackpropFilterReference, conv3dBackpropFilterReference } from './reference/convBackpropFilter.ts';
import { loadShadersFromDisk } from './shaderSources.node.ts';

const webgpu = await startWebGPUInNode();

function normals(seed: number, n: number): Float32Array {
  const a = new Float32Array(n);
  new Random(seed).fillNormal(a);
  return a;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? m : Number.POSITIVE_INFINITY;
}

describe('the CPU references match tfjs on its cpu backend', () => {
  let previous = '';
  beforeAll(async () => {
    previous = tf.getBackend();
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    if (previous) await tf.setBackend(previous);
  });

  const cases3d: [
    string,
    [number, number, number, number, number],
    [number, number, number, number, number],
    number | [number, number, number],
    'same' | 'valid',
  ][] = [
    ['k3 s1 same', [2, 4, 5, 3, 3], [3, 3, 3, 3, 2], 1, 'same'],
    ['k3 s2 same, odd', [1, 5, 7, 6, 2], [3, 3, 3, 2, 3], 2, 'same'],
    ['k[3,1,1] s[2,1,1] valid', [2, 7, 3, 4, 1], [3, 1, 1, 1, 5], [2, 1, 1], 'valid'],
  ];
  for (const [name, xShape, fShape, strides, pad] of cases3d) {
    it(`Conv3DBackpropFilterV2 ${name}`, async () => {
      const info = tf.backend_util.computeConv3DInfo(xShape, fShape, strides, 1, pad);
      const dyShape = [info.batchSize, info.outDepth, info.outHeight, info.outWidth, info.outChannels];
      const xData = normals(
        1,
        xShape.reduce((a, b) => a * b),
      );
      const dyData = normals(
        2,
        dyShape.reduce((a, b) => a * b),
      );
      const x = tf.tensor(xData, xShape);
      const dy = tf.tensor(dyData, dyShape);
      const t = tf.engine().runKernel('Conv3DBackpropFilterV2', { x, dy }, { strides, pad, filterShape: fShape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const tfjs = await t.data();
      tf.dispose([x, dy, t]);
      expect(maxDiff(conv3dBackpropFilterReference(xData, xShape, dyData, fShape, strides, pad), tfjs)).toBeLessThan(1e-4);
    });
  }

  const cases2d: [string, [number, number, number, number], [number, number, number, number], number, 'same' | 'valid'][] = [
    ['k3 s1 same', [2, 6, 5, 3], [3, 3, 3, 4], 1, 'same'],
    ['k3 s2 same, even', [1, 8, 8, 2], [3, 3, 2, 3], 2, 'same'],
    ['k2 s2 valid, odd', [2, 7, 9, 3], [2, 2, 3, 2], 2, 'valid'],
  ];
  for (const [name, xShape, fShape, stride, pad] of cases2d) {
    it(`Conv2DBackpropFilter ${name}`, async () => {
      const info = tf.backend_util.computeConv2DInfo(xShape, fShape, stride, 1, pad);
      const dyShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
      const xData = normals(
        3,
        xShape.reduce((a, b) => a * b),
      );
      const dyData = normals(
        4,
        dyShape.reduce((a, b) => a * b),
      );
      const x = tf.tensor4d(xData, xShape);
      const dy = tf.tensor4d(dyData, dyShape as [number, number, number, number]);
      const attrs = { strides: stride, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: fShape } as unknown as tf.NamedAttrMap;
      const t = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
      const tfjs = await t.data();
      tf.dispose([x, dy, t]);
      expect(maxDiff(conv2dBackpropFilterReference(xData, xShape, dyData, fShape, stride, pad), tfjs)).toBeLessThan(1e-4);
    });
  }
});

describe('the filter-gradient checks', () => {
  it('include cases long enough in K to run several split-K chunks under the current tuning, in 2D and 3D', () => {
    for (const kernel of ['Conv2DBackpropFilter', 'Conv3DBackpropFilterV2']) {
      expect(convBackpropFilterChecks().filter((c) => c.kernel === kernel && /K-chunks/.test(c.name)).length, kernel).toBeGreaterThan(0);
    }
  });

  it('cover both shader shapes: workgroups of several k-groups (small outputs such as stems) and of one', () => {
    for (const kernel of ['Conv2DBackpropFilter', 'Conv3DBackpropFilterV2']) {
      const names = convBackpropFilterChecks()
        .filter((c) => c.kernel === kernel)
        .map((c) => c.name);
      expect(names.filter((n) => /\d+ k-groups/.test(n)).length, kernel).toBeGreaterThan(0);
      expect(names.filter((n) => /one k-group/.test(n) && !/\d+ k-groups/.test(n)).length, kernel).toBeGreaterThan(0);
    }
  });

  it('give a stem (one input channel, 27 or 9 rows) a workgroup of at least 64 threads', () => {
    for (const [m, n] of [
      [27, 16],
      [9, 16],
    ] as const) {
      const plan = planSplitK(m, n, 8 * 256 * 256);
      if ('unsupported' in plan) throw new Error(plan.unsupported);
      expect(plan.tiling.wm * plan.tiling.wn * plan.tiling.ks).toBeGreaterThanOrEqual(64);
    }
  });
});

describe.skipIf(!webgpu.ok)(`our filter-gradient kernels on WebGPU (${webgpu.reason})`, () => {
  beforeAll(() => {
    loadShadersFromDisk();
    installCustomKernels([conv3dBackpropFilterKernel, conv2dBackpropFilterKernel]);
    setCustomKernelsEnabled(true);
  });

  for (const check of convBackpropFilterChecks()) {
    it(`${check.kernel} ${check.name}`, async () => {
      const comparisons = await expectNoValidationErrors(() => check.run());
      for (const c of comparisons) {
        const r = judge(c);
        const tfjs = r.tfjsErr === null ? '' : `, tfjs's ${r.tfjsErr.toExponential(2)}`;
        expect(r.ok, `${r.name}: ours off by ${r.oursErr.toExponential(2)}${tfjs}, allowed ${r.bound.toExponential(2)} over ${r.length} weights`).toBe(true);
      }
    });
  }

  it("routes ops.conv2d's ∂w through our kernel while custom kernels are active", async () => {
    const xShape = [2, 9, 8, 3] as const;
    const wShape = [3, 3, 3, 4] as const;
    const dyShape = [2, 5, 4, 4] as const; // stride 2, 'same'
    const xData = normals(9, 2 * 9 * 8 * 3);
    const dyData = normals(10, 2 * 5 * 4 * 4);
    const x = tf.tensor4d(xData, [...xShape]);
    const dy = tf.tensor4d(dyData, [...dyShape]);
    const w = tf.tensor4d(normals(11, 3 * 3 * 3 * 4), [...wShape]);
    const before = customKernelCalls().get('Conv2DBackpropFilter') ?? 0;
    const ours = await expectNoValidationErrors(async () => {
      const g = tf.grad((wIn: tf.Tensor) => tf.sum(tf.mul(conv2d(x, wIn as tf.Tensor4D, 2, 'same'), dy)))(w);
      const d = await g.data();
      g.dispose();
      return d;
    });
    expect(customKernelCalls().get('Conv2DBackpropFilter') ?? 0).toBe(before + 1);
    const reference = conv2dBackpropFilterReference(xData, xShape, dyData, wShape, 2, 'same');
    expect(maxDiff(ours, reference)).toBeLessThan(1e-4 * (1 + Math.max(...reference.map(Math.abs))));
    tf.dispose([x, dy, w]);
  });

  it("falls back to tfjs for NCHW, recording why, and still returns tfjs's answer", async () => {
    resetKernelCounters();
    const x = tf.tensor4d(normals(5, 2 * 3 * 6 * 5), [2, 3, 6, 5]); // NCHW: 3 channels of 6×5
    const dy = tf.tensor4d(normals(6, 2 * 4 * 6 * 5), [2, 4, 6, 5]);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', dimRoundingMode: undefined, filterShape: [3, 3, 3, 4] } as unknown as tf.NamedAttrMap;
    const run = async () => {
      const t = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
      const d = await t.data();
      t.dispose();
      return d;
    };
    const viaSwitch = await expectNoValidationErrors(run);
    expect(customKernelCalls().get('Conv2DBackpropFilter') ?? 0).toBe(0);
    expect(fallbackLog().some((f) => f.kernelName === 'Conv2DBackpropFilter' && f.reason.includes('NCHW'))).toBe(true);
    setCustomKernelsEnabled(false);
    const tfjs = await run();
    setCustomKernelsEnabled(true);
    expect(Array.from(viaSwitch)).toEqual(Array.from(tfjs));
    tf.dispose([x, dy]);
  });

  it('falls back to tfjs for a dilation other than 1, recording why', async () => {
    resetKernelCounters();
    const x = tf.tensor5d(normals(7, 4 * 5 * 4 * 2), [1, 4, 5, 4, 2]);
    const dy = tf.tensor5d(normals(8, 4 * 5 * 4 * 3), [1, 4, 5, 4, 3]);
    // Conv3DBackpropFilterV2 has no dilations attribute in tfjs 4.22; a caller passing one must not get our kernel.
    const attrs = { strides: 1, pad: 'same', filterShape: [3, 3, 3, 2, 3], dilations: 2 } as unknown as tf.NamedAttrMap;
    const t = tf.engine().runKernel('Conv3DBackpropFilterV2', { x, dy }, attrs) as tf.Tensor;
    await expectNoValidationErrors(() => t.data());
    t.dispose();
    expect(customKernelCalls().get('Conv3DBackpropFilterV2') ?? 0).toBe(0);
    expect(fallbackLog().some((f) => f.kernelName === 'Conv3DBackpropFilterV2' && f.reason.includes('dilation'))).toBe(true);
    tf.dispose([x, dy]);
  });
});
