import * as tf from '@tensorflow/tfjs';
import { gemmTiles, gridLimitReason, tensorLimitReason } from './conv3d.ts';
import type { CustomKernel, KernelResult } from './customKernels.ts';
import { allocate, dispatchShader, gridFor, MAX_WORKGROUPS_PER_DIMENSION, packUniforms } from './dispatch.ts';

/**
 * Conv3DBackpropInputV2 (∂x of Conv3D, and tf.conv3dTranspose) on the webgpu backend as our phase-split implicit
 * GEMM (shaders/conv3d_backprop_input.wgsl): with stride s the input voxels split into s_d·s_h·s_w phases, each
 * a dense GEMM over only the taps that reach it, so strided cases do no wasted work. Non-float32 goes to tfjs's
 * kernel (the kernel has no dilations attribute: tfjs's own is dilation 1 only).
 */

type Shape5 = [number, number, number, number, number];

function runConv3DBackpropInput({ inputs, attrs, backend }: Parameters<CustomKernel['run']>[0]): KernelResult {
  const dy = inputs.dy;
  const filter = inputs.filter;
  if (!dy || !filter) return { unsupported: 'missing dy or filter' };
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') return { unsupported: `dtype ${dy.dtype}/${filter.dtype}, not float32` };
  const inputShape = attrs.inputShape as number[] | undefined;
  if (!inputShape || inputShape.length !== 5 || dy.shape.length !== 5 || filter.shape.length !== 5) {
    return { unsupported: `ranks dy ${dy.shape.length}, filter ${filter.shape.length}, inputShape ${inputShape?.length}; need 5` };
  }
  const info = tf.backend_util.computeConv3DInfo(
    inputShape as Shape5,
    filter.shape as Shape5,
    attrs.strides as number | [number, number, number],
    1,
    attrs.pad as 'same' | 'valid',
  );
  const [B, D, H, W, Ci] = inputShape as Shape5;
  const { outDepth: Do, outHeight: Ho, outWidth: Wo, outChannels: Co, strideDepth: sd, strideHeight: sh, strideWidth: sw } = info;
  if (filter.shape[3] !== Ci) return { unsupported: `filter has ${filter.shape[3]} input channels, inputShape ${Ci}` };
  if (dy.shape.join() !== [B, Do, Ho, Wo, Co].join())
    return { unsupported: `dy ${dy.shape.join('×')} is not the forward output ${[B, Do, Ho, Wo, Co].join('×')}` };
  for (const [what, shape] of [
    ['dy', dy.shape],
    ['filter', filter.shape],
    ['dx', inputShape],
  ] as const) {
    const reason = tensorLimitReason(backend, what, shape);
    if (reason) return { unsupported: reason };
  }
  const phases = sd * sh * sw;
  if (phases > MAX_WORKGROUPS_PER_DIMENSION) return { unsupported: `${phases} stride phases exceed 65535` };
  // Phase 0 (residue 0 on every axis) is the largest.
  const M = B * Math.ceil(D / sd) * Math.ceil(H / sh) * Math.ceil(W / sw);
  const tiles = gemmTiles(M * phases, Ci);
  const mTiles = Math.ceil(M / (8 * tiles.WM));
  const nTiles = Math.ceil(Ci / (4 * tiles.WN));
  const gridReason = gridLimitReason(mTiles * nTiles);
  if (gridReason) return { unsupported: gridReason };

  const dx = allocate(backend, inputShape);
  const [gx, gy] = gridFor(mTiles * nTiles);
  dispatchShader(backend, {
    shader: 'conv3d_backprop_input',
    constants: { WM: tiles.WM, WN: tiles.WN, TK: tiles.TK, CO_QUADS: Co % 4 === 0 ? 1 : 0 },
    buffers: [dx, dy, filter],
    uniforms: packUniforms([
      ['i32', B],
      ['i32', D],
      ['i32', H],
      ['i32', W],
      ['i32', Ci],
      ['i32', Do],
      ['i32', Ho],
      ['i32', Wo],
      ['i32', Co],
      ['i32', info.filterDepth],
      ['i32', info.filterHeight],
      ['i32', info.filterWidth],
      ['i32', sd],
      ['i32', sh],
      ['i32', sw],
      ['i32', info.padInfo.front],
      ['i32', info.padInfo.top],
      ['i32', info.padInfo.left],
      ['u32', mTiles],
      ['u32', nTiles],
    ]),
    workgroups: [gx, gy, phases],
  });
  return { output: dx };
}

export const conv3dBackpropInputKernel: CustomKernel = { kernelName: 'Conv3DBackpropInputV2', run: runConv3DBackpropInput };
