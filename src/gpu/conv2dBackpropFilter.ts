import * as tf from '@tensorflow/tfjs';
import type { CustomKernel, KernelResult } from './customKernels.ts';
import { packUniforms } from './dispatch.ts';
import { planStemFilterGradient, runStemFilterGradient } from './conv2dBackpropFilterStem.ts';
import { runSplitKGemm } from './splitK.ts';

/**
 * tfjs's Conv2DBackpropFilter on webgpu runs one thread per filter weight looping over the whole batch. Ours is
 * the same sum as a tiled implicit GEMM, dW[(ky,kx,ci), co] = Σ_{b,oh,ow} x[…]·dy[…], with K = B·Ho·Wo split into
 * chunks over many workgroups (shaders/conv2d_backprop_filter.wgsl) and the chunk partials summed by
 * shaders/split_k_reduce.wgsl. Handles NHWC float32, dilation 1, any stride, 'same'/'valid'/numeric/explicit
 * padding and any dimRoundingMode (tfjs's computeConv2DInfo resolves them to top/left pads and output sizes).
 */
export const conv2dBackpropFilterKernel: CustomKernel = {
  kernelName: 'Conv2DBackpropFilter',
  run({ inputs, attrs, backend }): KernelResult {
    const { x, dy } = inputs as { x?: tf.TensorInfo; dy?: tf.TensorInfo };
    if (!x || !dy) return { unsupported: 'inputs x and dy are required' };
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') return { unsupported: `dtype ${x.dtype}/${dy.dtype}; only float32 is handled` };
    if (x.shape.length !== 4 || dy.shape.length !== 4) return { unsupported: `rank ${x.shape.length}/${dy.shape.length}; expected rank-4 x and dy` };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape, dilations } = attrs as {
      strides: number | [number, number];
      pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
      dataFormat?: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      filterShape: [number, number, number, number];
      dilations?: number | number[];
    };
    if (dataFormat !== undefined && dataFormat !== 'NHWC') return { unsupported: `data format ${dataFormat}; only NHWC is handled` };
    if (dilations !== undefined && !tf.backend_util.tupleValuesAreOne(dilations)) return { unsupported: `dilations ${String(dilations)}; only 1 is handled` };

    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
    if (expected.some((v, i) => v !== dy.shape[i]) || filterShape[2] !== info.inChannels) {
      return { unsupported: `dy ${dy.shape.join('×')} does not match x ${x.shape.join('×')} and filter ${filterShape.join('×')}` };
    }
    // A one-channel stem has its own kernel: as a GEMM its 9 filter rows would fill 9 of a 16-row tile.
    const stem = planStemFilterGradient(info);
    if (!('unsupported' in stem)) return runStemFilterGradient(backend, x, dy, info, stem, filterShape);
    const m = info.filterHeight * info.filterWidth * info.inChannels;
    const n = info.outChannels;
    const k = info.batchSize * info.outHeight * info.outWidth;
    return runSplitKGemm(backend, {
      shader: 'conv2d_backprop_filter',
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
          ['u32', info.filterWidth],
          ['u32', info.outHeight],
          ['u32', info.outWidth],
          ['i32', info.inHeight],
          ['i32', info.inWidth],
          ['i32', info.strideHeight],
          ['i32', info.strideWidth],
          ['i32', info.padInfo.top],
          ['i32', info.padInfo.left],
        ]),
    });
  },
};
