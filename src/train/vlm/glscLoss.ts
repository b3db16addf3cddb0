import * as tf from '@tensorflow/tfjs';
import { stopGradient } from '../losses.ts';
import { applyTemperature, inverseTemperature, l2Normalize, twoWayInfoNce, type Temperature } from './similarity.ts';
import { uncertainSimilarityMatrix, type ScalarLike } from './uncertainty.ts';

/*
 * GLsc, the vision–language pre-training loss of PromptSSL: L = w_ls·L_LS + w_gs·L_GS.
 * L_LS, the local semantic constraint (eq 1–2), contrasts every image patch with the batch's texts, each patch's
 * logits sharpened by 1/σ_k², the variance of its similarities to the mismatched texts. L_GS, the global semantic
 * constraint (eq 3–7), is a two-way InfoNCE on the uncertainty-adjusted similarity ŝim of uncertainty.ts.
 * The batch holds B matched pairs: image i ↔ text i.
 */

export interface LocalSemanticOptions {
  /**
   * Floor under σ_k² (METHOD.md: "stop its gradient and clamp it away from zero"). A batch of two has one
   * mismatched text per image and so zero variance everywhere; collapsed embeddings do the same. 1e-3 sits just
   * under the spread of cosines between random 512-d vectors (≈ 1/E), so the weighting acts from the first step and
   * the multiplier 1/σ² never exceeds 1000.
   */
  sigmaSqFloor?: number;
  /**
   * Eq 1 writes var(·) without saying which. Default: the population variance over the B − 1 mismatched texts
   * (defined from B = 2 on). `true` divides by B − 2 instead (torch.var's default); below B = 3 it is undefined and
   * we use 0, i.e. the floor.
   */
  unbiasedVariance?: boolean;
  /**
   * 'none' (default, eq 2 as written): logits sim/(σ_k² τ). 'meanOverPatches': divide each image's weights 1/σ_k²
   * by their mean over its patches, so σ_k² only redistributes sharpness between patches and the overall scale stays
   * 1/τ — a stability switch for when the literal 1/σ² (up to 1/floor) makes the loss too sharp. (Measured on a
   * free-parameter toy, B = 8, 4 patches, τ₀ = 0.07: L_LS starts near 130 literally and near 10 normalised; both
   * converge under Adam.)
   */
  weightNormalization?: 'none' | 'meanOverPatches';
}

const DEFAULT_SIGMA_SQ_FLOOR = 1e-3;

/**
 * σ_k² of PromptSSL eq 1 for every image i and patch k → [B, K]: the variance over texts j ≠ i of
 * cos(x_{I_i,k}, x_{T_j}), from the cosines `cos` [B, K, B] (image, patch, text). Not floored, not detached.
 */
export function patchTextVariance(cos: tf.Tensor3D, unbiased = false): tf.Tensor2D {
  return tf.tidy(() => {
    const [batch, patches] = [cos.shape[0], cos.shape[1]];
    const n = batch - 1;
    const divisor = unbiased ? n - 1 : n;
    if (divisor <= 0) return tf.zeros([batch, patches]) as tf.Tensor2D;
    // off[i, 0, j] = 1 for j ≠ i: the mismatched texts of image i.
    const off = tf.reshape(tf.sub(1, tf.eye(batch)), [batch, 1, batch]);
    const mean = tf.div(tf.sum(tf.mul(cos, off), -1, true), n);
    return tf.div(tf.sum(tf.mul(tf.square(tf.sub(cos, mean)), off), -1), divisor) as tf.Tensor2D;
  });
}

/** cos(x_{I_i,k}, x_{T_j}) for every image i, patch k, text j → [B, K, B] (one [B·K, E] × [E, B] matmul). */
export function patchTextCosine(patchTokens: tf.Tensor3D, textEmb: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, patches, width] = patchTokens.shape;
    const flat = l2Normalize(tf.reshape(patchTokens, [batch * patches, width])) as tf.Tensor2D;
    const cos = tf.matMul(flat, l2Normalize(textEmb) as tf.Tensor2D, false, true);
    return tf.reshape(cos, [batch, patches, textEmb.shape[0]]) as tf.Tensor3D;
  });
}

/**
 * L_LS (PromptSSL eq 2): −1/(N K) Σ_i Σ_k log softmax_j( sim(x_{I_i}^k, x_{T_j}) / (σ_k² τ) )[i]. One-way
 * (patch → text), as written: a patch is not a candidate a text could be matched against. σ_k² is a weight
 * (METHOD.md): detached and floored, so the loss sharpens confident patches without learning to inflate variances.
 */
export function localSemanticLoss(patchTokens: tf.Tensor3D, textEmb: tf.Tensor2D, temperature: Temperature, opts: LocalSemanticOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const batch = patchTokens.shape[0];
    const cos = patchTextCosine(patchTokens, textEmb);
    const variance = tf.maximum(stopGradient(patchTextVariance(cos, opts.unbiasedVariance ?? false)), opts.sigmaSqFloor ?? DEFAULT_SIGMA_SQ_FLOOR);
    let weight = tf.reciprocal(variance); // [B, K]
    if (opts.weightNormalization === 'meanOverPatches') weight = tf.div(weight, tf.mean(weight, -1, true));
    const logits = tf.mul(tf.mul(cos, tf.expandDims(weight, -1)), inverseTemperature(temperature)); // [B, K, B]
    // The positive of image i's patches is text i: pick logits[i, k, i] with the identity as a [B, 1, B] mask.
    const positive = tf.sum(tf.mul(logits, tf.reshape(tf.eye(batch), [batch, 1, batch])), -1);
    return tf.mean(tf.sub(tf.logSumExp(logits, -1), positive)) as tf.Scalar;
  });
}

export interface GlscInputs {
  /** Projected patch tokens x_I^k of each image [B, K, E], in the text embedding space. */
  patchTokens: tf.Tensor3D;
  /** Projected image [CLS] f_I [B, E]. */
  imageEmb: tf.Tensor2D;
  /** Projected text [CLS] f_T [B, E]; text i describes image i. */
  textEmb: tf.Tensor2D;
  /** Gaussian heads on the [CLS] tokens [B, D]; σ = softplus(·) > 0. */
  imageMu: tf.Tensor2D;
  imageSigma: tf.Tensor2D;
  textMu: tf.Tensor2D;
  textSigma: tf.Tensor2D;
  /** log τ, the learned temperature's variable (eq 2 and eq 7 share it). */
  logTau: tf.Tensor;
  /** D_u = a·D_2W + b (eq 4). */
  a: ScalarLike;
  b: ScalarLike;
  /** λ of eq 5. */
  lambda: ScalarLike;
  /** Weights of the two terms; PromptSSL adds them (the ablation in its Fig. 6a switches each on). */
  weights?: { ls: number; gs: number };
  local?: LocalSemanticOptions;
  /** D_s between normalised embeddings (default true, see uncertainty.ts). */
  normalizeForDs?: boolean;
  dsFloor?: number;
  /** D_2W on L2-normalised means (uncertainty.ts, `normalizeMeans`); default false. */
  normalizeMeans?: boolean;
}

export type GlscLoss = {
  total: tf.Scalar;
  ls: tf.Scalar;
  gs: tf.Scalar;
  /** Mean D̂_u of L_GS over the batch's pairs (a diagnostic: no gradient flows from it). */
  weight: tf.Scalar;
};

/**
 * L_GS (PromptSSL eq 7): two-way InfoNCE on ŝim/τ over every image–text pair of the batch, summed over the two
 * directions as eq 7 writes it (−E_(I,T) − E_(T,I)). Denominators use ŝim for every candidate.
 */
export function globalSemanticLoss(inputs: GlscInputs): tf.Scalar {
  return tf.tidy(() => {
    const { loss, weight } = globalSemanticTerms(inputs);
    weight.dispose();
    return loss;
  });
}

/**
 * L_GS and the mean over the batch's image–text pairs of its weight D̂_u (eq 5), the share of (1 − sim) the term
 * still sees. D̂_u → 0 lifts every ŝim to 1: the InfoNCE then reads ln B whatever the embeddings and passes them no
 * gradient, so a run logs it to show when the global term has gone quiet (docs/semi-supervision-audit.md).
 */
export function globalSemanticTerms(inputs: GlscInputs): { loss: tf.Scalar; weight: tf.Scalar } {
  return tf.tidy(() => {
    const u = uncertainSimilarityMatrix(
      { emb: inputs.imageEmb, mu: inputs.imageMu, sigma: inputs.imageSigma },
      { emb: inputs.textEmb, mu: inputs.textMu, sigma: inputs.textSigma },
      {
        a: inputs.a,
        b: inputs.b,
        lambda: inputs.lambda,
        form: 'glsc',
        normalizeForDs: inputs.normalizeForDs ?? true,
        dsFloor: inputs.dsFloor ?? 1e-6,
        normalizeMeans: inputs.normalizeMeans ?? false,
      },
    );
    const logits = applyTemperature(u.simHat, { logTau: inputs.logTau }) as tf.Tensor2D;
    return { loss: twoWayInfoNce(logits, { reduction: 'sum' }).loss, weight: tf.mean(u.weight) as tf.Scalar };
  });
}

/** GLsc: w_ls·L_LS (eq 2) + w_gs·L_GS (eq 7). */
export function glscLoss(inputs: GlscInputs): GlscLoss {
  return tf.tidy(() => {
    const w = inputs.weights ?? { ls: 1, gs: 1 };
    const ls = localSemanticLoss(inputs.patchTokens, inputs.textEmb, { logTau: inputs.logTau }, inputs.local ?? {});
    const { loss: gs, weight } = globalSemanticTerms(inputs);
    const total = tf.add(tf.mul(ls, w.ls), tf.mul(gs, w.gs)) as tf.Scalar;
    return { total, ls, gs, weight };
  });
}
