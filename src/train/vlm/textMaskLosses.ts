import * as tf from '@tensorflow/tfjs';
import { customKernelsActive } from '../../gpu/customKernels.ts';
import { textMerge } from '../../gpu/textMerge.ts';
import { logSoftmaxClasses, softmaxClasses, sumClasses } from '../../model/classAxis.ts';
import { stopGradient } from '../losses.ts';
import { inverseTemperature, l2Normalize, type Temperature } from './similarity.ts';

/*
 * Stage 2 of `promptssl` and `duss`: the text mask and every loss that uses it.
 *   - the masks themselves: PromptSSL eq 8 (softmax over classes, weighted by s_c) and DuSSS eq 11 (sigmoid);
 *   - the decoder's losses: L_region (PromptSSL eq 9), L_feat (eq 10), L_tg (DuSSS eq 12), built on mask pooling;
 *   - the student's semi-supervised loss: L_semi (PromptSSL eq 13–15, DuSSS eq 16–18).
 * Shapes: dense maps [B, H, W, K] with the class axis last (per-pixel class reductions go through classAxis.ts);
 * per-pixel weights [B, H, W, 1] (1 = real pixel, 0 = padding); class texts [K, D], one prompt per class shared by
 * the batch; presence [B, K] (1 where class k is in image b, from labels or image-level scores), built on the JS
 * side as a Float32Array (WEBGPU.md trap 4). Every tensor stays rank ≤ 4.
 */

/** Guard under mask masses and weight totals. */
const EPS = 1e-6;
/** Logit offset that removes a candidate from a log-sum-exp: exp(−1e9) is exactly 0 in float32. */
const EXCLUDED = 1e9;

// ─── Masks ──────────────────────────────────────────────────────────────────────────────────────────────────────

export interface PromptGuidedMaskOptions {
  /** Divide by the per-pixel sum over classes afterwards, so y^text is a distribution again. Default false. */
  renormalize?: boolean;
}

/**
 * PromptSSL eq 8: y_c^text = softmax_c(t_{f,c}ᵀ v_f) at every pixel, then y^text = stack(y_c^text · s_c).
 * `activation` [B, H, W, K] holds the logits t_{f,c}ᵀ v_f; `classScores` [B, K] holds s_c, the similarity of class
 * c's prompt to image b's [CLS]. s_c is a weight: negative scores are clamped to 0 (a prompt that does not match the
 * image must not produce a negative target).
 *
 * Renormalisation: none by default, as eq 8 writes it. The stack then carries the image-level confidence: at a
 * pixel, Σ_c y_c^text = Σ_c p_c s_c, small where the likely classes have low scores. Eq 13 adds y^text to the
 * teacher's logits, where that magnitude is exactly how much the text is trusted; renormalising would make a weakly
 * matched image shout as loud as a well-matched one. Where a distribution is needed (the CE target of eq 14),
 * `semiTextLoss` normalises (its `target` option). `renormalize: true` returns p_c s_c / Σ_c' p_c' s_c' — Bayes'
 * rule with s_c as an image-level prior — for callers that want a distribution here.
 */
export function promptGuidedMask(activation: tf.Tensor4D, classScores: tf.Tensor2D, opts: PromptGuidedMaskOptions = {}): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, , , classes] = activation.shape;
    const scores = tf.reshape(tf.relu(classScores), [batch, 1, 1, classes]);
    const stacked = tf.mul(softmaxClasses(activation), scores);
    if (!opts.renormalize) return stacked as tf.Tensor4D;
    return tf.div(stacked, tf.maximum(sumClasses(stacked), EPS)) as tf.Tensor4D;
  });
}

/** DuSSS eq 11: y^text = sigmoid(t_fᵀ v_f), independently per class (classes may overlap or all be off). */
export function textGuidedMaskSigmoid(activation: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sigmoid(activation) as tf.Tensor4D);
}

// ─── Mask pooling ───────────────────────────────────────────────────────────────────────────────────────────────

export type MaskPool = {
  /** V_{b,c} = Σ_p m_c(p) v(p) / Σ_p m_c(p) [B, K, D]; the zero vector for an empty mask. */
  pooled: tf.Tensor3D;
  /** Σ_p w(p) m_c(p) [B, K]: the mask's mass (PromptSSL's "prompt-guided region" size). */
  mass: tf.Tensor2D;
};

/**
 * Masked average pooling of dense features `features` [B, H, W, D] inside each class's soft mask `masks`
 * [B, H, W, K], restricted to real pixels by `pixelWeight` [B, H, W, 1]. Two batched matmuls over the flattened
 * pixels, so neither a rank-5 tensor nor a reduction over a non-inner axis appears. Gradients reach both the
 * features and the masks: the decoder learns where to put its masks through L_region / L_feat / L_tg.
 */
export function maskPool(features: tf.Tensor4D, masks: tf.Tensor4D, pixelWeight?: tf.Tensor4D): MaskPool {
  return tf.tidy(() => {
    const [batch, height, width, depth] = features.shape;
    const classes = masks.shape[3];
    const pixels = height * width;
    const m = tf.reshape(pixelWeight ? tf.mul(masks, pixelWeight) : masks, [batch, pixels, classes]) as tf.Tensor3D;
    const v = tf.reshape(features, [batch, pixels, depth]) as tf.Tensor3D;
    const sum = tf.matMul(m, v, true, false); // [B, K, D]
    const mass = tf.matMul(m, tf.ones([batch, pixels, 1]) as tf.Tensor3D, true, false); // [B, K, 1]
    const pooled = tf.div(sum, tf.maximum(mass, EPS)) as tf.Tensor3D;
    return { pooled, mass: tf.reshape(mass, [batch, classes]) as tf.Tensor2D };
  });
}

// ─── Region–text contrast (L_region, L_feat) ────────────────────────────────────────────────────────────────────

/** Σ w·x / Σ w, or 0 when Σ w = 0. */
function weightedMean(x: tf.Tensor, w: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(x, w)), tf.maximum(tf.sum(w), EPS)) as tf.Scalar;
}

/** Cosine of every region V_{b,c} with every class text T_{c'}, over τ → [B, K(region), K(text)]. */
function regionTextLogits(regionEmb: tf.Tensor3D, textEmb: tf.Tensor2D, temperature: Temperature): tf.Tensor3D {
  const [batch, classes, depth] = regionEmb.shape;
  const v = l2Normalize(tf.reshape(regionEmb, [batch * classes, depth])) as tf.Tensor2D;
  const cos = tf.matMul(v, l2Normalize(textEmb) as tf.Tensor2D, false, true);
  return tf.reshape(tf.mul(cos, inverseTemperature(temperature)), [batch, classes, textEmb.shape[0]]) as tf.Tensor3D;
}

/** L[b, c, c] → [B, K]: each region's logit against its own class text. */
function ownClassLogit(logits: tf.Tensor3D): tf.Tensor2D {
  const classes = logits.shape[1];
  return tf.sum(tf.mul(logits, tf.reshape(tf.eye(classes), [1, classes, classes])), -1) as tf.Tensor2D;
}

export interface RegionTextOptions {
  /**
   * Also use the regions of absent (image, class) pairs — the mask text c draws on an image without structure c —
   * as negatives of text c (L_feat: "restrain negative masks obtained from unrelated texts"). Default false
   * (L_region: only present regions exist as candidates).
   */
  absentAsNegatives?: boolean;
  /** 'sum' (default): −E_(I,T) − E_(T,I), as PromptSSL eq 9–10 write it; 'mean': ½ of that. */
  reduction?: 'sum' | 'mean';
}

export type RegionTextInfoNce = {
  loss: tf.Scalar;
  regionToText: tf.Scalar;
  textToRegion: tf.Scalar;
};

/**
 * Two-way InfoNCE between class regions V_{b,c} [B, K, D] and class texts T_c [K, D] (PromptSSL eq 9 / 10),
 * over the (image, class) pairs present in the batch (`present` [B, K]).
 *
 * The papers write an N×N batch of matched pairs. Here a pair is (image b, class c) and the texts are the K class
 * prompts, shared by every image; so:
 *  - region → text (eq 9's first term): anchor V_{b,c}, candidates all K texts, positive T_c. Absent classes' texts
 *    stay in the denominator: a region must be unlike the prompts of every other class, present or not.
 *  - text → region (second term): anchor T_c for each image b that has c, positive V_{b,c}; negatives the present
 *    regions of other classes across the batch. Regions of class c in other images are not negatives (they match
 *    the same text; counting them would push identical positives apart), so they are left out, not made positives.
 * Absent pairs are never anchors: their masks are noise, their "positive" has nothing to align with.
 */
export function regionTextInfoNce(
  regionEmb: tf.Tensor3D,
  textEmb: tf.Tensor2D,
  present: tf.Tensor2D,
  temperature: Temperature,
  opts: RegionTextOptions = {},
): RegionTextInfoNce {
  return tf.tidy(() => {
    const [batch, classes] = present.shape;
    const logits = regionTextLogits(regionEmb, textEmb, temperature); // [B, K, K]
    const positive = ownClassLogit(logits); // [B, K]
    const regionToText = weightedMean(tf.sub(tf.logSumExp(logits, -1), positive), present);

    // For text c, the candidates are the regions (n, c'') of the batch: rows of A[c] = logits[:, :, c] flattened.
    const byText = tf.reshape(tf.transpose(logits, [2, 0, 1]), [classes, batch * classes]);
    const sameClass = tf.reshape(tf.eye(classes), [classes, 1, classes]); // c'' = c
    const presentRegions = tf.reshape(present, [1, batch, classes]);
    let negatives = tf.mul(tf.sub(1, sameClass), presentRegions);
    if (opts.absentAsNegatives) negatives = tf.add(negatives, tf.mul(sameClass, tf.sub(1, presentRegions)));
    const negativeMask = tf.reshape(negatives, [classes, batch * classes]);
    // log Σ_negatives exp(A[c, ·]) → [1, K]; −1e9 removes the others (no negatives at all → ≈ −1e9 → term 0).
    const negativeLse = tf.reshape(tf.logSumExp(tf.add(byText, tf.mul(tf.sub(negativeMask, 1), EXCLUDED)), -1), [1, classes]);
    // −log( e^pos / (e^pos + Σ_neg e^neg) ) = softplus(lse_neg − pos).
    const textToRegion = weightedMean(tf.softplus(tf.sub(negativeLse, positive)), present);

    const sum = tf.add(regionToText, textToRegion);
    const loss = (opts.reduction === 'mean' ? tf.mul(sum, 0.5) : sum) as tf.Scalar;
    return { loss, regionToText, textToRegion };
  });
}

export interface RegionLossInputs {
  /** Dense image features to pool [B, H, W, D], in the text embedding space (see each loss for which features). */
  features: tf.Tensor4D;
  /** Per-class soft masks [B, H, W, K] (the prompt-guided / text-guided mask, with its gradient). */
  masks: tf.Tensor4D;
  /** Class text embeddings T_{f,c} [K, D]. */
  textEmb: tf.Tensor2D;
  /** 1 where class c is present in image b [B, K]. */
  present: tf.Tensor2D;
  temperature: Temperature;
  pixelWeight?: tf.Tensor4D;
}

/**
 * L_region (PromptSSL eq 9): mask-pool the image features inside each class's prompt-guided region → V_{I,c}, then
 * the two-way region–text InfoNCE over present pairs. "Region image embeddings V_I extracted from the prompt-guided
 * region image": pass the VLM image encoder's features (e.g. its patch tokens upsampled to the mask size) as
 * `features`, so the region is described in the space the text was aligned to.
 */
export function regionAlignmentLoss(inputs: RegionLossInputs): RegionTextInfoNce {
  return tf.tidy(() => {
    const { pooled } = maskPool(inputs.features, inputs.masks, inputs.pixelWeight);
    return regionTextInfoNce(pooled, inputs.textEmb, inputs.present, inputs.temperature, { absentAsNegatives: false, reduction: 'sum' });
  });
}

export interface FeatureSupervisionInputs extends RegionLossInputs {
  /** Weight of the absent-mask term (default 1). 0 leaves the contrastive form of eq 10 alone. */
  absentWeight?: number;
  /** Absent pairs as text → region negatives (default true; see regionTextInfoNce). */
  absentAsNegatives?: boolean;
}

export type FeatureSupervisionLoss = {
  loss: tf.Scalar;
  contrastive: tf.Scalar;
  /** Mean mask value of absent (image, class) pairs: 0 when every absent class's mask is empty. */
  absentMass: tf.Scalar;
};

/**
 * L_feat (PromptSSL eq 10): the same two-way InfoNCE on the prompt-guided embeddings V_F — the decoder's dense
 * features v_f pooled by each text's mask — "to suppress the model from generating masks for regions undescribed in
 * the text" (METHOD.md: "so a text whose structure is absent gets no mask").
 *
 * Our reading. Cosine similarity is blind to a mask's size (pooling divides by the mass), so no InfoNCE on V_F can
 * by itself shrink the mask of an absent class; it can only change what that mask selects. We therefore do both:
 *  1. contrastive (eq 10): as L_region over present pairs, plus — the "negative masks obtained from unrelated
 *     texts" — the regions of absent pairs as negatives of their text (absentAsNegatives);
 *  2. emptiness: + absentWeight · mean over absent pairs (b, c) of the mask's mean value over real pixels,
 *     Σ_p w m_c / Σ_p w ∈ [0, 1], which is 0 exactly when text c draws nothing on image b.
 * With softmax masks (eq 8) the mass pushed off an absent class goes to the present ones; with sigmoid masks it
 * simply goes.
 */
export function featureSupervisionLoss(inputs: FeatureSupervisionInputs): FeatureSupervisionLoss {
  return tf.tidy(() => {
    const { pooled, mass } = maskPool(inputs.features, inputs.masks, inputs.pixelWeight);
    const contrastive = regionTextInfoNce(pooled, inputs.textEmb, inputs.present, inputs.temperature, {
      absentAsNegatives: inputs.absentAsNegatives ?? true,
      reduction: 'sum',
    }).loss;
    const [batch, height, width] = inputs.masks.shape;
    const realPixels = inputs.pixelWeight ? tf.sum(tf.reshape(inputs.pixelWeight, [batch, height * width]), -1, true) : tf.fill([batch, 1], height * width);
    const meanMask = tf.div(mass, tf.maximum(realPixels, EPS)); // [B, K]
    const absentMass = weightedMean(meanMask, tf.sub(1, inputs.present));
    const loss = tf.add(contrastive, tf.mul(absentMass, inputs.absentWeight ?? 1)) as tf.Scalar;
    return { loss, contrastive, absentMass };
  });
}

// ─── L_tg (DuSSS eq 12) ─────────────────────────────────────────────────────────────────────────────────────────

/**
 * L_tg on pooled text-guided features v_f^t [B, K, D] (row c: v_f pooled by the mask of text c) and the K class texts
 * [K, D] (DuSSS eq 12): per image, a K×K two-way InfoNCE,
 *   ½ E[−log softmax_{k}(sim(v^t_c, t_k)/τ)[c]] + ½ E[−log softmax_{k}(sim(t_c, v^t_k)/τ)[c]],
 * both sums over the K classes as eq 12 writes them. Unlike L_region, the text → region candidates are the K masked
 * features of the same image: DuSSS contrasts a text with what the other texts' masks pick out in that image.
 * `present` [B, K] weights the anchors (DuSSS says nothing of presence: default all ones, the literal form); every
 * class stays a candidate either way, so an absent class's region is still pushed off the other texts.
 */
export function textGuidedInfoNce(regionEmb: tf.Tensor3D, textEmb: tf.Tensor2D, temperature: Temperature, present?: tf.Tensor2D): RegionTextInfoNce {
  return tf.tidy(() => {
    const [batch, classes] = regionEmb.shape;
    const logits = regionTextLogits(regionEmb, textEmb, temperature); // [B, K(region), K(text)]
    const positive = ownClassLogit(logits);
    const anchors = present ?? tf.ones([batch, classes]);
    const regionToText = weightedMean(tf.sub(tf.logSumExp(logits, -1), positive), anchors);
    const textToRegion = weightedMean(tf.sub(tf.logSumExp(tf.transpose(logits, [0, 2, 1]), -1), positive), anchors);
    const loss = tf.mul(tf.add(regionToText, textToRegion), 0.5) as tf.Scalar;
    return { loss, regionToText, textToRegion };
  });
}

export interface TextGuidedLossInputs {
  /** Decoder features v_f [B, H, W, D]. */
  features: tf.Tensor4D;
  /** Text-guided masks y^text [B, H, W, K] (sigmoid, eq 11). */
  masks: tf.Tensor4D;
  textEmb: tf.Tensor2D;
  temperature: Temperature;
  present?: tf.Tensor2D;
  pixelWeight?: tf.Tensor4D;
}

/** L_tg (DuSSS eq 12) from dense features and masks: mask pooling, then textGuidedInfoNce. */
export function textGuidedLoss(inputs: TextGuidedLossInputs): RegionTextInfoNce {
  return tf.tidy(() => {
    const { pooled } = maskPool(inputs.features, inputs.masks, inputs.pixelWeight);
    return textGuidedInfoNce(pooled, inputs.textEmb, inputs.temperature, inputs.present);
  });
}

// ─── L_semi (PromptSSL eq 13–15, DuSSS eq 16–18) ────────────────────────────────────────────────────────────────

/**
 * How a target that is not already a softmax distribution enters a cross-entropy:
 *  - 'normalize' (default): divide by its sum over classes (0 where it is all zero), then −Σ_c q_c log softmax(s)_c.
 *    Keeps the student a softmax model, as its L_sup (losses.ts) trains it.
 *  - 'raw': −Σ_c t_c log softmax(s)_c with t as given: eq 13–14 / 16–17 taken literally with a soft target; equals the
 *    normalised CE weighted per pixel by Σ_c t_c (the text's own confidence there).
 *  - 'binary': per-class binary CE against sigmoid(s), summed over classes: the sigmoid of DuSSS eq 11/16 read as K
 *    independent binary targets. Sigmoid merge only (a softmax merged target is a distribution by construction).
 */
export type TargetMode = 'normalize' | 'raw' | 'binary';

export interface SemiOptions {
  /** σ of eq 13 / 16: softmax over classes (PromptSSL) or per-class sigmoid (DuSSS). */
  merge: 'softmax' | 'sigmoid';
  target?: TargetMode;
}

/**
 * σ(y^t + y^text) (eq 13 / 16), detached: the merged pseudo-label is a target, never a path into teacher or decoder.
 * Softmax merge with our WebGPU kernels on: one fused pass (src/gpu/textMerge.ts) instead of tfjs's per-class chain,
 * its output outside any gradient tape — as detached as stopGradient makes the tfjs route. The sigmoid merge stays
 * on tfjs (add + sigmoid: two vectorised elementwise ops, already minimal, and faster than the fused per-voxel pass
 * on SwiftShader), as do shapes that broadcast.
 */
export function mergedPseudoLabel(teacherLogits: tf.Tensor4D, textMask: tf.Tensor4D, merge: SemiOptions['merge']): tf.Tensor4D {
  if (
    merge === 'softmax' &&
    customKernelsActive() &&
    tf.util.arraysEqual(teacherLogits.shape, textMask.shape) &&
    teacherLogits.dtype === 'float32' &&
    textMask.dtype === 'float32'
  ) {
    return textMerge(teacherLogits, textMask, merge, { stats: false }).probs as tf.Tensor4D;
  }
  return tf.tidy(() => {
    const z = tf.add(stopGradient(teacherLogits), stopGradient(textMask));
    return (merge === 'softmax' ? softmaxClasses(z) : tf.sigmoid(z)) as tf.Tensor4D;
  });
}

/**
 * ℓ_ce(student, target) per pixel, averaged over pixels with weight `pixelWeight` [B, H, W, 1] (Σ w ℓ / Σ w; 0 for
 * an all-zero weight). The target is detached here too, so every caller gets "the target gets no gradient".
 */
export function softTargetCrossEntropy(studentLogits: tf.Tensor4D, target: tf.Tensor4D, pixelWeight: tf.Tensor4D, mode: TargetMode = 'normalize'): tf.Scalar {
  return tf.tidy(() => {
    const t = stopGradient(target);
    let perPixel: tf.Tensor;
    if (mode === 'binary') {
      // −[t log σ(s) + (1 − t) log(1 − σ(s))] = t·softplus(−s) + (1 − t)·softplus(s), stable for any s.
      perPixel = sumClasses(tf.add(tf.mul(t, tf.softplus(tf.neg(studentLogits))), tf.mul(tf.sub(1, t), tf.softplus(studentLogits))));
    } else {
      const q = mode === 'normalize' ? tf.div(t, tf.maximum(sumClasses(t), EPS)) : t;
      perPixel = tf.neg(sumClasses(tf.mul(q, logSoftmaxClasses(studentLogits))));
    }
    return weightedMean(perPixel, pixelWeight);
  });
}

function checkMode(opts: SemiOptions): TargetMode {
  const mode = opts.target ?? 'normalize';
  if (mode === 'binary' && opts.merge === 'softmax')
    throw new Error("target 'binary' needs merge 'sigmoid': a softmax merged target is a distribution over classes");
  return mode;
}

/**
 * L_semi^merged (PromptSSL eq 13, DuSSS eq 16): CE(y_u^s, σ(y_u^t + y_u^text)). Softmax merge: the target is a
 * softmax over classes, used as is. Sigmoid merge: a per-class sigmoid, turned into a target by `target`.
 */
export function semiMergedLoss(
  studentLogits: tf.Tensor4D,
  teacherLogits: tf.Tensor4D,
  textMask: tf.Tensor4D,
  pixelWeight: tf.Tensor4D,
  opts: SemiOptions,
): tf.Scalar {
  return tf.tidy(() => {
    const mode = checkMode(opts);
    const target = mergedPseudoLabel(teacherLogits, textMask, opts.merge);
    return softTargetCrossEntropy(studentLogits, target, pixelWeight, opts.merge === 'softmax' ? 'raw' : mode);
  });
}

/**
 * L_semi^text (PromptSSL eq 14, DuSSS eq 17): CE(y_u^s, y_u^text). Neither paper's mask is a distribution (eq 8
 * scales by s_c, eq 11 is a sigmoid), so `target` says how it becomes one; by default it is normalised over classes.
 */
export function semiTextLoss(studentLogits: tf.Tensor4D, textMask: tf.Tensor4D, pixelWeight: tf.Tensor4D, opts: SemiOptions): tf.Scalar {
  return tf.tidy(() => softTargetCrossEntropy(studentLogits, textMask, pixelWeight, checkMode(opts)));
}

export type SemiLoss = {
  total: tf.Scalar;
  merged: tf.Scalar;
  text: tf.Scalar;
};

/** L_semi = (L_semi^merged + L_semi^text) / 2 (PromptSSL eq 15, DuSSS eq 18). */
export function semiLoss(studentLogits: tf.Tensor4D, teacherLogits: tf.Tensor4D, textMask: tf.Tensor4D, pixelWeight: tf.Tensor4D, opts: SemiOptions): SemiLoss {
  return tf.tidy(() => {
    const merged = semiMergedLoss(studentLogits, teacherLogits, textMask, pixelWeight, opts);
    const text = semiTextLoss(studentLogits, textMask, pixelWeight, opts);
    return { total: tf.mul(tf.add(merged, text), 0.5) as tf.Scalar, merged, text };
  });
}
