import type { Random } from './random.ts';
import type { Sample2D } from './slices2d.ts';

/** Seeded 2D augmentation, one knob per effect (METHOD: flips, small rotations and scales, intensity jitter). */
export interface AugmentConfig {
  /** Probability of mirroring left–right, and separately up–down. */
  flipProb: number;
  /** Probability of a rotation/scale, and their ranges (degrees, scale factor). */
  affineProb: number;
  rotateDeg: number;
  scaleRange: [number, number];
  /** Intensity gain ×[1 − g, 1 + g] and bias ±b in normalised units. */
  gain: number;
  bias: number;
  /** Probability and standard deviation of additive Gaussian noise. */
  noiseProb: number;
  noiseSd: number;
}

export const DEFAULT_AUGMENT: AugmentConfig = {
  flipProb: 0.5,
  affineProb: 0.5,
  rotateDeg: 15,
  scaleRange: [0.85, 1.15],
  gain: 0.1,
  bias: 0.1,
  noiseProb: 0.3,
  noiseSd: 0.05,
};

/** A geometric transform: output pixel (y, x) samples the source at this inverse map. */
export interface Geometry2D {
  flipX: boolean;
  flipY: boolean;
  /** Inverse rotation-scale about the centre: [a, b; c, d]. Identity when no affine was drawn. */
  inverse: [number, number, number, number];
}

export function drawGeometry(cfg: AugmentConfig, rng: Random): Geometry2D {
  const flipX = rng.uniform() < cfg.flipProb;
  const flipY = rng.uniform() < cfg.flipProb;
  let inverse: Geometry2D['inverse'] = [1, 0, 0, 1];
  if (rng.uniform() < cfg.affineProb) {
    const angle = (rng.range(-cfg.rotateDeg, cfg.rotateDeg) * Math.PI) / 180;
    const scale = rng.range(cfg.scaleRange[0], cfg.scaleRange[1]);
    const c = Math.cos(angle) / scale;
    const s = Math.sin(angle) / scale;
    inverse = [c, s, -s, c];
  }
  return { flipX, flipY, inverse };
}

/**
 * Applies one geometry to a sample: bilinear for the image, nearest for labels and mask. Pixels that come from
 * outside the sample get mask 0, so a rotation's empty corners are never read as background truth.
 */
export function applyGeometry(s: Sample2D, g: Geometry2D): Sample2D {
  const { height: h, width: w, channels: ch } = s;
  const image = new Float32Array(s.image.length);
  const labels = new Uint8Array(s.labels.length);
  const mask = new Uint8Array(s.mask.length);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  const [a, b, c, d] = g.inverse;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const oy = (g.flipY ? h - 1 - y : y) - cy;
      const ox = (g.flipX ? w - 1 - x : x) - cx;
      const sy = a * oy + b * ox + cy;
      const sx = c * oy + d * ox + cx;
      const dst = y * w + x;
      if (sy < -0.5 || sx < -0.5 || sy > h - 0.5 || sx > w - 0.5) continue;
      const ny = Math.min(h - 1, Math.max(0, Math.round(sy)));
      const nx = Math.min(w - 1, Math.max(0, Math.round(sx)));
      labels[dst] = s.labels[ny * w + nx]!;
      mask[dst] = s.mask[ny * w + nx]!;
      const y0 = Math.min(h - 1, Math.max(0, Math.floor(sy)));
      const x0 = Math.min(w - 1, Math.max(0, Math.floor(sx)));
      const y1 = Math.min(h - 1, y0 + 1);
      const x1 = Math.min(w - 1, x0 + 1);
      const fy = Math.min(1, Math.max(0, sy - y0));
      const fx = Math.min(1, Math.max(0, sx - x0));
      for (let k = 0; k < ch; k++) {
        const p00 = s.image[(y0 * w + x0) * ch + k]!;
        const p01 = s.image[(y0 * w + x1) * ch + k]!;
        const p10 = s.image[(y1 * w + x0) * ch + k]!;
        const p11 = s.image[(y1 * w + x1) * ch + k]!;
        image[dst * ch + k] = (1 - fy) * ((1 - fx) * p00 + fx * p01) + fy * ((1 - fx) * p10 + fx * p11);
      }
    }
  }
  return { ...s, image, labels, mask };
}

/** Gain, bias and noise on the image only (labels are untouched by intensity changes). */
export function jitterIntensity(image: Float32Array, cfg: Pick<AugmentConfig, 'gain' | 'bias' | 'noiseProb' | 'noiseSd'>, rng: Random): Float32Array {
  const gain = 1 + rng.range(-cfg.gain, cfg.gain);
  const bias = rng.range(-cfg.bias, cfg.bias);
  const noisy = rng.uniform() < cfg.noiseProb;
  const out = new Float32Array(image.length);
  for (let n = 0; n < image.length; n++) out[n] = image[n]! * gain + bias + (noisy ? cfg.noiseSd * rng.normal() : 0);
  return out;
}

export function augment(s: Sample2D, cfg: AugmentConfig, rng: Random): Sample2D {
  const g = applyGeometry(s, drawGeometry(cfg, rng));
  return { ...g, image: jitterIntensity(g.image, cfg, rng) };
}
