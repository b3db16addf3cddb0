import { applyGeometry3D, augment3D, drawGeometry3D, jitterIntensity3D, type Augment3DConfig, type Intensity3D, type Patch3D } from './augment3d.ts';
import { Random } from './random.ts';
import type { TrainingVolume } from './trainingVolume.ts';

export type { Patch3D };

/** Up to this many voxels per class and volume are kept as patch centres (nnU-Net keeps 10 000 too). */
export const MAX_CLASS_LOCATIONS = 10_000;

/** Where one foreground class lies among a volume's labeled voxels. */
export interface ClassLocations {
  cls: number;
  /** Labeled voxels of this class in the volume. */
  count: number;
  /** A seeded uniform sample of them (voxel indices), at most MAX_CLASS_LOCATIONS. */
  locations: Int32Array;
}

/** What the sampler needs to know about one volume, computed once. */
export interface VolumeStats {
  /** k-slices with at least one labeled voxel, ascending. */
  labeledSlices: number[];
  /** Labeled voxels per k-slice: draws a labeled (or unlabeled) voxel uniformly without a list of them. */
  labeledPerSlice: Uint32Array;
  labeledTotal: number;
  unlabeledTotal: number;
  /** Foreground classes among the labeled voxels, ascending by class. */
  foreground: ClassLocations[];
}

export interface VolumePools {
  /** One entry per volume, in the order of the volumes. */
  stats: VolumeStats[];
  /** Volumes with labeled voxels: sources of supervised patches. */
  labeled: number[];
  /** Volumes with unlabeled voxels: preferred sources of the semi-supervised terms' patches. */
  unlabeled: number[];
  /** Foreground classes present among the labeled voxels of any volume, ascending. */
  classes: number[];
  /** For each entry of `classes`, the volumes whose labeled voxels contain it. */
  classVolumes: number[][];
}

function volumeStats(v: TrainingVolume, index: number, maxLocations: number): VolumeStats {
  const [ni, nj, nk] = v.dims;
  const per = ni * nj;
  const labeledPerSlice = new Uint32Array(nk);
  const counts = new Float64Array(256);
  const reservoirs: (Int32Array | undefined)[] = [];
  // Reservoir sampling (Vitter's algorithm R) keeps a uniform sample of each class without listing all its
  // voxels: a fully labeled 512² × 300 CT has millions of liver voxels. A fixed seed per volume keeps pools
  // reproducible without asking callers for a random stream.
  const rng = new Random(index + 1).fork('class-locations');
  for (let k = 0; k < nk; k++) {
    let n = 0;
    for (let p = k * per, end = p + per; p < end; p++) {
      if (!v.labeled[p]) continue;
      n++;
      const c = v.labels[p]!;
      if (c === 0) continue;
      const seen = ++counts[c]!;
      let r = reservoirs[c];
      if (!r) r = reservoirs[c] = new Int32Array(maxLocations);
      if (seen <= maxLocations) r[seen - 1] = p;
      else {
        const slot = rng.int(0, seen - 1);
        if (slot < maxLocations) r[slot] = p;
      }
    }
    labeledPerSlice[k] = n;
  }
  const labeledSlices: number[] = [];
  let labeledTotal = 0;
  for (let k = 0; k < nk; k++) {
    labeledTotal += labeledPerSlice[k]!;
    if (labeledPerSlice[k]! > 0) labeledSlices.push(k);
  }
  const foreground: ClassLocations[] = [];
  for (let c = 1; c < 256; c++) {
    const r = reservoirs[c];
    if (r) foreground.push({ cls: c, count: counts[c]!, locations: r.slice(0, Math.min(maxLocations, counts[c]!)) });
  }
  return { labeledSlices, labeledPerSlice, labeledTotal, unlabeledTotal: per * nk - labeledTotal, foreground };
}

/**
 * Which volumes train with labels (and on which k-slices, which classes), and which have unlabeled voxels. With
 * partial labels a volume is usually in both.
 */
export function buildVolumePools(volumes: readonly TrainingVolume[], maxLocations = MAX_CLASS_LOCATIONS): VolumePools {
  const stats = volumes.map((v, n) => volumeStats(v, n, maxLocations));
  const labeled: number[] = [];
  const unlabeled: number[] = [];
  const holders = new Map<number, number[]>();
  stats.forEach((s, n) => {
    if (s.labeledTotal > 0) labeled.push(n);
    if (s.unlabeledTotal > 0) unlabeled.push(n);
    for (const f of s.foreground) {
      const list = holders.get(f.cls) ?? [];
      list.push(n);
      holders.set(f.cls, list);
    }
  });
  const classes = [...holders.keys()].sort((a, b) => a - b);
  return { stats, labeled, unlabeled, classes, classVolumes: classes.map((c) => holders.get(c)!) };
}

/** One batch as typed arrays in NDHWC (D = k, H = j, W = i); labels as class indices, masks as 0/1. */
export interface Batch3D {
  size: [number, number, number];
  channels: number;
  labeledCount: number;
  unlabeledCount: number;
  /** [Bl, D, H, W, C] */
  xl: Float32Array;
  /** [Bl, D, H, W] */
  yl: Uint8Array;
  /** [Bl, D, H, W], 1 = labeled voxel: with partial labels only these supervise. */
  ml: Uint8Array;
  /** [Bu, D, H, W, C]: unlabeled patches as the teacher sees them (augmented geometry, intensities untouched)… */
  xuTeacher: Float32Array;
  /** …and as the student sees them: the same geometry plus an intensity perturbation. */
  xuStudent: Float32Array;
}

export interface Batch3DOptions {
  /** Patch extent [d, h, w], fixed for the whole run. */
  size: [number, number, number];
  labeled: number;
  unlabeled: number;
  /** Share of labeled patches centred on a foreground voxel of a uniformly chosen class; default 1/3. */
  foregroundProb?: number;
  augment: Augment3DConfig;
  /** The student's intensity perturbation of unlabeled patches (mean teacher needs two views to compare). */
  perturb: Intensity3D;
}

/** The start of a window of `s` voxels around coordinate c on an axis of n: inside the axis where it fits. */
function startAround(c: number, n: number, s: number): number {
  const [lo, hi] = n >= s ? [0, n - s] : [n - s, 0];
  return Math.min(hi, Math.max(lo, c - Math.floor(s / 2)));
}

/** Window start [z0, y0, x0] that contains voxel p, centred on it unless that would leave the volume. */
export function windowAround(dims: readonly [number, number, number], p: number, size: readonly [number, number, number]): [number, number, number] {
  const [ni, nj] = dims;
  const i = p % ni;
  const j = Math.floor(p / ni) % nj;
  const k = Math.floor(p / (ni * nj));
  return [startAround(k, dims[2], size[0]), startAround(j, nj, size[1]), startAround(i, ni, size[2])];
}

/**
 * Calls `row` for each run of voxels a window shares with the volume: patch row (z, y) from x = x0 to x1 reads
 * the volume's voxels src … src + (x1 − x0). Rows outside the volume are skipped; so all copying is row copies.
 */
function forEachRow(
  dims: readonly [number, number, number],
  start: readonly [number, number, number],
  size: readonly [number, number, number],
  row: (dst: number, src: number, length: number) => void,
): void {
  const [ni, nj, nk] = dims;
  const [d, h, w] = size;
  const [z0, y0, x0] = start;
  const xLo = Math.max(0, -x0);
  const xHi = Math.min(w, ni - x0);
  if (xHi <= xLo) return;
  for (let z = Math.max(0, -z0), zEnd = Math.min(d, nk - z0); z < zEnd; z++) {
    for (let y = Math.max(0, -y0), yEnd = Math.min(h, nj - y0); y < yEnd; y++) {
      row((z * h + y) * w + xLo, ((z + z0) * nj + y + y0) * ni + x0 + xLo, xHi - xLo);
    }
  }
}

/**
 * Copies the image of a window into `out` at `offset` (floats), DHWC. Voxels outside the volume are left as they
 * are, so a zeroed `out` gives zero padding. Sliding-window inference fills its batches with this.
 */
export function copyPatchImage(
  v: TrainingVolume,
  start: readonly [number, number, number],
  size: readonly [number, number, number],
  out: Float32Array,
  offset = 0,
): void {
  const ch = v.channels;
  forEachRow(v.dims, start, size, (dst, src, n) => out.set(v.image.subarray(src * ch, (src + n) * ch), offset + dst * ch));
}

/** A window of a volume as a patch: image, labels, labeled mask and the inside mask; padding everywhere else. */
export function extractPatch3D(v: TrainingVolume, start: readonly [number, number, number], size: readonly [number, number, number]): Patch3D {
  const voxels = size[0] * size[1] * size[2];
  const ch = v.channels;
  const p: Patch3D = {
    size: [size[0], size[1], size[2]],
    channels: ch,
    image: new Float32Array(voxels * ch),
    labels: new Uint8Array(voxels),
    mask: new Uint8Array(voxels),
    inside: new Uint8Array(voxels),
  };
  forEachRow(v.dims, start, size, (dst, src, n) => {
    p.image.set(v.image.subarray(src * ch, (src + n) * ch), dst * ch);
    p.labels.set(v.labels.subarray(src, src + n), dst);
    p.mask.set(v.labeled.subarray(src, src + n), dst);
    p.inside.fill(1, dst, dst + n);
  });
  return p;
}

/**
 * A uniformly drawn voxel among the labeled (or the unlabeled) ones of a volume: a slice in proportion to its
 * count, then the r-th such voxel of that slice. One slice scan per draw, and no list of millions of voxels.
 */
function drawVoxel(v: TrainingVolume, s: VolumeStats, labeled: boolean, rng: Random): number {
  const [ni, nj, nk] = v.dims;
  const per = ni * nj;
  const total = labeled ? s.labeledTotal : s.unlabeledTotal;
  let r = rng.int(0, total - 1);
  for (let k = 0; k < nk; k++) {
    const inSlice = labeled ? s.labeledPerSlice[k]! : per - s.labeledPerSlice[k]!;
    if (r >= inSlice) {
      r -= inSlice;
      continue;
    }
    const want = labeled ? 1 : 0;
    for (let p = k * per, end = p + per; p < end; p++) {
      if ((v.labeled[p] ? 1 : 0) !== want) continue;
      if (r-- === 0) return p;
    }
  }
  throw new Error('drawVoxel: slice counts do not match the labeled mask');
}

function pick<T>(xs: readonly T[], rng: Random): T {
  return xs[rng.int(0, xs.length - 1)]!;
}

/**
 * The centre of a labeled patch. With probability `foregroundProb` a class is chosen uniformly among the
 * foreground classes present, then a volume holding it, then one of its voxels: every class is centred as often
 * as every other, so a 2-mm structure in a 512² × 300 CT is seen as often as the liver (nnU-Net's class-balanced
 * oversampling). Otherwise any labeled voxel of a uniformly chosen labeled volume — never an unlabeled one, so a
 * partially labeled volume always yields a patch with supervision.
 */
function labeledCentre(volumes: readonly TrainingVolume[], pools: VolumePools, foregroundProb: number, rng: Random): [number, number] {
  if (rng.uniform() < foregroundProb && pools.classes.length > 0) {
    const n = rng.int(0, pools.classes.length - 1);
    const cls = pools.classes[n]!;
    const volume = pick(pools.classVolumes[n]!, rng);
    const locations = pools.stats[volume]!.foreground.find((f) => f.cls === cls)!.locations;
    return [volume, locations[rng.int(0, locations.length - 1)]!];
  }
  const volume = pick(pools.labeled, rng);
  return [volume, drawVoxel(volumes[volume]!, pools.stats[volume]!, true, rng)];
}

/**
 * The centre of an unlabeled patch: a volume with unlabeled voxels and one of them, so the consistency terms see
 * the data that has no labels; when every voxel is labeled, any voxel of any volume.
 */
function unlabeledCentre(volumes: readonly TrainingVolume[], pools: VolumePools, rng: Random): [number, number] {
  if (pools.unlabeled.length > 0) {
    const volume = pick(pools.unlabeled, rng);
    return [volume, drawVoxel(volumes[volume]!, pools.stats[volume]!, false, rng)];
  }
  const volume = rng.int(0, volumes.length - 1);
  const [ni, nj, nk] = volumes[volume]!.dims;
  return [volume, rng.int(0, ni * nj * nk - 1)];
}

/**
 * One batch of fixed-size 3D patches (docs/WEBGPU.md trap "varying shapes": one shape for the whole run). Labeled
 * patches are centred on labeled voxels (labeledCentre) and fully augmented; unlabeled ones get the same kind of
 * geometry, the teacher's view keeps the volume's intensities and the student's gets `perturb` on top. Batch sizes are
 * `opts.labeled` and `opts.unlabeled`, or 0 when no volume can supply that kind of patch.
 */
export function sample3DBatch(volumes: readonly TrainingVolume[], pools: VolumePools, opts: Batch3DOptions, rng: Random): Batch3D {
  const size: [number, number, number] = [...opts.size];
  const voxels = size[0] * size[1] * size[2];
  const ch = volumes[0]?.channels ?? 1;
  if (volumes.some((v) => v.channels !== ch)) throw new RangeError('sample3DBatch: volumes differ in channel count');
  const bl = pools.labeled.length > 0 ? opts.labeled : 0;
  const bu = volumes.length > 0 ? opts.unlabeled : 0;
  const batch: Batch3D = {
    size,
    channels: ch,
    labeledCount: bl,
    unlabeledCount: bu,
    xl: new Float32Array(bl * voxels * ch),
    yl: new Uint8Array(bl * voxels),
    ml: new Uint8Array(bl * voxels),
    xuTeacher: new Float32Array(bu * voxels * ch),
    xuStudent: new Float32Array(bu * voxels * ch),
  };
  const foregroundProb = opts.foregroundProb ?? 1 / 3;
  for (let b = 0; b < bl; b++) {
    const [volume, p] = labeledCentre(volumes, pools, foregroundProb, rng);
    const v = volumes[volume]!;
    const s = augment3D(extractPatch3D(v, windowAround(v.dims, p, size), size), opts.augment, v.spacing, rng);
    batch.xl.set(s.image, b * voxels * ch);
    batch.yl.set(s.labels, b * voxels);
    batch.ml.set(s.mask, b * voxels);
  }
  for (let b = 0; b < bu; b++) {
    const [volume, p] = unlabeledCentre(volumes, pools, rng);
    const v = volumes[volume]!;
    const s = applyGeometry3D(extractPatch3D(v, windowAround(v.dims, p, size), size), drawGeometry3D(opts.augment, size, v.spacing, rng));
    batch.xuTeacher.set(s.image, b * voxels * ch);
    batch.xuStudent.set(jitterIntensity3D(s.image, s.inside, ch, opts.perturb, rng), b * voxels * ch);
  }
  return batch;
}
