import * as tf from '@tensorflow/tfjs';
import type { Random } from '../../data/random.ts';
import { heNormal, Params } from '../../model/params.ts';

/*
 * TAK's cross-modal contrastive alignment (the TAK paper, Gu et al., Sec. 3.3, eq 1–2). At several encoder stages i, up to λ_N voxel
 * features per class are drawn — from labeled voxels (labels brought down to the stage's grid) and from unlabeled
 * voxels whose teacher prediction is confident (low entropy, eq 1) — and joined by the class's position and shape
 * prompt embeddings mapped to the stage's width by MLPs: F_k^i = V_k^i ∪ {T_k^{p,i}, T_k^{s,i}}. Same class and stage
 * = positive pair, other class and same stage = negative pair; L_con is eq 2 over the union Ω of all of them.
 *
 * Sampling runs on the CPU over typed arrays (labels are there already; the teacher's probabilities are read back
 * once per step), so the GPU only gathers the chosen rows.
 */

/** Eq 1: H(p) = −Σ_c p_c log p_c per voxel, from probabilities [N, K] row-major. */
export function voxelEntropy(probs: Float32Array, K: number): Float32Array {
  const n = probs.length / K;
  const out = new Float32Array(n);
  for (let v = 0; v < n; v++) {
    let h = 0;
    for (let c = 0; c < K; c++) {
      const p = probs[v * K + c]!;
      if (p > 0) h -= p * Math.log(p);
    }
    out[v] = h;
  }
  return out;
}

export interface StageGrid {
  /** The patch at full resolution, [D, H, W]. */
  full: [number, number, number];
  /** The stage's feature grid, [d, h, w] (full divided by the cumulative strides). */
  stage: [number, number, number];
}

/** Voxels of one batch element, at full resolution, that may be sampled for a class. */
export interface VoxelSource {
  /** Class per voxel: ground truth for labeled patches, the teacher's argmax for unlabeled ones. */
  classes: Uint8Array;
  /** 1 where the voxel may be drawn: labeled (mask) or confident (entropy below the threshold). */
  eligible: Uint8Array;
}

export interface StageSample {
  /** Row indices into the stage features flattened to [B·d·h·w, C]. */
  rows: Int32Array;
  /** Class of each row. */
  classes: Int32Array;
}

/**
 * Up to `perClass` (λ_N) voxels of each of `classes` at one stage, drawn without replacement across the batch. A
 * stage cell stands for the full-resolution voxel at its centre (nearest-neighbour downsampling of the labels, as
 * the paper's "downsample the label to the appropriate size").
 */
export function sampleStageVoxels(sources: readonly VoxelSource[], grid: StageGrid, classes: readonly number[], perClass: number, rng: Random): StageSample {
  const [D, H, W] = grid.full;
  const [d, h, w] = grid.stage;
  const [sd, sh, sw] = [D / d, H / h, W / w];
  const candidates = new Map<number, number[]>(classes.map((c) => [c, []]));
  sources.forEach((src, b) => {
    for (let z = 0; z < d; z++) {
      const fz = Math.min(D - 1, Math.floor(z * sd + sd / 2));
      for (let y = 0; y < h; y++) {
        const fy = Math.min(H - 1, Math.floor(y * sh + sh / 2));
        for (let x = 0; x < w; x++) {
          const fx = Math.min(W - 1, Math.floor(x * sw + sw / 2));
          const p = (fz * H + fy) * W + fx;
          if (!src.eligible[p]) continue;
          candidates.get(src.classes[p]!)?.push(((b * d + z) * h + y) * w + x);
        }
      }
    }
  });
  const rows: number[] = [];
  const cls: number[] = [];
  for (const c of classes) {
    const pool = candidates.get(c)!;
    // Partial Fisher–Yates: the first `take` entries become a uniform sample without replacement.
    const take = Math.min(perClass, pool.length);
    for (let n = 0; n < take; n++) {
      const m = n + Math.floor(rng.uniform() * (pool.length - n));
      [pool[n], pool[m]] = [pool[m]!, pool[n]!];
      rows.push(pool[n]!);
      cls.push(c);
    }
  }
  return { rows: Int32Array.from(rows), classes: Int32Array.from(cls) };
}

/**
 * tf.gather of rows with its gradient written as a scatter: tfjs's own gather gradient is UnsortedSegmentSum, which
 * the WASM backend lacks. Rows are distinct (sampled without replacement), so the scatter has no duplicates.
 */
export function gatherRows(x: tf.Tensor2D, rows: Int32Array): tf.Tensor2D {
  const op = tf.customGrad((xIn, save) => {
    const xs = xIn as tf.Tensor2D;
    (save as tf.GradSaveFunc)([]);
    const idx = tf.tensor1d(rows, 'int32');
    const value = tf.gather(xs, idx);
    idx.dispose();
    return {
      value,
      gradFunc: (dy) => {
        const at = tf.tensor2d(rows, [rows.length, 1], 'int32');
        const g = tf.scatterND(at, dy as tf.Tensor2D, xs.shape);
        at.dispose();
        return [g];
      },
    };
  });
  return op(x) as tf.Tensor2D;
}

export interface ContrastOptions {
  /** Temperature τ of eq 2 (the paper gives none; 0.1 is the usual choice for L2-normalised features). */
  tau: number;
  /**
   * 'negatives': eq 2 as written, log Σ_P exp / Σ_N exp. 'all': the supervised-contrastive reading whose
   * denominator also holds the positives (bounded below by 0); kept as a switch.
   */
  denominator: 'negatives' | 'all';
}

/**
 * Eq 2: L_con = −(1/|Ω|) Σ_{f∈Ω} log [Σ_{f_p∈P(f)} exp(f·f_p/τ) / Σ_{f_n∈N(f)} exp(f·f_n/τ)] over the embeddings of
 * one stage (visual samples and prompt embeddings together), L2-normalised here. P(f): other members of f's class
 * (f itself excluded); N(f): members of other classes. An f with no positive or no negative has no term and is not
 * counted in |Ω|. Returns 0 when no f has both.
 */
export function contrastiveLoss(features: tf.Tensor2D, classes: Int32Array, opts: ContrastOptions): tf.Scalar {
  const m = classes.length;
  const pos = new Float32Array(m * m);
  const neg = new Float32Array(m * m);
  const anchor = new Float32Array(m);
  for (let a = 0; a < m; a++) {
    let np = 0;
    let nn = 0;
    for (let b = 0; b < m; b++) {
      if (a === b) continue;
      if (classes[a] === classes[b]) {
        pos[a * m + b] = 1;
        np++;
      } else {
        neg[a * m + b] = 1;
        nn++;
      }
    }
    anchor[a] = np > 0 && nn > 0 ? 1 : 0;
  }
  const count = anchor.reduce((s, x) => s + x, 0);
  if (count === 0) return tf.scalar(0);
  return tf.tidy(() => {
    const z = tf.div(features, tf.add(tf.norm(features, 'euclidean', 1, true), 1e-8));
    const sim = tf.div(tf.matMul(z, z, false, true), opts.tau); // [m, m]
    // Masks built on the JS side (WEBGPU.md trap 4: no casts feeding transposes); masked entries get −∞-like logits.
    const P = tf.tensor2d(pos, [m, m]);
    const N = tf.tensor2d(opts.denominator === 'all' ? pos.map((x, n) => x + neg[n]!) : neg, [m, m]);
    const lse = (mask: tf.Tensor2D): tf.Tensor => tf.logSumExp(tf.add(sim, tf.mul(tf.sub(mask, 1), 1e4)), 1);
    const perAnchor = tf.sub(lse(N), lse(P)); // −log(Σ_P / Σ_N)
    return tf.div(tf.sum(tf.mul(perAnchor, tf.tensor1d(anchor))), count) as tf.Scalar;
  });
}

export interface AlignmentConfig {
  /** Encoder stages aligned (0 = full resolution). */
  stages: number[];
  /** λ_N: visual samples per class and stage (TAK: 40). */
  samplesPerClass: number;
  /** Unlabeled voxels qualify when H(p) ≤ this fraction of log K (eq 1's "higher entropy … exclude"). */
  entropyThreshold: number;
  contrast: ContrastOptions;
}

/**
 * The MLPs that map T_k^p and T_k^s to each aligned stage's width (Sec. 3.3: "applying an MLP to T_k^p, T_k^s, we
 * map them into the corresponding dimensions"): Linear → ReLU → Linear, one pair per stage.
 */
export function createTextProjections(
  textDim: number,
  stageChannels: readonly number[],
  stages: readonly number[],
  rng: Random,
  p: Params = new Params(),
): Params {
  for (const s of stages) {
    const c = stageChannels[s]!;
    for (const kind of ['pos', 'shape']) {
      p.add(`tak.proj${s}.${kind}.w1`, heNormal(rng, [textDim, c], textDim));
      p.add(`tak.proj${s}.${kind}.b1`, tf.zeros([1, c]));
      p.add(`tak.proj${s}.${kind}.w2`, heNormal(rng, [c, c], c));
      p.add(`tak.proj${s}.${kind}.b2`, tf.zeros([1, c]));
    }
  }
  return p;
}

export function projectText(p: Params, stage: number, kind: 'pos' | 'shape', text: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const h = tf.relu(tf.add(tf.matMul(text, p.get(`tak.proj${stage}.${kind}.w1`) as tf.Tensor2D), p.get(`tak.proj${stage}.${kind}.b1`)));
    return tf.add(tf.matMul(h as tf.Tensor2D, p.get(`tak.proj${stage}.${kind}.w2`) as tf.Tensor2D), p.get(`tak.proj${stage}.${kind}.b2`)) as tf.Tensor2D;
  });
}

/**
 * L_con of one stage from its student features [B, d, h, w, C], the drawn rows, and the class prompts: the visual
 * rows of `sample` plus T_k^{p,i} and T_k^{s,i} of every class in `classes` (prompt rows carry their class too).
 */
export function stageAlignmentLoss(
  proj: Params,
  stage: number,
  features: tf.Tensor5D,
  sample: StageSample,
  textPos: tf.Tensor2D,
  textShape: tf.Tensor2D,
  classes: readonly number[],
  opts: ContrastOptions,
): tf.Scalar {
  return tf.tidy(() => {
    const C = features.shape[4];
    const flat = tf.reshape(features, [-1, C]) as tf.Tensor2D;
    const idx = tf.tensor1d(Int32Array.from(classes), 'int32');
    const tp = projectText(proj, stage, 'pos', tf.gather(textPos, idx) as tf.Tensor2D);
    const ts = projectText(proj, stage, 'shape', tf.gather(textShape, idx) as tf.Tensor2D);
    const parts: tf.Tensor2D[] = [tp, ts];
    if (sample.rows.length > 0) parts.unshift(gatherRows(flat, sample.rows));
    const all = tf.concat(parts, 0) as tf.Tensor2D;
    const cls = Int32Array.from([...sample.classes, ...classes, ...classes]);
    return contrastiveLoss(all, cls, opts);
  });
}
