import type * as tf from '@tensorflow/tfjs';

/** One kernel at one shape, runnable with our kernels (on) or tfjs's (off), for scripts/bench-kernels. */
export interface BenchCase {
  /** Group, e.g. "Conv3D". */
  kernel: string;
  /** Shape in words, e.g. "x 8×32×48×32×16, k3 s1 same → 16". */
  name: string;
  /** Floating-point operations of one call (2 per multiply–add), for FLOP/s; null where it means little. */
  flops: number | null;
  /** Runs the kernel once; outputs are disposed by the timer. */
  run(on: boolean): tf.Tensor | tf.Tensor[] | void;
  /** Frees the inputs the case made. */
  dispose?(): void;
}
