import * as tf from '@tensorflow/tfjs';
import { conv2dFilterGrad, type Padding } from './ops.ts';

/**
 * The 3D convolutions of the V-Net, with gradients that are right on the cpu, wasm and webgpu backends.
 *
 * Why not just tf.conv3d and tf.conv3dTranspose: in tfjs 4.22 `conv3dTranspose` has no gradient at all
 * (docs/WEBGPU.md, trap "conv3dTranspose gradient"), and on the wasm backend both 3D backprop kernels compute wrong
 * values: Conv3DBackpropInputV2 (which is also `conv3dTranspose` itself) writes only the first depth slice, and
 * Conv3DBackpropFilterV2 is wrong with strides. Training falls back to wasm where there is no GPU. So:
 * - a convolution whose kernel equals its stride (the V-Net's down- and up-convolutions, and 1×1×1 heads) does
 *   not overlap itself, so it is a matrix product over voxel blocks: channel/space reshuffles by rank-5
 *   transposes and one matMul, all with gradients on every backend, and matMul is the fastest kernel on each;
 * - on wasm, a stride-1 'same' convolution with an odd kernel (every 3×3×3 of the V-Net) runs as 2D convolutions
 *   over the slices (conv3dBySlices): tfjs's wasm Conv3D is a plain loop, its conv2d is XNNPACK's;
 * - any other convolution runs tfjs's forward Conv3D. Its gradients use tfjs's backprop kernels only on the
 *   backends where they were checked (cpu, webgpu; on SwiftShader the webgpu filter kernel ran ~4× faster
 *   than the route below); elsewhere they are forward Conv3Ds too (as in ops.ts for 2D): ∂x is the convolution
 *   of ∂y, zero-interleaved by the stride, with the flipped filter; ∂w is the convolution of the input with ∂y
 *   as the filter, batch and channels swapped, dilated by the stride.
 */

/**
 * Backends where a stride-1 'same' 3D convolution runs as 2D convolutions over the slices (conv3dBySlices): tfjs's
 * wasm Conv3D is a plain loop (0.13–0.16 GMAC/s on this project's 2-core machine), its conv2d is XNNPACK's
 * (1.7–7.4 GMAC/s as slices, 16–49× faster at the V-Net's shapes: scripts/bench-conv3d-wasm.mts).
 */
const SLICED_CONV3D_BACKENDS: ReadonlySet<string> = new Set(['wasm']);

/** Backends whose Conv3DBackpropInputV2 and Conv3DBackpropFilterV2 agree with the cpu reference (ops3d tests). */
const TRUSTED_CONV3D_BACKPROP: ReadonlySet<string> = new Set(['cpu', 'webgpu']);

/** Strides (or block sides) along [depth, height, width] of an NDHWC tensor. */
export type Strides3D = [number, number, number];

/** [before, after] zeros along depth, height and width. */
type SpatialPads = [[number, number], [number, number], [number, number]];

/**
 * Rows per matMul. WebGPU caps a dispatch at 65 535 workgroups per dimension and tfjs's tiled matMul puts 32 rows
 * in a workgroup, so one product over more than ~2.1 M rows (a 1×1×1 head on 2 × 128³ voxels) would be refused.
 */
const MAX_MATMUL_ROWS = 1 << 20;

/** a·b (or a·bᵀ) computed in slabs of at most `maxRows` rows of a, so any number of voxels fits one dispatch. */
export function matMulRows(a: tf.Tensor2D, b: tf.Tensor2D, transposeB: boolean, maxRows = MAX_MATMUL_ROWS): tf.Tensor2D {
  const rows = a.shape[0];
  if (rows <= maxRows) return tf.matMul(a, b, false, transposeB);
  const sizes: number[] = [];
  for (let start = 0; start < rows; start += maxRows) sizes.push(Math.min(maxRows, rows - start));
  return tf.concat(
    tf.split(a, sizes, 0).map((slab) => tf.matMul(slab, b, false, transposeB)),
    0,
  ) as tf.Tensor2D;
}

function product(values: readonly number[]): number {
  return values.reduce((a, b) => a * b, 1);
}

/**
 * [B, D, H, W, C] → [B, D/sd, H/sh, W/sw, sd·sh·sw·C]: each block of voxels becomes one voxel whose channels
 * run (depth offset, height offset, width offset, channel), the order of a conv3d filter's flattened rows.
 * Along W the block's voxels are already adjacent in memory, so only H and D need a transpose, each skipped
 * when it would not move any data.
 */
function blocksToChannels(x: tf.Tensor5D, [sd, sh, sw]: Strides3D): tf.Tensor5D {
  const [b, d, h, w, c] = x.shape;
  const [D, H, W] = [d / sd, h / sh, w / sw];
  let t: tf.Tensor = tf.reshape(x, [b * d, H, sh, W, sw * c]);
  if (sh > 1 && W > 1) t = tf.transpose(t, [0, 1, 3, 2, 4]);
  t = tf.reshape(t, [b, D, sd, H * W, sh * sw * c]);
  if (sd > 1 && H * W > 1) t = tf.transpose(t, [0, 1, 3, 2, 4]);
  return tf.reshape(t, [b, D, H, W, sd * sh * sw * c]);
}

/** The inverse of blocksToChannels: [B, D, H, W, sd·sh·sw·C] → [B, D·sd, H·sh, W·sw, C]. */
function channelsToBlocks(y: tf.Tensor5D, [sd, sh, sw]: Strides3D): tf.Tensor5D {
  const [b, D, H, W, k] = y.shape;
  const c = k / (sd * sh * sw);
  let t: tf.Tensor = tf.reshape(y, [b, D, H * W, sd, sh * sw * c]);
  if (sd > 1 && H * W > 1) t = tf.transpose(t, [0, 1, 3, 2, 4]);
  t = tf.reshape(t, [b * D * sd, H, W, sh, sw * c]);
  if (sh > 1 && W > 1) t = tf.transpose(t, [0, 1, 3, 2, 4]);
  return tf.reshape(t, [b, D * sd, H * sh, W * sw, c]);
}

/** conv3d with kernel == stride over sides divisible by it: y[block] = flatten(x[block]) · W. */
function blockConv3d(x: tf.Tensor5D, w: tf.Tensor5D, strides: Strides3D): tf.Tensor5D {
  const [kd, kh, kw, ci, co] = w.shape;
  const blocks = blocksToChannels(x, strides);
  const [b, D, H, W, k] = blocks.shape;
  const y = matMulRows(tf.reshape(blocks, [b * D * H * W, k]), tf.reshape(w, [kd * kh * kw * ci, co]), false);
  return tf.reshape(y, [b, D, H, W, co]);
}

function sameValues(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, n) => v === b[n]);
}

function checkStrides(strides: Strides3D): void {
  if (strides.length !== 3 || !strides.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new Error(`3D strides must be three positive integers, got [${strides.join(', ')}]`);
  }
}

/**
 * conv3d weights [kd, kh, kw, ci, co] flipped spatially with in/out swapped: the forward conv that computes ∂x.
 * The flip runs on a rank-4 view (channels merged): tfjs-backend-webgpu 4.22's Reverse throws at rank 5.
 */
function flippedTransposed(w: tf.Tensor5D): tf.Tensor5D {
  const [kd, kh, kw, ci, co] = w.shape;
  const flipped = tf.reshape(tf.reverse(tf.reshape(w, [kd, kh, kw, ci * co]), [0, 1, 2]), w.shape);
  return tf.transpose(flipped, [0, 1, 2, 4, 3]) as tf.Tensor5D;
}

/**
 * Puts s − 1 zeros between neighbours along each spatial axis: [B, n…, C] → [B, s(n − 1) + 1…, C]. Each axis is
 * a pad of a rank-3 view (rows of that axis, one slot, everything after it), which every backend handles.
 */
function interleaveZeros(t: tf.Tensor5D, strides: Strides3D): tf.Tensor5D {
  if (strides.every((s) => s === 1)) return t;
  const shape = [...t.shape];
  let out: tf.Tensor = t;
  for (let axis = 1; axis <= 3; axis++) {
    const s = strides[axis - 1]!;
    const n = shape[axis]!;
    if (s === 1 || n === 1) continue;
    out = tf.pad(tf.reshape(out, [product(shape.slice(0, axis + 1)), 1, product(shape.slice(axis + 1))]), [
      [0, 0],
      [0, s - 1],
      [0, 0],
    ]);
    shape[axis] = n * s;
    out = tf.reshape(out, shape);
  }
  // The last s − 1 zeros of each axis lie past its last value.
  const size = t.shape.map((n, axis) => (axis >= 1 && axis <= 3 ? strides[axis - 1]! * (n - 1) + 1 : n));
  return (sameValues(size, shape) ? out : tf.slice(out, [0, 0, 0, 0, 0], size)) as tf.Tensor5D;
}

/**
 * Zero-pads the spatial axes of [B, D, H, W, C], as two pads of lower rank: tfjs-backend-webgpu 4.22's Pad
 * kernel fails to compile at rank 5 (it indexes its rank-5 coordinate struct like a vector), returning garbage.
 */
function padSpatial(x: tf.Tensor5D, pads: SpatialPads): tf.Tensor5D {
  const [[front, back], [top, bottom], [left, right]] = pads;
  const [b, d, h, w, c] = x.shape;
  const [dp, hp, wp] = [d + front + back, h + top + bottom, w + left + right];
  let t: tf.Tensor = x;
  if (top || bottom || left || right)
    t = tf.pad(tf.reshape(t, [b * d, h, w, c]), [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
  if (front || back)
    t = tf.pad(tf.reshape(t, [b, d, hp * wp * c]), [
      [0, 0],
      [front, back],
      [0, 0],
    ]);
  return tf.reshape(t, [b, dp, hp, wp, c]);
}

/** ∂L/∂x of y = conv3d(x, w, strides, pad), as one forward convolution (no backprop kernel needed). */
export function conv3dInputGrad(
  dy: tf.Tensor5D,
  w: tf.Tensor5D,
  xShape: [number, number, number, number, number],
  strides: Strides3D,
  pad: Padding,
): tf.Tensor5D {
  return tf.tidy(() => {
    const [kd, kh, kw] = w.shape;
    const odd = kd % 2 === 1 && kh % 2 === 1 && kw % 2 === 1;
    // Stride 1 with odd kernels pads symmetrically, so 'same' maps back onto itself.
    if (strides.every((s) => s === 1) && pad === 'same' && odd) return tf.conv3d(dy, flippedTransposed(w), 1, 'same');
    const { padInfo } = tf.backend_util.computeConv3DInfo(xShape, w.shape, strides, 1, pad);
    const fronts = [padInfo.front, padInfo.top, padInfo.left];
    const kernel = [kd, kh, kw];
    // x[i] gets w[t]·dy[o] where i = s·o + t − front; with dy zero-interleaved that is a valid correlation of the
    // flipped filter over a copy padded by k − 1 − front in front and whatever makes its length n + k − 1.
    const spread = interleaveZeros(dy, strides);
    const padsOf = (axis: 1 | 2 | 3): [number, number] => {
      const k = kernel[axis - 1]!;
      const front = k - 1 - fronts[axis - 1]!;
      return [front, xShape[axis] + k - 1 - front - spread.shape[axis]];
    };
    const pads: SpatialPads = [padsOf(1), padsOf(2), padsOf(3)];
    return tf.conv3d(padSpatial(spread, pads), flippedTransposed(w), 1, 'valid');
  });
}

/**
 * ∂L/∂w of y = conv3d(x, w, strides, pad), as one forward convolution: the input's channels become the batch, the
 * batch becomes the channels, and ∂L/∂y, dilated by the stride, is the filter.
 */
export function conv3dFilterGrad(
  x: tf.Tensor5D,
  dy: tf.Tensor5D,
  filterShape: [number, number, number, number, number],
  strides: Strides3D,
  pad: Padding,
): tf.Tensor5D {
  return tf.tidy(() => {
    const [kd, kh, kw] = filterShape;
    const { front, back, top, bottom, left, right } = tf.backend_util.computeConv3DInfo(x.shape, filterShape, strides, 1, pad).padInfo;
    const xp = padSpatial(x, [
      [front, back],
      [top, bottom],
      [left, right],
    ]);
    const xt = tf.transpose(xp, [4, 1, 2, 3, 0]) as tf.Tensor5D; // [ci, Dp, Hp, Wp, B]
    const f = tf.transpose(dy, [1, 2, 3, 0, 4]) as tf.Tensor5D; // [Do, Ho, Wo, B, co]
    const full = tf.conv3d(xt, f, 1, 'valid', 'NDHWC', strides); // [ci, Dp − s(Do − 1), …, co]
    // 'valid' with sides that the stride leaves a remainder of never reaches the last rows: crop to the kernel.
    const cropped = full.shape[1] === kd && full.shape[2] === kh && full.shape[3] === kw ? full : tf.slice(full, [0, 0, 0, 0, 0], [-1, kd, kh, kw, -1]);
    return tf.transpose(cropped, [1, 2, 3, 0, 4]) as tf.Tensor5D;
  });
}

/** Whether conv3d runs as 2D convolutions over slices here: stride 1, 'same', odd kernel, on a backend that gains. */
export function slicedConv3dApplies(backend: string, kernel: readonly number[], strides: Strides3D, pad: Padding): boolean {
  return SLICED_CONV3D_BACKENDS.has(backend) && pad === 'same' && strides.every((s) => s === 1) && kernel.every((k) => k % 2 === 1);
}

/**
 * [B, D, H, W, C] padded with r zero slices at each end of D (by `before` and `after` when they differ), as a stack
 * of 2D images [B·(D + before + after), H, W, C]. Rank-3 views for the pad: tfjs's wasm Slice and Pad at rank 5
 * were ~100× slower than at rank 3.
 */
function sliceStack(x: tf.Tensor5D, before: number, after: number): tf.Tensor4D {
  const [b, d, h, w, c] = x.shape;
  const padded =
    before || after
      ? tf.pad(tf.reshape(x, [b, d, h * w * c]), [
          [0, 0],
          [before, after],
          [0, 0],
        ])
      : x;
  return tf.reshape(padded, [b * (d + before + after), h, w, c]) as tf.Tensor4D;
}

/** Tap z of a filter [kd, kh, kw, ci, co] as a 2D filter [kh, kw, ci, co]. */
function filterTap(w: tf.Tensor5D, z: number): tf.Tensor4D {
  const [kd, kh, kw, ci, co] = w.shape;
  const flat = tf.reshape(w, [kd, kh * kw * ci * co]);
  return tf.reshape(kd === 1 ? flat : tf.slice(flat, [z, 0], [1, kh * kw * ci * co]), [kh, kw, ci, co]) as tf.Tensor4D;
}

/**
 * y[:, d] = Σ_z conv2d(x, w[z])[:, d + z] over x padded by r = (kd − 1)/2 slices at each end: each tap convolves
 * the whole padded stack of slices and its result is read shifted by z slices ((D + 2r)/D of the work, one copy of x).
 */
function slicedConv3dForward(x: tf.Tensor5D, w: tf.Tensor5D): tf.Tensor5D {
  return tf.tidy(() => {
    const [kd, , , , co] = w.shape;
    const [b, d, h, wd] = x.shape;
    const r = (kd - 1) / 2;
    const stack = sliceStack(x, r, r);
    const plane = h * wd * co;
    let sum: tf.Tensor | null = null;
    for (let z = 0; z < kd; z++) {
      const y = tf.reshape(tf.conv2d(stack, filterTap(w, z), 1, 'same'), [b, d + 2 * r, plane]);
      const shifted = r > 0 ? tf.slice(y, [0, z, 0], [b, d, plane]) : y;
      sum = sum ? tf.add(sum, shifted) : shifted;
    }
    return tf.reshape(sum!, [b, d, h, wd, co]) as tf.Tensor5D;
  });
}

/**
 * ∂w of the convolution above: tap z is the 2D filter gradient of the padded stack of x against ∂y placed z slices
 * in (so that its slice d + z meets output d), by ops.ts's forward-convolution form.
 */
function slicedConv3dFilterGrad(x: tf.Tensor5D, dy: tf.Tensor5D, filterShape: [number, number, number, number, number]): tf.Tensor5D {
  return tf.tidy(() => {
    const [kd, kh, kw, ci, co] = filterShape;
    const r = (kd - 1) / 2;
    const stack = sliceStack(x, r, r);
    const taps: tf.Tensor4D[] = [];
    for (let z = 0; z < kd; z++) taps.push(conv2dFilterGrad(stack, sliceStack(dy, z, 2 * r - z), [kh, kw, ci, co], 1, 'same'));
    return tf.reshape(tf.stack(taps), filterShape) as tf.Tensor5D;
  });
}

/**
 * A stride-1 'same' 3D convolution with an odd kernel as kd 2D convolutions over slices (XNNPACK's on wasm). The
 * gradient is written out, not left to autodiff: autodiff would keep every tap's output and partial sum for the
 * backward pass (Add and Slice save their inputs), 1.6× the memory of a V-Net step. Here the backward keeps x and
 * w, like any convolution: ∂x is the same convolution of ∂y with the flipped, transposed filter, ∂w one 2D filter
 * gradient per tap.
 */
export function conv3dBySlices(x: tf.Tensor5D, w: tf.Tensor5D): tf.Tensor5D {
  const op = tf.customGrad((xIn, wIn, save) => {
    const xs = xIn as tf.Tensor5D;
    const ws = wIn as tf.Tensor5D;
    (save as tf.GradSaveFunc)([xs, ws]);
    return {
      value: slicedConv3dForward(xs, ws),
      gradFunc: (dy, saved) => {
        const [sx, sw] = saved as [tf.Tensor5D, tf.Tensor5D];
        const g = dy as tf.Tensor5D;
        return [tf.tidy(() => slicedConv3dForward(g, flippedTransposed(sw))), slicedConv3dFilterGrad(sx, g, sw.shape)];
      },
    };
  });
  return op(x, w) as tf.Tensor5D;
}

/**
 * 3D convolution, NDHWC, no bias, weights [kd, kh, kw, inChannels, outChannels]. A kernel equal to the stride
 * runs as a block matrix product; every other kernel must be at least as large as its stride.
 */
export function conv3d(x: tf.Tensor5D, w: tf.Tensor5D, strides: Strides3D = [1, 1, 1], pad: Padding = 'same'): tf.Tensor5D {
  checkStrides(strides);
  const kernel = w.shape.slice(0, 3);
  if (x.shape[4] !== w.shape[3]) throw new Error(`conv3d: input has ${x.shape[4]} channels, the filter expects ${w.shape[3]}`);
  if (sameValues(kernel, strides)) {
    const sides = x.shape.slice(1, 4);
    const divisible = sides.every((n, a) => n % strides[a]! === 0);
    if (divisible) return blockConv3d(x, w, strides);
    // 'valid' drops the remainder rows a non-overlapping kernel never reaches.
    if (pad === 'valid') {
      const kept = sides.map((n, a) => n - (n % strides[a]!));
      return blockConv3d(tf.slice(x, [0, 0, 0, 0, 0], [-1, ...kept, -1]), w, strides);
    }
  }
  if (kernel.some((k, a) => k < strides[a]!)) throw new Error(`conv3d: kernel ${kernel.join('×')} is smaller than stride ${strides.join('×')}`);
  if (slicedConv3dApplies(tf.getBackend(), kernel, strides, pad)) return conv3dBySlices(x, w);
  return conv3dByKernel(x, w, strides, pad);
}

/**
 * tfjs's forward Conv3D, with gradients by tfjs's backprop kernels where they were checked and by forward
 * convolutions elsewhere (see the top of this file). Any stride and padding; the kernel at least the stride.
 */
export function conv3dByKernel(x: tf.Tensor5D, w: tf.Tensor5D, strides: Strides3D, pad: Padding): tf.Tensor5D {
  const kernel = w.shape.slice(0, 3);
  const op = tf.customGrad((xIn, wIn, save) => {
    const xs = xIn as tf.Tensor5D;
    const ws = wIn as tf.Tensor5D;
    (save as tf.GradSaveFunc)([xs, ws]);
    return {
      value: tf.conv3d(xs, ws, strides, pad),
      gradFunc: (dy, saved) => {
        const [sx, sw] = saved as [tf.Tensor5D, tf.Tensor5D];
        const g = dy as tf.Tensor5D;
        // Stride 1 'same' with odd kernels: ∂x is a plain forward conv, the fastest kernel on every backend.
        const plainInput = strides.every((s) => s === 1) && pad === 'same' && kernel.every((k) => k % 2 === 1);
        if (!TRUSTED_CONV3D_BACKPROP.has(tf.getBackend()))
          return [conv3dInputGrad(g, sw, sx.shape, strides, pad), conv3dFilterGrad(sx, g, sw.shape, strides, pad)];
        return [
          plainInput ? conv3dInputGrad(g, sw, sx.shape, strides, pad) : tf.conv3dTranspose(g, sw, sx.shape, strides, pad),
          tf.engine().runKernel('Conv3DBackpropFilterV2', { x: sx, dy: g }, { strides, pad, filterShape: sw.shape }) as tf.Tensor5D,
        ];
      },
    };
  });
  return op(x, w) as tf.Tensor5D;
}

/**
 * Transposed 3D convolution with kernel == stride and 'valid' padding, the V-Net's up-convolution: each input
 * voxel becomes one block of sd×sh×sw output voxels. Weights [sd, sh, sw, outChannels, inChannels], the layout
 * of tf.conv3dTranspose, whose values this reproduces: y[s·i + a, o] = Σ_c x[i, c]·w[a, o, c]. Built from
 * matMul and transposes, so it has a gradient on every backend (tf.conv3dTranspose has none).
 */
export function upConv3d(x: tf.Tensor5D, w: tf.Tensor5D, strides: Strides3D): tf.Tensor5D {
  checkStrides(strides);
  const [kd, kh, kw, co, ci] = w.shape;
  if (!sameValues([kd, kh, kw], strides)) throw new Error(`upConv3d: kernel ${kd}×${kh}×${kw} must equal the stride ${strides.join('×')}`);
  if (x.shape[4] !== ci) throw new Error(`upConv3d: input has ${x.shape[4]} channels, the filter expects ${ci}`);
  const [b, d, h, wd] = x.shape;
  const y = matMulRows(tf.reshape(x, [b * d * h * wd, ci]), tf.reshape(w, [kd * kh * kw * co, ci]), true);
  return channelsToBlocks(tf.reshape(y, [b, d, h, wd, kd * kh * kw * co]), strides);
}
