import type { Random } from './random.ts';

/**
 * Strong augmentation of the student's view of an unlabeled slice, on top of the shared weak one (augment2d.ts) and
 * the intensity perturbation. Weak-to-strong consistency — the teacher predicts on the weakly augmented image, the
 * student must match it on a heavily distorted copy — is how FixMatch (Sohn et al., NeurIPS 2020) and UniMatch
 * (Yang et al., *Revisiting weak-to-strong consistency in semi-supervised semantic segmentation*, CVPR 2023, Sec. 3.1)
 * keep the consistency target from being trivially met. Every effect is photometric or an erasure: the geometry stays
 * that of the teacher's view, so the two predictions still compare pixel for pixel.
 *
 * Every probability 0 (the default) draws no random number at all, so a run without strong augmentation samples the
 * very batches it sampled before this existed.
 */
export interface StrongAugmentConfig {
  /** Probability of a contrast change about the slice's mean, factor in [1 − c, 1 + c]. */
  contrastProb: number;
  contrast: number;
  /** Probability of a gamma curve on the min–max normalised slice, γ in [1/(1 + g), 1 + g]. */
  gammaProb: number;
  gamma: number;
  /** Probability of a Gaussian blur, σ drawn in [0.1, blurSigma] pixels. */
  blurProb: number;
  blurSigma: number;
  /** Probability of erasing one rectangle (set to the slice's mean) covering up to `cutoutArea` of the slice. */
  cutoutProb: number;
  cutoutArea: number;
}

/** Off: the student's view is the weak view plus the intensity perturbation, as before. */
export const NO_STRONG_AUGMENT: StrongAugmentConfig = {
  contrastProb: 0,
  contrast: 0.5,
  gammaProb: 0,
  gamma: 0.5,
  blurProb: 0,
  blurSigma: 1.5,
  cutoutProb: 0,
  cutoutArea: 0.25,
};

/** A typical strong view (UniMatch's colour jitter, blur and CutMix/cutout, scaled to single-channel medical slices). */
export const STRONG_AUGMENT: StrongAugmentConfig = { ...NO_STRONG_AUGMENT, contrastProb: 0.8, gammaProb: 0.5, blurProb: 0.5, cutoutProb: 0.5 };

export function strongAugmentOn(cfg: StrongAugmentConfig): boolean {
  return cfg.contrastProb > 0 || cfg.gammaProb > 0 || cfg.blurProb > 0 || cfg.cutoutProb > 0;
}

/** A draw that consumes randomness only when its probability is positive (see the interface's note). */
function happens(p: number, rng: Random): boolean {
  return p > 0 && rng.uniform() < p;
}

/**
 * The strong view of one slice, NHWC with `ch` channels, h × w pixels. Returns a new array; the input is the
 * student's view before this step and is not modified.
 */
export function strongAugment(image: Float32Array, h: number, w: number, ch: number, cfg: StrongAugmentConfig, rng: Random): Float32Array {
  let out: Float32Array = Float32Array.from(image);
  if (!strongAugmentOn(cfg)) return out;
  const mean = out.reduce((s, v) => s + v, 0) / Math.max(1, out.length);
  if (happens(cfg.contrastProb, rng)) {
    const f = 1 + rng.range(-cfg.contrast, cfg.contrast);
    for (let n = 0; n < out.length; n++) out[n] = mean + (out[n]! - mean) * f;
  }
  if (happens(cfg.gammaProb, rng)) out = gammaCurve(out, rng.range(1 / (1 + cfg.gamma), 1 + cfg.gamma));
  if (happens(cfg.blurProb, rng)) out = gaussianBlur(out, h, w, ch, rng.range(0.1, cfg.blurSigma));
  if (happens(cfg.cutoutProb, rng)) {
    // A rectangle of area up to cutoutArea·h·w with aspect ratio in [1/2, 2], placed anywhere it fits.
    const area = rng.range(0.02, cfg.cutoutArea) * h * w;
    const aspect = Math.exp(rng.range(Math.log(0.5), Math.log(2)));
    const rh = Math.max(1, Math.min(h, Math.round(Math.sqrt(area * aspect))));
    const rw = Math.max(1, Math.min(w, Math.round(Math.sqrt(area / aspect))));
    const y0 = rng.int(0, h - rh);
    const x0 = rng.int(0, w - rw);
    for (let y = y0; y < y0 + rh; y++) for (let x = x0; x < x0 + rw; x++) for (let k = 0; k < ch; k++) out[(y * w + x) * ch + k] = mean;
  }
  return out;
}

/** γ applied on the slice's own [min, max] range, which is then restored, so only the curve changes. */
function gammaCurve(image: Float32Array, gamma: number): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of image) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo;
  if (!(span > 0)) return image;
  return image.map((v) => lo + span * ((v - lo) / span) ** gamma);
}

/** Separable Gaussian blur per channel, edges clamped. */
export function gaussianBlur(image: Float32Array, h: number, w: number, ch: number, sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(2.5 * sigma));
  const kernel = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((s, v) => s + v, 0);
  const kn = kernel.map((v) => v / total);
  const pass = (src: Float32Array, horizontal: boolean): Float32Array => {
    const dst = new Float32Array(src.length);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < ch; k++) {
          let acc = 0;
          for (let t = -r; t <= r; t++) {
            const yy = horizontal ? y : Math.min(h - 1, Math.max(0, y + t));
            const xx = horizontal ? Math.min(w - 1, Math.max(0, x + t)) : x;
            acc += kn[t + r]! * src[(yy * w + xx) * ch + k]!;
          }
          dst[(y * w + x) * ch + k] = acc;
        }
    return dst;
  };
  return pass(pass(image, true), false);
}
