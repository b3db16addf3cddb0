import * as tf from '@tensorflow/tfjs';
import type { Random } from '../data/random.ts';
import { conv2d, instanceNorm, leakyRelu, upsample2x } from './ops.ts';
import { heNormal, Params } from './params.ts';
import { addDense, dense } from './transformer.ts';

/**
 * The grounding decoder f_g (DuSSS eq 10) / f_d (PromptSSL eq 8): the VLM's patch tokens v_f^patch
 * [B, H/P, W/P, D] → dense pixel features v_f [B, H, W, d], and the text-guided logits t_fᵀ v_f of DuSSS eq 11
 * / PromptSSL eq 8 (the caller applies sigmoid or softmax over classes).
 *
 *   patches ─ log2 P × [up 2× → conv 3×3 → IN → lReLU] ─┐
 *   image ─── conv 3×3 → IN → lReLU (optional) ──────────┴─ concat → conv 1×1 (+ bias) → v_f
 *   (the concat is never built: see groundingDecoder)
 *
 * The papers do not specify f_g. Patch tokens alone give masks that are blocky at the patch size; the shallow
 * image skip brings back full-resolution edges, as U-Net skips do, for the cost of one cheap convolution.
 * Class texts are projected from the VLM's embedding width to d by a linear map that belongs to the decoder,
 * so the decoder can train while the pre-trained encoders stay frozen (METHOD.md, "Text-guided mask").
 */
export interface GroundingDecoderConfig {
  /** D: width of the patch tokens (the ViT's dim). */
  patchDim: number;
  /** P: the ViT's patch size, a power of two; log2(P) ×2 stages bring the tokens back to pixels. */
  patchSize: number;
  /** Width of the class text embeddings t_f before the decoder's projection (the Gaussian head's embedDim). */
  textDim: number;
  /** d: channels of v_f. Default 32. */
  outDim: number;
  /**
   * Channels of the first upsampling stage, halved at each later stage but not below 16. Default 32 (32 → 16
   * → 16 at patch 8): v_f has only d = 32 channels, and the full-resolution 3×3 convolutions dominate the cost
   * (about 210 M multiply-adds per 4 × 96² batch, against 470 M at width 64).
   */
  width: number;
  /** Channels of the raw image for the shallow skip; 0 turns the skip off. */
  imageChannels: number;
  /** Channels of the skip's 3×3 convolution. Default 16. */
  skipWidth: number;
  /** Leaky ReLU slope (0.01; 1 makes the decoder smooth, for gradient checks). */
  negativeSlope?: number;
}

export const DEFAULT_GROUNDING_DECODER: Omit<GroundingDecoderConfig, 'patchDim' | 'patchSize' | 'textDim' | 'imageChannels'> = {
  outDim: 32,
  width: 32,
  skipWidth: 16,
};

/**
 * Initial temperature of the text logits, as CLIP's learned logit scale (Radford et al. 2021): s = exp(ŝ)
 * multiplies cosines in [−1, 1], so sigmoid(s·cos + b) can reach confident masks. Learned, starting at 10
 * (CLIP starts at 1/0.07 ≈ 14 for a softmax over a batch; a per-pixel sigmoid saturates sooner).
 */
export const INITIAL_LOGIT_SCALE = 10;

function stageCount(cfg: GroundingDecoderConfig): number {
  const n = Math.round(Math.log2(cfg.patchSize));
  if (cfg.patchSize < 1 || 2 ** n !== cfg.patchSize) throw new Error(`patch size ${cfg.patchSize} is not a power of two`);
  return n;
}

export function decoderStageChannels(cfg: GroundingDecoderConfig, stage: number): number {
  return Math.max(Math.min(cfg.width, 16), Math.floor(cfg.width / 2 ** stage));
}

function addConv(p: Params, rng: Random, name: string, k: number, cin: number, cout: number): void {
  p.add(`${name}.w`, heNormal(rng, [k, k, cin, cout], k * k * cin));
  p.add(`${name}.g`, tf.ones([1, 1, 1, cout]));
  p.add(`${name}.b`, tf.zeros([1, 1, 1, cout]));
}

function convNormAct(p: Params, name: string, x: tf.Tensor4D, slope: number): tf.Tensor4D {
  const y = instanceNorm(conv2d(x, p.get(`${name}.w`) as tf.Tensor4D, 1, 'same'), p.get(`${name}.g`), p.get(`${name}.b`));
  return leakyRelu(y, slope) as tf.Tensor4D;
}

function headInputChannels(cfg: GroundingDecoderConfig): number {
  const stages = stageCount(cfg);
  const last = stages === 0 ? cfg.patchDim : decoderStageChannels(cfg, stages - 1);
  return last + (cfg.imageChannels > 0 ? cfg.skipWidth : 0);
}

export function createGroundingDecoder(cfg: GroundingDecoderConfig, rng: Random): Params {
  const p = new Params();
  let cin = cfg.patchDim;
  for (let s = 0; s < stageCount(cfg); s++) {
    addConv(p, rng, `up${s}`, 3, cin, decoderStageChannels(cfg, s));
    cin = decoderStageChannels(cfg, s);
  }
  if (cfg.imageChannels > 0) addConv(p, rng, 'skip', 3, cfg.imageChannels, cfg.skipWidth);
  const headIn = headInputChannels(cfg);
  // 1×1 head without a non-linearity: v_f is compared by cosine, so its sign and direction carry the meaning.
  p.add('head.w', heNormal(rng, [1, 1, headIn, cfg.outDim], 2 * headIn));
  p.add('head.b', tf.zeros([1, 1, 1, cfg.outDim]));
  addDense(p, rng, 'text', cfg.textDim, cfg.outDim);
  p.add('logit.scale', tf.fill([1, 1], Math.log(INITIAL_LOGIT_SCALE)));
  p.add('logit.bias', tf.zeros([1, 1]));
  return p;
}

export function groundingDecoderParamCount(cfg: GroundingDecoderConfig): number {
  let n = 0;
  let cin = cfg.patchDim;
  for (let s = 0; s < stageCount(cfg); s++) {
    const c = decoderStageChannels(cfg, s);
    n += 9 * cin * c + 2 * c;
    cin = c;
  }
  if (cfg.imageChannels > 0) n += 9 * cfg.imageChannels * cfg.skipWidth + 2 * cfg.skipWidth;
  n += headInputChannels(cfg) * cfg.outDim + cfg.outDim;
  return n + cfg.textDim * cfg.outDim + cfg.outDim + 2;
}

/**
 * v_f = f_g(v_f^patch) (DuSSS eq 10): patch tokens [B, Hp, Wp, D] → pixel features [B, Hp·P, Wp·P, d].
 * `image` [B, Hp·P, Wp·P, imageChannels] feeds the shallow skip and is required exactly when the config has one.
 */
export function groundingDecoder(p: Params, cfg: GroundingDecoderConfig, patches: tf.Tensor4D, image?: tf.Tensor4D): tf.Tensor4D {
  const [b, hp, wp, dp] = patches.shape;
  if (dp !== cfg.patchDim) throw new Error(`patch tokens have ${dp} features, the decoder expects ${cfg.patchDim}`);
  if (cfg.imageChannels > 0 !== (image !== undefined)) {
    throw new Error(cfg.imageChannels > 0 ? 'this decoder has an image skip: pass the image' : 'this decoder has no image skip: pass no image');
  }
  if (image) {
    const [bi, h, w, c] = image.shape;
    if (bi !== b || h !== hp * cfg.patchSize || w !== wp * cfg.patchSize || c !== cfg.imageChannels) {
      throw new Error(`image is ${image.shape.join('×')}, expected ${b}×${hp * cfg.patchSize}×${wp * cfg.patchSize}×${cfg.imageChannels}`);
    }
  }
  const slope = cfg.negativeSlope ?? 0.01;
  return tf.tidy(() => {
    let t = patches;
    for (let s = 0; s < stageCount(cfg); s++) t = convNormAct(p, `up${s}`, upsample2x(t), slope);
    const head = p.get('head.w') as tf.Tensor4D;
    let vf = tf.add(conv2d(t, image ? tf.slice(head, [0, 0, 0, 0], [1, 1, t.shape[3], cfg.outDim]) : head, 1, 'same'), p.get('head.b'));
    if (image) {
      // conv1×1(concat(t, skip), W) written as the sum of two 1×1 convolutions with W's two slices of input
      // channels: the same numbers, without a full-resolution concat whose gradient is a strided split (the
      // slowest kernel of the backward pass on the cpu backend).
      const skip = convNormAct(p, 'skip', image, slope);
      vf = tf.add(vf, conv2d(skip, tf.slice(head, [0, 0, t.shape[3], 0], [1, 1, cfg.skipWidth, cfg.outDim]), 1, 'same'));
    }
    return vf as tf.Tensor4D;
  });
}

/** Squared norms below this are treated as this: a zero feature vector gets cosine 0, not NaN. */
const NORM_EPS = 1e-8;

/**
 * Per-pixel cosine logits scale·cos(t_k, v_f) + bias: vf [B, H, W, d], textEmb [K, d] → [B, H, W, K]
 * (t_fᵀ v_f of DuSSS eq 11 and PromptSSL eq 8 on L2-normalised vectors, so the logit range is set by the
 * scale, not by feature norms). `scale` and `bias` are numbers or tensors broadcastable to [N, K].
 * One [B·H·W, d]·[d, K] matmul; the per-pixel norms are a matmul with a ones vector too, because a reduction
 * over a short last axis is slow on software GPUs (see classAxis.ts), and v_f itself is never normalised in
 * memory: cos = (v·t̂)/‖v‖.
 */
export function textActivation(vf: tf.Tensor4D, textEmb: tf.Tensor2D, scale: tf.Tensor | number = 1, bias: tf.Tensor | number = 0): tf.Tensor4D {
  const [b, h, w, d] = vf.shape;
  const [k, dt] = textEmb.shape;
  if (dt !== d) throw new Error(`text embeddings have ${dt} features, pixel features ${d}`);
  return tf.tidy(() => {
    const flat = tf.reshape(vf, [b * h * w, d]);
    const unitText = tf.mul(textEmb, tf.rsqrt(tf.add(tf.sum(tf.square(textEmb), 1, true), NORM_EPS)));
    const dots = tf.matMul(flat, unitText, false, true); // [N, K]
    const squaredNorms = tf.matMul(tf.square(flat), tf.ones([d, 1])); // [N, 1]
    const cosines = tf.mul(dots, tf.rsqrt(tf.add(squaredNorms, NORM_EPS)));
    return tf.reshape(tf.add(tf.mul(cosines, scale), bias), [b, h, w, k]) as tf.Tensor4D;
  });
}

/** The decoder's learned logit scale exp(ŝ) and bias, shaped [1, 1]. */
export function textLogitScale(p: Params): { scale: tf.Tensor2D; bias: tf.Tensor2D } {
  return { scale: tf.exp(p.get('logit.scale')) as tf.Tensor2D, bias: p.get('logit.bias') as tf.Tensor2D };
}

/**
 * Text-guided logits [B, H, W, K] from pixel features and class text embeddings [K, textDim] (the Gaussian
 * head's f of each class prompt): the texts go through the decoder's projection to d, then textActivation with
 * the learned scale and bias. Apply sigmoid per class (DuSSS eq 11) or softmax over classes (PromptSSL eq 8;
 * the bias then cancels).
 */
export function groundingLogits(p: Params, vf: tf.Tensor4D, textEmb: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const { scale, bias } = textLogitScale(p);
    return textActivation(vf, dense(p, 'text', textEmb) as tf.Tensor2D, scale, bias);
  });
}
