import * as tf from '@tensorflow/tfjs';
import { softmaxClasses } from '../model/classAxis.ts';
import { centredWindow, extractSlice, type Window2D } from '../data/slices2d.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { customKernelsActive } from '../gpu/customKernels.ts';
import { logitsToLabels, readLabels } from '../gpu/logitsToLabels.ts';
import { logitsToLiveLayer } from '../gpu/liveLayer.ts';
import type { Params } from '../model/params.ts';
import { resUNet2D, type ResUNet2DConfig } from '../model/resunet2d.ts';

/** Softmax output of one slice, cropped to the slice: [nj, ni, K] row-major. */
export interface SlicePrediction {
  k: number;
  probs: Float32Array;
}

/** Window starts along one axis: 0 and n − t included, ≤ `stride` apart (one centred window when n ≤ t). */
export function tileStarts(n: number, t: number, overlap: number): number[] {
  if (n <= t) return [Math.floor((n - t) / 2)];
  const stride = Math.max(1, Math.floor(t * (1 - overlap)));
  const count = Math.ceil((n - t) / stride) + 1;
  return Array.from({ length: count }, (_, i) => Math.round((i * (n - t)) / (count - 1)));
}

/**
 * Gaussian importance of each pixel of a tile, σ = side/8 (nnU-Net's choice): tile borders, where the network
 * saw the least context, count least where tiles overlap. Never 0, so every pixel a tile covers gets a value.
 */
export function gaussianTileWeights(h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  const sy = h / 8;
  const sx = w / 8;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dy = (y - (h - 1) / 2) / sy;
      const dx = (x - (w - 1) / 2) / sx;
      out[y * w + x] = Math.max(1e-3, Math.exp(-0.5 * (dx * dx + dy * dy)));
    }
  }
  return out;
}

/** Maps a batch of windows [B, h, w, C] to one or more per-pixel maps, each [B, h, w, K]; called inside tf.tidy. */
export type WindowRun = (x: tf.Tensor4D) => tf.Tensor[];

/** Per-pixel maps of one slice, each cropped to the slice: [nj, ni, K] row-major, in the order `run` returns them. */
export interface SliceMaps {
  k: number;
  maps: Float32Array[];
}

/**
 * Runs a window network over some k-slices and returns its maps at slice size. A slice that fits the window is
 * centred in it; a larger one is covered by overlapping windows (half overlap) whose outputs are blended with
 * gaussianTileWeights. Batches have a fixed size (padded with empty windows) so tensor shapes never vary: varying
 * shapes ratchet GPU memory up (docs/WEBGPU.md trap 9). Any per-pixel network fits: the segmentation softmax, or the
 * text-guided mask, merged pseudo-label and activation of the text stage.
 */
export async function predictWindows(
  v: TrainingVolume,
  ks: readonly number[],
  size: [number, number],
  batchSize: number,
  K: number,
  run: WindowRun,
  overlap = 0.5,
): Promise<SliceMaps[]> {
  const [h, w] = size;
  const [ni, nj] = v.dims;
  const ch = v.channels;
  const tiled = ni > w || nj > h;
  const windows: Window2D[] = tiled
    ? tileStarts(nj, h, overlap).flatMap((top) => tileStarts(ni, w, overlap).map((left) => ({ top, left })))
    : [centredWindow(v, size)];
  const weights = tiled ? gaussianTileWeights(h, w) : null;
  const jobs = ks.flatMap((k) => windows.map((win) => ({ k, win })));
  const out: SliceMaps[] = [];
  // Accumulators of the slices whose windows are in flight (jobs are ordered by slice, so few at a time).
  const open = new Map<number, { maps: Float32Array[]; norm: Float32Array | null }>();
  const finish = (k: number): void => {
    const acc = open.get(k);
    if (!acc) return;
    if (acc.norm) for (const m of acc.maps) for (let p = 0; p < ni * nj; p++) for (let c = 0; c < K; c++) m[p * K + c]! /= acc.norm[p]!;
    out.push({ k, maps: acc.maps });
    open.delete(k);
  };
  for (let start = 0; start < jobs.length; start += batchSize) {
    const chunk = jobs.slice(start, start + batchSize);
    const x = new Float32Array(batchSize * h * w * ch);
    chunk.forEach(({ k, win }, b) => x.set(extractSlice(v, k, size, win).image, b * h * w * ch));
    const tensors = tf.tidy(() => run(tf.tensor4d(x, [batchSize, h, w, ch])));
    const values = (await Promise.all(tensors.map((t) => t.data()))) as Float32Array[];
    tf.dispose(tensors);
    for (let b = 0; b < chunk.length; b++) {
      const { k, win } = chunk[b]!;
      let acc = open.get(k);
      if (!acc) {
        for (const done of [...open.keys()]) finish(done);
        acc = { maps: values.map(() => new Float32Array(ni * nj * K)), norm: weights ? new Float32Array(ni * nj) : null };
        open.set(k, acc);
      }
      if (!weights) {
        // One centred window: a plain crop.
        values.forEach((src, m) => {
          for (let j = 0; j < nj; j++) {
            const row = ((b * h + j - win.top) * w - win.left) * K;
            acc!.maps[m]!.set(src.subarray(row, row + ni * K), j * ni * K);
          }
        });
      } else {
        for (let y = 0; y < h; y++) {
          const j = y + win.top;
          if (j < 0 || j >= nj) continue;
          for (let xx = 0; xx < w; xx++) {
            const i = xx + win.left;
            if (i < 0 || i >= ni) continue;
            const g = weights[y * w + xx]!;
            const dst = j * ni + i;
            acc.norm![dst]! += g;
            const src = ((b * h + y) * w + xx) * K;
            values.forEach((vals, m) => {
              const map = acc!.maps[m]!;
              for (let c = 0; c < K; c++) map[dst * K + c]! += g * vals[src + c]!;
            });
          }
        }
      }
    }
  }
  for (const k of [...open.keys()]) finish(k);
  return out;
}

/**
 * Class probabilities of some k-slices of a volume, whole or tiled (predictWindows), [nj, ni, K] each. A live preview
 * on a CPU may tile with less overlap: a 512² slice in 128² windows is 25 windows at a quarter, 49 at half.
 */
export async function predictSlices(
  net: Params,
  model: ResUNet2DConfig,
  v: TrainingVolume,
  ks: readonly number[],
  size: [number, number],
  batchSize = 8,
  overlap = 0.5,
): Promise<SlicePrediction[]> {
  const maps = await predictWindows(v, ks, size, batchSize, model.numClasses, (x) => [softmaxClasses(resUNet2D(net, model, x))], overlap);
  return maps.map(({ k, maps: [probs] }) => ({ k, probs: probs! }));
}

/** Argmax class index per pixel of a prediction. */
export function argmaxClasses(probs: Float32Array, K: number): Uint8Array {
  const n = probs.length / K;
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    let best = 0;
    for (let c = 1; c < K; c++) if (probs[p * K + c]! > probs[p * K + best]!) best = c;
    out[p] = best;
  }
  return out;
}

/**
 * Normalised entropy of a class distribution per pixel, as 0..255: 0 = certain, 255 = uniform (Math.round: half up).
 * shaders/logits_to_live_layer.wgsl computes the same bytes from logits on the GPU.
 */
export function uncertaintyBytes(probs: Float32Array, K: number): Uint8Array {
  const n = probs.length / K;
  const out = new Uint8Array(n);
  const norm = 1 / Math.log(K);
  for (let p = 0; p < n; p++) {
    let h = 0;
    for (let c = 0; c < K; c++) {
      const q = probs[p * K + c]!;
      if (q > 1e-12) h -= q * Math.log(q);
    }
    out[p] = Math.min(255, Math.round(255 * h * norm));
  }
  return out;
}

/** Class labels of one slice, [nj, ni] row-major. */
export interface SliceLabels {
  k: number;
  labels: Uint8Array;
}

/**
 * Byte maps of some k-slices that each fit one centred window, made on the GPU from the logits by `toBytes`
 * (packed four bytes per word, one int32 tensor per map): only those words of each batch are read back, never the
 * [B, h, w, K] floats. webgpu backend only. Slices larger than the window are blended from overlapping windows on
 * the CPU (predictWindows), and an argmax or entropy must follow the blend, so those keep predictSlices.
 */
async function predictSliceBytes(
  net: Params,
  model: ResUNet2DConfig,
  v: TrainingVolume,
  ks: readonly number[],
  size: [number, number],
  batchSize: number,
  toBytes: (logits: tf.Tensor4D) => tf.Tensor[],
): Promise<{ k: number; maps: Uint8Array[] }[]> {
  const [h, w] = size;
  const [ni, nj] = v.dims;
  if (ni > w || nj > h) throw new RangeError(`predictSliceBytes: a ${ni}×${nj} slice does not fit one ${w}×${h} window`);
  const win = centredWindow(v, size);
  const ch = v.channels;
  const out: { k: number; maps: Uint8Array[] }[] = [];
  for (let start = 0; start < ks.length; start += batchSize) {
    const chunk = ks.slice(start, start + batchSize);
    // A fixed batch shape, padded with empty windows, as predictWindows (WEBGPU.md trap 9).
    const x = new Float32Array(batchSize * h * w * ch);
    chunk.forEach((k, b) => x.set(extractSlice(v, k, size, win).image, b * h * w * ch));
    const packed = tf.tidy(() => toBytes(resUNet2D(net, model, tf.tensor4d(x, [batchSize, h, w, ch]))));
    let maps: Uint8Array[];
    try {
      maps = await Promise.all(packed.map((t) => readLabels(t, batchSize * h * w)));
    } finally {
      tf.dispose(packed);
    }
    chunk.forEach((k, b) => {
      const slices = maps.map((bytes) => {
        const slice = new Uint8Array(ni * nj);
        for (let j = 0; j < nj; j++) {
          const row = (b * h + j - win.top) * w - win.left;
          slice.set(bytes.subarray(row, row + ni), j * ni);
        }
        return slice;
      });
      out.push({ k, maps: slices });
    });
  }
  return out;
}

/**
 * Class labels of some k-slices that each fit one centred window, with the argmax on the GPU
 * (src/gpu/logitsToLabels.ts). The same labels as argmaxClasses of predictSlices (argmax of the logits = argmax of
 * their softmax), up to float ties. webgpu backend only.
 */
export async function predictSliceLabels(
  net: Params,
  model: ResUNet2DConfig,
  v: TrainingVolume,
  ks: readonly number[],
  size: [number, number],
  batchSize = 8,
): Promise<SliceLabels[]> {
  const slices = await predictSliceBytes(net, model, v, ks, size, batchSize, (logits) => [logitsToLabels(logits)]);
  return slices.map(({ k, maps }) => ({ k, labels: maps[0]! }));
}

/** A live layer of one slice: class index and uncertainty (uncertaintyBytes) per pixel, [nj, ni] row-major. */
export interface SliceLayer {
  k: number;
  labels: Uint8Array;
  uncertainty: Uint8Array;
}

/**
 * The live layers of some k-slices that each fit one centred window, both byte maps made on the GPU in one pass
 * (src/gpu/liveLayer.ts): labels as predictSliceLabels, uncertainty as uncertaintyBytes of the softmax, within one
 * step of rounding. webgpu backend only.
 */
export async function predictSliceLayers(
  net: Params,
  model: ResUNet2DConfig,
  v: TrainingVolume,
  ks: readonly number[],
  size: [number, number],
  batchSize = 8,
): Promise<SliceLayer[]> {
  const slices = await predictSliceBytes(net, model, v, ks, size, batchSize, (logits) => {
    const layer = logitsToLiveLayer(logits);
    return [layer.labels, layer.uncertainty];
  });
  return slices.map(({ k, maps }) => ({ k, labels: maps[0]!, uncertainty: maps[1]! }));
}

/**
 * Class index of every voxel of a volume, slice by slice, in windows of the training patch (`size`: a model file's
 * inferencePatch2D, a Trainer's inferenceSize) — the one 2D inference path of predict-all, `predict` and `train`'s
 * evaluation, so a slice's labels never depend on the size of its volume or of the others open. With our WebGPU
 * kernels on and slices that fit one window, the argmax runs on the GPU and only labels come back
 * (predictSliceLabels); larger slices blend their overlapping windows on the CPU first.
 */
export async function predictVolumeClasses(
  net: Params,
  model: ResUNet2DConfig,
  v: TrainingVolume,
  size: [number, number],
  onProgress?: (done: number, total: number) => void,
  shouldStop?: () => boolean,
): Promise<Uint8Array | null> {
  const [ni, nj, nk] = v.dims;
  const out = new Uint8Array(ni * nj * nk);
  const batch = 8;
  const labelsOnGPU = customKernelsActive() && ni <= size[1] && nj <= size[0];
  for (let start = 0; start < nk; start += batch) {
    if (shouldStop?.()) return null;
    const ks = Array.from({ length: Math.min(batch, nk - start) }, (_, n) => start + n);
    if (labelsOnGPU) for (const { k, labels } of await predictSliceLabels(net, model, v, ks, size, batch)) out.set(labels, k * ni * nj);
    else for (const { k, probs } of await predictSlices(net, model, v, ks, size, batch)) out.set(argmaxClasses(probs, model.numClasses), k * ni * nj);
    onProgress?.(Math.min(nk, start + batch), nk);
  }
  return out;
}
