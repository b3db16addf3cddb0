import type { AugmentConfig } from './augment2d.ts';
import type { Random } from './random.ts';

/**
 * One 3D training patch in DHWC layout (D = voxel k, H = j, W = i; channels innermost), of a fixed size so every
 * batch has the same shape (docs/WEBGPU.md trap "varying shapes"). Voxels outside the source volume are padding: image
 * 0 (the normalised mean), label 0, mask 0, inside 0.
 */
export interface Patch3D {
  size: [number, number, number];
  channels: number;
  image: Float32Array;
  labels: Uint8Array;
  /** 1 where the voxel carries ground truth. */
  mask: Uint8Array;
  /** 1 where the voxel comes from the volume (not padding): intensity changes apply only there. */
  inside: Uint8Array;
}

/** Intensity perturbation in normalised units; also the student's extra view of unlabeled patches. */
export interface Intensity3D {
  /** Gain ×[1 − g, 1 + g] and bias ±b. */
  gain: number;
  bias: number;
  /** Probability and standard deviation of additive Gaussian noise. */
  noiseProb: number;
  noiseSd: number;
  /** Probability of a gamma curve and its exponent range (nnU-Net's gamma transform); 0 = never. */
  gammaProb?: number;
  gammaRange?: [number, number];
}

/**
 * Seeded 3D augmentation. Geometry is limited to what keeps voxels on the grid and never mixes the slice axis
 * into the image plane: mirrors along each axis, and quarter turns in the H–W plane only, only when that plane
 * is square in voxels and isotropic in millimetres. A rotation out of the plane would move 5 mm slice spacing
 * onto an in-plane axis, a distortion the network never meets at inference.
 */
export interface Augment3DConfig extends Intensity3D {
  /** Probability of mirroring along D, H and W, each drawn separately. */
  flipProb: [number, number, number];
  /** Probability of a quarter turn (1, 2 or 3 of them, equally likely) in the H–W plane, where allowed. */
  rot90Prob: number;
}

export const DEFAULT_AUGMENT_3D: Augment3DConfig = {
  // nnU-Net mirrors every axis; set an axis to 0 for classes named by side (left/right kidney) if they get confused.
  flipProb: [0.5, 0.5, 0.5],
  rot90Prob: 0.5,
  gain: 0.1,
  bias: 0.1,
  noiseProb: 0.3,
  noiseSd: 0.05,
  gammaProb: 0.3,
  gammaRange: [0.7, 1.5],
};

/**
 * The 3D augmentation a run's `augment` settings ask for, so `--set augment.*` acts on 3D runs too: a mirror
 * probability for every axis, a quarter turn in the plane as often as the 2D settings rotate (3D keeps voxels on
 * the grid rather than rotating by small angles), the same intensity jitter. Gamma has no 2D setting and keeps
 * its 3D default. The default settings give DEFAULT_AUGMENT_3D exactly.
 */
export function augment3DConfig(a: AugmentConfig): Augment3DConfig {
  return {
    ...DEFAULT_AUGMENT_3D,
    flipProb: [a.flipProb, a.flipProb, a.flipProb],
    rot90Prob: a.affineProb,
    gain: a.gain,
    bias: a.bias,
    noiseProb: a.noiseProb,
    noiseSd: a.noiseSd,
  };
}

export interface Geometry3D {
  flip: [boolean, boolean, boolean];
  /** Quarter turns in the H–W plane, counter-clockwise viewed along D; 0 when not allowed. */
  rot90: 0 | 1 | 2 | 3;
}

/** In-plane spacings that differ by less than this (relative) count as isotropic. */
const ISOTROPIC_TOLERANCE = 1e-3;

/**
 * Whether a patch may be turned in its H–W plane: square in voxels (so the shape is kept) and isotropic in mm
 * (so a voxel keeps its physical size). `spacing` is the volume's [i, j, k] spacing.
 */
export function canRotateInPlane(size: readonly [number, number, number], spacing: readonly [number, number, number]): boolean {
  const [si, sj] = spacing;
  return size[1] === size[2] && Math.abs(si - sj) <= ISOTROPIC_TOLERANCE * Math.max(si, sj);
}

export function drawGeometry3D(
  cfg: Augment3DConfig,
  size: readonly [number, number, number],
  spacing: readonly [number, number, number],
  rng: Random,
): Geometry3D {
  const flip: Geometry3D['flip'] = [rng.uniform() < cfg.flipProb[0], rng.uniform() < cfg.flipProb[1], rng.uniform() < cfg.flipProb[2]];
  // Drawn even when not allowed, so the stream a patch consumes does not depend on its volume's spacing.
  const turn = rng.uniform() < cfg.rot90Prob;
  const quarters = rng.int(1, 3) as 1 | 2 | 3;
  return { flip, rot90: turn && canRotateInPlane(size, spacing) ? quarters : 0 };
}

/**
 * For each output voxel, the index of the source voxel it copies: one gather serves image, labels, mask and
 * inside, so they cannot disagree. Output (z, y, x) reads the source at the rotated, then mirrored, position.
 */
export function geometrySourceIndex(size: readonly [number, number, number], g: Geometry3D): Int32Array {
  const [d, h, w] = size;
  if (g.rot90 !== 0 && h !== w) throw new RangeError(`geometrySourceIndex: a quarter turn needs h == w, got ${h} × ${w}`);
  const out = new Int32Array(d * h * w);
  let n = 0;
  for (let z = 0; z < d; z++) {
    const sz = g.flip[0] ? d - 1 - z : z;
    for (let y = 0; y < h; y++) {
      const fy = g.flip[1] ? h - 1 - y : y;
      for (let x = 0; x < w; x++) {
        const fx = g.flip[2] ? w - 1 - x : x;
        let sy = fy;
        let sx = fx;
        if (g.rot90 === 1) {
          sy = fx;
          sx = w - 1 - fy;
        } else if (g.rot90 === 2) {
          sy = h - 1 - fy;
          sx = w - 1 - fx;
        } else if (g.rot90 === 3) {
          sy = h - 1 - fx;
          sx = fy;
        }
        out[n++] = (sz * h + sy) * w + sx;
      }
    }
  }
  return out;
}

export function applyGeometry3D(p: Patch3D, g: Geometry3D): Patch3D {
  if (!g.flip[0] && !g.flip[1] && !g.flip[2] && g.rot90 === 0) return p;
  const src = geometrySourceIndex(p.size, g);
  const ch = p.channels;
  const image = new Float32Array(p.image.length);
  const labels = new Uint8Array(p.labels.length);
  const mask = new Uint8Array(p.mask.length);
  const inside = new Uint8Array(p.inside.length);
  for (let n = 0; n < src.length; n++) {
    const s = src[n]!;
    labels[n] = p.labels[s]!;
    mask[n] = p.mask[s]!;
    inside[n] = p.inside[s]!;
    if (ch === 1) image[n] = p.image[s]!;
    else for (let c = 0; c < ch; c++) image[n * ch + c] = p.image[s * ch + c]!;
  }
  return { ...p, image, labels, mask, inside };
}

/**
 * Gamma, gain, bias and noise on the image, only where `inside` is 1: padding stays exactly 0, as it is when a
 * whole volume is predicted in windows, so training and inference see the same border.
 */
export function jitterIntensity3D(image: Float32Array, inside: Uint8Array, channels: number, cfg: Intensity3D, rng: Random): Float32Array {
  const gain = 1 + rng.range(-cfg.gain, cfg.gain);
  const bias = rng.range(-cfg.bias, cfg.bias);
  const noisy = rng.uniform() < cfg.noiseProb;
  const gammaOn = rng.uniform() < (cfg.gammaProb ?? 0);
  const [g0, g1] = cfg.gammaRange ?? [1, 1];
  // nnU-Net draws γ < 1 and γ > 1 equally often rather than uniformly over an asymmetric range.
  let gamma = 1;
  if (gammaOn) {
    const below = g0 < 1;
    const above = g1 > 1;
    if (below && (!above || rng.uniform() < 0.5)) gamma = rng.range(g0, Math.min(1, g1));
    else if (above) gamma = rng.range(Math.max(1, g0), g1);
  }
  const out = new Float32Array(image.length);
  const voxels = inside.length;
  // Gamma acts on [0, 1], so each channel is mapped there by its range over the real voxels and back.
  const lo = new Float64Array(channels).fill(Infinity);
  const hi = new Float64Array(channels).fill(-Infinity);
  if (gamma !== 1) {
    for (let p = 0; p < voxels; p++) {
      if (!inside[p]) continue;
      for (let c = 0; c < channels; c++) {
        const x = image[p * channels + c]!;
        if (x < lo[c]!) lo[c] = x;
        if (x > hi[c]!) hi[c] = x;
      }
    }
  }
  const noise = noisy ? new Float32Array(image.length) : null;
  if (noise) rng.fillNormal(noise, 0, cfg.noiseSd);
  for (let p = 0; p < voxels; p++) {
    if (!inside[p]) continue;
    for (let c = 0; c < channels; c++) {
      const n = p * channels + c;
      let x = image[n]!;
      const range = hi[c]! - lo[c]!;
      if (gamma !== 1 && range > 0) x = lo[c]! + range * Math.pow((x - lo[c]!) / range, gamma);
      out[n] = x * gain + bias + (noise ? noise[n]! : 0);
    }
  }
  return out;
}

/** Geometry, then intensity: the full augmentation of a labeled patch. */
export function augment3D(p: Patch3D, cfg: Augment3DConfig, spacing: readonly [number, number, number], rng: Random): Patch3D {
  const g = applyGeometry3D(p, drawGeometry3D(cfg, p.size, spacing, rng));
  return { ...g, image: jitterIntensity3D(g.image, g.inside, g.channels, cfg, rng) };
}
