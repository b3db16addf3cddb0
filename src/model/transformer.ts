import * as tf from '@tensorflow/tfjs';
import type { Random } from '../data/random.ts';
import { heNormal, type Params } from './params.ts';

/*
 * Transformer building blocks (Vaswani et al. 2017) as functions of a Params, in the pre-norm arrangement of
 * ViT (Dosovitskiy et al. 2021, eq 2–3): x ← x + MSA(LN(x)); x ← x + MLP(LN(x)).
 *
 * Shapes stay at rank ≤ 4 (WEBGPU.md trap "rank-1 at rank 5"): a dense layer or a layer norm flattens its input to
 * [N, features] and reshapes back, so their per-feature weights are [1, features] and meet only rank-2
 * tensors; attention works on [B, heads, L, L]. Every op used has a gradient on cpu, wasm and webgpu.
 */

/** LeCun-normal weights (std 1/√fanIn): keeps the variance of a linear map, as attention projections want. */
function lecunNormal(rng: Random, shape: number[], fanIn: number): tf.Tensor {
  return heNormal(rng, shape, 2 * fanIn);
}

/**
 * N(0, std²) from our seeded PRNG. BERT and ViT initialise token, position and [CLS] embeddings with std 0.02:
 * small next to the unit-scale features the first layer norm produces.
 */
export function smallNormal(rng: Random, shape: number[], std = 0.02): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.normal() * std;
  return tf.tensor(values, shape);
}

function lastDim(x: tf.Tensor): number {
  const d = x.shape[x.rank - 1];
  if (d === undefined) throw new Error('a scalar has no feature axis');
  return d;
}

/** [..., d] → [N, d], the form every per-feature op below works on. */
function flatten(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape(x, [-1, lastDim(x)]);
}

/**
 * A dense layer's weights. `init` picks the variance: 'lecun' (std 1/√din) for linear maps and projections,
 * 'he' (std √(2/din)) before a GELU, whose gain is close to ReLU's.
 */
export function addDense(p: Params, rng: Random, name: string, din: number, dout: number, init: 'lecun' | 'he' = 'lecun'): void {
  p.add(`${name}.w`, init === 'he' ? heNormal(rng, [din, dout], din) : lecunNormal(rng, [din, dout], din));
  p.add(`${name}.b`, tf.zeros([1, dout]));
}

/** Weights of a linear map without bias (see the key projection below). */
export function addLinear(p: Params, rng: Random, name: string, din: number, dout: number): void {
  p.add(`${name}.w`, lecunNormal(rng, [din, dout], din));
}

function matMulLastAxis(p: Params, name: string, x: tf.Tensor, bias: boolean): tf.Tensor {
  const w = p.get(`${name}.w`) as tf.Tensor2D;
  const din = lastDim(x);
  if (w.shape[0] !== din) throw new Error(`${name}: input has ${din} features, the layer expects ${w.shape[0]}`);
  const xw = tf.matMul(flatten(x), w);
  return tf.reshape(bias ? tf.add(xw, p.get(`${name}.b`)) : xw, [...x.shape.slice(0, -1), w.shape[1]]);
}

/** x·W + b over the last axis, for any leading shape. */
export function dense(p: Params, name: string, x: tf.Tensor): tf.Tensor {
  return matMulLastAxis(p, name, x, true);
}

/** x·W over the last axis, for any leading shape. */
export function linear(p: Params, name: string, x: tf.Tensor): tf.Tensor {
  return matMulLastAxis(p, name, x, false);
}

export function addLayerNorm(p: Params, name: string, dim: number): void {
  p.add(`${name}.g`, tf.ones([1, dim]));
  p.add(`${name}.b`, tf.zeros([1, dim]));
}

/** Layer normalisation (Ba et al. 2016) over the last axis with a learned per-feature gain and bias. */
export function layerNorm(p: Params, name: string, x: tf.Tensor, eps = 1e-5): tf.Tensor {
  const flat = flatten(x);
  const { mean, variance } = tf.moments(flat, 1, true);
  const normed = tf.mul(tf.sub(flat, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.reshape(tf.add(tf.mul(normed, p.get(`${name}.g`)), p.get(`${name}.b`)), x.shape);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU, x·Φ(x) (Hendrycks & Gimpel 2016). tfjs 4.22 has no GELU op. The default is the paper's tanh
 * approximation 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))), used by BERT and GPT-2: it is built from tanh and
 * products only (x³ as x·x·x, not pow, whose gradient goes through Select). `approximate = false` gives the
 * exact form through tf.erf, itself a polynomial approximation in tfjs.
 */
export function gelu(x: tf.Tensor, approximate = true): tf.Tensor {
  if (!approximate) return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  const cubic = tf.mul(tf.mul(tf.mul(x, x), x), 0.044715);
  const inner = tf.mul(tf.add(x, cubic), SQRT_2_OVER_PI);
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

export function addMultiHeadSelfAttention(p: Params, rng: Random, name: string, dim: number, heads: number): void {
  if (dim % heads !== 0) throw new Error(`${name}: width ${dim} is not divisible by ${heads} heads`);
  // Separate projections rather than one fused [dim, 3·dim] matmul: splitting the fused output along its last
  // axis is a strided copy that cost more than the matmul itself on the cpu backend, for the same FLOPs.
  // The key projection has no bias: it would add q·b_k to every score of a query alike, which softmax
  // cancels, so it could never receive a gradient.
  addDense(p, rng, `${name}.q`, dim, dim);
  addLinear(p, rng, `${name}.k`, dim, dim);
  addDense(p, rng, `${name}.v`, dim, dim);
  addDense(p, rng, `${name}.out`, dim, dim);
}

/**
 * Additive attention bias from a key padding mask [B, L] (1 = real token, 0 = padding): 0 for real keys,
 * −1e9 for padded ones, shaped [B, 1, 1, L] to broadcast over heads and queries. exp(−1e9 − max) is exactly 0
 * in float32, so padded keys get exactly zero weight and appending padding changes no real token's output.
 * The mask is built as float32 on the JS side: a tensor cast from int or bool can break a later transpose
 * (WEBGPU.md trap "cast then transpose").
 */
export function keyPaddingBias(keyMask: tf.Tensor2D): tf.Tensor4D {
  const [b, l] = keyMask.shape;
  return tf.reshape(tf.mul(tf.sub(1, keyMask), -1e9), [b, 1, 1, l]);
}

/**
 * Multi-head scaled dot-product self-attention (Vaswani et al. 2017, eq 1): softmax(QKᵀ/√d_h + mask)·V per
 * head, heads concatenated and projected. x: [B, L, dim]; keyMask: [B, L], 1 = attend, 0 = padding.
 */
export function multiHeadSelfAttention(p: Params, name: string, x: tf.Tensor3D, heads: number, keyMask?: tf.Tensor2D): tf.Tensor3D {
  const [b, l, d] = x.shape;
  if (d % heads !== 0) throw new Error(`${name}: width ${d} is not divisible by ${heads} heads`);
  if (keyMask && (keyMask.shape[0] !== b || keyMask.shape[1] !== l)) {
    throw new Error(`${name}: key mask is ${keyMask.shape.join('×')}, tokens are ${b}×${l}`);
  }
  const dh = d / heads;
  const toHeads = (t: tf.Tensor): tf.Tensor4D => tf.transpose(tf.reshape(t, [b, l, heads, dh]), [0, 2, 1, 3]);
  const q = toHeads(dense(p, `${name}.q`, x));
  const k = toHeads(linear(p, `${name}.k`, x));
  const v = toHeads(dense(p, `${name}.v`, x));
  // Scaling q (B·L·d values) is cheaper than scaling the scores (B·heads·L² values) and is the same product.
  let scores: tf.Tensor = tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)), k, false, true); // [B, h, L, L]
  if (keyMask) scores = tf.add(scores, keyPaddingBias(keyMask));
  const attended = tf.matMul(tf.softmax(scores), v); // [B, h, L, dh]
  const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [b, l, d]);
  return dense(p, `${name}.out`, merged) as tf.Tensor3D;
}

export function addMlp(p: Params, rng: Random, name: string, dim: number, hidden: number): void {
  addDense(p, rng, `${name}.fc1`, dim, hidden, 'he');
  addDense(p, rng, `${name}.fc2`, hidden, dim);
}

/** The position-wise feed-forward network: dense → GELU (tanh form) → dense. */
export function mlp(p: Params, name: string, x: tf.Tensor): tf.Tensor {
  return dense(p, `${name}.fc2`, gelu(dense(p, `${name}.fc1`, x)));
}

/** A pre-norm transformer block's weights; the MLP is mlpRatio·dim wide (4 in ViT and BERT). */
export function addTransformerBlock(p: Params, rng: Random, name: string, dim: number, heads: number, mlpRatio: number): void {
  addLayerNorm(p, `${name}.ln1`, dim);
  addMultiHeadSelfAttention(p, rng, `${name}.attn`, dim, heads);
  addLayerNorm(p, `${name}.ln2`, dim);
  addMlp(p, rng, `${name}.mlp`, dim, Math.round(mlpRatio * dim));
}

/** x + MSA(LN(x)), then + MLP(LN(·)) (ViT eq 2–3). x: [B, L, dim]; keyMask: [B, L] float, 1 = real token. */
export function transformerBlock(p: Params, name: string, x: tf.Tensor3D, heads: number, keyMask?: tf.Tensor2D): tf.Tensor3D {
  const h = tf.add(x, multiHeadSelfAttention(p, `${name}.attn`, layerNorm(p, `${name}.ln1`, x) as tf.Tensor3D, heads, keyMask));
  return tf.add(h, mlp(p, `${name}.mlp`, layerNorm(p, `${name}.ln2`, h))) as tf.Tensor3D;
}

/** Parameters of one block, for tests and the model-size estimate: 12·dim² + 12·dim at mlpRatio 4. */
export function transformerBlockParamCount(dim: number, mlpRatio: number): number {
  const hidden = Math.round(mlpRatio * dim);
  return 2 * dim + (dim * dim + dim) + dim * dim + (dim * dim + dim) + (dim * dim + dim) + 2 * dim + (dim * hidden + hidden) + (hidden * dim + dim);
}
