import * as tf from '@tensorflow/tfjs';

/*
 * Similarity matrices and the InfoNCE loss (van den Oord, Li & Vinyals 2018) shared by every contrastive term of
 * the vision–language stage: GLsc (PromptSSL eq 2, 7, 9, 10) and DuSSS (eq 6–9, 12). Shapes: embeddings
 * [N, E] with the feature axis last; logits [N, M] with anchors on rows and candidates on columns.
 *
 * Only rank ≤ 3 tensors appear here (WEBGPU.md trap 1), and nothing reads tensor data back.
 */

/** Floor under ‖x‖² when normalising: a zero vector normalises to zero instead of NaN. */
const NORM_EPS = 1e-12;

/** x / ‖x‖₂ along the last axis. The floor keeps the gradient finite at x = 0. */
export function l2Normalize(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const sq = tf.sum(tf.square(x), -1, true);
    return tf.mul(x, tf.rsqrt(tf.maximum(sq, NORM_EPS)));
  });
}

/**
 * Cosine similarity of every row of `a` [N, E] with every row of `b` [M, E] → [N, M]: L2-normalise the rows,
 * then one matmul (PromptSSL's sim(·,·) in eq 1–2, 6, 9–10; DuSSS's sim(I, T) in eq 5, 12).
 */
export function cosineSimilarityMatrix(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(l2Normalize(a) as tf.Tensor2D, l2Normalize(b) as tf.Tensor2D, false, true));
}

/**
 * The temperature of an InfoNCE. Both papers learn τ ("τ is a learned temperature hyper-parameter", PromptSSL
 * eq 7, DuSSS eq 6), so it arrives as a tensor: either τ itself, log τ (the variable the optimiser should hold,
 * so τ stays positive), or CLIP's logit scale 1/τ (the multiplier itself, not its log).
 */
export type Temperature = { tau: tf.Tensor } | { logTau: tf.Tensor } | { logitScale: tf.Tensor };

/** The multiplier 1/τ, as a tensor that broadcasts against a logits matrix (shape [] or [1]). */
export function inverseTemperature(t: Temperature): tf.Tensor {
  return tf.tidy(() => {
    if ('tau' in t) return tf.reciprocal(t.tau);
    if ('logTau' in t) return tf.exp(tf.neg(t.logTau));
    return tf.clone(t.logitScale);
  });
}

/** sim / τ. */
export function applyTemperature(sim: tf.Tensor, t: Temperature): tf.Tensor {
  return tf.tidy(() => tf.mul(sim, inverseTemperature(t)));
}

/** Diagonal of a square [N, N] matrix → [N], by masking with the identity (differentiable, no gather). */
export function diagonal(m: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(m, tf.eye(m.shape[0])), -1) as tf.Tensor1D);
}

/**
 * One-way InfoNCE over the rows of a square logits matrix, positives on the diagonal:
 * mean_i [ −num_ii + log Σ_j exp(den_ij) ]. With `den` = `num` (the default) this is the textbook
 * −log softmax_j(L_ij)[i]. A separate denominator exists for DuSSS eq 6–7 read literally, whose numerator is
 * ŝim/τ but whose denominator sums exp(D_SSS/τ) (see dusssLoss.ts).
 */
export function infoNceRows(numerator: tf.Tensor2D, denominator: tf.Tensor2D = numerator): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sub(tf.logSumExp(denominator, -1), diagonal(numerator))) as tf.Scalar);
}

export interface TwoWayInfoNceOptions {
  /**
   * How the two directions combine. PromptSSL eq 7, 9 and 10 write −E_(I,T)[…] − E_(T,I)[…], a sum; DuSSS eq 8
   * and 12 (and CLIP) take ½(…+…), a mean. Each caller passes its paper's form.
   */
  reduction: 'mean' | 'sum';
  /** Literal DuSSS eq 6–7 denominators (rows of this matrix for image→text, columns for text→image). */
  denominator?: tf.Tensor2D;
}

export type TwoWayInfoNce = {
  loss: tf.Scalar;
  /** Anchors on rows (image→text, eq 7's first expectation, DuSSS eq 6). */
  rowToColumn: tf.Scalar;
  /** Anchors on columns (text→image, eq 7's second expectation, DuSSS eq 7). */
  columnToRow: tf.Scalar;
};

/**
 * Two-way InfoNCE from a square logits matrix L [N, N] whose (i, j) entry scores image i against text j, with the
 * matched pairs on the diagonal: rows give image→text (softmax over texts), columns give text→image (softmax
 * over images, i.e. the rows of Lᵀ). N identical embeddings give log N in each direction.
 */
export function twoWayInfoNce(logits: tf.Tensor2D, opts: TwoWayInfoNceOptions = { reduction: 'mean' }): TwoWayInfoNce {
  return tf.tidy(() => {
    const den = opts.denominator ?? logits;
    const rowToColumn = infoNceRows(logits, den);
    const columnToRow = infoNceRows(tf.transpose(logits) as tf.Tensor2D, tf.transpose(den) as tf.Tensor2D);
    const sum = tf.add(rowToColumn, columnToRow);
    const loss = (opts.reduction === 'sum' ? sum : tf.mul(sum, 0.5)) as tf.Scalar;
    return { loss, rowToColumn, columnToRow };
  });
}
