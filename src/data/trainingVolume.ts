import type { Vec3 } from '../volume/geometry.ts';
import { labeledVoxelMask, type LabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';

/**
 * A volume as the engine sees it: intensities normalised, labels as contiguous class indices (0 = background,
 * 1..K−1 in the order of the class list), and the mask of voxels that carry ground truth. Plain typed arrays, so
 * it crosses into a worker by transfer and needs no tfjs.
 */
export interface TrainingVolume {
  id: string;
  dims: Vec3;
  spacing: Vec3;
  channels: 1 | 3;
  /** Normalised intensities, channels interleaved, i fastest. */
  image: Float32Array;
  /** Class index per voxel. */
  labels: Uint8Array;
  /** 1 where the voxel lies in a labeled slice. */
  labeled: Uint8Array;
}

/** Class value (as stored in label maps) → index in the network's output; unknown values become background. */
export function classIndexTable(classValues: readonly number[]): Uint8Array {
  const table = new Uint8Array(256);
  classValues.forEach((v, n) => {
    table[v] = n + 1;
  });
  return table;
}

/**
 * The one intensity normalisation the engine knows, named so a model file can say which it was trained with:
 * per volume, grey clipped to the 0.5–99.5 percentiles and z-scored, RGB z-scored per channel.
 */
export const NORMALISATION = 'percentile-zscore' as const;
export type Normalisation = typeof NORMALISATION;

/**
 * Grey images: clip to the 0.5–99.5 percentile range and z-score (what nnU-Net does for MR), so an MR in
 * arbitrary units and a CT in Hounsfield units look alike to the network. RGB: per-channel z-score.
 */
export function normaliseIntensities(volume: Volume): Float32Array {
  const v = volume.voxels;
  const ch = volume.channels;
  const out = new Float32Array(v.length);
  for (let c = 0; c < ch; c++) {
    const count = Math.ceil(v.length / ch);
    const stride = Math.max(1, Math.floor(count / 100_000));
    const sample: number[] = [];
    for (let n = c; n < v.length; n += ch * stride) sample.push(v[n] as number);
    sample.sort((a, b) => a - b);
    const lo = sample[Math.floor(0.005 * (sample.length - 1))] ?? 0;
    const hi = sample[Math.ceil(0.995 * (sample.length - 1))] ?? 1;
    let sum = 0;
    let sum2 = 0;
    for (let n = c; n < v.length; n += ch) {
      const x = Math.min(hi, Math.max(lo, v[n] as number));
      sum += x;
      sum2 += x * x;
    }
    const mean = sum / count;
    const sd = Math.sqrt(Math.max(1e-12, sum2 / count - mean * mean));
    for (let n = c; n < v.length; n += ch) out[n] = (Math.min(hi, Math.max(lo, v[n] as number)) - mean) / sd;
  }
  return out;
}

export function toTrainingVolume(volume: Volume, labels: LabelMap, classValues: readonly number[]): TrainingVolume {
  return {
    id: volume.id,
    dims: [...volume.geometry.dims],
    spacing: [...volume.geometry.spacing],
    channels: volume.channels,
    image: normaliseIntensities(volume),
    ...trainingLabels(labels, classValues),
  };
}

/** The labels part of a TrainingVolume: class indices and the ground-truth mask. */
export function trainingLabels(labels: LabelMap, classValues: readonly number[]): Pick<TrainingVolume, 'labels' | 'labeled'> {
  const table = classIndexTable(classValues);
  const idx = new Uint8Array(labels.voxels.length);
  for (let n = 0; n < idx.length; n++) idx[n] = table[labels.voxels[n]!]!;
  return { labels: idx, labeled: labeledVoxelMask(labels) };
}

/**
 * The same volume with new labels, sharing its normalised image: a stroke on a 512²×300 CT must not re-normalise
 * 78 M voxels (a second 300 MB float copy) when only its labels changed.
 */
export function withLabels(v: TrainingVolume, labels: LabelMap, classValues: readonly number[]): TrainingVolume {
  const [ni, nj, nk] = v.dims;
  if (labels.dims[0] !== ni || labels.dims[1] !== nj || labels.dims[2] !== nk)
    throw new Error(`labels of ${labels.dims.join('×')} for a volume of ${v.dims.join('×')}`);
  return { ...v, ...trainingLabels(labels, classValues) };
}

/** How many voxels of slice k (along the third axis) carry ground truth. */
export function labeledCountInSlice(v: TrainingVolume, k: number): number {
  const per = v.dims[0] * v.dims[1];
  let n = 0;
  for (let p = k * per; p < (k + 1) * per; p++) n += v.labeled[p]!;
  return n;
}
