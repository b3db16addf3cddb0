import * as tf from '@tensorflow/tfjs';
import type { Random } from '../data/random.ts';
import { Params } from './params.ts';
import { addDense, addLayerNorm, addTransformerBlock, dense, layerNorm, smallNormal, transformerBlock, transformerBlockParamCount } from './transformer.ts';

/**
 * A Vision Transformer (Dosovitskiy et al. 2021) over 2D slices, the image encoder of the VLM (METHOD.md,
 * "Vision–language pre-training"): z₀ = [x_cls; x_p¹E; …; x_pᴷE] + E_pos (ViT eq 1), `depth` pre-norm blocks
 * (eq 2–3), a final layer norm (eq 4). The [CLS] output feeds the Gaussian heads and the global losses; the K
 * patch tokens x_I^k feed GLsc's local constraint (PromptSSL eq 1–2) and the grounding decoder (DuSSS eq 10).
 */
export interface ViTConfig {
  /** 1 for grey slices, 3 for RGB (pathology). */
  inChannels: number;
  /** Side P of the square patches; the image sides must be multiples of it. Default 8: 12×12 tokens at 96². */
  patchSize: number;
  /** [H, W] the position embedding is learned for; every input must have exactly this size. */
  imageSize: [number, number];
  /** Token width. Default 64: a few hundred thousand weights, trainable on a 2-core CPU. */
  dim: number;
  /** Number of transformer blocks. Default 2. */
  depth: number;
  /** Attention heads; must divide dim. Default 4 (16 features per head). */
  heads: number;
  /** MLP width as a multiple of dim. Default 4, as in ViT. */
  mlpRatio: number;
}

export const DEFAULT_VIT: Omit<ViTConfig, 'inChannels' | 'imageSize'> = { patchSize: 8, dim: 64, depth: 2, heads: 4, mlpRatio: 4 };

/** A type alias rather than an interface, so tf.tidy and tf.dispose accept it as a TensorContainer. */
export type ViTOutput = {
  /** The [CLS] token after the final norm: [B, dim]. */
  cls: tf.Tensor2D;
  /** Patch tokens x_I^k on their grid: [B, H/P, W/P, dim]. */
  patches: tf.Tensor4D;
};

export function vitGrid(cfg: ViTConfig): [number, number] {
  const [h, w] = cfg.imageSize;
  const P = cfg.patchSize;
  if (h % P !== 0 || w % P !== 0) throw new Error(`image ${h}×${w} is not divisible by the patch size ${P}`);
  return [h / P, w / P];
}

export function createViT(cfg: ViTConfig, rng: Random): Params {
  const [hp, wp] = vitGrid(cfg);
  const p = new Params();
  const P = cfg.patchSize;
  // Patch embedding E as a dense layer on flattened P×P×C patches (row-major over rows, columns, channels: the
  // layout of a [P, P, C, dim] conv filter, so it equals a stride-P convolution).
  addDense(p, rng, 'patch', P * P * cfg.inChannels, cfg.dim);
  p.add('cls', smallNormal(rng, [1, 1, cfg.dim]));
  p.add('pos', smallNormal(rng, [1, 1 + hp * wp, cfg.dim]));
  for (let n = 0; n < cfg.depth; n++) addTransformerBlock(p, rng, `block${n}`, cfg.dim, cfg.heads, cfg.mlpRatio);
  addLayerNorm(p, 'norm', cfg.dim);
  return p;
}

export function vitParamCount(cfg: ViTConfig): number {
  const [hp, wp] = vitGrid(cfg);
  const patchIn = cfg.patchSize * cfg.patchSize * cfg.inChannels;
  return patchIn * cfg.dim + cfg.dim + cfg.dim + (1 + hp * wp) * cfg.dim + cfg.depth * transformerBlockParamCount(cfg.dim, cfg.mlpRatio) + 2 * cfg.dim;
}

/**
 * Non-overlapping P×P patches of [B, H, W, C] as rows [B·Hp·Wp, P·P·C], through rank-4 reshapes and one
 * transpose. Chosen over a stride-P conv2d: the patch embedding becomes one matmul whose two gradients are
 * matmuls too, the fastest kernel on cpu, wasm (XNNPACK) and webgpu. A stride-P conv through ops.ts would
 * compute its filter gradient as a P-dilated convolution and its input gradient with conv2dTranspose: more
 * work for the same numbers. The transpose only moves floats, so its gradient is exact; the equivalence with
 * tf.conv2d is tested.
 */
export function patchify(x: tf.Tensor4D, P: number): tf.Tensor2D {
  const [b, h, w, c] = x.shape;
  if (h % P !== 0 || w % P !== 0) throw new Error(`image ${h}×${w} is not divisible by the patch size ${P}`);
  const hp = h / P;
  const wp = w / P;
  // x[b, i·P + r, j·P + s, c] sits at [b·Hp + i, r, j, s·C + c] of this view …
  const rows = tf.reshape(x, [b * hp, P, wp, P * c]);
  // … and at [b·Hp + i, j, r, s·C + c] after swapping r and j, i.e. patch (b, i, j), feature (r·P + s)·C + c.
  return tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [b * hp * wp, P * P * c]);
}

/** Encodes images [B, H, W, C] (H, W = cfg.imageSize) into a [CLS] embedding and a grid of patch tokens. */
export function vit(p: Params, cfg: ViTConfig, x: tf.Tensor4D): ViTOutput {
  const [b, h, w, c] = x.shape;
  const [H, W] = cfg.imageSize;
  if (h !== H || w !== W) throw new Error(`the ViT was built for ${H}×${W} images, got ${h}×${w}`);
  if (c !== cfg.inChannels) throw new Error(`the ViT expects ${cfg.inChannels} channels, got ${c}`);
  const [hp, wp] = vitGrid(cfg);
  const k = hp * wp;
  const d = cfg.dim;
  return tf.tidy(() => {
    const embedded = tf.reshape(dense(p, 'patch', patchify(x, cfg.patchSize)), [b, k, d]);
    const cls = tf.tile(p.get('cls'), [b, 1, 1]);
    let t = tf.add(tf.concat([cls, embedded], 1), p.get('pos')) as tf.Tensor3D;
    for (let n = 0; n < cfg.depth; n++) t = transformerBlock(p, `block${n}`, t, cfg.heads);
    t = layerNorm(p, 'norm', t) as tf.Tensor3D;
    return {
      cls: tf.reshape(tf.slice(t, [0, 0, 0], [b, 1, d]), [b, d]) as tf.Tensor2D,
      patches: tf.reshape(tf.slice(t, [0, 1, 0], [b, k, d]), [b, hp, wp, d]) as tf.Tensor4D,
    };
  });
}
