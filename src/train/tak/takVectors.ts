/** TAK's class prompts as vectors, background first: T_k^p and T_k^s of every class k, [K, dim] row-major. */
export interface TakTextVectors {
  dim: number;
  position: Float32Array;
  shape: Float32Array;
  /** Who made them (shown to the user and kept in the checkpoint). */
  encoder: string;
}
