import * as tf from '@tensorflow/tfjs';

/**
 * CPU twins of our Conv3D and Conv3DBackpropInputV2 kernels: plain loops, written for clarity, not speed. They
 * are the spec the WGSL kernels are checked against (and are themselves checked against tfjs's cpu backend).
 * Layouts are tfjs's: x [B, D, H, W, Ci] (NDHWC), filter [kd, kh, kw, Ci, Co], y [B, Do, Ho, Wo, Co].
 * Padding is whatever tfjs's computeConv3DInfo makes of `pad` ('same' puts the odd extra zero after).
 */

export type Shape5D = readonly [number, number, number, number, number];
export type Strides3 = number | readonly [number, number, number];
export type Conv3DPad = 'same' | 'valid' | number;

function triple(s: Strides3): [number, number, number] {
  return typeof s === 'number' ? [s, s, s] : [s[0], s[1], s[2]];
}

function geometry(inputShape: Shape5D, fShape: Shape5D, strides: Strides3, pad: Conv3DPad) {
  return tf.backend_util.computeConv3DInfo(
    [...inputShape] as [number, number, number, number, number],
    [...fShape] as [number, number, number, number, number],
    triple(strides),
    1,
    pad,
  );
}

/** y[b,od,oh,ow,co] = Σ x[b, od·sd − front + kz, oh·sh − top + ky, ow·sw − left + kx, ci] · f[kz,ky,kx,ci,co]. */
export function conv3dReference(
  x: Float32Array,
  xShape: Shape5D,
  f: Float32Array,
  fShape: Shape5D,
  strides: Strides3,
  pad: Conv3DPad,
): { y: Float32Array; shape: Shape5D } {
  const info = geometry(xShape, fShape, strides, pad);
  const [B, D, H, W, Ci] = xShape;
  const [kd, kh, kw, , Co] = fShape;
  const { outDepth: Do, outHeight: Ho, outWidth: Wo, strideDepth: sd, strideHeight: sh, strideWidth: sw } = info;
  const { front, top, left } = info.padInfo;
  const y = new Float32Array(B * Do * Ho * Wo * Co);
  const acc = new Float64Array(Co);
  for (let b = 0; b < B; b++) {
    for (let od = 0; od < Do; od++) {
      for (let oh = 0; oh < Ho; oh++) {
        for (let ow = 0; ow < Wo; ow++) {
          acc.fill(0);
          for (let kz = 0; kz < kd; kz++) {
            const id = od * sd - front + kz;
            if (id < 0 || id >= D) continue;
            for (let ky = 0; ky < kh; ky++) {
              const ih = oh * sh - top + ky;
              if (ih < 0 || ih >= H) continue;
              for (let kx = 0; kx < kw; kx++) {
                const iw = ow * sw - left + kx;
                if (iw < 0 || iw >= W) continue;
                const xBase = (((b * D + id) * H + ih) * W + iw) * Ci;
                const fBase = ((kz * kh + ky) * kw + kx) * Ci * Co;
                for (let ci = 0; ci < Ci; ci++) {
                  const v = x[xBase + ci]!;
                  const fRow = fBase + ci * Co;
                  for (let co = 0; co < Co; co++) acc[co]! += v * f[fRow + co]!;
                }
              }
            }
          }
          y.set(acc, (((b * Do + od) * Ho + oh) * Wo + ow) * Co);
        }
      }
    }
  }
  return { y, shape: [B, Do, Ho, Wo, Co] };
}

/**
 * ∂L/∂x of y = conv3d(x, f) given dy = ∂L/∂y: dx[b,d,h,w,ci] = Σ dy[b,od,oh,ow,co] · f[kz,ky,kx,ci,co] over the
 * taps where d + front − kz = od·sd (exactly divisible and 0 ≤ od < Do), likewise for h and w.
 */
export function conv3dBackpropInputReference(
  dy: Float32Array,
  dyShape: Shape5D,
  f: Float32Array,
  fShape: Shape5D,
  inputShape: Shape5D,
  strides: Strides3,
  pad: Conv3DPad,
): Float32Array {
  const info = geometry(inputShape, fShape, strides, pad);
  const [B, D, H, W, Ci] = inputShape;
  const [kd, kh, kw, , Co] = fShape;
  const [, Do, Ho, Wo] = dyShape;
  const { strideDepth: sd, strideHeight: sh, strideWidth: sw } = info;
  const { front, top, left } = info.padInfo;
  if (dyShape[1] !== info.outDepth || dyShape[2] !== info.outHeight || dyShape[3] !== info.outWidth || dyShape[4] !== Co) {
    throw new Error(`conv3dBackpropInputReference: dy ${dyShape.join('×')} does not match the forward output ${info.outShape.join('×')}`);
  }
  const dx = new Float32Array(B * D * H * W * Ci);
  const acc = new Float64Array(Ci);
  for (let b = 0; b < B; b++) {
    for (let d = 0; d < D; d++) {
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          acc.fill(0);
          for (let kz = 0; kz < kd; kz++) {
            const nd = d + front - kz;
            if (nd < 0 || nd % sd !== 0 || nd / sd >= Do) continue;
            const od = nd / sd;
            for (let ky = 0; ky < kh; ky++) {
              const nh = h + top - ky;
              if (nh < 0 || nh % sh !== 0 || nh / sh >= Ho) continue;
              const oh = nh / sh;
              for (let kx = 0; kx < kw; kx++) {
                const nw = w + left - kx;
                if (nw < 0 || nw % sw !== 0 || nw / sw >= Wo) continue;
                const ow = nw / sw;
                const dyBase = (((b * Do + od) * Ho + oh) * Wo + ow) * Co;
                const fBase = ((kz * kh + ky) * kw + kx) * Ci * Co;
                for (let ci = 0; ci < Ci; ci++) {
                  let s = 0;
                  const fRow = fBase + ci * Co;
                  for (let co = 0; co < Co; co++) s += dy[dyBase + co]! * f[fRow + co]!;
                  acc[ci]! += s;
                }
              }
            }
          }
          dx.set(acc, (((b * D + d) * H + h) * W + w) * Ci);
        }
      }
    }
  }
  return dx;
}
