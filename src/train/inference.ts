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

/** A size every slice of these volumes fits in, sides divisible by 2^depth, at least `min`. */
export function inferenceSizeFor(volumes: readonly Pick<TrainingVolume, 'dims'>[], depth: number, min: [number, number]): [number, number] {
  const unit = 2 ** depth;
  let [h, w] = min;
  for (const v of volumes) {
    h = Math.max(h, Math.ceil(v.dims[1] / unit) * unit);
    w = Math.max(w, Math.ceil(v.dims[0] / unit) * unit);
  }
  return [h, w];
}

/**
 * Class probabilities of some k-slices of a volume. Batches have a fixed size (padded with empty slices) and
 * every slice is centred in a fixed window, so tensor shapes never vary: varying shapes ratchet GPU memory up
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
  const win = centredWindow(v, size);
  const K = model.numClasses;
  const [ni, nj] = v.dims;
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
