import * as tf from '@tensorflow/tfjs';

/**
 * CPU twins of our Conv3DBackpropFilterV2 and Conv2DBackpropFilter kernels: plain loops, written for clarity,
 * not speed, accumulated in float64. They are the spec the WGSL kernels are checked against (and are themselves
 * checked against tfjs's cpu backend). Layouts are tfjs's channels-last ones: x [B, (D,) H, W, Ci],
 * dy [B, (Do,) Ho, Wo, Co], filter gradient [(kd,) kh, kw, Ci, Co]. Padding is whatever tfjs's
 * computeConv3DInfo / computeConv2DInfo make of `pad` ('same' puts the odd extra zero after).
 */

export type Shape5D = readonly [number, number, number, number, number];
export type Shape4D = readonly [number, number, number, number];

/**
 * dW[kz,ky,kx,ci,co] = Σ_{b,od,oh,ow} x[b, od·sd + kz − front, oh·sh + ky − top, ow·sw + kx − left, ci] ·
 * dy[b,od,oh,ow,co], x read as 0 outside its bounds.
 */
export function conv3dBackpropFilterReference(
  x: Float32Array,
  xShape: Shape5D,
  dy: Float32Array,
  filterShape: Shape5D,
  strides: number | readonly [number, number, number],
  pad: 'same' | 'valid' | number,
): Float32Array {
  const info = tf.backend_util.computeConv3DInfo(
    [...xShape] as [number, number, number, number, number],
    [...filterShape] as [number, number, number, number, number],
    typeof strides === 'number' ? strides : [strides[0], strides[1], strides[2]],
    1,
    pad,
  );
  const [B, D, H, W, Ci] = xShape;
  const [kd, kh, kw, , Co] = filterShape;
  const { outDepth: Do, outHeight: Ho, outWidth: Wo, strideDepth: sd, strideHeight: sh, strideWidth: sw } = info;
  const { front, top, left } = info.padInfo;
  const acc = new Float64Array(kd * kh * kw * Ci * Co);
  for (let b = 0; b < B; b++) {
    for (let od = 0; od < Do; od++) {
      for (let oh = 0; oh < Ho; oh++) {
        for (let ow = 0; ow < Wo; ow++) {
          const dyBase = (((b * Do + od) * Ho + oh) * Wo + ow) * Co;
          for (let kz = 0; kz < kd; kz++) {
            const id = od * sd + kz - front;
            if (id < 0 || id >= D) continue;
            for (let ky = 0; ky < kh; ky++) {
              const ih = oh * sh + ky - top;
              if (ih < 0 || ih >= H) continue;
              for (let kx = 0; kx < kw; kx++) {
                const iw = ow * sw + kx - left;
                if (iw < 0 || iw >= W) continue;
                const xBase = (((b * D + id) * H + ih) * W + iw) * Ci;
                const wBase = ((kz * kh + ky) * kw + kx) * Ci * Co;
                for (let ci = 0; ci < Ci; ci++) {
                  const v = x[xBase + ci]!;
                  const row = wBase + ci * Co;
                  for (let co = 0; co < Co; co++) acc[row + co]! += v * dy[dyBase + co]!;
                }
              }
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

/** dW[ky,kx,ci,co] = Σ_{b,oh,ow} x[b, oh·sh + ky − top, ow·sw + kx − left, ci] · dy[b,oh,ow,co], x read as 0 outside. */
export function conv2dBackpropFilterReference(
  x: Float32Array,
  xShape: Shape4D,
  dy: Float32Array,
  filterShape: Shape4D,
  strides: number | readonly [number, number],
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding,
): Float32Array {
  const info = tf.backend_util.computeConv2DInfo(
    [...xShape] as [number, number, number, number],
    [...filterShape] as [number, number, number, number],
    typeof strides === 'number' ? strides : [strides[0], strides[1]],
    1,
    pad,
  );
  const [B, H, W, Ci] = xShape;
  const [kh, kw, , Co] = filterShape;
  const { outHeight: Ho, outWidth: Wo, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const acc = new Float64Array(kh * kw * Ci * Co);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        const dyBase = ((b * Ho + oh) * Wo + ow) * Co;
        for (let ky = 0; ky < kh; ky++) {
          const ih = oh * sh + ky - top;
          if (ih < 0 || ih >= H) continue;
          for (let kx = 0; kx < kw; kx++) {
            const iw = ow * sw + kx - left;
            if (iw < 0 || iw >= W) continue;
            const xBase = ((b * H + ih) * W + iw) * Ci;
            const wBase = (ky * kw + kx) * Ci * Co;
            for (let ci = 0; ci < Ci; ci++) {
              const v = x[xBase + ci]!;
              const row = wBase + ci * Co;
              for (let co = 0; co < Co; co++) acc[row + co]! += v * dy[dyBase + co]!;
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}
