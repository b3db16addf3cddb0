import type { Random } from './random.ts';
import type { TrainingVolume } from './trainingVolume.ts';

/**
 * One 2D training sample in HWC layout (rows = voxel j, columns = voxel i), of a fixed size so every batch has the
 * same shape: GPU memory stays flat (docs/WEBGPU.md trap "varying shapes"). Pixels outside the source slice are
 * padding: image 0 (the normalised mean), label 0, mask 0, so padding never supervises anything.
 */
export interface Sample2D {
  height: number;
  width: number;
  channels: number;
  image: Float32Array;
  labels: Uint8Array;
  mask: Uint8Array;
}

/** Where a fixed-size window sits on a slice: its top-left corner in slice coordinates (may be negative). */
export interface Window2D {
  top: number;
  left: number;
}

/** The fixed sample size for a dataset: the largest slice, rounded up to 2^depth, capped (bigger slices are cropped). */
export function patchSizeFor(volumes: readonly TrainingVolume[], depth: number, cap = 256): [number, number] {
  const unit = 2 ** depth;
  const up = (n: number): number => Math.min(cap, Math.ceil(n / unit) * unit);
  let h = unit;
  let w = unit;
  for (const v of volumes) {
    h = Math.max(h, up(v.dims[1]));
    w = Math.max(w, up(v.dims[0]));
  }
  return [h, w];
}

/** Copies the window of slice k into a sample (padding outside the slice). */
export function extractSlice(v: TrainingVolume, k: number, size: [number, number], win: Window2D): Sample2D {
  const [height, width] = size;
  const [ni, nj] = v.dims;
  const ch = v.channels;
  const image = new Float32Array(height * width * ch);
  const labels = new Uint8Array(height * width);
  const mask = new Uint8Array(height * width);
  const base = k * ni * nj;
  for (let y = 0; y < height; y++) {
    const j = y + win.top;
    if (j < 0 || j >= nj) continue;
    for (let x = 0; x < width; x++) {
      const i = x + win.left;
      if (i < 0 || i >= ni) continue;
      const src = base + j * ni + i;
      const dst = y * width + x;
      for (let c = 0; c < ch; c++) image[dst * ch + c] = v.image[src * ch + c]!;
      labels[dst] = v.labels[src]!;
      mask[dst] = v.labeled[src]!;
    }
  }
  return { height, width, channels: ch, image, labels, mask };
}

/** The window that centres the slice (inference, validation). */
export function centredWindow(v: TrainingVolume, size: [number, number]): Window2D {
  return { top: Math.floor((v.dims[1] - size[0]) / 2), left: Math.floor((v.dims[0] - size[1]) / 2) };
}

/**
 * A training window: random where the slice is larger than the sample, and a third of the time centred on a
 * labeled foreground pixel, so small structures in large slices are seen often enough (nnU-Net's oversampling).
 */
export function randomWindow(v: TrainingVolume, k: number, size: [number, number], rng: Random): Window2D {
  const [ni, nj] = v.dims;
  const [h, w] = size;
  const range = (n: number, s: number): [number, number] => (n >= s ? [0, n - s] : [n - s, 0]);
  const [tLo, tHi] = range(nj, h);
  const [lLo, lHi] = range(ni, w);
  if (rng.uniform() < 1 / 3 && (nj > h || ni > w)) {
    const base = k * ni * nj;
    const fg: number[] = [];
    for (let p = 0; p < ni * nj; p++) if (v.labels[base + p]! > 0 && v.labeled[base + p]) fg.push(p);
    if (fg.length > 0) {
      const p = fg[rng.int(0, fg.length - 1)]!;
      const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
      return {
        top: clamp(Math.floor(p / ni) - Math.floor(h / 2), tLo, tHi),
        left: clamp((p % ni) - Math.floor(w / 2), lLo, lHi),
      };
    }
  }
  return { top: rng.int(tLo, tHi), left: rng.int(lLo, lHi) };
}
