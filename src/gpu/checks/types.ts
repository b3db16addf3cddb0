/**
 * A kernel check: run our kernel, tfjs's kernel (or tfjs-op route) and the CPU reference on one case, and
 * compare. The same checks run in Node (vitest, Dawn + SwiftShader) and in Chromium (kernels.html, driven by
 * e2e/kernels.spec.ts), each under a WebGPU validation error scope, so a kernel is proven on both.
 */

/** |a − b| ≤ abs + rel · max|reference| elementwise. */
export interface Tolerance {
  abs: number;
  rel: number;
}

export interface Comparison {
  /** What was compared, e.g. "Conv3D 2×9×10×11×3 k3 s2 same: ∂x". */
  name: string;
  ours: Float32Array;
  /** tfjs's own kernel on the same inputs (custom kernels switched off), or null where tfjs has none. */
  tfjs: Float32Array | null;
  /** The CPU reference: the spec. */
  reference: Float32Array;
  tolerance: Tolerance;
}

export interface KernelCheck {
  /** Group name, e.g. "Conv3D". */
  kernel: string;
  /** Case name with its shape, stride and padding. */
  name: string;
  /** Runs on the active webgpu backend with custom kernels installed; restores the switch it found. */
  run(): Promise<Comparison[]>;
}

export interface ComparisonResult {
  name: string;
  ok: boolean;
  /** Largest |ours − reference| and its allowed bound. */
  oursErr: number;
  tfjsErr: number | null;
  bound: number;
  length: number;
}

export function maxAbs(values: Float32Array): number {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  return m;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return m;
}

/** Judges one comparison: ours against the reference (and tfjs against it, so a wrong reference shows). */
export function judge(c: Comparison): ComparisonResult {
  const bound = c.tolerance.abs + c.tolerance.rel * maxAbs(c.reference);
  const oursErr = maxAbsDiff(c.ours, c.reference);
  const tfjsErr = c.tfjs ? maxAbsDiff(c.tfjs, c.reference) : null;
  const ok = oursErr <= bound && (tfjsErr === null || tfjsErr <= bound);
  return { name: c.name, ok, oursErr, tfjsErr, bound, length: c.reference.length };
}
