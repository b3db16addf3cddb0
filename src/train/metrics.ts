import type { Vec3 } from '../volume/geometry.ts';

/**
 * Segmentation metrics per class, in millimetres where distances are involved (docs/METHOD.md "Metrics").
 * Definitions follow medpy, which the seed papers' code (SSL4MIS) uses:
 *   Dice = 2|P∩G| / (|P| + |G|), IoU = |P∩G| / |P∪G|;
 *   surface = voxels of the mask with a 6-neighbour outside it (the image edge counts as outside);
 *   HD95 = 95th percentile of the pooled directed surface distances P→G and G→P;
 *   ASD  = mean directed surface distance from P to G.
 * A class absent from both prediction and truth is not scored (null), and is skipped in means. A class present
 * in only one of them scores Dice 0 and, for distances, the volume's diagonal: the worst a prediction can be.
 */

export interface ClassMetrics {
  dice: number;
  iou: number;
  hd95: number;
  asd: number;
}

export type MetricsByClass = Record<number, ClassMetrics | null>;

const INF = 1e20;

/**
 * Squared-distance transform along one line, positions x_i = i·s (Felzenszwalb & Huttenlocher 2012): the lower
 * envelope of parabolas rooted at the finite samples.
 */
function edt1d(f: Float64Array, n: number, s: number, out: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q]! >= INF) continue;
    const xq = q * s;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    // Pop parabolas the new one hides; z[0] = −∞ stops the loop at the first.
    let intersect: number;
    for (;;) {
      const p = v[k]!;
      const xp = p * s;
      intersect = (f[q]! + xq * xq - (f[p]! + xp * xp)) / (2 * (xq - xp));
      if (intersect > z[k]!) break;
      k--;
    }
    k++;
    v[k] = q;
    z[k] = intersect;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    out.fill(INF, 0, n);
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    const xq = q * s;
    while (z[j + 1]! < xq) j++;
    const p = v[j]!;
    const d = xq - p * s;
    out[q] = d * d + f[p]!;
  }
}

/** Exact Euclidean distance (mm) from every voxel to the nearest voxel where `feature` is non-zero. */
export function distanceTransform(feature: Uint8Array, dims: Vec3, spacing: Vec3): Float64Array {
  const [ni, nj, nk] = dims;
  const d = new Float64Array(ni * nj * nk);
  for (let n = 0; n < d.length; n++) d[n] = feature[n] ? 0 : INF;
  const maxLen = Math.max(ni, nj, nk);
  const line = new Float64Array(maxLen);
  const out = new Float64Array(maxLen);
  const v = new Int32Array(maxLen);
  const z = new Float64Array(maxLen + 1);
  const pass = (len: number, s: number, count: number, index: (line: number, i: number) => number): void => {
    for (let l = 0; l < count; l++) {
      for (let i = 0; i < len; i++) line[i] = d[index(l, i)]!;
      edt1d(line, len, s, out, v, z);
      for (let i = 0; i < len; i++) d[index(l, i)] = out[i]!;
    }
  };
  pass(ni, spacing[0], nj * nk, (l, i) => l * ni + i);
  pass(nj, spacing[1], ni * nk, (l, j) => (l % ni) + ni * (j + nj * Math.floor(l / ni)));
  pass(nk, spacing[2], ni * nj, (l, k) => l + ni * nj * k);
  for (let n = 0; n < d.length; n++) d[n] = Math.sqrt(d[n]!);
  return d;
}

/** Voxels of the mask with a face neighbour outside it; the image border counts as outside. */
export function surface(mask: Uint8Array, dims: Vec3): Uint8Array {
  const [ni, nj, nk] = dims;
  const out = new Uint8Array(mask.length);
  const is3d = nk > 1;
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      for (let i = 0; i < ni; i++) {
        const n = i + ni * (j + nj * k);
        if (!mask[n]) continue;
        const edge = i === 0 || j === 0 || i === ni - 1 || j === nj - 1 || (is3d && (k === 0 || k === nk - 1));
        if (edge || !mask[n - 1] || !mask[n + 1] || !mask[n - ni] || !mask[n + ni] || (is3d && (!mask[n - ni * nj] || !mask[n + ni * nj]))) {
          out[n] = 1;
        }
      }
    }
  }
  return out;
}

/** Directed surface distances from every surface voxel of `from` to the surface of `to`. */
function directedDistances(fromSurface: Uint8Array, toSurface: Uint8Array, dims: Vec3, spacing: Vec3): Float64Array {
  const dt = distanceTransform(toSurface, dims, spacing);
  const out: number[] = [];
  for (let n = 0; n < fromSurface.length; n++) if (fromSurface[n]) out.push(dt[n]!);
  return Float64Array.from(out);
}

/** numpy's default percentile (linear interpolation between closest ranks). */
export function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function diagonal(dims: Vec3, spacing: Vec3): number {
  return Math.hypot(dims[0] * spacing[0], dims[1] * spacing[1], dims[2] * spacing[2]);
}

/** Metrics of one binary prediction against one binary truth. */
export function binaryMetrics(pred: Uint8Array, truth: Uint8Array, dims: Vec3, spacing: Vec3): ClassMetrics | null {
  let p = 0;
  let g = 0;
  let both = 0;
  for (let n = 0; n < pred.length; n++) {
    const a = pred[n] ? 1 : 0;
    const b = truth[n] ? 1 : 0;
    p += a;
    g += b;
    both += a & b;
  }
  if (p === 0 && g === 0) return null;
  const dice = (2 * both) / (p + g);
  const iou = both / (p + g - both);
  if (p === 0 || g === 0) {
    const worst = diagonal(dims, spacing);
    return { dice, iou, hd95: worst, asd: worst };
  }
  const sp = surface(pred, dims);
  const sg = surface(truth, dims);
  const pg = directedDistances(sp, sg, dims, spacing);
  const gp = directedDistances(sg, sp, dims, spacing);
  const pooled = new Float64Array(pg.length + gp.length);
  pooled.set(pg);
  pooled.set(gp, pg.length);
  let sum = 0;
  for (const x of pg) sum += x;
  return { dice, iou, hd95: percentile(pooled, 95), asd: sum / pg.length };
}

/** Per-class metrics of a label map against the truth, for the given class values. */
export function labelMetrics(pred: Uint8Array, truth: Uint8Array, dims: Vec3, spacing: Vec3, classes: number[]): MetricsByClass {
  if (pred.length !== truth.length) throw new Error(`prediction has ${pred.length} voxels, truth ${truth.length}`);
  const out: MetricsByClass = {};
  const a = new Uint8Array(pred.length);
  const b = new Uint8Array(pred.length);
  for (const c of classes) {
    for (let n = 0; n < pred.length; n++) {
      a[n] = pred[n] === c ? 1 : 0;
      b[n] = truth[n] === c ? 1 : 0;
    }
    out[c] = binaryMetrics(a, b, dims, spacing);
  }
  return out;
}

/** Mean of each metric over classes that were scored. */
export function meanMetrics(byClass: MetricsByClass): ClassMetrics | null {
  const scored = Object.values(byClass).filter((m): m is ClassMetrics => m !== null);
  if (scored.length === 0) return null;
  const mean = (k: keyof ClassMetrics): number => scored.reduce((s, m) => s + m[k], 0) / scored.length;
  return { dice: mean('dice'), iou: mean('iou'), hd95: mean('hd95'), asd: mean('asd') };
}
