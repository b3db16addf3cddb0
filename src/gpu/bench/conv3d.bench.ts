import * as tf from '@tensorflow/tfjs';
import { customKernelsEnabled, setCustomKernelsEnabled } from '../customKernels.ts';
import type { BenchCase } from './types.ts';

/**
 * The convolutions of the default 3D configuration, for timing our Conv3D / Conv3DBackpropInputV2 against
 * tfjs's: a V-Net of width 16 and depth 3 on 32×48×32 patches, batch 8 (4 labeled + 4 unlabeled), so levels of
 * 16/32/64/128 channels at 32×48×32, 16×24×16, 8×12×8 and 4×6×4. Every non-block convolution there is 3×3×3
 * 'same' stride 1: the stem (1 → 16), two per residual block (C → C) and the decoder merges (2C → C). Their ∂x
 * also runs as a forward Conv3D (ops3d.ts); Conv3DBackpropInputV2 cases are included for conv3dTranspose users.
 * No node: imports, so the browser benchmark can use it too.
 */

const BATCH = 8;
const WIDTH = 16;
const LEVELS: readonly [number, number, number][] = [
  [32, 48, 32],
  [16, 24, 16],
  [8, 12, 8],
  [4, 6, 4],
];

type Shape5 = [number, number, number, number, number];

function lazyInputs(shapes: readonly Shape5[]): { get(): tf.Tensor5D[]; dispose(): void } {
  let made: tf.Tensor5D[] | null = null;
  return {
    // Kept: the timer runs each call in a tidy, which would otherwise free inputs made on the first call.
    get: () => (made ??= shapes.map((s) => tf.keep(tf.randomUniform(s, -1, 1)) as tf.Tensor5D)),
    dispose: () => {
      made?.forEach((t) => t.dispose());
      made = null;
    },
  };
}

function withSwitch(on: boolean, make: () => tf.Tensor): tf.Tensor {
  const was = customKernelsEnabled();
  setCustomKernelsEnabled(on);
  try {
    return make();
  } finally {
    setCustomKernelsEnabled(was);
  }
}

/** Inputs are made on the first run and freed by dispose; run sets the switch itself and restores it. */
function forwardCase(name: string, spatial: [number, number, number], ci: number, co: number): BenchCase {
  const inputs = lazyInputs([
    [BATCH, ...spatial, ci],
    [3, 3, 3, ci, co],
  ]);
  const voxels = BATCH * spatial[0] * spatial[1] * spatial[2];
  return {
    kernel: 'Conv3D',
    name: `${name}: x ${BATCH}×${spatial.join('×')}×${ci}, k3 s1 same → ${co}`,
    flops: 2 * voxels * co * 27 * ci,
    run: (on) => {
      const [x, f] = inputs.get();
      return withSwitch(on, () => tf.conv3d(x!, f!, 1, 'same'));
    },
    dispose: inputs.dispose,
  };
}

function backpropInputCase(name: string, spatial: [number, number, number], ci: number, co: number): BenchCase {
  const inputs = lazyInputs([
    [BATCH, ...spatial, co],
    [3, 3, 3, ci, co],
  ]);
  const voxels = BATCH * spatial[0] * spatial[1] * spatial[2];
  return {
    kernel: 'Conv3DBackpropInputV2',
    name: `${name}: dy ${BATCH}×${spatial.join('×')}×${co}, k3 s1 same → dx ×${ci}`,
    flops: 2 * voxels * ci * 27 * co,
    run: (on) => {
      const [dy, f] = inputs.get();
      return withSwitch(
        on,
        () =>
          tf
            .engine()
            .runKernel('Conv3DBackpropInputV2', { dy: dy!, filter: f! }, { strides: [1, 1, 1], pad: 'same', inputShape: [BATCH, ...spatial, ci] }) as tf.Tensor,
      );
    },
    dispose: inputs.dispose,
  };
}

export function conv3dBenchCases(): BenchCase[] {
  const cases: BenchCase[] = [forwardCase('stem', LEVELS[0]!, 1, WIDTH)];
  LEVELS.forEach((spatial, level) => {
    const c = WIDTH * 2 ** level;
    cases.push(forwardCase(`level ${level} residual`, spatial, c, c));
    if (level < LEVELS.length - 1) cases.push(forwardCase(`level ${level} merge`, spatial, 2 * c, c));
  });
  cases.push(backpropInputCase('level 0', LEVELS[0]!, WIDTH, WIDTH));
  cases.push(backpropInputCase('level 2', LEVELS[2]!, 4 * WIDTH, 4 * WIDTH));
  return cases;
}
