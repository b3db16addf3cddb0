import * as tf from '@tensorflow/tfjs';
import type { CustomKernel, KernelResult } from './customKernels.ts';
import { allocate, dispatchShader, gridFor, MAX_WORKGROUPS_PER_DIMENSION, packUniforms } from './dispatch.ts';
import type { WebGPUBackendInternals } from './tfjsWebGPU.ts';

/**
 * Conv3D on the webgpu backend as our tiled implicit GEMM (shaders/conv3d.wgsl) in place of tfjs's naive kernel
 * (one thread per output value, every tap read from global memory). Dilations, NCDHW and non-float32 go to
 * tfjs's kernel.
 */

/** Workgroup shape of the GEMM shaders (conv3d.wgsl, conv3d_backprop_input.wgsl): WM×WN threads, 8×4 each. */
export interface GemmTiles {
  /** Threads along M; the tile has 8·WM rows. */
  WM: number;
  /** Threads along N; the tile has 4·WN columns. */
  WN: number;
  /** K slab staged in workgroup memory per step. */
  TK: number;
}

/** Below this many workgroups a GPU has idle cores, so smaller M tiles are worth their extra F loads. */
const TARGET_WORKGROUPS = 128;

/**
 * Tiles for an M×N output. N decides the tile width, so a narrow N (16 channels at full resolution) does not pay
 * for 64 columns; then M tiles shrink (down to 32 rows) until the grid can fill a GPU. Every choice keeps the
 * shaders' constraints: TK a multiple of 4, TK ≤ 4·WN, TK/4 dividing WM·WN, and
 * TK·(2·WM + WN + 2)·16 bytes ≤ 16 KiB.
 */
export function gemmTiles(M: number, N: number): GemmTiles {
  let tiles: GemmTiles;
  if (N > 32) tiles = { WM: 16, WN: 16, TK: 16 };
  else if (N > 16) tiles = { WM: 16, WN: 8, TK: 16 };
  else if (N > 8) tiles = { WM: 16, WN: 4, TK: 16 };
  else tiles = { WM: 16, WN: 2, TK: 8 };
  const nTiles = Math.ceil(N / (4 * tiles.WN));
  while (tiles.WM > 4 && Math.ceil(M / (8 * tiles.WM)) * nTiles < TARGET_WORKGROUPS) tiles = { ...tiles, WM: tiles.WM / 2 };
  return tiles;
}

/** Our shaders index with i32 and bind each tensor whole: why a tensor of `shape` cannot run here, or null. */
export function tensorLimitReason(backend: WebGPUBackendInternals, what: string, shape: readonly number[]): string | null {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size === 0) return `${what} is empty`;
  if (size >= 2 ** 31) return `${what} has ${size} elements, past i32 indexing`;
  const maxBinding = backend.device.limits.maxStorageBufferBindingSize;
  if (size * 4 > maxBinding) return `${what} needs ${size * 4} bytes, past this device's ${maxBinding}-byte storage binding`;
  return null;
}

/** 1 for a number or triple of ones; the value otherwise (so callers can name it). */
export function allOnes(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'number') return value === 1;
  return Array.isArray(value) && value.every((v) => v === 1);
}

/** Why `count` tiles cannot be dispatched as one folded grid, or null. */
export function gridLimitReason(count: number): string | null {
  return count > MAX_WORKGROUPS_PER_DIMENSION * MAX_WORKGROUPS_PER_DIMENSION ? `${count} workgroups exceed a 65535² grid` : null;
}

type Shape5 = [number, number, number, number, number];

function runConv3D({ inputs, attrs, backend }: Parameters<CustomKernel['run']>[0]): KernelResult {
  const x = inputs.x;
  const filter = inputs.filter;
  if (!x || !filter) return { unsupported: 'missing x or filter' };
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return { unsupported: `dtype ${x.dtype}/${filter.dtype}, not float32` };
  if (x.shape.length !== 5 || filter.shape.length !== 5) return { unsupported: `rank ${x.shape.length}/${filter.shape.length}, not 5` };
  const dataFormat = attrs.dataFormat ?? 'NDHWC';
  if (dataFormat !== 'NDHWC') return { unsupported: `dataFormat ${String(dataFormat)}` };
  if (!allOnes(attrs.dilations)) return { unsupported: `dilations ${JSON.stringify(attrs.dilations)}` };

  const info = tf.backend_util.computeConv3DInfo(
    x.shape as Shape5,
    filter.shape as Shape5,
    attrs.strides as number | [number, number, number],
    1,
    attrs.pad as 'same' | 'valid',
  );
  const [B, D, H, W, Ci] = x.shape as Shape5;
  const { outDepth: Do, outHeight: Ho, outWidth: Wo, outChannels: Co, filterHeight: kh, filterWidth: kw } = info;
  if (filter.shape[3] !== Ci) return { unsupported: `filter expects ${filter.shape[3]} input channels, x has ${Ci}` };
  const outShape = [B, Do, Ho, Wo, Co];
  for (const [what, shape] of [
    ['x', x.shape],
    ['filter', filter.shape],
    ['y', outShape],
  ] as const) {
    const reason = tensorLimitReason(backend, what, shape);
    if (reason) return { unsupported: reason };
  }
  const M = B * Do * Ho * Wo;
  const K = info.filterDepth * kh * kw * Ci;
  const tiles = gemmTiles(M, Co);
  const mTiles = Math.ceil(M / (8 * tiles.WM));
  const nTiles = Math.ceil(Co / (4 * tiles.WN));
  const gridReason = gridLimitReason(mTiles * nTiles);
  if (gridReason) return { unsupported: gridReason };

  const y = allocate(backend, outShape);
  dispatchShader(backend, {
    shader: 'conv3d',
    constants: { WM: tiles.WM, WN: tiles.WN, TK: tiles.TK, CI_QUADS: Ci % 4 === 0 ? 1 : 0 },
    buffers: [y, x, filter],
    uniforms: packUniforms([
      ['i32', D],
      ['i32', H],
      ['i32', W],
      ['i32', Ci],
      ['i32', Do],
      ['i32', Ho],
      ['i32', Wo],
      ['i32', Co],
      ['i32', info.filterDepth],
      ['i32', kh],
      ['i32', kw],
      ['i32', info.strideDepth],
      ['i32', info.strideHeight],
      ['i32', info.strideWidth],
      ['i32', info.padInfo.front],
      ['i32', info.padInfo.top],
      ['i32', info.padInfo.left],
      ['i32', M],
      ['i32', K],
      ['u32', mTiles],
      ['u32', nTiles],
    ]),
    workgroups: gridFor(mTiles * nTiles),
  });
  return { output: y };
}

export const conv3dKernel: CustomKernel = { kernelName: 'Conv3D', run: runConv3D };
