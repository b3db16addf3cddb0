import * as tf from '@tensorflow/tfjs';
import type { Random } from '../data/random.ts';
import { heNormal, Params } from './params.ts';

/*
 * TAK's text-driven segmentation head (the TAK paper, Gu et al., Sec. 3.3, after the CLIP-driven universal model it cites as [27]):
 * for each class k, concat(T_k^p, T_k^s, F) — its position and shape prompt embeddings and F, the global average
 * pool of the deepest visual features — goes through an MLP, the "text-based controller", which outputs θ_k: the
 * weights and biases of a small dynamic head of three 1×1×1 convolutions (C → 8 → 8 → 1) applied to the decoder's
 * last features, giving class k's logit map. F makes θ_k depend on the image, so the head is generated per patch.
 *
 * Choices the paper leaves open, written here:
 *  - Every class including the background gets a head (the background's prompts are generic), and the K logits go
 *    through one softmax, so L_s/L_u stay softmax CE + Dice like every other preset's.
 *  - The controller's last layer starts near zero and its bias holds a He-initialised flat θ: at step 0 each class's
 *    head is an ordinary randomly initialised head, and the text and F only then learn to modulate it.
 *  - ReLU between the dynamic convolutions, as in [27].
 */

export interface TakHeadConfig {
  /** Width of the text embeddings T_k^p and T_k^s. */
  textDim: number;
  /** Channels of the decoder's last features, which the dynamic head reads. */
  featureChannels: number;
  /** Channels of the deepest encoder features, pooled into F. */
  deepChannels: number;
  /** Hidden width of the controller MLP. */
  hidden: number;
  /** Widths of the dynamic head's two hidden 1×1×1 convolutions (TAK, after [27]: 8 and 8). */
  headChannels: [number, number];
  numClasses: number;
}

/** How many numbers θ_k holds: three 1×1×1 convolutions with biases, C → h1 → h2 → 1. */
export function dynamicHeadSize(cfg: Pick<TakHeadConfig, 'featureChannels' | 'headChannels'>): number {
  const [h1, h2] = cfg.headChannels;
  const c = cfg.featureChannels;
  return c * h1 + h1 + h1 * h2 + h2 + h2 + 1;
}

/** The controller's weights, added to `into` (the network's own Params, so the EMA teacher and checkpoints carry them). */
export function createTakHead(cfg: TakHeadConfig, rng: Random, into: Params = new Params()): Params {
  const inDim = 2 * cfg.textDim + cfg.deepChannels;
  const n = dynamicHeadSize(cfg);
  into.add('tak.controller.fc1.w', heNormal(rng, [inDim, cfg.hidden], inDim));
  into.add('tak.controller.fc1.b', tf.zeros([1, cfg.hidden]));
  into.add('tak.controller.fc2.w', tf.mul(heNormal(rng, [cfg.hidden, n], cfg.hidden), 0.05));
  into.add('tak.controller.fc2.b', tf.reshape(initialTheta(cfg, rng), [1, n]));
  return into;
}

/** A flat θ whose three convolutions are He-initialised and whose biases are zero. */
function initialTheta(cfg: TakHeadConfig, rng: Random): tf.Tensor {
  const [h1, h2] = cfg.headChannels;
  const c = cfg.featureChannels;
  return tf.tidy(() =>
    tf.concat([
      tf.reshape(heNormal(rng, [c, h1], c), [-1]),
      tf.zeros([h1]),
      tf.reshape(heNormal(rng, [h1, h2], h1), [-1]),
      tf.zeros([h2]),
      tf.reshape(heNormal(rng, [h2, 1], h2), [-1]),
      tf.zeros([1]),
    ]),
  );
}

/**
 * θ for every (patch, class): [B·K, |θ|]. `textPos`, `textShape` [K, textDim]; `deepest` [B, d, h, w, Cd].
 * The controller is a two-layer MLP with a ReLU.
 */
export function controllerParams(p: Params, cfg: TakHeadConfig, textPos: tf.Tensor2D, textShape: tf.Tensor2D, deepest: tf.Tensor5D): tf.Tensor2D {
  return tf.tidy(() => {
    const B = deepest.shape[0];
    const K = cfg.numClasses;
    // F: global average pool of the deepest features, one vector per patch.
    const f = tf.mean(tf.reshape(deepest, [B, -1, cfg.deepChannels]), 1); // [B, Cd]
    const text = tf.concat([textPos, textShape], 1); // [K, 2T]
    const rows = tf.concat([tf.tile(tf.expandDims(text, 0), [B, 1, 1]), tf.tile(tf.expandDims(f, 1), [1, K, 1])], 2); // [B, K, 2T + Cd]
    const flat = tf.reshape(rows, [B * K, -1]) as tf.Tensor2D;
    const hidden = tf.relu(tf.add(tf.matMul(flat, p.get('tak.controller.fc1.w') as tf.Tensor2D), p.get('tak.controller.fc1.b')));
    return tf.add(tf.matMul(hidden as tf.Tensor2D, p.get('tak.controller.fc2.w') as tf.Tensor2D), p.get('tak.controller.fc2.b')) as tf.Tensor2D;
  });
}

/**
 * The dynamic head: logits [B, D, H, W, K] from the decoder's last features [B, D, H, W, C] and θ [B·K, |θ|]
 * (controllerParams). Written with rank-3 batched matmuls over flattened voxels, so nothing here is a rank-5
 * kernel (docs/WEBGPU.md traps "rank-1 at rank 5" and "Select at rank 5"); only the first and last reshapes
 * touch rank 5.
 */
export function dynamicHead(cfg: TakHeadConfig, features: tf.Tensor5D, theta: tf.Tensor2D): tf.Tensor5D {
  return tf.tidy(() => {
    const [B, D, H, W, C] = features.shape;
    const K = cfg.numClasses;
    const [h1, h2] = cfg.headChannels;
    const N = D * H * W;
    const th = tf.reshape(theta, [B, K, -1]);
    let o = 0;
    const take = (n: number): tf.Tensor3D => {
      const part = tf.slice(th, [0, 0, o], [B, K, n]);
      o += n;
      return part as tf.Tensor3D;
    };
    const w1 = take(C * h1);
    const b1 = take(h1);
    const w2 = take(h1 * h2);
    const b2 = take(h2);
    const w3 = take(h2);
    const b3 = take(1);
    const x = tf.reshape(features, [B, N, C]) as tf.Tensor3D;
    // Layer 1 for all classes of a patch in one matmul: [B, N, C] × [B, C, K·h1].
    const w1All = tf.reshape(tf.transpose(tf.reshape(w1, [B, K, C, h1]), [0, 2, 1, 3]), [B, C, K * h1]) as tf.Tensor3D;
    const a1 = tf.relu(tf.add(tf.matMul(x, w1All), tf.reshape(b1, [B, 1, K * h1])));
    // Layers 2 and 3 per (patch, class): [B·K, N, h1] × [B·K, h1, h2] × [B·K, h2, 1].
    const perClass = tf.reshape(tf.transpose(tf.reshape(a1, [B, N, K, h1]), [0, 2, 1, 3]), [B * K, N, h1]) as tf.Tensor3D;
    const a2 = tf.relu(tf.add(tf.matMul(perClass, tf.reshape(w2, [B * K, h1, h2]) as tf.Tensor3D), tf.reshape(b2, [B * K, 1, h2])));
    const out = tf.add(tf.matMul(a2 as tf.Tensor3D, tf.reshape(w3, [B * K, h2, 1]) as tf.Tensor3D), tf.reshape(b3, [B * K, 1, 1]));
    const logits = tf.transpose(tf.reshape(out, [B, K, N]), [0, 2, 1]);
    return tf.reshape(logits, [B, D, H, W, K]) as tf.Tensor5D;
  });
}

/** Class logits from TAK's head in one call: controller, then dynamic head. */
export function takLogits(
  p: Params,
  cfg: TakHeadConfig,
  textPos: tf.Tensor2D,
  textShape: tf.Tensor2D,
  deepest: tf.Tensor5D,
  features: tf.Tensor5D,
): tf.Tensor5D {
  return tf.tidy(() => dynamicHead(cfg, features, controllerParams(p, cfg, textPos, textShape, deepest)));
}
