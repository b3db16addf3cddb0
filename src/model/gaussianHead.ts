import * as tf from '@tensorflow/tfjs';
import type { Random } from '../data/random.ts';
import type { Params } from './params.ts';
import { addDense, dense, smallNormal } from './transformer.ts';

/*
 * The heads on a [CLS] embedding (METHOD.md, "Vision–language pre-training"), one set on the image tower and
 * one on the text tower:
 *   f = W_f·cls + b_f                      the shared embedding; D_s = ‖f_I − f_T‖₂ and sim = cos(f_I, f_T)
 *   μ = W_μ·cls + b_μ                      the Gaussian's centre
 *   σ = softplus(W_σ·cls + b_σ) + floor    its standard deviation
 * μ and σ enter D_2W = ‖μ_I − μ_T‖² + ‖σ_I − σ_T‖² (PromptSSL eq 3, DuSSS eq 1). The papers do not give the
 * heads' depth; all three are linear maps of the layer-normed [CLS] here, which keeps the uncertainty a
 * readout of the encoder rather than a second network, and costs 3·(inDim + 1)·embedDim weights.
 */

/** Width E of f, μ and σ. Default 64, the towers' width: the heads then neither compress nor inflate. */
export const DEFAULT_EMBED_DIM = 64;

/** σ's lower bound: keeps every σ a valid, positive standard deviation for any weights. */
export const SIGMA_FLOOR = 1e-3;

/** A type alias rather than an interface, so tf.tidy and tf.dispose accept it as a TensorContainer. */
export type GaussianHeadOutput = {
  /** f: [B, embedDim], the shared image–text embedding space (not normalised; the losses normalise for cos). */
  embedding: tf.Tensor2D;
  /** μ: [B, embedDim]. */
  mu: tf.Tensor2D;
  /** σ: [B, embedDim], ≥ SIGMA_FLOOR. */
  sigma: tf.Tensor2D;
};

/** Adds the head's weights to `p` (the encoder's own Params, so the teacher and checkpoints carry them). */
export function createGaussianHead(p: Params, rng: Random, name: string, inDim: number, embedDim: number): void {
  addDense(p, rng, `${name}.proj`, inDim, embedDim);
  addDense(p, rng, `${name}.mu`, inDim, embedDim);
  // σ starts near softplus(0) ≈ 0.69 for every input (weights 10× smaller than LeCun's): the uncertainty is
  // learned from the losses instead of starting as noise of the same size as μ's.
  p.add(`${name}.sigma.w`, smallNormal(rng, [inDim, embedDim], 0.1 / Math.sqrt(inDim)));
  p.add(`${name}.sigma.b`, tf.zeros([1, embedDim]));
}

export function gaussianHeadParamCount(inDim: number, embedDim: number): number {
  return 3 * (inDim * embedDim + embedDim);
}

/** f, μ and σ of [CLS] embeddings [B, inDim]. */
export function gaussianHead(p: Params, name: string, cls: tf.Tensor2D, sigmaFloor = SIGMA_FLOOR): GaussianHeadOutput {
  return tf.tidy(() => ({
    embedding: dense(p, `${name}.proj`, cls) as tf.Tensor2D,
    mu: dense(p, `${name}.mu`, cls) as tf.Tensor2D,
    sigma: tf.add(tf.softplus(dense(p, `${name}.sigma`, cls)), sigmaFloor) as tf.Tensor2D,
  }));
}
