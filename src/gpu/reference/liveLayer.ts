import { logitsToLabelsReference } from './logitsToLabels.ts';

/**
 * CPU twin of shaders/logits_to_live_layer.wgsl, the spec it is checked against: labels as logitsToLabelsReference;
 * uncertainty of pixel v = min(255, ⌊255 · H / ln K + 0.5⌋), H the entropy of softmax(z_v) computed in float64
 * (0 for K = 1), packed four bytes per u32 little-endian like the labels.
 */
export function liveLayerReference(logits: Float32Array, K: number): { labels: Uint32Array; uncertainty: Uint32Array } {
  const labels = logitsToLabelsReference(logits, K);
  const n = logits.length / K;
  const uncertainty = new Uint32Array(Math.ceil(n / 4));
  for (let v = 0; v < n; v++) {
    let m = -Infinity;
    for (let c = 0; c < K; c++) m = Math.max(m, logits[v * K + c]!);
    let s = 0;
    for (let c = 0; c < K; c++) s += Math.exp(logits[v * K + c]! - m);
    let h = 0;
    for (let c = 0; c < K; c++) {
      const q = Math.exp(logits[v * K + c]! - m) / s;
      if (q > 0) h -= q * Math.log(q);
    }
    const byte = K > 1 ? Math.min(255, Math.floor((255 * h) / Math.log(K) + 0.5)) : 0;
    uncertainty[v >> 2] = (uncertainty[v >> 2]! | (byte << (8 * (v & 3)))) >>> 0;
  }
  return { labels, uncertainty };
}
