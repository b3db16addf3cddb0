import type * as tf from '@tensorflow/tfjs';
import type { CustomKernel, KernelArgs, KernelResult } from './customKernels.ts';
import { allocate, dispatchShader, gridFor, MAX_WORKGROUPS_PER_DIMENSION, packUniforms, release } from './dispatch.ts';
import { runSplitKReduce } from './splitK.ts';

/**
 * tfjs's Sum and Mean on webgpu move the reduced axes last with a Transpose and then reduce each output from one
 * workgroup, which is slow both ways our networks reduce. Instance normalisation (moments over the spatial axes of [B, …, C]) and the gradient of every
 * broadcast (∂bias, ∂γ, ∂β, ∂μ: sums over all axes but the channels) reduce a contiguous run of axes that leaves
 * the innermost axis alone, and after our convolutions these reductions were the largest share of a 3D step
 * (bench/results/profile-3d-step-2026-12-01.md). shaders/reduce_axes.wgsl reads them in place as x[A, R, C]
 * with R split over many workgroups, and split_k_reduce.wgsl sums the chunks. The other way is a sum over a short
 * innermost axis with many outputs — the class axis of a softmax, [B, D, H, W, K] → [B, D, H, W] — where tfjs's
 * workgroup per output took a second a call on SwiftShader; shaders/reduce_rows.wgsl adds each row in one thread.
 *
 * Handled: float32, any rank, axes (negative allowed, any order, no repeats) forming one contiguous run, keepDims
 * either way. Scattered axes, integer inputs and an empty list of axes run tfjs's kernel.
 */

export interface ReductionView {
  /** Product of the axes before the reduced run. */
  a: number;
  /** Product of the reduced axes. */
  r: number;
  /** Product of the axes after the run (the innermost, kept). */
  c: number;
  outShape: number[];
}

/** Normalises tfjs's `axis` attribute and views x as [A, R, C], or says why this case is not ours. */
export function reductionView(
  shape: readonly number[],
  axis: number | number[] | null | undefined,
  keepDims: boolean,
): ReductionView | { unsupported: string } {
  const rank = shape.length;
  // tfjs passes axis null for "all axes".
  const raw = axis === undefined || axis === null ? Array.from({ length: rank }, (_, i) => i) : Array.isArray(axis) ? axis : [axis];
  const axes = raw.map((v) => (v < 0 ? v + rank : v)).sort((p, q) => p - q);
  if (axes.length === 0) return { unsupported: 'no axes to reduce' };
  if (axes.some((v, i) => !Number.isInteger(v) || v < 0 || v >= rank || (i > 0 && v === axes[i - 1])))
    return { unsupported: `axes [${raw.join(', ')}] are not distinct axes of a rank-${rank} tensor` };
  const first = axes[0]!;
  const last = axes.at(-1)!;
  if (last - first + 1 !== axes.length) return { unsupported: `axes [${axes.join(', ')}] are not one contiguous run` };
  const product = (from: number, to: number) => shape.slice(from, to).reduce((p, q) => p * q, 1);
  const outShape = keepDims ? shape.map((n, i) => (i >= first && i <= last ? 1 : n)) : shape.filter((_, i) => i < first || i > last);
  return { a: product(0, first), r: product(first, last + 1), c: product(last + 1, rank), outShape };
}

/** Threads per workgroup along the kept axis and along the reduced rows. */
export function reduceTiling(c: number): { tc: number; tr: number } {
  let tc = 1;
  while (tc < c && tc < 64) tc *= 2;
  return { tc, tr: 256 / tc };
}

export interface ReduceTuning {
  /** Workgroups to aim for: enough to fill a large GPU. */
  targetWorkgroups: number;
  /** The fewest rows one thread adds per chunk, so a workgroup's tree and write stay a small share of its work. */
  minRowsPerThread: number;
}

// Each workgroup pays for its setup and its tree of barriers; on SwiftShader 512 workgroups of 16 rows per thread
// ran 2–5× slower than 128 of ≥ 128 rows at the default shapes (e2e measurements, 2026-12-02), and 128
// workgroups still give every SM of a large GPU one.
const DEFAULT_TUNING: ReduceTuning = { targetWorkgroups: 128, minRowsPerThread: 128 };
let tuning: ReduceTuning = { ...DEFAULT_TUNING };

/** Overrides part of the tuning (benchmarks try configurations); `null` restores the defaults. */
export function setReduceTuning(next: Partial<ReduceTuning> | null): void {
  tuning = next ? { ...tuning, ...next } : { ...DEFAULT_TUNING };
}
const MAX_INDEX = 2 ** 32 - 1;

/** Rows up to this long (innermost axes reduced) are added one per thread by reduce_rows.wgsl. */
export const SHORT_ROW = 256;
const ROWS_WORKGROUP = 256;

/** Which shader takes a view: reduce_rows for many short innermost rows, reduce_axes otherwise. */
export function reduceShader(view: ReductionView): 'reduce_rows' | 'reduce_axes' {
  return view.c === 1 && view.r <= SHORT_ROW ? 'reduce_rows' : 'reduce_axes';
}

/** S (chunks of R) and the chunk length for a view that reduce_axes.wgsl takes. */
export function planReduce(view: ReductionView): { tc: number; tr: number; slices: number; chunk: number } {
  const { tc, tr } = reduceTiling(view.c);
  const tilesC = Math.ceil(view.c / tc);
  const byWork = Math.max(1, Math.floor(view.r / (tr * tuning.minRowsPerThread)));
  const wanted = Math.ceil(tuning.targetWorkgroups / (tilesC * view.a));
  let slices = Math.max(1, Math.min(wanted, byWork, MAX_WORKGROUPS_PER_DIMENSION));
  const chunk = Math.ceil(view.r / slices);
  slices = Math.ceil(view.r / chunk);
  return { tc, tr, slices, chunk };
}

function runReduce({ inputs, attrs, backend }: KernelArgs, mean: boolean): KernelResult {
  const { x } = inputs as { x?: tf.TensorInfo };
  if (!x) return { unsupported: 'input x is required' };
  if (x.dtype !== 'float32') return { unsupported: `dtype ${x.dtype}; only float32 is handled` };
  const { axis, keepDims } = attrs as { axis?: number | number[] | null; keepDims?: boolean };
  const view = reductionView(x.shape, axis, keepDims ?? false);
  if ('unsupported' in view) return view;
  if (view.a * view.r * view.c === 0) return { unsupported: 'an empty tensor' };
  if (view.a * view.r * view.c > MAX_INDEX) return { unsupported: 'indices past 2³²' };
  const scale = mean ? 1 / view.r : 1;
  if (reduceShader(view) === 'reduce_rows') {
    const output = allocate(backend, view.outShape);
    dispatchShader(backend, {
      shader: 'reduce_rows',
      constants: { WG: ROWS_WORKGROUP },
      buffers: [output, x],
      uniforms: packUniforms([
        ['u32', view.a],
        ['u32', view.r],
        ['f32', scale],
      ]),
      workgroups: gridFor(Math.ceil(view.a / ROWS_WORKGROUP)),
    });
    return { output };
  }
  if (view.a > MAX_WORKGROUPS_PER_DIMENSION) return { unsupported: `${view.a} leading rows exceed one grid dimension` };
  const plan = planReduce(view);
  const length = view.a * view.c;
  if (plan.slices * length > MAX_INDEX || 4 * plan.slices * length > backend.device.limits.maxStorageBufferBindingSize)
    return { unsupported: 'the partial sums exceed the binding limit' };

  const output = allocate(backend, view.outShape);
  const target = plan.slices === 1 ? output : allocate(backend, [plan.slices, length]);
  dispatchShader(backend, {
    shader: 'reduce_axes',
    constants: { TC: plan.tc, TR: plan.tr },
    buffers: [target, x],
    uniforms: packUniforms([
      ['u32', view.a],
      ['u32', view.r],
      ['u32', view.c],
      ['u32', plan.chunk],
      ['f32', scale],
    ]),
    workgroups: [Math.ceil(view.c / plan.tc), plan.slices, view.a],
  });
  if (target !== output) {
    runSplitKReduce(backend, output, target, length, plan.slices);
    release(backend, target);
  }
  return { output };
}

export const sumKernel: CustomKernel = { kernelName: 'Sum', run: (args) => runReduce(args, false) };
export const meanKernel: CustomKernel = { kernelName: 'Mean', run: (args) => runReduce(args, true) };
