import * as tf from '@tensorflow/tfjs';
import type { BenchCase } from './types.ts';

/**
 * The filter gradients the default configurations train with, at their real shapes:
 * - 3D: V-Net width 16, depth 3, patch 32×48×32, batch 8 — every 3×3×3 'same' stride-1 convolution (stem 1 → 16,
 *   residual c → c and merge 2c → c at each level; the down/up convolutions have kernel = stride and run as
 *   matMuls, see ops3d.ts).
 * - 2D: ResUNet width 16, depth 3, batch 8, 256×256 — stem, residual and merge 3×3 'same' stride 1, and the 3×3
 *   stride-2 down-convolutions.
 * Inputs are made on first use and freed by dispose (the timer calls it), so listing the cases costs nothing.
 */

interface Shape {
  kernel: 'Conv3DBackpropFilterV2' | 'Conv2DBackpropFilter';
  label: string;
  xShape: number[];
  filterShape: number[];
  stride: number;
}

function benchCase(s: Shape): BenchCase {
  const is3d = s.kernel === 'Conv3DBackpropFilterV2';
  const spatialRank = is3d ? 3 : 2;
  const outSpatial = s.xShape.slice(1, 1 + spatialRank).map((n) => Math.ceil(n / s.stride));
  const ci = s.xShape[s.xShape.length - 1]!;
  const co = s.filterShape[s.filterShape.length - 1]!;
  const dyShape = [s.xShape[0]!, ...outSpatial, co];
  const taps = s.filterShape.slice(0, spatialRank).reduce((a, b) => a * b, 1);
  const k = dyShape.slice(0, -1).reduce((a, b) => a * b, 1);
  let inputs: { x: tf.Tensor; dy: tf.Tensor } | null = null;
  const attrs = is3d
    ? { strides: s.stride, pad: 'same', filterShape: s.filterShape }
    : { strides: s.stride, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: s.filterShape };
  return {
    kernel: s.kernel,
    name: `${s.label}: x ${s.xShape.join('×')}, k3 s${s.stride} same → ${co}`,
    flops: 2 * taps * ci * co * k,
    run(): tf.Tensor {
      inputs ??= { x: tf.keep(tf.randomNormal(s.xShape)), dy: tf.keep(tf.randomNormal(dyShape)) };
      return tf.engine().runKernel(s.kernel, { x: inputs.x, dy: inputs.dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    },
    dispose(): void {
      if (inputs) tf.dispose([inputs.x, inputs.dy]);
      inputs = null;
    },
  };
}

function vNet3DShapes(): Shape[] {
  const batch = 8;
  const patch = [32, 48, 32];
  const shapes: Shape[] = [];
  const at = (level: number, cin: number, cout: number, label: string): Shape => ({
    kernel: 'Conv3DBackpropFilterV2',
    label: `V-Net L${level} ${label}`,
    xShape: [batch, ...patch.map((n) => n >> level), cin],
    filterShape: [3, 3, 3, cin, cout],
    stride: 1,
  });
  shapes.push(at(0, 1, 16, 'stem'));
  for (let level = 0; level <= 3; level++) {
    const c = 16 << level;
    shapes.push(at(level, c, c, 'residual'));
    if (level < 3) shapes.push(at(level, 2 * c, c, 'merge'));
  }
  return shapes;
}

function resUNet2DShapes(): Shape[] {
  const batch = 8;
  const side = 256;
  const shapes: Shape[] = [];
  const at = (level: number, cin: number, cout: number, stride: number, label: string): Shape => ({
    kernel: 'Conv2DBackpropFilter',
    label: `ResUNet L${level} ${label}`,
    xShape: [batch, side >> level, side >> level, cin],
    filterShape: [3, 3, cin, cout],
    stride,
  });
  shapes.push(at(0, 1, 16, 1, 'stem'));
  for (let level = 0; level <= 3; level++) {
    const c = 16 << level;
    shapes.push(at(level, c, c, 1, 'residual'));
    if (level < 3) {
      shapes.push(at(level, 2 * c, c, 1, 'merge'));
      shapes.push(at(level, c, 2 * c, 2, 'down'));
    }
  }
  return shapes;
}

export function convBackpropFilterBenchCases(): BenchCase[] {
  return [...vNet3DShapes(), ...resUNet2DShapes()].map(benchCase);
}
