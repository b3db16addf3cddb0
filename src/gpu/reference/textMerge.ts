/**
 * CPU twin of shaders/text_merge.wgsl, the spec it is checked against (PromptSSL eq 13, DuSSS eq 16), in float64:
 * for each voxel of [n, K] class-last maps, p = σ(z_t + y_text) with σ softmax over classes or sigmoid per class;
 * confidence = max_c p_c; entropy = −Σ_{q_c > 1e-12} q_c log q_c / log K (0 for K = 1), with q = p for softmax and
 * q = p / max(Σ p, 1e-6) for sigmoid — the normalised entropy of the live uncertainty layer (uncertaintyBytes),
 * 0 = certain, 1 = uniform.
 */

export type MergeForm = 'softmax' | 'sigmoid';

export interface TextMergeMaps {
  /** [n, K]. */
  probs: Float32Array;
  /** [n]. */
  confidence: Float32Array;
  /** [n], in [0, 1]. */
  entropy: Float32Array;
}

const EPS = 1e-6;
const TINY = 1e-12;

export function textMergeReference(logits: Float32Array, text: Float32Array, K: number, merge: MergeForm): TextMergeMaps {
  if (logits.length !== text.length || logits.length % K !== 0)
    throw new Error(`textMergeReference: ${logits.length} logits, ${text.length} text values, K = ${K}`);
  const n = logits.length / K;
  const probs = new Float32Array(n * K);
  const confidence = new Float32Array(n);
  const entropy = new Float32Array(n);
  const p = new Float64Array(K);
  for (let v = 0; v < n; v++) {
    let sum = 0;
    if (merge === 'softmax') {
      let m = -Infinity;
      for (let c = 0; c < K; c++) m = Math.max(m, logits[v * K + c]! + text[v * K + c]!);
      for (let c = 0; c < K; c++) sum += p[c] = Math.exp(logits[v * K + c]! + text[v * K + c]! - m);
      for (let c = 0; c < K; c++) p[c]! /= sum;
      sum = 1;
    } else {
      for (let c = 0; c < K; c++) sum += p[c] = 1 / (1 + Math.exp(-(logits[v * K + c]! + text[v * K + c]!)));
      sum = Math.max(sum, EPS);
    }
    let best = 0;
    let h = 0;
    for (let c = 0; c < K; c++) {
      probs[v * K + c] = p[c]!;
      best = Math.max(best, p[c]!);
      const q = p[c]! / sum;
      if (q > TINY) h -= q * Math.log(q);
    }
    confidence[v] = best;
    entropy[v] = K > 1 ? h / Math.log(K) : 0;
  }
  return { probs, confidence, entropy };
}
