import * as tf from '@tensorflow/tfjs';
import { customKernelsActive } from '../gpu/customKernels.ts';

/**
 * The few operations our networks are built from. Dimension-specific by necessity (tfjs has separate 2D and
 * 3D kernels), shaped so a 3D twin can sit beside each.
 */

export type Padding = 'same' | 'valid';

/** conv2d weights flipped spatially with in/out channels swapped: the forward conv that computes ∂x. */
function flippedTransposed(w: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]);
}

/**
 * ∂L/∂w of y = conv2d(x, w, stride, pad). With our WebGPU kernels active, tfjs's Conv2DBackpropFilter kernel name
 * runs our tiled split-K GEMM (src/gpu/conv2dBackpropFilter.ts), the fastest route there. Otherwise tfjs's own
 * Conv2DBackpropFilter is a naive loop (CPU and WebGPU) or missing (WASM), so ∂w is computed as a forward
 * convolution: the input's channels become the batch, the batch becomes the channels, and ∂L/∂y (dilated by the
 * stride) is the filter — a forward conv is tfjs's fastest kernel everywhere (XNNPACK on WASM, tiled matmul on
 * WebGPU).
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], stride: number, pad: Padding): tf.Tensor4D {
  if (customKernelsActive()) {
    const attrs = { strides: stride, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape };
    return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  return tf.tidy(() => {
    const [kh, kw] = filterShape;
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, stride, 1, pad);
    const { top, bottom, left, right } = info.padInfo;
    const xp =
      top || bottom || left || right
        ? tf.pad(x, [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ])
        : x;
    const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [ci, Hp, Wp, B]
    const f = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, B, co]
    const full = tf.conv2d(xt, f, 1, 'valid', 'NHWC', stride); // [ci, Hp − s(Ho−1), Wp − s(Wo−1), co]
    const cropped = full.shape[1] === kh && full.shape[2] === kw ? full : tf.slice(full, [0, 0, 0, 0], [-1, kh, kw, -1]);
    return tf.transpose(cropped, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** ∂L/∂x of y = conv2d(x, w, stride, pad). Stride 1 with odd kernels is itself a forward conv. */
export function conv2dInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, xShape: [number, number, number, number], stride: number, pad: Padding): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = w.shape;
    if (stride === 1 && pad === 'same' && kh % 2 === 1 && kw % 2 === 1) return tf.conv2d(dy, flippedTransposed(w), 1, 'same');
    if (stride === 1 && pad === 'valid') {
      const padded = tf.pad(dy, [
        [0, 0],
        [kh - 1, kh - 1],
        [kw - 1, kw - 1],
        [0, 0],
      ]);
      return tf.conv2d(padded, flippedTransposed(w), 1, 'valid');
    }
    return tf.conv2dTranspose(dy, w, xShape, stride, pad);
  });
}

/** 2D convolution (NHWC, no bias) whose gradients run as forward convolutions. */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, stride = 1, pad: Padding = 'same'): tf.Tensor4D {
  const op = tf.customGrad((xIn, wIn, save) => {
    const xs = xIn as tf.Tensor4D;
    const ws = wIn as tf.Tensor4D;
    (save as tf.GradSaveFunc)([xs, ws]);
    return {
      value: tf.conv2d(xs, ws, stride, pad),
      gradFunc: (dy, saved) => {
        const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [conv2dInputGrad(dy as tf.Tensor4D, sw, sx.shape, stride, pad), conv2dFilterGrad(sx, dy as tf.Tensor4D, sw.shape, stride, pad)];
      },
    };
  });
  return op(x, w) as tf.Tensor4D;
}

/**
 * Leaky ReLU as relu(x) − a·relu(−x). tfjs's leakyRelu gradient goes through Select, which fails on rank-5
 * tensors on WebGPU (docs/WEBGPU.md); this form has plain relu gradients at any rank.
 */
export function leakyRelu(x: tf.Tensor, slope = 0.01): tf.Tensor {
  return tf.sub(tf.relu(x), tf.mul(slope, tf.relu(tf.neg(x))));
}

/**
 * Instance normalisation over the spatial axes with a learned per-channel scale and shift (shaped with
 * leading ones, never rank 1: see WEBGPU.md trap "rank-1 at rank 5"). No running statistics, so the EMA teacher needs
 * nothing beyond its weights and small batches behave.
 */
export function instanceNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor {
  // On a [B, voxels, C] view, whatever the rank: one reduction axis between two kept ones, which every backend
  // reduces without a rank-5 transpose (tfjs's wasm Sum over axes 1–3 of a rank-5 tensor was a third of a 3D step),
  // and which our WebGPU Sum/Mean read in place.
  const c = x.shape[x.rank - 1]!;
  const flat = tf.reshape(x, [x.shape[0]!, -1, c]);
  const { mean, variance } = tf.moments(flat, [1], true);
  const y = tf.add(tf.mul(tf.div(tf.sub(flat, mean), tf.sqrt(tf.add(variance, eps))), tf.reshape(gamma, [1, 1, c])), tf.reshape(beta, [1, 1, c]));
  return tf.reshape(y, x.shape);
}

/**
 * Nearest-neighbour ×2 upsampling (exact duplication), for the decoder. Its gradient is the sum over each 2×2
 * block, written out here: tfjs 4.22's CPU ResizeNearestNeighborGrad returns wrong values for non-uniform
 * gradients (caught by this repository's finite-difference test).
 */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const op = tf.customGrad((xIn, save) => {
    const xs = xIn as tf.Tensor4D;
    (save as tf.GradSaveFunc)([]);
    const [, h, w] = xs.shape;
    return {
      value: tf.image.resizeNearestNeighbor(xs, [h * 2, w * 2], false, false),
      gradFunc: (dy) => [tf.mul(tf.avgPool(dy as tf.Tensor4D, 2, 2, 'valid'), 4)],
    };
  });
  return op(x) as tf.Tensor4D;
}
