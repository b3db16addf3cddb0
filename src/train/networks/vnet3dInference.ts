import type * as tf from '@tensorflow/tfjs';
import type { TrainingVolume } from '../../data/trainingVolume.ts';
import { argmaxClasses, type SlicePrediction } from '../inference.ts';
import { slidingWindow3D } from '../slidingWindow3d.ts';

/*
 * The one inference path of the 3D network: Gaussian-weighted sliding windows of the training patch
 * (slidingWindow3d.ts), for the slices on screen (a slab around them) and for whole volumes. The training run
 * (Trainer3D) and a saved model (checkpointPredictor3D, the CLI's `predict`) both come here, with the patch the
 * checkpoint records (inferenceSpec.ts), so a volume's labels do not depend on who predicts them.
 */

/** A 3D network as inference sees it: its window and class count, and a run from windows to class probabilities. */
export interface WindowNet3D {
  patch: [number, number, number];
  numClasses: number;
  /** [B, D, H, W, C] → [class probabilities [B, D, H, W, K]]. */
  run: (x: tf.Tensor5D) => tf.Tensor[];
}

export interface VolumePassOptions {
  batchSize?: number;
  /** Share of a window its neighbour overlaps (0.5 as nnU-Net). */
  overlap?: number;
  onProgress?: (done: number, total: number) => void;
  shouldStop?: () => boolean;
}

/** The volume-as-slab view sliding windows run over: slices [k0, k1) of a volume, sharing its buffers. */
function slab(v: TrainingVolume, k0: number, k1: number): TrainingVolume {
  const per = v.dims[0] * v.dims[1];
  return {
    ...v,
    dims: [v.dims[0], v.dims[1], k1 - k0],
    image: v.image.subarray(k0 * per * v.channels, k1 * per * v.channels),
    labels: v.labels.subarray(k0 * per, k1 * per),
    labeled: v.labeled.subarray(k0 * per, k1 * per),
  };
}

/**
 * Class probabilities of some slices, [nj, ni, K] each: sliding windows over the slab of slices around them (a
 * window's depth of context on each side), so a slice is predicted with the same 3D context as in a whole-volume
 * pass. Far-apart slices are predicted in separate slabs. A stop keeps the slices finished so far.
 */
export async function predictSlabSlices(net: WindowNet3D, v: TrainingVolume, ks: number[], o: VolumePassOptions = {}): Promise<SlicePrediction[]> {
  const nk = v.dims[2];
  const margin = Math.ceil(net.patch[0] / 2);
  const wanted = [...new Set(ks)].filter((k) => k >= 0 && k < nk).sort((a, b) => a - b);
  const out = new Map<number, Float32Array>();
  const per = v.dims[0] * v.dims[1] * net.numClasses;
  let n = 0;
  while (n < wanted.length) {
    // Grow a run of slices whose slabs overlap, then predict it in one pass.
    let last = n;
    while (last + 1 < wanted.length && wanted[last + 1]! - wanted[last]! <= 2 * margin) last++;
    const k0 = Math.max(0, wanted[n]! - margin);
    const k1 = Math.min(nk, wanted[last]! + margin + 1);
    const need = new Set(wanted.slice(n, last + 1));
    const finished = await slidingWindow3D(
      slab(v, k0, k1),
      { size: net.patch, batchSize: o.batchSize ?? 2, numChannelsOut: net.numClasses, overlap: o.overlap ?? 0.5, shouldStop: o.shouldStop },
      net.run,
      (s0, s1, maps) => {
        for (let k = s0; k < s1; k++) if (need.has(k + k0)) out.set(k + k0, maps[0]!.slice((k - s0) * per, (k - s0 + 1) * per));
      },
    );
    if (!finished) break;
    n = last + 1;
  }
  return ks.filter((k) => out.has(k)).map((k) => ({ k, probs: out.get(k)! }));
}

/** Class index of every voxel of a volume by sliding windows over the whole of it; null when `shouldStop` ended it. */
export async function predictVolumeClasses3D(net: WindowNet3D, v: TrainingVolume, o: VolumePassOptions = {}): Promise<Uint8Array | null> {
  const [ni, nj] = v.dims;
  const K = net.numClasses;
  const out = new Uint8Array(v.labels.length);
  const finished = await slidingWindow3D(
    v,
    { size: net.patch, batchSize: o.batchSize ?? 2, numChannelsOut: K, onProgress: o.onProgress, shouldStop: o.shouldStop, overlap: o.overlap ?? 0.5 },
    net.run,
    (k0, _k1, maps) => out.set(argmaxClasses(maps[0]!, K), k0 * ni * nj),
  );
  return finished ? out : null;
}
