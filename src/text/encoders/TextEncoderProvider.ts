/**
 * One shape for every text encoder the text-guided heads can use, so a head trained against one provider can be
 * pointed at another without knowing where the vectors come from:
 *   - `learned`: a small text transformer trained with the segmentation model, from our own vocabulary;
 *   - `pretrained`: a CLIP-family text tower run by transformers.js from model files the user supplies;
 *   - `import`: embeddings computed elsewhere and loaded from a file, looked up by text.
 *
 * Every vector a provider returns has unit L2 norm. Heads compare text and image features by dot product, and
 * a dot product of unit vectors is a cosine: without that promise the scale of one provider's vectors would
 * leak into the loss, and switching providers would silently change the effective learning rate.
 */
export interface TextEncoderProvider {
  /** Which of the three kinds this is; the UI and checkpoints record it. */
  readonly kind: 'learned' | 'pretrained' | 'import';
  /** A name for people (a model folder, a file name), shown beside the results it produced. */
  readonly name: string;
  /** Length of every vector `encode` returns. Fixed for the provider's lifetime. */
  readonly dim: number;
  /**
   * One unit-norm vector of length `dim` per text, in the order given. The same text always gives the same
   * vector from the same provider, whatever else is in the batch.
   */
  encode(texts: string[]): Promise<Float32Array[]>;
  /** Releases what the provider holds (sessions, GPU buffers); `encode` must not be called afterwards. */
  dispose(): void;
}

/**
 * Scales `v` in place to unit L2 norm and returns it. The sum runs in float64 so that a long vector of small
 * float32 entries keeps its precision. A zero (or non-finite) vector has no direction; it is an error rather
 * than a silent zero, because a zero text embedding makes every cosine zero and a head would train on nothing.
 */
export function l2Normalize(v: Float32Array): Float32Array {
  let sumSquares = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    sumSquares += x * x;
  }
  const norm = Math.sqrt(sumSquares);
  if (!(norm > 0) || !Number.isFinite(norm)) {
    throw new Error(`Cannot L2-normalise a vector of norm ${norm} (length ${v.length}).`);
  }
  const inv = 1 / norm;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  return v;
}
