import * as tf from '@tensorflow/tfjs';
import type { Random } from '../data/random.ts';
import { Params } from './params.ts';
import { addLayerNorm, addTransformerBlock, layerNorm, smallNormal, transformerBlock, transformerBlockParamCount } from './transformer.ts';

/**
 * A small bidirectional text encoder (BERT-style, Devlin et al. 2019), the text tower of the VLM: token and
 * learned position embeddings, `depth` pre-norm blocks with padded keys masked out, a final layer norm. The
 * tokenizer puts [CLS] first and pads with id 0; the output at position 0 is the text's [CLS] embedding, which
 * feeds the Gaussian heads (PromptSSL eq 3–7, DuSSS eq 1–5) and, projected, the class text t_f of the
 * text-guided mask (PromptSSL eq 8, DuSSS eq 11). Bidirectional rather than CLIP's causal mask because the
 * summary token comes first.
 */
export interface TextTransformerConfig {
  /** Number of token ids, padding (0) and [CLS] included. */
  vocabSize: number;
  /** Longest sequence the position embedding covers. Default 32: class prompts and one-sentence captions. */
  maxLength: number;
  /** Token width. Default 64. */
  dim: number;
  /** Number of transformer blocks. Default 2. */
  depth: number;
  /** Attention heads; must divide dim. Default 4. */
  heads: number;
  /** MLP width as a multiple of dim. Default 4. */
  mlpRatio: number;
}

export const DEFAULT_TEXT_TRANSFORMER: Omit<TextTransformerConfig, 'vocabSize'> = { maxLength: 32, dim: 64, depth: 2, heads: 4, mlpRatio: 4 };

/** A type alias rather than an interface, so tf.tidy and tf.dispose accept it as a TensorContainer. */
export type TextTransformerOutput = {
  /** The [CLS] token (position 0) after the final norm: [B, dim]. */
  cls: tf.Tensor2D;
  /** Every position after the final norm: [B, L, dim]; rows at padded positions are meaningless. */
  tokens: tf.Tensor3D;
};

export function createTextTransformer(cfg: TextTransformerConfig, rng: Random): Params {
  const p = new Params();
  // N(0, 0.02²) as in BERT: embeddings start small, the first layer norm rescales them.
  p.add('token', smallNormal(rng, [cfg.vocabSize, cfg.dim]));
  p.add('pos', smallNormal(rng, [1, cfg.maxLength, cfg.dim]));
  for (let n = 0; n < cfg.depth; n++) addTransformerBlock(p, rng, `block${n}`, cfg.dim, cfg.heads, cfg.mlpRatio);
  addLayerNorm(p, 'norm', cfg.dim);
  return p;
}

export function textTransformerParamCount(cfg: TextTransformerConfig): number {
  return (cfg.vocabSize + cfg.maxLength) * cfg.dim + cfg.depth * transformerBlockParamCount(cfg.dim, cfg.mlpRatio) + 2 * cfg.dim;
}

/**
 * Rows of `table` [V, dim] at `ids` (int32, any shape), as [ids.size, dim]. The forward pass is tf.gather;
 * the gradient is written as one matmul, onehotᵀ·dy, because tfjs's own GatherV2 gradient needs
 * UnsortedSegmentSum, which the wasm backend does not register (4.22), so training would throw there.
 * The transposed one-hot [V, ids.size] is built directly by comparing ids with 0..V−1, so no transpose ever
 * touches a tensor cast from bool (WEBGPU.md trap "cast then transpose"); tf.oneHot is avoided because wasm's OneHot
 * ignores its float32 dtype and writes integer bit patterns (1 reads as 1.4e-45), found by this module's wasm test.
 * The matrix is a few MB for 4 × 32 tokens and vocabularies of thousands.
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor2D {
  if (ids.dtype !== 'int32') throw new Error(`token ids must be int32, got ${ids.dtype}`);
  const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
  const op = tf.customGrad((tableIn, save) => {
    const t = tableIn as tf.Tensor2D;
    // ids are not an input of the op (they get no gradient) but the backward pass needs them after the caller's
    // tidy has freed them, so they are saved.
    (save as tf.GradSaveFunc)([flat]);
    return {
      value: tf.gather(t, flat),
      gradFunc: (dy, saved) => {
        const [savedIds] = saved as [tf.Tensor1D];
        const vocab = tf.reshape(tf.range(0, t.shape[0], 1, 'int32'), [t.shape[0], 1]);
        const oneHotT = tf.cast(tf.equal(vocab, tf.reshape(savedIds, [1, -1])), 'float32'); // [V, N]
        return [tf.matMul(oneHotT, dy as tf.Tensor2D)];
      },
    };
  });
  return op(table) as tf.Tensor2D;
}

/**
 * Encodes token ids [B, L] (int32, [CLS] first, padded with 0) with their padding mask [B, L] (float32,
 * 1 = real token, 0 = padding) into the [CLS] embedding and all token states. Padded keys are masked in every
 * block, so appending padding leaves the real tokens' outputs unchanged (tested).
 */
export function textTransformer(p: Params, cfg: TextTransformerConfig, ids: tf.Tensor2D, padMask: tf.Tensor2D): TextTransformerOutput {
  const [b, l] = ids.shape;
  if (l > cfg.maxLength) throw new Error(`sequence of ${l} tokens is longer than maxLength ${cfg.maxLength}`);
  if (padMask.shape[0] !== b || padMask.shape[1] !== l) throw new Error(`padding mask is ${padMask.shape.join('×')}, ids are ${b}×${l}`);
  if (padMask.dtype !== 'float32') throw new Error(`padding mask must be float32, got ${padMask.dtype}`);
  const d = cfg.dim;
  return tf.tidy(() => {
    const embedded = tf.reshape(embeddingLookup(p.get('token') as tf.Tensor2D, ids), [b, l, d]);
    const pos = l === cfg.maxLength ? p.get('pos') : tf.slice(p.get('pos'), [0, 0, 0], [1, l, d]);
    let t = tf.add(embedded, pos) as tf.Tensor3D;
    for (let n = 0; n < cfg.depth; n++) t = transformerBlock(p, `block${n}`, t, cfg.heads, padMask);
    t = layerNorm(p, 'norm', t) as tf.Tensor3D;
    return { cls: tf.reshape(tf.slice(t, [0, 0, 0], [b, 1, d]), [b, d]) as tf.Tensor2D, tokens: t };
  });
}
