import * as tf from '@tensorflow/tfjs';
import type { BenchCase } from './types.ts';

/**
 * The reductions of the default configurations, at their real shapes: instance-norm moments (Mean over the
 * spatial axes, keepDims) and broadcast gradients (Sum over all axes but the channels) at every level of the
 * V-Net (width 16, depth 3, 32×48×32, batch 8) and of the ResUNet (width 16, depth 3, 256², batch 8). Inputs are
 * made on first use and freed by dispose.
 */

interface Shape {
  kernel: 'Sum' | 'Mean';
  label: string;
  shape: number[];
  axes: number[];
}

function benchCase(s: Shape): BenchCase {
  let x: tf.Tensor | null = null;
  return {
    kernel: s.kernel,
    name: `${s.label}: ${s.shape.join('×')} over [${s.axes.join(', ')}]`,
    flops: null,
    run(): tf.Tensor {
      x ??= tf.keep(tf.randomNormal(s.shape));
      return s.kernel === 'Mean' ? tf.mean(x, s.axes, true) : tf.sum(x, s.axes);
    },
    dispose(): void {
      x?.dispose();
      x = null;
    },
  };
}

function shapes(): Shape[] {
  const out: Shape[] = [];
  for (let level = 0; level <= 3; level++) {
    const c = 16 << level;
    const v = [8, 32 >> level, 48 >> level, 32 >> level, c];
    out.push({ kernel: 'Mean', label: `V-Net L${level} instance norm`, shape: v, axes: [1, 2, 3] });
    out.push({ kernel: 'Sum', label: `V-Net L${level} ∂bias`, shape: v, axes: [0, 1, 2, 3] });
  }
  for (let level = 0; level <= 3; level++) {
    const c = 16 << level;
    const v = [8, 256 >> level, 256 >> level, c];
    out.push({ kernel: 'Mean', label: `ResUNet L${level} instance norm`, shape: v, axes: [1, 2] });
    out.push({ kernel: 'Sum', label: `ResUNet L${level} ∂bias`, shape: v, axes: [0, 1, 2] });
  }
  return out;
}

export function reduceBenchCases(): BenchCase[] {
  return shapes().map(benchCase);
}
