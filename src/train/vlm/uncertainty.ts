import * as tf from '@tensorflow/tfjs';
import { stopGradient } from '../losses.ts';
import { cosineSimilarityMatrix, l2Normalize } from './similarity.ts';

/*
 * The uncertainty-weighted similarity shared by GLsc (PromptSSL eq 3–6) and SSS (DuSSS eq 1–5). Every quantity is
 * a pairwise matrix over a batch: entry (i, j) compares item i of the first set (an image) with item j of the
 * second (a text, or the augmented copy in DuSSS's IMC), so the same matrix feeds both directions of the InfoNCE
 * and its off-diagonal entries are the negatives of eq 7 / eq 6–8.
 *
 *   D_s  = ‖f_i − f_j‖₂                                  semantic distance (PromptSSL text under eq 2; DuSSS above eq 1)
 *   D_2W = ‖μ_i − μ_j‖² + ‖σ_i − σ_j‖²                   2-Wasserstein between diagonal Gaussians (PromptSSL eq 3, DuSSS eq 1)
 *   D_u  = a·D_2W + b                                     uncertainty level (PromptSSL eq 4, DuSSS eq 2)
 *   GLsc:  D̂_u = exp(−λ D_u / D_s)                        (PromptSSL eq 5)
 *   DuSSS: D̂_u = D_u / D_s, D_SSS = exp(−λ D̂_u)           (DuSSS eq 3–4) — numerically the same weight as GLsc's D̂_u
 *   ŝim  = 1 − (1 − sim)·D                                (PromptSSL eq 6 with D = D̂_u; DuSSS eq 5 with D = D_SSS)
 *
 * Gradients. The whole path is differentiable: the μ/σ heads appear in no other term, so detaching D_u would leave
 * them at their initialisation, and both papers train them through it. Note what that gradient does: a positive
 * pair's ŝim rises towards 1 as its D_u grows, so the InfoNCE pushes matched Gaussians apart and unmatched ones
 * together — the papers' stated intent ("for the image-text pair with high uncertainty … make such pair more
 * similar", PromptSSL/DuSSS proposition), and bounded: with a > 0 and b ≥ 0, D ∈ (0, 1] and ŝim ∈ [sim, 1].
 * `detach` exists only for ablations.
 */

/** A scalar hyper-parameter (a, b, λ): a number or a tensor, should it ever be learned. */
export type ScalarLike = number | tf.Tensor;

/** Default floor under D_s: only a numerical guard, far below any real distance between unit vectors. */
export const DS_FLOOR = 1e-6;

/** ‖a_i − b_j‖² for every pair → [N, M], by broadcasting [N,1,D] − [1,M,D] (exact near 0, unlike ‖a‖²+‖b‖²−2ab). */
export function pairwiseSquaredDistance(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.sum(tf.square(tf.sub(tf.expandDims(a, 1), tf.expandDims(b, 0))), -1) as tf.Tensor2D);
}

/**
 * D_s = ‖f_i − f_j‖₂ for every pair → [N, M], floored at `floor`: √ has an infinite derivative at 0 and the ratio
 * D_u / D_s divides by it. Below the floor the gradient to the embeddings is zero (that of the max), not infinite.
 */
export function semanticDistance(fA: tf.Tensor2D, fB: tf.Tensor2D, floor = DS_FLOOR): tf.Tensor2D {
  return tf.tidy(() => tf.sqrt(tf.maximum(pairwiseSquaredDistance(fA, fB), floor * floor)) as tf.Tensor2D);
}

/**
 * D_2W between N(μ_i, diag σ_i²) and N(μ_j, diag σ_j²) for every pair → [N, M] (PromptSSL eq 3, DuSSS eq 1):
 * ‖μ_i − μ_j‖² + ‖σ_i − σ_j‖², the closed form of the squared 2-Wasserstein distance for diagonal covariances.
 * σ is the standard deviation (the heads' softplus output), not the variance.
 */
export function wasserstein2(muA: tf.Tensor2D, sigmaA: tf.Tensor2D, muB: tf.Tensor2D, sigmaB: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.add(pairwiseSquaredDistance(muA, muB), pairwiseSquaredDistance(sigmaA, sigmaB)) as tf.Tensor2D);
}

/** D_u = a·D_2W + b (PromptSSL eq 4, DuSSS eq 2); a > 0 scales, b shifts. */
export function uncertaintyLevel(d2w: tf.Tensor, a: ScalarLike, b: ScalarLike): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(d2w, a), b));
}

/** D_u / max(D_s, floor): the ratio both papers call relative uncertainty. */
function ratio(du: tf.Tensor, ds: tf.Tensor, floor: number): tf.Tensor {
  return tf.div(du, tf.maximum(ds, floor));
}

/** GLsc's relative uncertainty D̂_u = exp(−λ D_u / D_s) (PromptSSL eq 5); it already is the weight of eq 6. */
export function relativeUncertaintyGlsc(du: tf.Tensor, ds: tf.Tensor, lambda: ScalarLike, floor = DS_FLOOR): tf.Tensor {
  return tf.tidy(() => tf.exp(tf.neg(tf.mul(ratio(du, ds, floor), lambda))));
}

/** DuSSS's relative uncertainty D̂_u = D_u / D_s (DuSSS eq 3); the weight is D_SSS of eq 4. */
export function relativeUncertaintyDusss(du: tf.Tensor, ds: tf.Tensor, floor = DS_FLOOR): tf.Tensor {
  return tf.tidy(() => ratio(du, ds, floor));
}

/** D_SSS = exp(−λ D̂_u) (DuSSS eq 4). */
export function sssWeight(duHat: tf.Tensor, lambda: ScalarLike): tf.Tensor {
  return tf.tidy(() => tf.exp(tf.neg(tf.mul(duHat, lambda))));
}

/**
 * ŝim = 1 − (1 − sim)·D (PromptSSL eq 6 with D = D̂_u; DuSSS eq 5 with D = D_SSS). D = 1 leaves sim unchanged,
 * D → 0 lifts it to 1; for sim < 1 it therefore grows as D_u grows (the papers' proposition, PromptSSL eq 16,
 * DuSSS eq 19 — tested as a property in uncertainty.node.test.ts).
 */
export function uncertainSimilarity(sim: tf.Tensor, weight: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(1, tf.mul(tf.sub(1, sim), weight)));
}

/** Embedding and Gaussian head of one side of a pairing ([CLS] of an image or a text). */
export interface GaussianEmbedding {
  /** Semantic embedding f [N, E] (projected [CLS]). */
  emb: tf.Tensor2D;
  /** Mean of the Gaussian head [N, D]. */
  mu: tf.Tensor2D;
  /** Standard deviation of the Gaussian head [N, D] (softplus output, > 0). */
  sigma: tf.Tensor2D;
}

export interface UncertainSimilarityOptions {
  a: ScalarLike;
  b: ScalarLike;
  lambda: ScalarLike;
  /** 'glsc': PromptSSL eq 5; 'dusss': DuSSS eq 3–4. Both give the same weight exp(−λ D_u/D_s); kept for the record. */
  form: 'glsc' | 'dusss';
  /**
   * Measure D_s between L2-normalised embeddings (default true). The papers write ‖f_I − f_T‖ on "semantic
   * embeddings" without saying whether normalised; sim is a cosine, and on unit vectors D_s² = 2 − 2·sim, so
   * D_s lies in [0, 2] whatever the encoders' output scale and the encoders cannot shrink D̂_u by inflating norms.
   */
  normalizeForDs?: boolean;
  dsFloor?: number;
  /**
   * Measure D_2W between L2-normalised means μ (default false: the papers' μ as the head gives it). With raw means
   * nothing bounds ‖μ_i − μ_j‖², and on a workspace with two texts the heads drift apart until D underflows, every
   * ŝim is 1 and the InfoNCE has no gradient (docs/semi-supervision-audit.md). On unit means that part of D_2W is
   * at most 4. A switch (`vlm.normalizeGaussianMeans`), off by default: it helps where the raw term stalls (two
   * texts); on MoNuSeg, where it did not stall, it was level on the one seed run alone (docs/semi-supervision-audit.md).
   */
  normalizeMeans?: boolean;
  /** Stop the gradient through D (ablation only; see the header). */
  detach?: boolean;
}

export type UncertainSimilarity = {
  sim: tf.Tensor2D;
  ds: tf.Tensor2D;
  d2w: tf.Tensor2D;
  du: tf.Tensor2D;
  /** D̂_u (GLsc) or D_SSS (DuSSS): the factor on (1 − sim). */
  weight: tf.Tensor2D;
  simHat: tf.Tensor2D;
};

/** Every pairwise quantity of PromptSSL eq 3–6 / DuSSS eq 1–5 between the rows of `x` and the rows of `y`. */
export function uncertainSimilarityMatrix(x: GaussianEmbedding, y: GaussianEmbedding, opts: UncertainSimilarityOptions): UncertainSimilarity {
  return tf.tidy(() => {
    const floor = opts.dsFloor ?? DS_FLOOR;
    const sim = cosineSimilarityMatrix(x.emb, y.emb);
    const normalize = opts.normalizeForDs ?? true;
    const ds = normalize
      ? semanticDistance(l2Normalize(x.emb) as tf.Tensor2D, l2Normalize(y.emb) as tf.Tensor2D, floor)
      : semanticDistance(x.emb, y.emb, floor);
    const mean = (mu: tf.Tensor2D) => (opts.normalizeMeans ? (l2Normalize(mu) as tf.Tensor2D) : mu);
    const d2w = wasserstein2(mean(x.mu), x.sigma, mean(y.mu), y.sigma);
    const du = uncertaintyLevel(d2w, opts.a, opts.b) as tf.Tensor2D;
    let weight = opts.form === 'glsc' ? relativeUncertaintyGlsc(du, ds, opts.lambda, floor) : sssWeight(relativeUncertaintyDusss(du, ds, floor), opts.lambda);
    if (opts.detach) weight = stopGradient(weight);
    const simHat = uncertainSimilarity(sim, weight) as tf.Tensor2D;
    return { sim, ds, d2w, du, weight: weight as tf.Tensor2D, simHat };
  });
}
