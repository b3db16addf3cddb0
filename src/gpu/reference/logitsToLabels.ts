/**
 * CPU twin of shaders/logits_to_labels.wgsl, the spec it is checked against: the label of voxel v of [n, K]
 * class-last values is the first class with the largest value (strict >, as argmaxClasses), and the labels are
 * packed four per u32, byte j (little-endian) of word w holding voxel 4w + j, the unused bytes of the last word 0.
 */
export function logitsToLabelsReference(logits: Float32Array, K: number): Uint32Array {
  if (!(K >= 1 && K <= 256) || logits.length % K !== 0) throw new Error(`logitsToLabelsReference: ${logits.length} values, K = ${K} (1 ≤ K ≤ 256)`);
  const n = logits.length / K;
  const words = new Uint32Array(Math.ceil(n / 4));
  for (let v = 0; v < n; v++) {
    let best = 0;
    for (let c = 1; c < K; c++) if (logits[v * K + c]! > logits[v * K + best]!) best = c;
    words[v >> 2] = (words[v >> 2]! | (best << (8 * (v & 3)))) >>> 0;
  }
  return words;
}
