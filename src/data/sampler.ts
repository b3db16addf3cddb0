import { augment, jitterIntensity, type AugmentConfig } from './augment2d.ts';
import type { Random } from './random.ts';
import { strongAugment, type StrongAugmentConfig } from './strongAugment2d.ts';
import { extractSlice, randomWindow } from './slices2d.ts';
import { labeledCountInSlice, type TrainingVolume } from './trainingVolume.ts';

export interface SliceRef {
  volume: number;
  k: number;
}

/** Which slices train with labels, which validate, and which feed the unlabeled (semi-supervised) terms. */
export interface SlicePools {
  labeled: SliceRef[];
  validation: SliceRef[];
  unlabeled: SliceRef[];
}

export interface PoolOptions {
  /** Share of labeled slices held out for validation Dice. */
  validationFraction: number;
  /** Below this many labeled slices nothing is held out: every label is needed for training. */
  minLabeledForValidation: number;
  /** Slices the user marked for validation (they are never trained on). */
  validationSlices?: SliceRef[];
}

function shuffle<T>(xs: T[], rng: Random): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * Slices along the third voxel axis. A slice with any labeled voxel is a labeled sample (its mask says which
 * pixels supervise); validation slices are a seeded share of those (or the user's choice) and never train.
 * Every other slice is unlabeled data.
 */
export function buildPools(volumes: readonly TrainingVolume[], opts: PoolOptions, rng: Random): SlicePools {
  const labeled: SliceRef[] = [];
  const all: SliceRef[] = [];
  volumes.forEach((v, volume) => {
    for (let k = 0; k < v.dims[2]; k++) {
      all.push({ volume, k });
      if (labeledCountInSlice(v, k) > 0) labeled.push({ volume, k });
    }
  });
  const key = (s: SliceRef): string => `${s.volume}:${s.k}`;
  let validation: SliceRef[];
  if (opts.validationSlices && opts.validationSlices.length > 0) {
    const wanted = new Set(opts.validationSlices.map(key));
    validation = labeled.filter((s) => wanted.has(key(s)));
  } else if (labeled.length >= opts.minLabeledForValidation) {
    const n = Math.max(1, Math.round(labeled.length * opts.validationFraction));
    validation = shuffle(labeled, rng).slice(0, n);
  } else {
    validation = [];
  }
  const held = new Set(validation.map(key));
  return {
    labeled: labeled.filter((s) => !held.has(key(s))),
    validation: validation.sort((a, b) => a.volume - b.volume || a.k - b.k),
    unlabeled: all.filter((s) => !held.has(key(s))),
  };
}

/** One batch as typed arrays in NHWC; labels as class indices, masks as 0/1. */
export interface Batch2D {
  size: [number, number];
  channels: number;
  labeledCount: number;
  unlabeledCount: number;
  xl: Float32Array;
  yl: Uint8Array;
  ml: Uint8Array;
  /** Unlabeled images as the teacher sees them (augmented geometry, light noise)… */
  xuTeacher: Float32Array;
  /** …and as the student sees them: the same geometry, stronger intensity perturbation. */
  xuStudent: Float32Array;
}

export interface BatchOptions {
  size: [number, number];
  labeled: number;
  unlabeled: number;
  augment: AugmentConfig;
  /** The student's extra perturbation on unlabeled slices (mean teacher needs two views to be consistent). */
  perturb: Pick<AugmentConfig, 'gain' | 'bias' | 'noiseProb' | 'noiseSd'>;
  /**
   * Strong augmentation of the student's unlabeled view only (strongAugment2d.ts); absent or all off: none. Its
   * draws come from a stream of their own, so switching it on leaves every other sample of the batch as it was.
   */
  strong?: { cfg: StrongAugmentConfig; rng: Random };
}

export function sampleBatch(volumes: readonly TrainingVolume[], pools: SlicePools, opts: BatchOptions, rng: Random): Batch2D {
  const [h, w] = opts.size;
  const ch = volumes[0]?.channels ?? 1;
  const px = h * w;
  const bl = pools.labeled.length > 0 ? opts.labeled : 0;
  const bu = pools.unlabeled.length > 0 ? opts.unlabeled : 0;
  const batch: Batch2D = {
    size: [h, w],
    channels: ch,
    labeledCount: bl,
    unlabeledCount: bu,
    xl: new Float32Array(bl * px * ch),
    yl: new Uint8Array(bl * px),
    ml: new Uint8Array(bl * px),
    xuTeacher: new Float32Array(bu * px * ch),
    xuStudent: new Float32Array(bu * px * ch),
  };
  for (let b = 0; b < bl; b++) {
    const ref = pools.labeled[rng.int(0, pools.labeled.length - 1)]!;
    const v = volumes[ref.volume]!;
    const s = augment(extractSlice(v, ref.k, opts.size, randomWindow(v, ref.k, opts.size, rng)), opts.augment, rng);
    batch.xl.set(s.image, b * px * ch);
    batch.yl.set(s.labels, b * px);
    batch.ml.set(s.mask, b * px);
  }
  for (let b = 0; b < bu; b++) {
    const ref = pools.unlabeled[rng.int(0, pools.unlabeled.length - 1)]!;
    const v = volumes[ref.volume]!;
    const s = augment(extractSlice(v, ref.k, opts.size, randomWindow(v, ref.k, opts.size, rng)), opts.augment, rng);
    batch.xuTeacher.set(s.image, b * px * ch);
    const student = jitterIntensity(s.image, opts.perturb, rng);
    batch.xuStudent.set(opts.strong ? strongAugment(student, h, w, ch, opts.strong.cfg, opts.strong.rng) : student, b * px * ch);
  }
  return batch;
}

/**
 * One-hot class targets as float32 built on the CPU, never cast from int on the GPU (WEBGPU.md trap "cast then
 * transpose").
 */
export function oneHot(labels: Uint8Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let n = 0; n < labels.length; n++) out[n * classes + labels[n]!] = 1;
  return out;
}
