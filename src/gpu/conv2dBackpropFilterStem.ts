import type * as tf from '@tensorflow/tfjs';
import type { KernelResult } from './customKernels.ts';
import { allocate, dispatchShader, MAX_WORKGROUPS_PER_DIMENSION, packUniforms, release } from './dispatch.ts';
import { runSplitKReduce, splitKTuning } from './splitK.ts';
import type { WebGPUBackendInternals } from './tfjsWebGPU.ts';

/**
 * The filter gradient of a network's first convolution (one input channel, 3-wide kernel, stride 1 along x) by
 * shaders/conv2d_backprop_filter_stem.wgsl. The general split-K GEMM tiles the 9 filter rows of a 3×3 stem in a
 * 16-row tile and gathers every staged value separately; this kernel slides three taps along each image row in
 * registers instead, with no workgroup memory and no barrier. Its per-row-run partials are summed by the same
 * split_k_reduce pass as the GEMM's.
 */

const WORKGROUP = 64;
/** Output pixels each invocation walks at least, so its setup and partial write stay a small share of its work. */
const MIN_PIXELS_PER_INVOCATION = 256;

let enabled = true;

/** The checks turn the stem kernel off to run the general GEMM on a stem's shape too. */
export function setStemFilterKernelEnabled(on: boolean): void {
  enabled = on;
}

export interface StemPlan {
  /** Output rows (b, oh) per invocation; one partial slice per run of rows. */
  rowsPer: number;
  slices: number;
  /** vec4 column groups per invocation (1, 2 or 4). */
  nq: number;
  workgroups: [number, number, number];
}

/** The plan for a conv's filter gradient, or why this kernel does not take it. */
export function planStemFilterGradient(info: tf.backend_util.Conv2DInfo): StemPlan | { unsupported: string } {
  if (!enabled) return { unsupported: 'the stem kernel is switched off' };
  if (info.inChannels !== 1 || info.filterWidth !== 3 || info.strideWidth !== 1 || info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    return { unsupported: 'not a one-channel, 3-wide, x-stride-1 convolution' };
  }
  if (info.outChannels % 4 !== 0) return { unsupported: `${info.outChannels} output channels (a multiple of 4 is needed)` };
  const largest = Math.max(info.batchSize * info.inHeight * info.inWidth, info.batchSize * info.outHeight * info.outWidth * info.outChannels);
  if (largest > 2 ** 31 - 1) return { unsupported: 'indices past 2³¹' };
  const quads = info.outChannels / 4;
  const nq = quads % 4 === 0 ? 4 : quads % 2 === 0 ? 2 : 1;
  const rows = info.batchSize * info.outHeight;
  const m = 3 * info.filterHeight;
  let rowsPer = Math.max(1, Math.ceil(MIN_PIXELS_PER_INVOCATION / info.outWidth));
  const maxSlices = Math.max(1, Math.floor(splitKTuning().maxScratchBytes / (4 * m * info.outChannels)));
  rowsPer = Math.max(rowsPer, Math.ceil(rows / maxSlices));
  const slices = Math.ceil(rows / rowsPer);
  const workgroups: [number, number, number] = [Math.ceil((slices * info.filterHeight) / WORKGROUP), quads / nq, 1];
  if (workgroups[0] > MAX_WORKGROUPS_PER_DIMENSION) return { unsupported: `${slices} row runs need too many workgroups` };
  return { rowsPer, slices, nq, workgroups };
}

/** dW for `plan` into a new [kh, 3, 1, Co] tensor. */
export function runStemFilterGradient(
  backend: WebGPUBackendInternals,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  plan: StemPlan,
  filterShape: readonly number[],
): KernelResult {
  const m = 3 * info.filterHeight;
  const n = info.outChannels;
  const output = allocate(backend, filterShape);
  const partial = allocate(backend, [plan.slices, m * n]);
  dispatchShader(backend, {
    shader: 'conv2d_backprop_filter_stem',
    constants: { WG: WORKGROUP, NQ: plan.nq },
    buffers: [partial, x, dy],
    uniforms: packUniforms([
      ['u32', m],
      ['u32', n],
      ['u32', info.batchSize * info.outHeight],
      ['u32', plan.rowsPer],
      ['u32', info.filterHeight],
      ['u32', info.outHeight],
      ['u32', info.outWidth],
      ['i32', info.inHeight],
      ['i32', info.inWidth],
      ['i32', info.strideHeight],
      ['i32', info.padInfo.top],
      ['i32', info.padInfo.left],
    ]),
    workgroups: plan.workgroups,
  });
  runSplitKReduce(backend, output, partial, m * n, plan.slices);
  release(backend, partial);
  return { output };
}
