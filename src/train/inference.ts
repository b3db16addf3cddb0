import * as tf from '@tensorflow/tfjs';
import { logSoftmaxClasses, maxClasses, softmaxClasses, sumClasses } from '../model/classAxis.ts';
import { centredWindow, extractSlice } from '../data/slices2d.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import type { Params } from '../model/params.ts';
import { resUNet2D, type ResUNet2DConfig } from '../model/resunet2d.ts';

/** Softmax output of one slice, cropped to the slice: [nj, ni, K] row-major. */
export interface SlicePrediction {
  k: number;
  probs: Float32Array;
}

/** Slices up to this many pixels are predicted whole; larger ones in overlapping tiles (predictSlices). */
export const MAX_WHOLE_SLICE_PIXELS = 512 * 512;

/**
 * The fixed window slices are predicted in: a size every slice of these volumes fits in (sides divisible by
 * 2^depth, at least `min`), or — when that would exceed MAX_WHOLE_SLICE_PIXELS, as for 1000² pathology tiles, which
 * also overflow WASM's memory whole — `min` itself (the training patch), and larger slices are tiled.
 */
export function inferenceSizeFor(volumes: readonly Pick<TrainingVolume, 'dims'>[], depth: number, min: [number, number]): [number, number] {
  const unit = 2 ** depth;
  let [h, w] = min;
  for (const v of volumes) {
    h = Math.max(h, Math.ceil(v.dims[1] / unit) * unit);
    w = Math.max(w, Math.ceil(v.dims[0] / unit) * unit);
  }
  return h * w > MAX_WHOLE_SLICE_PIXELS ? min : [h, w];
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

/**
 * Class probabilities of slices larger than the window: overlapping tiles of the window's size (half overlap),
 * each weighted by gaussianTileWeights, batched at a fixed batch size so shapes never vary.
 */
async function predictTiled(net: Params, model: ResUNet2DConfig, v: TrainingVolume, ks: readonly number[], size: [number, number], batchSize: number): Promise<SlicePrediction[]> {
  const [h, w] = size;
  const K = model.numClasses;
  const [ni, nj] = v.dims;
  const ch = v.channels;
  const weights = gaussianTileWeights(h, w);
  const tops = tileStarts(nj, h, 0.5);
  const lefts = tileStarts(ni, w, 0.5);
  const out: SlicePrediction[] = [];
  for (const k of ks) {
    const acc = new Float32Array(ni * nj * K);
    const norm = new Float32Array(ni * nj);
    const windows = tops.flatMap((top) => lefts.map((left) => ({ top, left })));
    for (let start = 0; start < windows.length; start += batchSize) {
      const chunk = windows.slice(start, start + batchSize);
      const x = new Float32Array(batchSize * h * w * ch);
      chunk.forEach((win, b) => x.set(extractSlice(v, k, size, win).image, b * h * w * ch));
      const probs = tf.tidy(() => softmaxClasses(resUNet2D(net, model, tf.tensor4d(x, [batchSize, h, w, ch]))));
      const values = (await probs.data()) as Float32Array;
      probs.dispose();
      chunk.forEach((win, b) => {
        for (let y = 0; y < h; y++) {
          const j = y + win.top;
          if (j < 0 || j >= nj) continue;
          for (let xx = 0; xx < w; xx++) {
            const i = xx + win.left;
            if (i < 0 || i >= ni) continue;
            const g = weights[y * w + xx]!;
            const dst = j * ni + i;
            norm[dst]! += g;
            const src = ((b * h + y) * w + xx) * K;
            for (let c = 0; c < K; c++) acc[dst * K + c]! += g * values[src + c]!;
          }
        }
      });
    }
    for (let p = 0; p < ni * nj; p++) for (let c = 0; c < K; c++) acc[p * K + c]! /= norm[p]!;
    out.push({ k, probs: acc });
  }
  return out;
}

/**
 * Class probabilities of some k-slices of a volume. Batches have a fixed size (padded with empty slices) and
 * every slice is centred in a fixed window (or tiled by it, when larger), so tensor shapes never vary: varying shapes ratchet GPU memory up
 * (docs/WEBGPU.md trap 9).
 */
export async function predictSlices(
  net: Params,
  model: ResUNet2DConfig,
  v: TrainingVolume,
  ks: readonly number[],
  size: [number, number],
  batchSize = 8,
): Promise<SlicePrediction[]> {
  const [h, w] = size;
  const K = model.numClasses;
  const [ni, nj] = v.dims;
  if (ni > w || nj > h) return predictTiled(net, model, v, ks, size, batchSize);
  const win = centredWindow(v, size);
  const out: SlicePrediction[] = [];
  for (let start = 0; start < ks.length; start += batchSize) {
    const chunk = ks.slice(start, start + batchSize);
    const x = new Float32Array(batchSize * h * w * v.channels);
    chunk.forEach((k, b) => x.set(extractSlice(v, k, size, win).image, b * h * w * v.channels));
    const probs = tf.tidy(() => softmaxClasses(resUNet2D(net, model, tf.tensor4d(x, [batchSize, h, w, v.channels]))));
    const values = (await probs.data()) as Float32Array;
    probs.dispose();
    chunk.forEach((k, b) => {
      const cropped = new Float32Array(ni * nj * K);
      for (let j = 0; j < nj; j++) {
        const srcRow = ((b * h + j - win.top) * w - win.left) * K;
        cropped.set(values.subarray(srcRow, srcRow + ni * K), j * ni * K);
      }
      out.push({ k, probs: cropped });
    });
  }
  return out;
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

/** Class index of every voxel of a volume, slice by slice. */
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
  for (let start = 0; start < nk; start += batch) {
    if (shouldStop?.()) return null;
    const ks = Array.from({ length: Math.min(batch, nk - start) }, (_, n) => start + n);
    for (const { k, probs } of await predictSlices(net, model, v, ks, size, batch)) out.set(argmaxClasses(probs, model.numClasses), k * ni * nj);
    onProgress?.(Math.min(nk, start + batch), nk);
  }
  return out;
}
