import * as tf from '@tensorflow/tfjs';
import { customKernelCalls, customKernelsEnabled, fallbackLog, setCustomKernelsEnabled } from '../customKernels.ts';
import { conv3dBackpropInputReference, conv3dReference, type Shape5D } from '../reference/conv3d.ts';
import type { Comparison, KernelCheck, Tolerance } from './types.ts';

/**
 * Checks of our Conv3D and Conv3DBackpropInputV2 kernels against tfjs's kernels and the CPU reference, on small
 * seeded cases chosen to hit every edge: odd sizes (no dimension a tile multiple), channels 1/3/5/17 (the
 * per-k gather) and 4/8/16/32/72 (the channel-quad gather, two N tiles), kernels 1, 2, 3 and 3×1×1, strides 1,
 * 2 and 2×1×1, 'same' (including the asymmetric padding of an even kernel) and 'valid', batch 1 and 2. Plus the
 * gradient of a conv3d through tf.grads, which runs both kernels. No node: imports: these also run in Chromium.
 */

type Triple = [number, number, number];

interface ConvCase {
  x: Shape5D;
  co: number;
  kernel: Triple;
  strides: Triple;
  pad: 'same' | 'valid';
  why: string;
}

const CASES: readonly ConvCase[] = [
  { x: [1, 5, 6, 7, 3], co: 5, kernel: [3, 3, 3], strides: [1, 1, 1], pad: 'same', why: 'odd sizes' },
  { x: [2, 4, 5, 6, 1], co: 17, kernel: [3, 3, 3], strides: [1, 1, 1], pad: 'same', why: 'stem-like, one input channel' },
  { x: [1, 7, 6, 5, 17], co: 3, kernel: [2, 2, 2], strides: [2, 2, 2], pad: 'valid', why: 'kernel = stride, dropped remainder' },
  { x: [2, 6, 7, 9, 5], co: 17, kernel: [3, 3, 3], strides: [2, 2, 2], pad: 'same', why: 'stride 2 with padding' },
  { x: [1, 9, 5, 6, 3], co: 5, kernel: [3, 1, 1], strides: [2, 1, 1], pad: 'same', why: 'anisotropic kernel and stride' },
  { x: [1, 5, 5, 5, 17], co: 1, kernel: [1, 1, 1], strides: [1, 1, 1], pad: 'valid', why: '1×1×1, one output channel' },
  { x: [2, 6, 5, 4, 16], co: 32, kernel: [3, 3, 3], strides: [1, 1, 1], pad: 'same', why: 'channel quads, many M tiles and K slabs' },
  { x: [1, 5, 6, 4, 3], co: 5, kernel: [2, 2, 2], strides: [1, 1, 1], pad: 'same', why: 'even kernel: asymmetric padding' },
  { x: [1, 6, 6, 6, 8], co: 72, kernel: [3, 3, 3], strides: [1, 1, 1], pad: 'same', why: 'two N tiles, ragged last' },
  { x: [2, 7, 5, 6, 4], co: 4, kernel: [3, 3, 3], strides: [2, 1, 1], pad: 'valid', why: 'stride 2×1×1 valid, channel quads' },
  { x: [1, 6, 8, 5, 16], co: 16, kernel: [3, 1, 1], strides: [1, 1, 1], pad: 'same', why: '3×1×1 on 16 channels' },
  { x: [1, 8, 7, 9, 5], co: 3, kernel: [3, 3, 3], strides: [2, 2, 2], pad: 'valid', why: 'stride 2 valid, odd sides' },
];

const GRADIENT_CASES: readonly ConvCase[] = [
  { x: [1, 5, 6, 7, 3], co: 5, kernel: [3, 3, 3], strides: [1, 1, 1], pad: 'same', why: 'stride 1' },
  { x: [2, 6, 7, 5, 4], co: 8, kernel: [3, 3, 3], strides: [2, 2, 2], pad: 'same', why: 'stride 2, two batches' },
];

/** Float32 sums of up to ~500 products of values in [−1, 1): well inside these bounds, far below a wrong tap. */
const TOLERANCE: Tolerance = { abs: 1e-5, rel: 1e-4 };

/** A small LCG (Numerical Recipes constants) so every run, in Node and in Chromium, sees the same numbers. */
function uniformValues(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function describeCase(c: ConvCase): string {
  const k = c.kernel.every((v) => v === c.kernel[0]) ? `k${c.kernel[0]}` : `k${c.kernel.join('×')}`;
  const s = c.strides.every((v) => v === c.strides[0]) ? `s${c.strides[0]}` : `s${c.strides.join('×')}`;
  return `${c.x.join('×')}→${c.co} ${k} ${s} ${c.pad} (${c.why})`;
}

function filterShape(c: ConvCase): Shape5D {
  return [c.kernel[0], c.kernel[1], c.kernel[2], c.x[4], c.co];
}

function outputShape(c: ConvCase): Shape5D {
  return tf.backend_util.computeConv3DInfo([...c.x], [...filterShape(c)], c.strides, 1, c.pad).outShape as unknown as Shape5D;
}

/** Runs `make` with custom kernels switched `on`, reads the result, and restores the switch. */
async function withKernels(on: boolean, make: () => tf.Tensor): Promise<Float32Array> {
  const was = customKernelsEnabled();
  setCustomKernelsEnabled(on);
  try {
    const t = tf.tidy(make);
    const data = (await t.data()) as Float32Array;
    t.dispose();
    return data;
  } finally {
    setCustomKernelsEnabled(was);
  }
}

/** `make` with our kernels on; throws unless each of `kernels` ran at least once (no silent fallback). */
async function ours(kernels: readonly string[], make: () => tf.Tensor): Promise<Float32Array> {
  const before = kernels.map((k) => customKernelCalls().get(k) ?? 0);
  const data = await withKernels(true, make);
  kernels.forEach((k, i) => {
    if ((customKernelCalls().get(k) ?? 0) <= before[i]!) {
      const why =
        fallbackLog()
          .filter((f) => f.kernelName === k)
          .map((f) => f.reason)
          .join('; ') || 'not installed?';
      throw new Error(`our ${k} kernel did not run (${why})`);
    }
  });
  return data;
}

function forwardCheck(c: ConvCase, seed: number): KernelCheck {
  return {
    kernel: 'Conv3D',
    name: describeCase(c),
    async run(): Promise<Comparison[]> {
      const fShape = filterShape(c);
      const xv = uniformValues(size(c.x), seed);
      const fv = uniformValues(size(fShape), seed + 1);
      const make = () => tf.conv3d(tf.tensor5d(xv, [...c.x]), tf.tensor5d(fv, [...fShape]), c.strides, c.pad);
      return [
        {
          name: `Conv3D ${describeCase(c)}: y`,
          ours: await ours(['Conv3D'], make),
          tfjs: await withKernels(false, make),
          reference: conv3dReference(xv, c.x, fv, fShape, c.strides, c.pad).y,
          tolerance: TOLERANCE,
        },
      ];
    },
  };
}

function backpropInputCheck(c: ConvCase, seed: number): KernelCheck {
  return {
    kernel: 'Conv3DBackpropInputV2',
    name: describeCase(c),
    async run(): Promise<Comparison[]> {
      const fShape = filterShape(c);
      const dyShape = outputShape(c);
      const dyv = uniformValues(size(dyShape), seed);
      const fv = uniformValues(size(fShape), seed + 1);
      const make = () =>
        tf
          .engine()
          .runKernel(
            'Conv3DBackpropInputV2',
            { dy: tf.tensor5d(dyv, [...dyShape]), filter: tf.tensor5d(fv, [...fShape]) },
            { strides: c.strides, pad: c.pad, inputShape: [...c.x] },
          ) as tf.Tensor;
      return [
        {
          name: `Conv3DBackpropInputV2 ${describeCase(c)}: dx`,
          ours: await ours(['Conv3DBackpropInputV2'], make),
          tfjs: await withKernels(false, make),
          reference: conv3dBackpropInputReference(dyv, dyShape, fv, fShape, c.x, c.strides, c.pad),
          tolerance: TOLERANCE,
        },
      ];
    },
  };
}

/** ∂/∂x of Σ conv3d(x, f)·r through tf.grads, which is Conv3DBackpropInputV2(r, f): the route training takes. */
function gradientCheck(c: ConvCase, seed: number): KernelCheck {
  return {
    kernel: 'Conv3D gradient',
    name: describeCase(c),
    async run(): Promise<Comparison[]> {
      const fShape = filterShape(c);
      const yShape = outputShape(c);
      const xv = uniformValues(size(c.x), seed);
      const fv = uniformValues(size(fShape), seed + 1);
      const rv = uniformValues(size(yShape), seed + 2);
      const make = () => {
        const f = tf.tensor5d(fv, [...fShape]);
        const r = tf.tensor5d(rv, [...yShape]);
        const loss = (x: tf.Tensor) => tf.sum(tf.mul(tf.conv3d(x as tf.Tensor5D, f, c.strides, c.pad), r));
        return tf.grads(loss)([tf.tensor5d(xv, [...c.x])])[0]!;
      };
      return [
        {
          name: `tf.grads of Σ conv3d(x, f)·r ${describeCase(c)}: ∂x`,
          ours: await ours(['Conv3D', 'Conv3DBackpropInputV2'], make),
          tfjs: await withKernels(false, make),
          reference: conv3dBackpropInputReference(rv, yShape, fv, fShape, c.x, c.strides, c.pad),
          tolerance: TOLERANCE,
        },
      ];
    },
  };
}

export function conv3dChecks(): KernelCheck[] {
  return [
    ...CASES.map((c, i) => forwardCheck(c, 1000 + 10 * i)),
    ...CASES.map((c, i) => backpropInputCheck(c, 2000 + 10 * i)),
    ...GRADIENT_CASES.map((c, i) => gradientCheck(c, 3000 + 10 * i)),
  ];
}
