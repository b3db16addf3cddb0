import type { VoxelData } from '../../volume/Volume.ts';
import { argmaxClasses, gaussianTileWeights, tileStarts } from '../inference.ts';
import { imageZscore, normaliseInPlace } from './normalise.ts';
import { resampledSize, resampleGrid, type Grid } from './resample.ts';
import type { OnnxNormalisation, OnnxSidecar } from './sidecar.ts';

/** Runs the network on one window: channels-first input of `shape`, channels-first output [1, K, ...spatial]. */
export interface WindowRunner {
  run(input: Float32Array, shape: number[]): Promise<{ data: Float32Array; dims: readonly number[] }>;
}

/** What the predictor needs of an image: its grid, spacing and voxels (i fastest, channels interleaved). */
export interface OnnxImage {
  dims: [number, number, number];
  spacing: [number, number, number];
  channels: number;
  voxels: VoxelData;
}

/** Class probabilities of one k-slice at the image's own grid: [nj, ni, K] row-major. */
export interface OnnxSlicePrediction {
  k: number;
  probs: Float32Array;
}

/**
 * An imported ONNX segmentation model applied to one image the way its sidecar says: intensities normalised, the
 * image brought to the model's spacing, overlapping windows of the model's patch blended with Gaussian weights
 * (as our own inference and nnU-Net do), and the class probabilities brought back to the image's voxels.
 * 2D models run slice by slice; a 3D model runs on the whole volume once and serves its slices from that.
 */
export class OnnxPredictor {
  readonly numClasses: number;
  private readonly norm: OnnxNormalisation;
  private volumeProbs: Float32Array | null = null;

  constructor(
    private readonly runner: WindowRunner,
    readonly sidecar: OnnxSidecar,
    private readonly image: OnnxImage,
  ) {
    if (image.channels !== sidecar.channels) {
      throw new Error(
        `the model expects ${sidecar.channels === 1 ? 'grey (1-channel)' : 'RGB (3-channel)'} images; this one has ${image.channels} channel${image.channels === 1 ? '' : 's'}`,
      );
    }
    this.numClasses = sidecar.classes.length + 1;
    // Per-image statistics over the whole volume, once: every window and slice is then normalised alike.
    this.norm = sidecar.normalisation.kind === 'zscore-per-image' ? imageZscore(image.voxels as ArrayLike<number>) : sidecar.normalisation;
  }

  /** Class probabilities of some k-slices at the image's grid. */
  async predictSlices(ks: readonly number[]): Promise<OnnxSlicePrediction[]> {
    const [ni, nj, nk] = this.image.dims;
    const K = this.numClasses;
    if (this.sidecar.dimensions === 3) {
      const all = await this.predictVolumeProbs();
      return ks.map((k) => ({ k, probs: all.slice(k * ni * nj * K, (k + 1) * ni * nj * K) }));
    }
    const out: OnnxSlicePrediction[] = [];
    for (const k of ks) {
      if (k < 0 || k >= nk) throw new Error(`slice ${k} is outside the image (0–${nk - 1})`);
      const slice: Grid = { data: this.readVoxels(k * ni * nj, ni * nj), dims: [ni, nj, 1], channels: this.image.channels };
      out.push({ k, probs: (await this.predictGrid(slice)).data });
    }
    return out;
  }

  /**
   * The class index of every voxel, [nk, nj, ni]; `onProgress(done, total)` counts slices (2D) or windows (3D).
   * A 2D model goes slice by slice, so a 512²×300 CT never holds more than one slice's probabilities.
   */
  async predictVolumeClasses(onProgress?: (done: number, total: number) => void): Promise<Uint8Array> {
    const [ni, nj, nk] = this.image.dims;
    const K = this.numClasses;
    if (this.sidecar.dimensions === 3) return argmaxClasses(await this.predictVolumeProbs(onProgress), K);
    const out = new Uint8Array(ni * nj * nk);
    for (let k = 0; k < nk; k++) {
      out.set(argmaxClasses((await this.predictSlices([k]))[0]!.probs, K), k * ni * nj);
      onProgress?.(k + 1, nk);
    }
    return out;
  }

  /** A 3D model's class probabilities of every voxel, [nk, nj, ni, K], computed once. */
  async predictVolumeProbs(onProgress?: (done: number, total: number) => void): Promise<Float32Array> {
    if (this.sidecar.dimensions !== 3) throw new Error('a 2D model predicts slice by slice (predictSlices, predictVolumeClasses)');
    if (this.volumeProbs) return this.volumeProbs;
    const [ni, nj, nk] = this.image.dims;
    const grid: Grid = { data: this.readVoxels(0, ni * nj * nk), dims: [ni, nj, nk], channels: this.image.channels };
    this.volumeProbs = (await this.predictGrid(grid, onProgress)).data;
    return this.volumeProbs;
  }

  private readVoxels(from: number, count: number): Float32Array {
    const C = this.image.channels;
    const x = Float32Array.from(this.image.voxels.subarray(from * C, (from + count) * C) as ArrayLike<number>);
    normaliseInPlace(x, this.norm);
    return x;
  }

  /** Probabilities on `g`'s own grid: resampled to the model's spacing, windowed, blended and resampled back. */
  private async predictGrid(g: Grid, onProgress?: (done: number, total: number) => void): Promise<Grid> {
    const { spacing, dimensions } = this.sidecar;
    const target: [number, number, number] = spacing
      ? [
          resampledSize(g.dims[0], this.image.spacing[0], spacing[0]),
          resampledSize(g.dims[1], this.image.spacing[1], spacing[1]),
          dimensions === 3 ? resampledSize(g.dims[2], this.image.spacing[2], spacing[2]) : g.dims[2],
        ]
      : g.dims;
    const onModelGrid = await this.windows(resampleGrid(g, target), onProgress);
    return resampleGrid(onModelGrid, g.dims);
  }

  /** Gaussian-blended window predictions over a grid already at the model's spacing. */
  private async windows(g: Grid, onProgress?: (done: number, total: number) => void): Promise<Grid> {
    const K = this.numClasses;
    const C = g.channels;
    const [nx, ny, nz] = g.dims;
    // Window extents along x, y, z (a 2D model's window is one slice deep).
    const [pz, py, px] = this.sidecar.dimensions === 3 ? (this.sidecar.patch as [number, number, number]) : [1, ...(this.sidecar.patch as [number, number])];
    const starts = [tileStarts(nx, px, this.sidecar.overlap), tileStarts(ny, py, this.sidecar.overlap), tileStarts(nz, pz, this.sidecar.overlap)] as const;
    const w2 = gaussianTileWeights(py, px);
    const wz = pz === 1 ? new Float32Array([1]) : gaussianAlong(pz);
    const acc = new Float32Array(nx * ny * nz * K);
    const wsum = new Float32Array(nx * ny * nz);
    const shape = this.sidecar.dimensions === 3 ? [1, C, pz, py, px] : [1, C, py, px];
    const input = new Float32Array(C * pz * py * px);
    const plane = py * px;
    const total = starts[0].length * starts[1].length * starts[2].length;
    let done = 0;
    for (const z0 of starts[2]) {
      for (const y0 of starts[1]) {
        for (const x0 of starts[0]) {
          // Channels-first window, zero (the normalised mean, near enough) outside the grid.
          input.fill(0);
          for (let z = 0; z < pz; z++) {
            const gz = z0 + z;
            if (gz < 0 || gz >= nz) continue;
            for (let y = 0; y < py; y++) {
              const gy = y0 + y;
              if (gy < 0 || gy >= ny) continue;
              for (let x = 0; x < px; x++) {
                const gx = x0 + x;
                if (gx < 0 || gx >= nx) continue;
                const src = ((gz * ny + gy) * nx + gx) * C;
                for (let c = 0; c < C; c++) input[c * pz * plane + z * plane + y * px + x] = g.data[src + c]!;
              }
            }
          }
          const out = await this.runner.run(input, shape);
          if (out.dims[1] !== K || out.data.length !== K * pz * plane) {
            throw new Error(
              `the model answered ${out.dims.join('×')} for a ${shape.join('×')} window; the sidecar's ${K - 1} classes need [1, ${K}, ${shape.slice(2).join(', ')}]`,
            );
          }
          const probs = this.sidecar.output === 'logits' ? softmaxChannelsFirst(out.data, K) : out.data;
          for (let z = 0; z < pz; z++) {
            const gz = z0 + z;
            if (gz < 0 || gz >= nz) continue;
            for (let y = 0; y < py; y++) {
              const gy = y0 + y;
              if (gy < 0 || gy >= ny) continue;
              for (let x = 0; x < px; x++) {
                const gx = x0 + x;
                if (gx < 0 || gx >= nx) continue;
                const w = w2[y * px + x]! * wz[z]!;
                const v = (gz * ny + gy) * nx + gx;
                wsum[v]! += w;
                for (let c = 0; c < K; c++) acc[v * K + c]! += w * probs[c * pz * plane + z * plane + y * px + x]!;
              }
            }
          }
          onProgress?.(++done, total);
        }
      }
    }
    for (let v = 0; v < wsum.length; v++) {
      const s = wsum[v]! > 0 ? 1 / wsum[v]! : 0;
      for (let c = 0; c < K; c++) acc[v * K + c]! *= s;
    }
    return { data: acc, dims: [nx, ny, nz], channels: K };
  }
}

/** Softmax over the channel axis of a channels-first [K, n] block. */
function softmaxChannelsFirst(logits: Float32Array, K: number): Float32Array {
  const n = logits.length / K;
  const out = new Float32Array(logits.length);
  for (let p = 0; p < n; p++) {
    let max = -Infinity;
    for (let c = 0; c < K; c++) max = Math.max(max, logits[c * n + p]!);
    let sum = 0;
    for (let c = 0; c < K; c++) sum += out[c * n + p] = Math.exp(logits[c * n + p]! - max);
    for (let c = 0; c < K; c++) out[c * n + p]! /= sum;
  }
  return out;
}

/** 1D Gaussian weights along a window's depth, σ = depth/8 as in-plane (gaussianTileWeights). */
function gaussianAlong(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let z = 0; z < n; z++) out[z] = Math.max(1e-3, Math.exp(-0.5 * ((z - (n - 1) / 2) / (n / 8)) ** 2));
  return out;
}
