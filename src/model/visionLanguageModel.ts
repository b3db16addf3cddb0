import * as tf from '@tensorflow/tfjs';
import type { Random } from '../data/random.ts';
import { createGaussianHead, gaussianHead, type GaussianHeadOutput } from './gaussianHead.ts';
import { Params } from './params.ts';
import { createTextTransformer, DEFAULT_TEXT_TRANSFORMER, textTransformer, type TextTransformerConfig } from './textTransformer.ts';
import { addDense, dense } from './transformer.ts';
import { createViT, DEFAULT_VIT, vit, type ViTConfig } from './vit.ts';

/**
 * The vision–language model of stage 1 (docs/METHOD.md, "Vision–language pre-training"): a ViT over 2D slices and a
 * small text transformer, each with a Gaussian head on its [CLS] (embedding f, μ, σ), plus a projection of the patch
 * tokens into the shared space for GLsc's patch–text term (PromptSSL eq 1–2) and a learned temperature.
 *
 * Three Params, not one: the image side is what the text-guided mask reuses in stage 2 (its patch tokens feed the
 * grounding decoder), the text side is what the `learned` text-encoder provider runs, and either can be frozen or
 * fine-tuned at its own rate.
 */
/**
 * Where text features come from. 'learned': our text transformer, trained by pre-training. 'fixed': vectors from
 * another encoder (a prompt bank, or a pretrained CLIP tower run by transformers.js), frozen; only the Gaussian head
 * on them learns, which maps them into the space shared with the image side.
 */
export type TextSource = { kind: 'learned' } | { kind: 'fixed'; provider: 'pretrained' | 'import'; name: string; dim: number };

export interface VisionLanguageConfig {
  vit: ViTConfig;
  text: TextTransformerConfig;
  /** Absent in older checkpoints: learned. */
  textSource?: TextSource;
  /** Width E of the shared image–text space (f, μ, σ and the projected patch tokens). */
  embedDim: number;
  /** τ at initialisation; τ is learned as log τ (PromptSSL eq 7, DuSSS eq 6: "a learned temperature"). CLIP starts at 0.07. */
  initialTau: number;
}

export function visionLanguageConfig(
  imageSize: [number, number],
  inChannels: number,
  vocabSize: number,
  over: Partial<Pick<VisionLanguageConfig, 'embedDim' | 'initialTau' | 'textSource'>> & {
    vit?: Partial<ViTConfig>;
    text?: Partial<TextTransformerConfig>;
  } = {},
): VisionLanguageConfig {
  return {
    vit: { ...DEFAULT_VIT, ...over.vit, imageSize, inChannels },
    text: { ...DEFAULT_TEXT_TRANSFORMER, ...over.text, vocabSize },
    textSource: over.textSource ?? { kind: 'learned' },
    embedDim: over.embedDim ?? 64,
    initialTau: over.initialTau ?? 0.07,
  };
}

export interface VisionLanguageParams {
  image: Params;
  text: Params;
  /** log τ. */
  shared: Params;
}

export function createVisionLanguageModel(cfg: VisionLanguageConfig, rng: Random): VisionLanguageParams {
  const image = createViT(cfg.vit, rng.fork('vit'));
  const heads = rng.fork('heads');
  createGaussianHead(image, heads, 'head', cfg.vit.dim, cfg.embedDim);
  addDense(image, heads, 'patchProj', cfg.vit.dim, cfg.embedDim);
  const source = cfg.textSource ?? { kind: 'learned' };
  const text = source.kind === 'learned' ? createTextTransformer(cfg.text, rng.fork('text')) : new Params();
  createGaussianHead(text, heads, 'head', source.kind === 'learned' ? cfg.text.dim : source.dim, cfg.embedDim);
  const shared = new Params();
  shared.add('logTau', tf.scalar(Math.log(cfg.initialTau)));
  return { image, text, shared };
}

export interface ImageEncoding extends GaussianHeadOutput {
  /** Patch tokens projected into the shared space, [B, K, E] (GLsc's x_I^k). */
  patchTokens: tf.Tensor3D;
  /** Raw patch tokens on their grid, [B, H/P, W/P, D]: what the grounding decoder reads. */
  patches: tf.Tensor4D;
}

export function encodeImages(p: VisionLanguageParams, cfg: VisionLanguageConfig, x: tf.Tensor4D): ImageEncoding {
  return tf.tidy(() => {
    const { cls, patches } = vit(p.image, cfg.vit, x);
    const [b, hp, wp, d] = patches.shape;
    const patchTokens = tf.reshape(dense(p.image, 'patchProj', tf.reshape(patches, [b * hp * wp, d])), [b, hp * wp, cfg.embedDim]) as tf.Tensor3D;
    return { ...gaussianHead(p.image, 'head', cls), patchTokens, patches };
  });
}

/** What the text side reads: token ids [B, L] (int32) with their padding mask, or a fixed provider's vectors [B, D]. */
export type TextInput = { ids: tf.Tensor2D; mask: tf.Tensor2D } | { vectors: tf.Tensor2D };

/** f, μ, σ of each text. */
export function encodeTexts(p: VisionLanguageParams, cfg: VisionLanguageConfig, input: TextInput): GaussianHeadOutput {
  // No tidy of its own: callers run it inside tidy/variableGrads, and the heads' outputs are what they keep.
  if ('vectors' in input) return gaussianHead(p.text, 'head', input.vectors);
  return gaussianHead(p.text, 'head', textTransformer(p.text, cfg.text, input.ids, input.mask).cls);
}

export function disposeVisionLanguageModel(p: VisionLanguageParams): void {
  p.image.dispose();
  p.text.dispose();
  p.shared.dispose();
}
