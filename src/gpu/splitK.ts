import type * as tf from '@tensorflow/tfjs';
import type { KernelResult } from './customKernels.ts';
import { allocate, dispatchShader, gridFor, MAX_WORKGROUPS_PER_DIMENSION, packUniforms, release } from './dispatch.ts';
import type { WebGPUBackendInternals } from './tfjsWebGPU.ts';

/**
 * Split-K for GEMMs whose output is small and whose reduction axis is huge — the filter gradients, where
 * M = taps·Ci and N = Co are in the hundreds and K = batch·voxels is in the millions. One workgroup per output
 * tile would leave a big GPU nearly idle and run for seconds, so K is cut into S chunks: pass 1 (the kernel's own
 * shader) writes one M×N partial per chunk, and pass 2 (split_k_reduce.wgsl) sums them, since WGSL has no float
 * atomics. The pass-1 shaders share one tiling scheme (see their headers): WM×WN threads with 8×8 register
 * blocks, so a tile is 8·WM × 8·WN, and TK rows of K staged per step; KS k-groups of such threads per workgroup.
 */

export interface GemmTiling {
  /** Threads along M (tile rows = 8·wm). */
  wm: number;
  /** Threads along N (tile columns = 8·wn); even. */
  wn: number;
  /** Rows of K staged in workgroup memory per step. */
  tk: number;
  /**
   * K-groups per workgroup (the shaders' KS): groups of wm×wn threads that share each staged step, group g taking
   * rows kk ≡ g (mod ks) and writing its own partial slice. 1 for outputs that fill a workgroup by themselves.
   */
  ks: number;
}

export interface SplitKTuning {
  /** Fixed tiling for every shape (benchmarks), instead of the per-shape choice. */
  tiling: GemmTiling | null;
  /** Workgroups to aim for: enough to fill a large GPU a few times over. */
  targetWorkgroups: number;
  /** Shortest chunk, in TK-steps, so each workgroup's setup and partial write stay a small share of its work. */
  minChunkSteps: number;
  /** Cap on the partial-sum scratch buffer (S·M·N floats). */
  maxScratchBytes: number;
  /**
   * Threads a workgroup should have at least: a tile of a small output (a stem's 27×16 or 9×16 makes 8 or 4 threads)
   * would use a fraction of a GPU's 32-wide SIMD groups, and on SwiftShader a workgroup that small left each thread
   * the whole gather of A. K-groups (GemmTiling.ks) make up the difference.
   */
  minWorkgroupThreads: number;
}

// 256 workgroups of ≥ 64 TK-steps: on SwiftShader 1024 workgroups of 16 steps ran 10–40 % slower at the default
// shapes (each workgroup pays setup, barriers and a partial write), and 256 still gives every SM of a large GPU
// a couple of tiles.
const DEFAULT_TUNING: SplitKTuning = { tiling: null, targetWorkgroups: 256, minChunkSteps: 64, maxScratchBytes: 32 * 2 ** 20, minWorkgroupThreads: 64 };
let tuning: SplitKTuning = { ...DEFAULT_TUNING };

/**
 * Tuning by kind of adapter. A hardware GPU runs 32 or 64 threads in lock-step, so a workgroup of 4 or 8 threads
 * (a stem's tile) leaves most lanes idle: k-groups bring it to 64 threads (a rule of thumb; not yet timed on
 * hardware). A software GPU is the opposite: each thread more is more barrier emulation, and SwiftShader ran the
 * stems' filter gradients 1.5–2.5× slower with 64 threads than with one k-group (figures in
 * bench/results/software-gpu-notes-2026-12-07.md).
 */
export function tuneSplitKForAdapter(software: boolean): void {
  setSplitKTuning({ minWorkgroupThreads: software ? 1 : DEFAULT_TUNING.minWorkgroupThreads });
}

/** The split-K tuning in force. */
export function splitKTuning(): Readonly<SplitKTuning> {
  return tuning;
}

/** Overrides part of the split-K tuning (benchmarks try configurations); `null` restores the defaults. */
export function setSplitKTuning(next: Partial<SplitKTuning> | null): void {
  tuning = next ? { ...tuning, ...next } : { ...DEFAULT_TUNING };
}

export interface SplitKPlan {
  tiling: GemmTiling;
  /** S, the number of K-chunks; pass 1 writes S·ks partial slices (1: the output itself, no reduction). */
  slices: number;
  /** Length of each chunk of K (a multiple of tk); the last may be shorter. */
  chunkLen: number;
  workgroups: [number, number, number];
}

/** Each thread of a pass-1 shader holds an 8×8 block of the output. */
export const BLOCK = 8;
const MAX_WORKGROUP_THREADS = 256;
const WORKGROUP_STORAGE_BYTES = 16384;

/** Bytes of workgroup memory the pass-1 shaders declare for a tiling: tiles A and B plus the decoded-row table. */
export function workgroupBytes(t: GemmTiling): number {
  return 4 * t.tk * BLOCK * (t.wm + t.wn) + 32 * t.tk;
}

/**
 * The tile for an M×N output. Columns: 16, 32 or 64 (N is an output channel count, 16·2^level here). Rows: the
 * fewest tiles of at most 128 rows with TK = 32 fitting workgroup memory, each tile as short as covers M, so at
 * most 8 rows per tile are padding. Padding rows cost as much as real ones (M = 27·Ci is rarely a power of two:
 * 144 rows in one 256-row tile pair ran at half speed), and TK = 32 halves the per-step barriers and decode.
 */
export function chooseTiling(m: number, n: number): GemmTiling {
  const wn = n <= 16 ? 2 : n <= 32 ? 4 : 8;
  for (let tiles = 1; ; tiles++) {
    const wm = Math.max(2, Math.ceil(m / (BLOCK * tiles)));
    if (wm <= 16 && workgroupBytes({ wm, wn, tk: 32, ks: 1 }) <= WORKGROUP_STORAGE_BYTES) {
      let ks = 1;
      while (wm * wn * ks < tuning.minWorkgroupThreads && 2 * ks <= 32 && 2 * wm * wn * ks <= MAX_WORKGROUP_THREADS) ks *= 2;
      return { wm, wn, tk: 32, ks };
    }
  }
}

/** S and the chunk length for an M×N×K GEMM under the current tuning. */
export function planSplitK(m: number, n: number, k: number): SplitKPlan | { unsupported: string } {
  const tiling = tuning.tiling ?? chooseTiling(m, n);
  const { wm, wn, tk, ks } = tiling;
  if (
    !(wm >= 1 && wn >= 2 && wn % 2 === 0 && tk >= 1 && ks >= 1 && ks <= tk) ||
    wm * wn * ks > MAX_WORKGROUP_THREADS ||
    workgroupBytes(tiling) > WORKGROUP_STORAGE_BYTES
  ) {
    return { unsupported: `tiling ${wm}×${wn}×${ks} threads, tk ${tk} breaks the shader's limits` };
  }
  const tilesM = Math.ceil(m / (BLOCK * wm));
  const tilesN = Math.ceil(n / (BLOCK * wn));
  if (tilesM > MAX_WORKGROUPS_PER_DIMENSION || tilesN > MAX_WORKGROUPS_PER_DIMENSION) return { unsupported: `an output of ${m}×${n} needs too many tiles` };
  const kSteps = Math.ceil(k / tk);
  const byChunk = Math.floor(kSteps / tuning.minChunkSteps);
  const byScratch = Math.floor(tuning.maxScratchBytes / (4 * m * n * ks));
  const wanted = Math.ceil(tuning.targetWorkgroups / (tilesM * tilesN));
  let slices = Math.max(1, Math.min(wanted, byChunk, byScratch, MAX_WORKGROUPS_PER_DIMENSION));
  const chunkSteps = Math.ceil(kSteps / slices);
  slices = Math.ceil(kSteps / chunkSteps); // no empty chunk at the end
  return { tiling, slices, chunkLen: chunkSteps * tk, workgroups: [tilesM, tilesN, slices] };
}

export interface SplitKGemm {
  /** The pass-1 shader (shaders/<name>.wgsl), bound as (partial, ...inputs, uniforms). */
  shader: string;
  m: number;
  n: number;
  k: number;
  inputs: readonly tf.TensorInfo[];
  /** Shape of the M×N result (the filter's shape). */
  outShape: readonly number[];
  /** Further override constants of the pass-1 shader (beyond WM, WN, TK). */
  constants?: Readonly<Record<string, number>>;
  /** The shader's uniform struct for a given chunk length. */
  uniforms(chunkLen: number): ArrayBuffer;
}

/** Largest index any binding may need; the shaders index with u32/i32. */
const MAX_INDEX = 2 ** 31 - 1;

/** Runs pass 1 into an S×M×N scratch (or straight into the output when S = 1), then the reduction. */
export function runSplitKGemm(backend: WebGPUBackendInternals, gemm: SplitKGemm): KernelResult {
  const { m, n, k } = gemm;
  if (m === 0 || n === 0 || k === 0) return { unsupported: `an empty GEMM (${m}×${n}×${k})` };
  for (const t of gemm.inputs) {
    if (t.shape.reduce((a, b) => a * b, 1) > MAX_INDEX) return { unsupported: `an input of ${t.shape.join('×')} has indices past 2³¹` };
  }
  const plan = planSplitK(m, n, k);
  if ('unsupported' in plan) return plan;
  const maxBinding = backend.device.limits.maxStorageBufferBindingSize;
  const partials = plan.slices * plan.tiling.ks;
  const scratch = partials * m * n;
  if (scratch > MAX_INDEX || 4 * scratch > maxBinding) return { unsupported: `a split-K scratch of ${scratch} floats exceeds the binding limit` };
  if (workgroupBytes(plan.tiling) > backend.device.limits.maxComputeWorkgroupStorageSize) return { unsupported: 'the device has too little workgroup memory' };

  const output = allocate(backend, gemm.outShape);
  const constants = { ...gemm.constants, WM: plan.tiling.wm, WN: plan.tiling.wn, TK: plan.tiling.tk, KS: plan.tiling.ks };
  const uniforms = gemm.uniforms(plan.chunkLen);
  if (partials === 1) {
    dispatchShader(backend, { shader: gemm.shader, constants, buffers: [output, ...gemm.inputs], uniforms, workgroups: plan.workgroups });
    return { output };
  }
  const partial = allocate(backend, [partials, m * n]);
  dispatchShader(backend, { shader: gemm.shader, constants, buffers: [partial, ...gemm.inputs], uniforms, workgroups: plan.workgroups });
  runSplitKReduce(backend, output, partial, m * n, partials);
  release(backend, partial);
  return { output };
}

const REDUCE_WORKGROUP = 256;

/** out[i] = Σ_s partial[s·length + i]: pass 2, shared by every split-K kernel. */
export function runSplitKReduce(backend: WebGPUBackendInternals, out: tf.TensorInfo, partial: tf.TensorInfo, length: number, slices: number): void {
  dispatchShader(backend, {
    shader: 'split_k_reduce',
    constants: { WG: REDUCE_WORKGROUP },
    buffers: [out, partial],
    uniforms: packUniforms([
      ['u32', length],
      ['u32', slices],
    ]),
    workgroups: gridFor(Math.ceil(length / REDUCE_WORKGROUP)),
  });
}
