import * as tf from '@tensorflow/tfjs';
import { applyTemperature, twoWayInfoNce, type Temperature } from './similarity.ts';
import { uncertainSimilarityMatrix, type GaussianEmbedding, type ScalarLike } from './uncertainty.ts';

/*
 * DuSSS pre-training: L_VLM = L_cmc + L_imc, both InfoNCEs on the SSS-adjusted similarity
 * ŝim = 1 − (1 − sim)·D_SSS of uncertainty.ts (DuSSS eq 1–5).
 *
 * The denominators. Eq 6–7 print Σ_n exp(D_SSS(I_1, T̂_n)/τ): the raw uncertainty weight, not the similarity.
 * Read literally, the denominator then ignores how similar the candidates are, and the "loss" is not a
 * log-probability (it can go negative). The consistent reading — and PromptSSL eq 7's — puts ŝim over every
 * candidate; that is the default (METHOD.md). `literalDenominator: true` gives the printed form, with the sum over
 * all n = 1..N of the batch as eq 6 writes it (the positive's D_SSS included), for ablation only: it is unbounded
 * below — once ŝim_ii exceeds every D_SSS(i, n), the loss → −∞ as τ → 0 — and minimising it with free embeddings
 * and a learned τ drove τ to 0 and the loss to about −9400 within 300 Adam steps.
 */

export interface SssContrastOptions {
  a: ScalarLike;
  b: ScalarLike;
  lambda: ScalarLike;
  temperature: Temperature;
  literalDenominator?: boolean;
  normalizeForDs?: boolean;
  dsFloor?: number;
  /** D_2W on L2-normalised means (uncertainty.ts, `normalizeMeans`); default false. */
  normalizeMeans?: boolean;
}

/**
 * The SSS InfoNCE between the rows of `x` and `y` (pairs matched on the index). rowToColumn is eq 6 (anchor in
 * `x`), columnToRow eq 7 (anchor in `y`); `loss` is their mean, eq 8.
 */
export function sssInfoNce(
  x: GaussianEmbedding,
  y: GaussianEmbedding,
  opts: SssContrastOptions,
): { loss: tf.Scalar; rowToColumn: tf.Scalar; columnToRow: tf.Scalar; weight: tf.Scalar } {
  return tf.tidy(() => {
    // a, b, λ and the D_s / D_2W options pass through as they are; the matrix defaults the optional ones.
    const u = uncertainSimilarityMatrix(x, y, { ...opts, form: 'dusss' });
    const numerator = applyTemperature(u.simHat, opts.temperature) as tf.Tensor2D;
    // The mean D_SSS over the pairs: how much of (1 − sim) the InfoNCE still sees (a diagnostic, as in glscLoss.ts).
    const weight = tf.mean(u.weight) as tf.Scalar;
    if (!opts.literalDenominator) return { ...twoWayInfoNce(numerator, { reduction: 'mean' }), weight };
    const denominator = applyTemperature(u.weight, opts.temperature) as tf.Tensor2D;
    return { ...twoWayInfoNce(numerator, { reduction: 'mean', denominator }), weight };
  });
}

export interface DusssInputs {
  /** Raw image and text (I_1, T_1), matched on the index; [CLS] embeddings and Gaussian heads. */
  image: GaussianEmbedding;
  text: GaussianEmbedding;
  /** Their randomly augmented copies (I_2, T_2) for IMC (eq 9); T_2: word dropout, synonym swap, clause shuffle. */
  imageAug: GaussianEmbedding;
  textAug: GaussianEmbedding;
  /** log τ, shared by CMC and IMC. */
  logTau: tf.Tensor;
  a: ScalarLike;
  b: ScalarLike;
  lambda: ScalarLike;
  /** DuSSS eq 6–7 denominators as printed (D_SSS), in CMC and IMC alike; default false (ŝim). */
  literalDenominator?: boolean;
  /**
   * Eq 9 writes L_nce^{I2I}(I_1, I_2, Î): one direction, anchor the raw view, candidates the augmented views of the
   * batch (the analogue of eq 6 with T replaced by I_2). Default false (that reading); true averages in the reverse
   * direction as well, the symmetric form CMC has.
   */
  imcTwoWay?: boolean;
  weights?: { cmc: number; imc: number };
  normalizeForDs?: boolean;
  dsFloor?: number;
  normalizeMeans?: boolean;
}

export type DusssLoss = {
  total: tf.Scalar;
  cmc: tf.Scalar;
  imc: tf.Scalar;
  /** Mean D_SSS of CMC's image–text pairs (eq 4): a diagnostic, no gradient flows from it. */
  weight: tf.Scalar;
};

/** L_VLM = w_cmc·L_cmc (eq 8) + w_imc·L_imc (eq 9), with SSS inside every similarity. */
export function dusssLoss(inputs: DusssInputs): DusssLoss {
  return tf.tidy(() => {
    const opts: SssContrastOptions = {
      a: inputs.a,
      b: inputs.b,
      lambda: inputs.lambda,
      temperature: { logTau: inputs.logTau },
      literalDenominator: inputs.literalDenominator ?? false,
      normalizeForDs: inputs.normalizeForDs ?? true,
      dsFloor: inputs.dsFloor ?? 1e-6,
      normalizeMeans: inputs.normalizeMeans ?? false,
    };
    // Eq 8: ½ (L^{I2T} + L^{T2I}).
    const cross = sssInfoNce(inputs.image, inputs.text, opts);
    const cmc = cross.loss;
    // Eq 9: ½ (L^{I2I} + L^{T2T}).
    const intra = (x: GaussianEmbedding, y: GaussianEmbedding): tf.Scalar => {
      const r = sssInfoNce(x, y, opts);
      return inputs.imcTwoWay ? r.loss : r.rowToColumn;
    };
    const imc = tf.mul(tf.add(intra(inputs.image, inputs.imageAug), intra(inputs.text, inputs.textAug)), 0.5) as tf.Scalar;
    const w = inputs.weights ?? { cmc: 1, imc: 1 };
    const total = tf.add(tf.mul(cmc, w.cmc), tf.mul(imc, w.imc)) as tf.Scalar;
    return { total, cmc, imc, weight: cross.weight };
  });
}
