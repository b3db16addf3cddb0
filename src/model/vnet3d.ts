import * as tf from '@tensorflow/tfjs';
import type { Random } from '../data/random.ts';
import { instanceNorm, leakyRelu } from './ops.ts';
import { conv3d, upConv3d, type Strides3D } from './ops3d.ts';
import { heNormal, Params } from './params.ts';

/**
 * A 3D V-Net (Milletari et al. 2016, "V-Net: Fully Convolutional Neural Networks for Volumetric Medical Image
 * Segmentation") in the residual, instance-normalised form nnU-Net made standard. Volumes are NDHWC with
 * D = slice axis k, H = j, W = i.
 *
 *   stem 3³ → [res] ───────────────────────────────────skip──────────────────────────────────▶ [cat → 3³ → res] → head 1³
 *              ↓ down s₁ (kernel = stride) → [res] ────skip───────────▶ [cat → 3³ → res] ↑ up s₁ (transposed)
 *                                             ↓ … depth levels …        ↑
 *
 * Choices, and why:
 * - Channels width·2^level, capped at 8·width (as ResUNet2D): the deepest levels of a 3D net hold few voxels but
 *   their weights grow as channels², and browser GPUs run out of memory before they run out of depth.
 * - Down-sampling by a convolution whose kernel equals its stride (2×2×2, or 1×2×2 on an anisotropic level), as in
 *   the original V-Net: it does not overlap, so it and its transposed twin are block matrix products (ops3d.ts),
 *   fast on every backend and with gradients everywhere (tfjs 4.22's conv3dTranspose has none). Per-level
 *   strides let a thick-slice volume stop halving its slice axis while the in-plane axes go on.
 * - One residual block per stage (conv-IN-lReLU-conv-IN plus the input, then lReLU): V-Net's residual stages with
 *   the normalisation it lacked, which small batches need.
 * - Skips by concatenation, merged by a 3×3×3 conv: the decoder weighs encoder detail against upsampled context
 *   instead of being forced to add them, and the 3D net reads like the 2D one.
 * - Instance norm, not batch norm: no running statistics (the EMA teacher needs only weights), batch size 1 works,
 *   and tfjs's batchNorm is wrong at rank 5 on WebGPU (WEBGPU.md trap "batch norm at rank 5").
 * Per-channel scales, shifts and the head bias are shaped [1,1,1,1,C], never rank 1 (WEBGPU.md
 * trap "rank-1 at rank 5").
 */
export interface VNet3DConfig {
  /** Image channels (1 for CT/MR, more for multi-modal volumes). */
  inChannels: number;
  /** Background plus each structure. */
  numClasses: number;
  /** Channels at full resolution; doubled at each level down, capped at 8× width. */
  width: number;
  /** Number of down-samplings. */
  depth: number;
  /** Stride of each down-sampling, level 1 first ([2,2,2] for every level if absent). */
  strides?: Strides3D[];
  /** Leaky ReLU slope for negative inputs (0.01 as in nnU-Net; 1 makes the network smooth, for gradient checks). */
  negativeSlope?: number;
}

/** What TAK reads besides the logits: multi-scale encoder features and the last decoder features. */
export interface VNet3DOutputs {
  /** Output of each encoder stage, stage 0 at full resolution; the last is the deepest (bottleneck) features. */
  encoder: tf.Tensor5D[];
  /** Last decoder features (width channels, full resolution), the input of the 1×1×1 head. */
  decoder: tf.Tensor5D;
  /** [B, D, H, W, numClasses]. */
  logits: tf.Tensor5D;
}

export function vNet3DLevelChannels(cfg: VNet3DConfig, level: number): number {
  return cfg.width * Math.min(8, 2 ** level);
}

/** The stride of each down-sampling, checked: one positive integer triple per level. */
export function vNet3DStrides(cfg: VNet3DConfig): Strides3D[] {
  if (!Number.isInteger(cfg.depth) || cfg.depth < 0) throw new Error(`V-Net depth must be a non-negative integer, got ${cfg.depth}`);
  const strides = cfg.strides ?? Array.from({ length: cfg.depth }, (): Strides3D => [2, 2, 2]);
  if (strides.length !== cfg.depth) throw new Error(`V-Net has depth ${cfg.depth} but ${strides.length} strides`);
  for (const s of strides) {
    if (s.length !== 3 || !s.every((v) => Number.isInteger(v) && v >= 1)) throw new Error(`V-Net stride [${s.join(', ')}] is not three positive integers`);
  }
  return strides;
}

/** How much each axis [D, H, W] shrinks from the input to the deepest level: input sides must be multiples. */
export function vNet3DDivisor(cfg: VNet3DConfig): Strides3D {
  return vNet3DStrides(cfg).reduce((acc, s): Strides3D => [acc[0] * s[0], acc[1] * s[1], acc[2] * s[2]], [1, 1, 1]);
}

function volumeOf(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

function addConv(p: Params, rng: Random, name: string, kernel: Strides3D, cin: number, cout: number): void {
  p.add(`${name}.w`, heNormal(rng, [...kernel, cin, cout], volumeOf(kernel) * cin));
  p.add(`${name}.g`, tf.ones([1, 1, 1, 1, cout]));
  p.add(`${name}.b`, tf.zeros([1, 1, 1, 1, cout]));
}

function addResBlock(p: Params, rng: Random, name: string, c: number): void {
  addConv(p, rng, `${name}.c1`, [3, 3, 3], c, c);
  addConv(p, rng, `${name}.c2`, [3, 3, 3], c, c);
}

export function createVNet3D(cfg: VNet3DConfig, rng: Random): Params {
  const strides = vNet3DStrides(cfg);
  const ch = (level: number) => vNet3DLevelChannels(cfg, level);
  const p = new Params();
  addConv(p, rng, 'stem', [3, 3, 3], cfg.inChannels, ch(0));
  addResBlock(p, rng, 'enc0', ch(0));
  for (let d = 1; d <= cfg.depth; d++) {
    addConv(p, rng, `down${d}`, strides[d - 1]!, ch(d - 1), ch(d));
    addResBlock(p, rng, `enc${d}`, ch(d));
  }
  for (let d = cfg.depth - 1; d >= 0; d--) {
    const s = strides[d]!;
    // Transposed-conv layout [kd, kh, kw, out, in]; each output voxel sees exactly one input voxel, so fan-in = in.
    p.add(`up${d}.w`, heNormal(rng, [...s, ch(d), ch(d + 1)], ch(d + 1)));
    p.add(`up${d}.g`, tf.ones([1, 1, 1, 1, ch(d)]));
    p.add(`up${d}.b`, tf.zeros([1, 1, 1, 1, ch(d)]));
    addConv(p, rng, `merge${d}`, [3, 3, 3], 2 * ch(d), ch(d));
    addResBlock(p, rng, `dec${d}`, ch(d));
  }
  p.add('head.w', heNormal(rng, [1, 1, 1, ch(0), cfg.numClasses], ch(0)));
  p.add('head.b', tf.zeros([1, 1, 1, 1, cfg.numClasses]));
  return p;
}

/** Parameters of createVNet3D(cfg), from shapes alone: what a memory estimate needs before any tensor exists. */
export function vNet3DParamCount(cfg: VNet3DConfig): number {
  const strides = vNet3DStrides(cfg);
  const ch = (level: number) => vNet3DLevelChannels(cfg, level);
  const conv = (k: number, cin: number, cout: number) => k * cin * cout + 2 * cout;
  const res = (c: number) => 2 * conv(27, c, c);
  let n = conv(27, cfg.inChannels, ch(0)) + res(ch(0));
  for (let d = 1; d <= cfg.depth; d++) n += conv(volumeOf(strides[d - 1]!), ch(d - 1), ch(d)) + res(ch(d));
  for (let d = 0; d < cfg.depth; d++) n += conv(volumeOf(strides[d]!), ch(d + 1), ch(d)) + conv(27, 2 * ch(d), ch(d)) + res(ch(d));
  return n + ch(0) * cfg.numClasses + cfg.numClasses;
}

function normAct(p: Params, name: string, y: tf.Tensor5D, slope: number, act = true): tf.Tensor5D {
  const n = instanceNorm(y, p.get(`${name}.g`), p.get(`${name}.b`));
  return (act ? leakyRelu(n, slope) : n) as tf.Tensor5D;
}

function convNormAct(p: Params, name: string, x: tf.Tensor5D, slope: number, strides: Strides3D = [1, 1, 1], act = true): tf.Tensor5D {
  return normAct(p, name, conv3d(x, p.get(`${name}.w`) as tf.Tensor5D, strides, 'same'), slope, act);
}

function resBlock(p: Params, name: string, x: tf.Tensor5D, slope: number): tf.Tensor5D {
  const y = convNormAct(p, `${name}.c2`, convNormAct(p, `${name}.c1`, x, slope), slope, [1, 1, 1], false);
  return leakyRelu(tf.add(x, y), slope) as tf.Tensor5D;
}

function checkInput(cfg: VNet3DConfig, x: tf.Tensor5D): void {
  if (x.rank !== 5) throw new Error(`V-Net input must be [B, D, H, W, C], got rank ${x.rank}`);
  if (x.shape[4] !== cfg.inChannels) throw new Error(`V-Net expects ${cfg.inChannels} input channels, got ${x.shape[4]}`);
  const unit = vNet3DDivisor(cfg);
  const sides = x.shape.slice(1, 4);
  if (sides.some((n, a) => n % unit[a]! !== 0)) {
    throw new Error(`V-Net input ${sides.join('×')} (D×H×W) is not divisible by the product of its strides ${unit.join('×')}`);
  }
}

/**
 * [up, skip] along the channel axis, joined as [voxels, C] views: at rank 5 the gradient of the concatenation (a
 * split) ran through tfjs wasm's slow generic slice, a quarter of a 3D step on the CPU.
 */
function concatChannels(a: tf.Tensor5D, b: tf.Tensor5D): tf.Tensor5D {
  const [n, d, h, w, ca] = a.shape;
  const cb = b.shape[4];
  const joined = tf.concat([tf.reshape(a, [-1, ca]), tf.reshape(b, [-1, cb])], 1);
  return tf.reshape(joined, [n, d, h, w, ca + cb]) as tf.Tensor5D;
}

/** Logits, encoder stages and last decoder features for volumes [B, D, H, W, inChannels]. */
export function vNet3DForward(p: Params, cfg: VNet3DConfig, x: tf.Tensor5D): VNet3DOutputs {
  checkInput(cfg, x);
  const strides = vNet3DStrides(cfg);
  const a = cfg.negativeSlope ?? 0.01;
  const encoder: tf.Tensor5D[] = [resBlock(p, 'enc0', convNormAct(p, 'stem', x, a), a)];
  for (let d = 1; d <= cfg.depth; d++) {
    const down = normAct(p, `down${d}`, conv3d(encoder[d - 1]!, p.get(`down${d}.w`) as tf.Tensor5D, strides[d - 1]!, 'valid'), a);
    encoder.push(resBlock(p, `enc${d}`, down, a));
  }
  let t = encoder[cfg.depth]!;
  for (let d = cfg.depth - 1; d >= 0; d--) {
    const up = normAct(p, `up${d}`, upConv3d(t, p.get(`up${d}.w`) as tf.Tensor5D, strides[d]!), a);
    t = resBlock(p, `dec${d}`, convNormAct(p, `merge${d}`, concatChannels(up, encoder[d]!), a), a);
  }
  const logits = tf.add(conv3d(t, p.get('head.w') as tf.Tensor5D, [1, 1, 1], 'valid'), p.get('head.b')) as tf.Tensor5D;
  return { encoder, decoder: t, logits };
}

/** Logits [B, D, H, W, numClasses] for volumes [B, D, H, W, inChannels]. */
export function vNet3D(p: Params, cfg: VNet3DConfig, x: tf.Tensor5D): tf.Tensor5D {
  return vNet3DForward(p, cfg, x).logits;
}

/**
 * An estimate of the float32 activations one training forward pass of vNet3D holds: the feature maps it
 * allocates under a gradient tape, all still alive when it returns (tfjs frees what no gradient needs only when
 * the forward's scope ends; the backward pass then adds gradients of about the same sizes, and WebGPU's buffer
 * pool keeps freed buffers, so a GPU estimate should allow a multiple of this). Counted per feature map: a conv
 * or block-conv output; 6 for instance norm (tf.moments keeps x − μ and its square for their gradients, then
 * x − μ, ÷σ, ×γ, +β); 5 for leaky ReLU (relu, −x, relu(−x), its scaling, the difference); a residual sum; each
 * concatenation; each data-moving transpose of a block conv; the logits twice (product, + bias). Reshapes share
 * their input's buffer and are free; per-channel statistics, scalars, the input and the weights are left out.
 * Within a few per cent of the buffers the cpu backend allocates (vnet3d.node.test.ts).
 */
export function vNet3DActivationFloats(cfg: VNet3DConfig, patch: [number, number, number], batch: number): number {
  const strides = vNet3DStrides(cfg);
  const unit = vNet3DDivisor(cfg);
  if (patch.some((n, a) => n % unit[a]! !== 0))
    throw new Error(`patch ${patch.join('×')} is not divisible by the product of the V-Net's strides ${unit.join('×')}`);
  const NORM = 6;
  const ACT = 5;
  const CONV_UNIT = 1 + NORM + ACT;
  const RES_BLOCK = CONV_UNIT + (1 + NORM) + 1 + ACT;
  const sides: [number, number, number][] = [patch];
  for (const s of strides) {
    const prev = sides.at(-1)!;
    sides.push([prev[0] / s[0], prev[1] / s[1], prev[2] / s[2]]);
  }
  const voxels = (level: number) => batch * volumeOf(sides[level]!);
  const ch = (level: number) => vNet3DLevelChannels(cfg, level);
  // A block conv moves data along H when the block spans H and the width side is not 1, along D likewise.
  const transposes = (s: Strides3D, [, h, w]: [number, number, number]) => (s[1] > 1 && w > 1 ? 1 : 0) + (s[0] > 1 && h * w > 1 ? 1 : 0);
  let n = voxels(0) * ch(0) * (CONV_UNIT + RES_BLOCK);
  for (let d = 1; d <= cfg.depth; d++) {
    const s = strides[d - 1]!;
    n += voxels(d - 1) * ch(d - 1) * transposes(s, sides[d]!);
    n += voxels(d) * ch(d) * (1 + NORM + ACT + RES_BLOCK);
  }
  for (let d = 0; d < cfg.depth; d++) {
    const s = strides[d]!;
    const fine = voxels(d) * ch(d);
    n += fine * (1 + transposes(s, sides[d + 1]!) + NORM + ACT); // up-conv product, its transposes, IN, lReLU
    n += 2 * fine + fine * (CONV_UNIT + RES_BLOCK); // concatenation, merge conv, decoder block
  }
  return n + 2 * voxels(0) * cfg.numClasses;
}
