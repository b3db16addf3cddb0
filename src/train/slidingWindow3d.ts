import * as tf from '@tensorflow/tfjs';
import { copyPatchImage } from '../data/patches3d.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { argmaxClasses, tileStarts } from './inference.ts';
import { yieldToMessages } from './yieldToMessages.ts';

/** Maps a batch of windows [B, D, H, W, C] to one or more per-voxel maps, each [B, D, H, W, K]; called inside tf.tidy. */
export type WindowRun3D = (x: tf.Tensor5D) => tf.Tensor[];

export interface SlidingWindow3DOptions {
  /** Window extent [d, h, w] (D = k, H = j, W = i): the training patch. */
  size: [number, number, number];
  /** Windows per call of `run`; the last batch is padded with empty windows so the shape never changes. */
  batchSize: number;
  /** K, the channels of every map `run` returns. */
  numChannelsOut: number;
  /** Share of a window that its neighbour overlaps along each axis; default 0.5 (nnU-Net's). */
  overlap?: number;
  /** Windows done so far and in all, after each batch. */
  onProgress?: (done: number, total: number) => void;
  /** Checked before each batch; true ends the run early. */
  shouldStop?: () => boolean;
}

/**
 * Receives finished slices [k0, k1), in order and each exactly once: maps[m] is [(k1 − k0), nj, ni, K] row-major
 * (i fastest before K, K innermost), in the order `run` returns its maps. The arrays are the sink's to keep.
 */
export type SlabSink = (k0: number, k1: number, maps: Float32Array[]) => void;

/**
 * Gaussian importance of each voxel of a window, σ = side/8 per axis (nnU-Net's choice, as gaussianTileWeights
 * in 2D): window borders, where the network saw the least context, count least where windows overlap. Never 0,
 * so every voxel a window covers gets a value. [d, h, w] row-major.
 */
export function gaussianWindowWeights3D(d: number, h: number, w: number): Float32Array {
  const axis = (n: number): Float64Array => {
    const out = new Float64Array(n);
    for (let x = 0; x < n; x++) {
      const u = (x - (n - 1) / 2) / (n / 8);
      out[x] = u * u;
    }
    return out;
  };
  const [gz, gy, gx] = [axis(d), axis(h), axis(w)];
  const out = new Float32Array(d * h * w);
  let n = 0;
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) out[n++] = Math.max(1e-3, Math.exp(-0.5 * (gz[z]! + gy[y]! + gx[x]!)));
    }
  }
  return out;
}

/** Running weighted sums of the slices some window still touches. */
interface SliceAccumulator {
  maps: Float32Array[];
  norm: Float32Array;
}

/**
 * Sliding-window inference over a whole volume, streamed by slab. Windows of the patch size overlap by
 * `overlap` along each axis (starts from tileStarts; an axis shorter than the window gets one centred window,
 * padded with zeros), are run `batchSize` at a time, and their maps are blended with gaussianWindowWeights3D.
 *
 * Windows go in order of their k start. Once every window starting at some k has been added, no later window
 * touches the slices before the next start, so those slices are final: they are normalised, handed to `sink`
 * and dropped. Memory is therefore about (window depth + one stride) slices per map: a 512² × 300 CT with 14
 * classes needs 4.4 GB per map whole, about 0.5 GB with 24-deep windows, which a browser tab can hold. Batches
 * have one fixed shape, padded with empty windows, because varying shapes ratchet GPU memory up (WEBGPU.md trap 9).
 *
 * Returns false when `shouldStop` ended it early (the slabs sent so far are valid), true when every slice was sent.
 */
export async function slidingWindow3D(v: TrainingVolume, opts: SlidingWindow3DOptions, run: WindowRun3D, sink: SlabSink): Promise<boolean> {
  const [d, h, w] = opts.size;
  const [ni, nj, nk] = v.dims;
  const ch = v.channels;
  const K = opts.numChannelsOut;
  const B = opts.batchSize;
  const overlap = opts.overlap ?? 0.5;
  if (!(B >= 1) || !(K >= 1)) throw new RangeError(`slidingWindow3D: batchSize and numChannelsOut must be ≥ 1, got ${B}, ${K}`);
  if (!(overlap >= 0 && overlap < 1)) throw new RangeError(`slidingWindow3D: overlap must be in [0, 1), got ${overlap}`);
  const zs = tileStarts(nk, d, overlap);
  const ys = tileStarts(nj, h, overlap);
  const xs = tileStarts(ni, w, overlap);
  const perZ = ys.length * xs.length;
  const total = zs.length * perZ;
  const windowVoxels = d * h * w;
  const weights = gaussianWindowWeights3D(d, h, w);
  const per = ni * nj;
  const open = new Map<number, SliceAccumulator>();
  let maps = 0;
  let flushed = 0;

  // Slices [flushed, upTo) are final: normalise them into one slab per map, send, forget.
  const flush = (upTo: number): void => {
    const k1 = Math.min(nk, upTo);
    if (k1 <= flushed) return;
    const k0 = flushed;
    const slab = Array.from({ length: maps }, () => new Float32Array((k1 - k0) * per * K));
    for (let k = k0; k < k1; k++) {
      const acc = open.get(k);
      open.delete(k);
      if (!acc) continue;
      const base = (k - k0) * per * K;
      for (let m = 0; m < maps; m++) {
        const src = acc.maps[m]!;
        const dst = slab[m]!;
        for (let p = 0; p < per; p++) {
          const inv = 1 / acc.norm[p]!;
          for (let c = 0; c < K; c++) dst[base + p * K + c] = src[p * K + c]! * inv;
        }
      }
    }
    flushed = k1;
    sink(k0, k1, slab);
  };

  const accumulate = (values: Float32Array[], b: number, z0: number, y0: number, x0: number): void => {
    const xLo = Math.max(0, -x0);
    const xHi = Math.min(w, ni - x0);
    for (let z = Math.max(0, -z0), zEnd = Math.min(d, nk - z0); z < zEnd; z++) {
      const k = z0 + z;
      let acc = open.get(k);
      if (!acc) {
        acc = { maps: values.map(() => new Float32Array(per * K)), norm: new Float32Array(per) };
        open.set(k, acc);
      }
      for (let y = Math.max(0, -y0), yEnd = Math.min(h, nj - y0); y < yEnd; y++) {
        // One row of the window at a time, map by map: the hot loop walks both arrays contiguously.
        const row = (z * h + y) * w;
        const dstRow = (y + y0) * ni + x0;
        const norm = acc.norm;
        for (let x = xLo; x < xHi; x++) norm[dstRow + x]! += weights[row + x]!;
        for (let m = 0; m < values.length; m++) {
          const vals = values[m]!;
          const map = acc.maps[m]!;
          let src = (b * windowVoxels + row + xLo) * K;
          let dst = (dstRow + xLo) * K;
          for (let x = xLo; x < xHi; x++) {
            const g = weights[row + x]!;
            for (let c = 0; c < K; c++) map[dst++]! += g * vals[src++]!;
          }
        }
      }
    }
  };

  const input = new Float32Array(B * windowVoxels * ch);
  for (let start = 0; start < total; start += B) {
    if (opts.shouldStop) {
      // A request to stop comes as a worker message: let it in (see yieldToMessages) before asking.
      await yieldToMessages();
      if (opts.shouldStop()) return false;
    }
    const count = Math.min(B, total - start);
    input.fill(0);
    for (let b = 0; b < count; b++) {
      const n = start + b;
      const origin = [zs[Math.floor(n / perZ)]!, ys[Math.floor(n / xs.length) % ys.length]!, xs[n % xs.length]!] as const;
      copyPatchImage(v, origin, opts.size, input, b * windowVoxels * ch);
    }
    const tensors = tf.tidy(() => run(tf.tensor5d(input, [B, d, h, w, ch])));
    let values: Float32Array[];
    try {
      values = (await Promise.all(tensors.map((t) => t.data()))) as Float32Array[];
    } finally {
      tf.dispose(tensors);
    }
    for (const vals of values) {
      if (vals.length !== B * windowVoxels * K)
        throw new RangeError(`slidingWindow3D: run returned ${vals.length} values, expected [${B}, ${d}, ${h}, ${w}, ${K}]`);
    }
    maps = values.length;
    for (let b = 0; b < count; b++) {
      const n = start + b;
      accumulate(values, b, zs[Math.floor(n / perZ)]!, ys[Math.floor(n / xs.length) % ys.length]!, xs[n % xs.length]!);
    }
    // Every window of the k starts before this one has been added: the slices before its start are final.
    const done = start + count;
    const group = Math.floor(done / perZ);
    flush(group < zs.length ? zs[group]! : nk);
    opts.onProgress?.(done, total);
  }
  return true;
}

/** Every map of the whole volume, each [nk, nj, ni, K]; for volumes small enough to hold whole. Null when stopped. */
export async function predictVolumeProbs(v: TrainingVolume, opts: SlidingWindow3DOptions, run: WindowRun3D): Promise<Float32Array[] | null> {
  const [ni, nj, nk] = v.dims;
  const per = ni * nj * opts.numChannelsOut;
  let out: Float32Array[] = [];
  const finished = await slidingWindow3D(v, opts, run, (k0, _k1, maps) => {
    if (out.length === 0) out = maps.map(() => new Float32Array(nk * per));
    maps.forEach((m, n) => out[n]!.set(m, k0 * per));
  });
  return finished ? out : null;
}

/**
 * Class index of every voxel (argmax of the first map `run` returns), p = (k·nj + j)·ni + i, computed slab by slab,
 * so only the Uint8Array grows with the volume. Null when stopped.
 *
 * The argmax stays on the CPU even with our WebGPU kernels on: overlapping windows are blended with Gaussian
 * weights on the CPU (slidingWindow3D), and the label must be the argmax of the blend, not of any one window, so
 * the float maps have to come back anyway. The GPU label map (src/gpu/logitsToLabels.ts) is used where one window
 * covers a whole slice (2D: predictSliceLabels in inference.ts).
 */
export async function predictVolumeArgmax(v: TrainingVolume, opts: SlidingWindow3DOptions, run: WindowRun3D): Promise<Uint8Array | null> {
  const [ni, nj, nk] = v.dims;
  const out = new Uint8Array(ni * nj * nk);
  const finished = await slidingWindow3D(v, opts, run, (k0, _k1, maps) => {
    out.set(argmaxClasses(maps[0]!, opts.numChannelsOut), k0 * ni * nj);
  });
  return finished ? out : null;
}
