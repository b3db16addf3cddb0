import * as tf from '@tensorflow/tfjs';
import { Random } from '../../data/random.ts';
import { conv2dBackpropFilterReference, conv3dBackpropFilterReference, type Shape4D, type Shape5D } from '../reference/convBackpropFilter.ts';
import { planStemFilterGradient, setStemFilterKernelEnabled } from '../conv2dBackpropFilterStem.ts';
import { planSplitK, setSplitKTuning, splitKTuning } from '../splitK.ts';
import { oursAndTfjs } from './oursAndTfjs.ts';
import type { Comparison, KernelCheck, Tolerance } from './types.ts';

/**
 * Checks of our filter-gradient kernels (Conv3DBackpropFilterV2, Conv2DBackpropFilter): seeded random x and dy,
 * odd sizes, channels 1/3/5/17 (and 70, to span two column tiles; 8/16, where the shaders load four channels
 * under one bounds test), kernels 1, 2, 3 and [3,1,1], strides 1, 2 and [2,1,1], 'same' and 'valid', batch 1 and
 * 2, and cases long enough in K to run several split-K chunks. One-channel 2D stems (3 wide, x-stride 1) take
 * their own kernel (conv2d_backprop_filter_stem.wgsl) with 4, 8, 12 and 16 output channels, kernel heights 3 and
 * 5, y-strides 1 and 2, several row runs; one such shape also runs with that kernel off, through the GEMM. Each case
 * runs ours (verified through customKernelCalls to be ours, not a fallback), tfjs's own kernel, and the CPU
 * reference.
 *
 * Tolerance: the sums run over K = B·Do·Ho·Wo products of unit normals in float32, in a different order in each
 * implementation (ours in chunks and register blocks, tfjs's sequentially), so allow 1e-4 absolute plus 1e-4 of
 * the largest |dW| (which grows like √K).
 */

const TOLERANCE: Tolerance = { abs: 1e-4, rel: 1e-4 };

function randomData(rng: Random, n: number): Float32Array {
  const a = new Float32Array(n);
  rng.fillNormal(a);
  return a;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Cases marked `oneGroup` run with k-groups off (one group of WM×WN threads a workgroup, as before k-groups
 * existed), so both shapes of the shader stay checked. Returns the function that puts the tuning back.
 */
function useOneGroup(on: boolean | undefined): () => void {
  if (!on) return () => {};
  const previous = splitKTuning().minWorkgroupThreads;
  setSplitKTuning({ minWorkgroupThreads: 1 });
  return () => setSplitKTuning({ minWorkgroupThreads: previous });
}

function splitKNote(m: number, n: number, k: number, oneGroup?: boolean): string {
  const restore = useOneGroup(oneGroup);
  const plan = planSplitK(m, n, k);
  restore();
  if ('unsupported' in plan) return '';
  const parts = [plan.slices > 1 ? `${plan.slices} K-chunks` : '', plan.tiling.ks > 1 ? `${plan.tiling.ks} k-groups` : ''].filter(Boolean);
  return parts.length ? `, ${parts.join(', ')}` : '';
}

interface Case3D {
  xShape: Shape5D;
  filterShape: Shape5D;
  strides: number | [number, number, number];
  pad: 'same' | 'valid';
  /** Without k-groups (see useOneGroup). */
  oneGroup?: boolean;
}

const CASES_3D: Case3D[] = [
  { xShape: [1, 5, 7, 6, 3], filterShape: [3, 3, 3, 3, 5], strides: 1, pad: 'same' },
  { xShape: [2, 3, 5, 4, 17], filterShape: [1, 1, 1, 17, 3], strides: 1, pad: 'same' },
  { xShape: [2, 6, 5, 7, 5], filterShape: [2, 2, 2, 5, 17], strides: 2, pad: 'valid' },
  { xShape: [1, 7, 5, 6, 1], filterShape: [3, 1, 1, 1, 5], strides: [2, 1, 1], pad: 'same' },
  { xShape: [2, 7, 9, 5, 5], filterShape: [3, 3, 3, 5, 3], strides: 2, pad: 'same' },
  { xShape: [1, 6, 5, 7, 1], filterShape: [3, 3, 3, 1, 17], strides: 1, pad: 'valid' },
  { xShape: [1, 5, 6, 5, 17], filterShape: [3, 3, 3, 17, 5], strides: 1, pad: 'same' },
  { xShape: [2, 12, 16, 12, 5], filterShape: [3, 3, 3, 5, 7], strides: 1, pad: 'same' },
  { xShape: [2, 5, 7, 6, 8], filterShape: [3, 3, 3, 8, 5], strides: 2, pad: 'same' },
  { xShape: [2, 10, 12, 8, 16], filterShape: [3, 3, 3, 16, 16], strides: 1, pad: 'same' },
  { xShape: [2, 10, 12, 8, 16], filterShape: [3, 3, 3, 16, 16], strides: 1, pad: 'same', oneGroup: true },
  { xShape: [1, 6, 5, 7, 1], filterShape: [3, 3, 3, 1, 17], strides: 1, pad: 'valid', oneGroup: true },
  { xShape: [2, 12, 16, 12, 5], filterShape: [3, 3, 3, 5, 7], strides: 1, pad: 'same', oneGroup: true },
];

function check3D(c: Case3D, seed: number): KernelCheck {
  const info = tf.backend_util.computeConv3DInfo([...c.xShape], [...c.filterShape], c.strides, 1, c.pad);
  const dyShape: Shape5D = [info.batchSize, info.outDepth, info.outHeight, info.outWidth, info.outChannels];
  const [kd, kh, kw, ci, co] = c.filterShape;
  const k = dyShape[0] * dyShape[1] * dyShape[2] * dyShape[3];
  const stride = typeof c.strides === 'number' ? `s${c.strides}` : `s[${c.strides.join(',')}]`;
  const name = `x ${c.xShape.join('×')}, k${kd}×${kh}×${kw} ${stride} ${c.pad}, ${ci} → ${co}${splitKNote(kd * kh * kw * ci, co, k, c.oneGroup)}${c.oneGroup ? ', one k-group' : ''}`;
  return {
    kernel: 'Conv3DBackpropFilterV2',
    name,
    async run(): Promise<Comparison[]> {
      const rng = new Random(seed);
      const xData = randomData(rng, sizeOf(c.xShape));
      const dyData = randomData(rng, sizeOf(dyShape));
      const x = tf.tensor5d(xData, [...c.xShape]);
      const dy = tf.tensor5d(dyData, [...dyShape]);
      try {
        const attrs = { strides: c.strides, pad: c.pad, filterShape: [...c.filterShape] };
        const call = () => tf.engine().runKernel('Conv3DBackpropFilterV2', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        const restore = useOneGroup(c.oneGroup);
        const { ours, tfjs } = await oursAndTfjs('Conv3DBackpropFilterV2', call).finally(restore);
        const reference = conv3dBackpropFilterReference(xData, c.xShape, dyData, c.filterShape, c.strides, c.pad);
        return [{ name: `${name}: ∂w`, ours, tfjs, reference, tolerance: TOLERANCE }];
      } finally {
        x.dispose();
        dy.dispose();
      }
    },
  };
}

interface Case2D {
  xShape: Shape4D;
  filterShape: Shape4D;
  strides: number | [number, number];
  pad: 'same' | 'valid';
  /** Through tf.conv2d's registered gradient instead of runKernel. */
  viaGradient?: boolean;
  /** Without k-groups (see useOneGroup). */
  oneGroup?: boolean;
  /** With the stem kernel switched off, so a stem's shape runs through the split-K GEMM. */
  gemmOnly?: boolean;
}

const CASES_2D: Case2D[] = [
  { xShape: [2, 9, 7, 3], filterShape: [3, 3, 3, 5], strides: 1, pad: 'same' },
  { xShape: [1, 9, 11, 5], filterShape: [3, 3, 5, 17], strides: 2, pad: 'same' },
  { xShape: [2, 8, 8, 1], filterShape: [3, 3, 1, 3], strides: 2, pad: 'same' },
  { xShape: [2, 5, 6, 17], filterShape: [1, 1, 17, 3], strides: 1, pad: 'same' },
  { xShape: [1, 8, 6, 3], filterShape: [2, 2, 3, 5], strides: 2, pad: 'valid' },
  { xShape: [1, 7, 6, 5], filterShape: [3, 3, 5, 70], strides: 1, pad: 'valid' },
  { xShape: [2, 40, 36, 5], filterShape: [3, 3, 5, 17], strides: 1, pad: 'same' },
  { xShape: [2, 64, 72, 5], filterShape: [3, 3, 5, 17], strides: 1, pad: 'same' },
  { xShape: [2, 13, 11, 16], filterShape: [3, 3, 16, 32], strides: 2, pad: 'same' },
  { xShape: [2, 9, 10, 3], filterShape: [3, 3, 3, 5], strides: 2, pad: 'same', viaGradient: true },
  { xShape: [2, 8, 8, 1], filterShape: [3, 3, 1, 3], strides: 2, pad: 'same', oneGroup: true },
  { xShape: [2, 64, 72, 5], filterShape: [3, 3, 5, 17], strides: 1, pad: 'same', oneGroup: true },
  { xShape: [2, 17, 19, 1], filterShape: [3, 3, 1, 16], strides: 1, pad: 'same' },
  { xShape: [1, 9, 23, 1], filterShape: [3, 3, 1, 8], strides: 1, pad: 'valid' },
  { xShape: [2, 11, 10, 1], filterShape: [5, 3, 1, 4], strides: [2, 1], pad: 'same' },
  { xShape: [2, 40, 300, 1], filterShape: [3, 3, 1, 12], strides: 1, pad: 'same' },
  { xShape: [2, 17, 19, 1], filterShape: [3, 3, 1, 16], strides: 1, pad: 'same', gemmOnly: true },
];

/** Runs `f` with the stem kernel off when `gemmOnly`; returns the function that turns it back on. */
function useGemmOnly(on: boolean | undefined): () => void {
  if (!on) return () => {};
  setStemFilterKernelEnabled(false);
  return () => setStemFilterKernelEnabled(true);
}

function check2D(c: Case2D, seed: number): KernelCheck {
  const info = tf.backend_util.computeConv2DInfo([...c.xShape], [...c.filterShape], c.strides, 1, c.pad);
  const dyShape: Shape4D = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  const [kh, kw, ci, co] = c.filterShape;
  const k = dyShape[0] * dyShape[1] * dyShape[2];
  const stride = typeof c.strides === 'number' ? `s${c.strides}` : `s[${c.strides.join(',')}]`;
  const route = c.viaGradient ? ', via tf.conv2d gradient' : '';
  const stemPlan = c.gemmOnly ? null : planStemFilterGradient(info);
  const kernelNote =
    stemPlan && !('unsupported' in stemPlan)
      ? `, stem kernel, ${stemPlan.slices} row run${stemPlan.slices === 1 ? '' : 's'}`
      : splitKNote(kh * kw * ci, co, k, c.oneGroup);
  const name = `x ${c.xShape.join('×')}, k${kh}×${kw} ${stride} ${c.pad}, ${ci} → ${co}${kernelNote}${c.oneGroup ? ', one k-group' : ''}${c.gemmOnly ? ', split-K GEMM (stem kernel off)' : ''}${route}`;
  return {
    kernel: 'Conv2DBackpropFilter',
    name,
    async run(): Promise<Comparison[]> {
      const rng = new Random(seed);
      const xData = randomData(rng, sizeOf(c.xShape));
      const dyData = randomData(rng, sizeOf(dyShape));
      const x = tf.tensor4d(xData, [...c.xShape]);
      const dy = tf.tensor4d(dyData, [...dyShape]);
      const w = c.viaGradient ? tf.zeros([...c.filterShape]) : null;
      try {
        const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [...c.filterShape] };
        const call = w
          ? () => tf.grad((wIn: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, wIn as tf.Tensor4D, c.strides, c.pad), dy)))(w)
          : () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        const restoreGroups = useOneGroup(c.oneGroup);
        const restoreStem = useGemmOnly(c.gemmOnly);
        const { ours, tfjs } = await oursAndTfjs('Conv2DBackpropFilter', call).finally(() => {
          restoreStem();
          restoreGroups();
        });
        const reference = conv2dBackpropFilterReference(xData, c.xShape, dyData, c.filterShape, c.strides, c.pad);
        return [{ name: `${name}: ∂w`, ours, tfjs, reference, tolerance: TOLERANCE }];
      } finally {
        x.dispose();
        dy.dispose();
        w?.dispose();
      }
    },
  };
}

export function convBackpropFilterChecks(): KernelCheck[] {
  return [...CASES_3D.map((c, i) => check3D(c, 3100 + i)), ...CASES_2D.map((c, i) => check2D(c, 2100 + i))];
}
