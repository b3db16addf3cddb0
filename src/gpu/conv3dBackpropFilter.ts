import * as tf from '@tensorflow/tfjs';
import type { CustomKernel, KernelResult } from './customKernels.ts';
import { packUniforms } from './dispatch.ts';
import { runSplitKGemm } from './splitK.ts';

/**
 * tfjs's Conv3DBackpropFilterV2 on webgpu runs one thread per filter weight, each looping over the whole batch
 * volume: a few thousand threads doing ~10⁶ serial steps. Ours is the same sum as a tiled implicit GEMM,
 * dW[(kz,ky,kx,ci), co] = Σ_{b,od,oh,ow} x[…]·dy[…], with K = B·Do·Ho·Wo split into chunks over many workgroups
 * (shaders/conv3d_backprop_filter.wgsl) and the chunk partials summed by shaders/split_k_reduce.wgsl.
 * Handles NDHWC float32, dilation 1, any stride and 'same'/'valid'/numeric padding.
 */
export const conv3dBackpropFilterKernel: CustomKernel = {
  kernelName: 'Conv3DBackpropFilterV2',
  run({ inputs, attrs, backend }): KernelResult {
    const { x, dy } = inputs as { x?: tf.TensorInfo; dy?: tf.TensorInfo };
    if (!x || !dy) return { unsupported: 'inputs x and dy are required' };
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') return { unsupported: `dtype ${x.dtype}/${dy.dtype}; only float32 is handled` };
    if (x.shape.length !== 5 || dy.shape.length !== 5) return { unsupported: `rank ${x.shape.length}/${dy.shape.length}; expected rank-5 x and dy` };
    const { strides, pad, filterShape, dilations, dataFormat } = attrs as {
      strides: number | [number, number, number];
      pad: 'same' | 'valid' | number;
      filterShape: [number, number, number, number, number];
      dilations?: number | number[];
      dataFormat?: string;
    };
    if (dataFormat !== undefined && dataFormat !== 'NDHWC') return { unsupported: `data format ${dataFormat}; only NDHWC is handled` };
    if (dilations !== undefined && !tf.backend_util.tupleValuesAreOne(dilations)) return { unsupported: `dilations ${String(dilations)}; only 1 is handled` };
    if (typeof pad !== 'string' && typeof pad !== 'number') return { unsupported: 'explicit per-side padding is not handled' };

    const info = tf.backend_util.computeConv3DInfo(x.shape as [number, number, number, number, number], filterShape, strides, 1, pad);
    const expected = [info.batchSize, info.outDepth, info.outHeight, info.outWidth, info.outChannels];
    if (expected.some((v, i) => v !== dy.shape[i]) || filterShape[3] !== info.inChannels) {
      return { unsupported: `dy ${dy.shape.join('×')} does not match x ${x.shape.join('×')} and filter ${filterShape.join('×')}` };
    }
    const m = info.filterDepth * info.filterHeight * info.filterWidth * info.inChannels;
    const n = info.outChannels;
    const k = info.batchSize * info.outDepth * info.outHeight * info.outWidth;
    return runSplitKGemm(backend, {
      shader: 'conv3d_backprop_filter',
      m,
      n,
      k,
      inputs: [x, dy],
      outShape: filterShape,
      // Ci a multiple of 4: each thread's four staged rows share one filter tap (see the shader's header).
      constants: { TAPS_ALIGNED: info.inChannels % 4 === 0 ? 1 : 0 },
      uniforms: (chunkLen) =>
        packUniforms([
          ['u32', m],
          ['u32', n],
          ['u32', k],
          ['u32', chunkLen],
          ['u32', info.inChannels],
          ['u32', info.filterHeight],
          ['u32', info.filterWidth],
          ['u32', info.outDepth],
          ['u32', info.outHeight],
          ['u32', info.outWidth],
          ['i32', info.inDepth],
          ['i32', info.inHeight],
          ['i32', info.inWidth],
          ['i32', info.strideDepth],
          ['i32', info.strideHeight],
          ['i32', info.strideWidth],
          ['i32', info.padInfo.front],
          ['i32', info.padInfo.top],
          ['i32', info.padInfo.left],
        ]),
    });
  },
};
