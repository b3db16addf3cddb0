import type { TrainingVolume } from './trainingVolume.ts';

/**
 * The fixed 3D patch and the network's downsampling topology for a dataset, in the [D, H, W] order of 3D tensors
 * (D = voxel k, H = j, W = i).
 */
export interface Plan3D {
  /** Patch extent [d, h, w]; each side divisible by the product of its axis's strides. */
  patch: [number, number, number];
  /** One entry per downsampling level, [sd, sh, sw], each 1 or 2. */
  strides: [number, number, number][];
}

export interface Plan3DOptions {
  /** Downsampling levels of the network (the length of `strides`). */
  depth: number;
  /** Voxel budget of one patch (e.g. 48³): GPU memory of a training step grows with it. */
  maxVoxels: number;
  /**
   * An axis is downsampled only while its extent at that level is at least twice this (nnU-Net's minimum feature
   * map size, 4), so a thin axis — 5 slices, or the single slice of a 2D image — is not padded up to 2^depth.
   */
  minFeatureSize?: number;
}

type Triple = [number, number, number];

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The physically isotropic patch that fits the budget, capped by the median volume shape: water-filling, so the
 * budget an axis cannot use (the volume is thinner than the cube) goes to the others.
 */
function targetExtents(shape: Triple, spacing: Triple, maxVoxels: number): Triple {
  const t: Triple = [0, 0, 0];
  const capped = [false, false, false];
  for (;;) {
    let fixed = 1;
    let inverse = 1;
    let free = 0;
    for (let a = 0; a < 3; a++) {
      if (capped[a]) fixed *= shape[a]!;
      else {
        inverse /= spacing[a]!;
        free++;
      }
    }
    if (free === 0) return t;
    // Side a of a physical cube of edge c mm is c / spacing[a] voxels; choose c so the free axes use the budget.
    const c = Math.pow(maxVoxels / fixed / inverse, 1 / free);
    let changed = false;
    for (let a = 0; a < 3; a++) {
      if (capped[a]) {
        t[a] = shape[a]!;
        continue;
      }
      t[a] = Math.max(1, c / spacing[a]!);
      if (t[a]! >= shape[a]!) {
        t[a] = shape[a]!;
        capped[a] = true;
        changed = true;
      }
    }
    if (!changed) return t;
  }
}

/**
 * nnU-Net's topology rule (Isensee et al., Nat Methods 2021; get_pool_and_conv_props v2): at each level, among
 * the axes still long enough to halve, those whose current spacing is at most 2× the smallest one are downsampled
 * and their spacing doubles. A 0.8 × 0.8 × 5 mm CT is first pooled in-plane only, until its in-plane spacing has
 * caught up with the slice distance; pooling it across slices from the start would throw away the axis that
 * already has the least resolution.
 */
function stridesFor(target: Triple, spacing: Triple, depth: number, minFeature: number): Triple[] {
  const size: Triple = [...target];
  const sp: Triple = [...spacing];
  const out: Triple[] = [];
  for (let level = 0; level < depth; level++) {
    const long = [0, 1, 2].filter((a) => size[a]! >= 2 * minFeature);
    const finest = Math.min(...long.map((a) => sp[a]!));
    const s: Triple = [1, 1, 1];
    for (const a of long) {
      if (sp[a]! <= 2 * finest * (1 + 1e-6)) {
        s[a] = 2;
        sp[a]! *= 2;
        size[a]! /= 2;
      }
    }
    out.push(s);
  }
  return out;
}

/**
 * Plans the 3D patch of a dataset from its median shape and median spacing. The rules, in order:
 * 1. Target extents: a physically isotropic cube (side ∝ 1/spacing per axis) scaled to `maxVoxels`, each side
 *    capped by the median volume side, the unused budget given to the other axes.
 * 2. Strides per level from spacing and the target extents (stridesFor).
 * 3. Each side is rounded down to a multiple of its axis's unit (the product of its strides), at least one unit,
 *    then grown a unit at a time — the side furthest below its target first — while the patch stays within the
 *    budget and no side exceeds the median volume side rounded up to its unit. So a patch is never larger than a
 *    volume by more than the padding that makes it divisible. Axes with the same target and unit grow together,
 *    so a square in-plane patch stays square (and can be rotated by a quarter turn).
 * The budget holds unless a single unit per axis already exceeds it.
 */
export function plan3D(volumes: readonly Pick<TrainingVolume, 'dims' | 'spacing'>[], opts: Plan3DOptions): Plan3D {
  if (volumes.length === 0) throw new RangeError('plan3D: no volumes');
  if (!(opts.maxVoxels >= 1)) throw new RangeError(`plan3D: maxVoxels must be ≥ 1, got ${opts.maxVoxels}`);
  const minFeature = opts.minFeatureSize ?? 4;
  // [i, j, k] → [D, H, W] = [k, j, i].
  const axisOf = [2, 1, 0] as const;
  const shape = axisOf.map((n) => Math.max(1, median(volumes.map((v) => v.dims[n])))) as Triple;
  const spacing = axisOf.map((n) => median(volumes.map((v) => v.spacing[n]))) as Triple;
  if (spacing.some((s) => !(s > 0))) throw new RangeError(`plan3D: spacing must be positive, got ${spacing.join(' × ')}`);

  const target = targetExtents(shape, spacing, opts.maxVoxels);
  const strides = stridesFor(target, spacing, opts.depth, minFeature);
  const unit = [0, 1, 2].map((a) => strides.reduce((u, s) => u * s[a]!, 1)) as Triple;
  const cap = [0, 1, 2].map((a) => Math.max(unit[a]!, Math.ceil(shape[a]! / unit[a]!) * unit[a]!)) as Triple;
  const patch = [0, 1, 2].map((a) => Math.min(cap[a]!, Math.max(unit[a]!, Math.floor(target[a]! / unit[a]!) * unit[a]!))) as Triple;

  const same = (a: number, b: number): boolean => unit[a] === unit[b] && Math.abs(target[a]! - target[b]!) <= 1e-6 * Math.max(target[a]!, target[b]!);
  const groups: number[][] = [];
  for (let a = 0; a < 3; a++) {
    const g = groups.find((g) => same(g[0]!, a));
    if (g) g.push(a);
    else groups.push([a]);
  }
  for (;;) {
    const volume = patch[0] * patch[1] * patch[2];
    let best: number[] | null = null;
    let bestRatio = Infinity;
    for (const g of groups) {
      if (g.some((a) => patch[a]! + unit[a]! > cap[a]!)) continue;
      const grown = g.reduce((n, a) => (n / patch[a]!) * (patch[a]! + unit[a]!), volume);
      if (grown > opts.maxVoxels) continue;
      const ratio = patch[g[0]!]! / target[g[0]!]!;
      if (ratio < bestRatio) {
        bestRatio = ratio;
        best = g;
      }
    }
    if (!best) break;
    for (const a of best) patch[a]! += unit[a]!;
  }
  return { patch, strides };
}
