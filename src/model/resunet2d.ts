import * as tf from '@tensorflow/tfjs';
import type { Random } from '../data/random.ts';
import { conv2d, instanceNorm, leakyRelu, upsample2x } from './ops.ts';
import { heNormal, Params } from './params.ts';

/**
 * A 2D residual U-Net: an encoder of residual stages joined by strided convolutions, a decoder that upsamples
 * and merges the skip connection, and a 1×1 head giving one logit per class (background included).
 *
 *   stem 3×3 → [res] ─────────────────────────────skip───────────────────────────▶ [merge → res] → head 1×1
 *               ↓ 3×3 stride 2 → [res] ──────skip────────▶ [merge → res] ↑ up 2× + 3×3
 *                                ↓ … depth levels …          ↑
 *
 * Every convolution is followed by instance norm and leaky ReLU; a residual block is conv-IN-lReLU-conv-IN
 * plus its input, then lReLU. Inputs must have sides divisible by 2^depth.
 */
export interface ResUNet2DConfig {
  /** 1 for grey images, 3 for RGB. */
  inChannels: number;
  /** Background plus each structure. */
  numClasses: number;
  /** Channels at full resolution; doubled at each level down, capped at 8× width. */
  width: number;
  /** Number of ×2 downsamplings (the input side must be divisible by 2^depth). */
  depth: number;
  /** Leaky ReLU slope for negative inputs (0.01 as in nnU-Net; 1 makes the network smooth, for gradient checks). */
  negativeSlope?: number;
}

export const DEFAULT_RESUNET2D: Omit<ResUNet2DConfig, 'inChannels' | 'numClasses'> = { width: 16, depth: 3 };

export function levelChannels(cfg: ResUNet2DConfig, level: number): number {
  return cfg.width * Math.min(8, 2 ** level);
}

function addConv(p: Params, rng: Random, name: string, k: number, cin: number, cout: number): void {
  p.add(`${name}.w`, heNormal(rng, [k, k, cin, cout], k * k * cin));
  p.add(`${name}.g`, tf.ones([1, 1, 1, cout]));
  p.add(`${name}.b`, tf.zeros([1, 1, 1, cout]));
}

function addResBlock(p: Params, rng: Random, name: string, c: number): void {
  addConv(p, rng, `${name}.c1`, 3, c, c);
  addConv(p, rng, `${name}.c2`, 3, c, c);
}

export function createResUNet2D(cfg: ResUNet2DConfig, rng: Random): Params {
  const p = new Params();
  const c0 = levelChannels(cfg, 0);
  addConv(p, rng, 'stem', 3, cfg.inChannels, c0);
  addResBlock(p, rng, 'enc0', c0);
  for (let d = 1; d <= cfg.depth; d++) {
    addConv(p, rng, `down${d}`, 3, levelChannels(cfg, d - 1), levelChannels(cfg, d));
    addResBlock(p, rng, `enc${d}`, levelChannels(cfg, d));
  }
  for (let d = cfg.depth - 1; d >= 0; d--) {
    const c = levelChannels(cfg, d);
    addConv(p, rng, `up${d}`, 3, levelChannels(cfg, d + 1), c);
    addConv(p, rng, `merge${d}`, 3, 2 * c, c);
    addResBlock(p, rng, `dec${d}`, c);
  }
  p.add('head.w', heNormal(rng, [1, 1, c0, cfg.numClasses], c0));
  p.add('head.b', tf.zeros([1, 1, 1, cfg.numClasses]));
  return p;
}

function convNormAct(p: Params, name: string, x: tf.Tensor4D, slope: number, stride = 1, act = true): tf.Tensor4D {
  const y = instanceNorm(conv2d(x, p.get(`${name}.w`) as tf.Tensor4D, stride, 'same'), p.get(`${name}.g`), p.get(`${name}.b`));
  return (act ? leakyRelu(y, slope) : y) as tf.Tensor4D;
}

function resBlock(p: Params, name: string, x: tf.Tensor4D, slope: number): tf.Tensor4D {
  const y = convNormAct(p, `${name}.c2`, convNormAct(p, `${name}.c1`, x, slope), slope, 1, false);
  return leakyRelu(tf.add(x, y), slope) as tf.Tensor4D;
}

/** Logits [B, H, W, numClasses] for images [B, H, W, inChannels]. */
export function resUNet2D(p: Params, cfg: ResUNet2DConfig, x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  const unit = 2 ** cfg.depth;
  if (h % unit !== 0 || w % unit !== 0) throw new Error(`input ${h}×${w} is not divisible by 2^depth = ${unit}`);
  const a = cfg.negativeSlope ?? 0.01;
  const skips: tf.Tensor4D[] = [];
  let t = resBlock(p, 'enc0', convNormAct(p, 'stem', x, a), a);
  for (let d = 1; d <= cfg.depth; d++) {
    skips.push(t);
    t = resBlock(p, `enc${d}`, convNormAct(p, `down${d}`, t, a, 2), a);
  }
  for (let d = cfg.depth - 1; d >= 0; d--) {
    const up = convNormAct(p, `up${d}`, upsample2x(t), a);
    t = resBlock(p, `dec${d}`, convNormAct(p, `merge${d}`, tf.concat([up, skips[d]!], 3), a), a);
  }
  return tf.add(conv2d(t, p.get('head.w') as tf.Tensor4D, 1, 'same'), p.get('head.b')) as tf.Tensor4D;
}
