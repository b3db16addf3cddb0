import * as tf from '@tensorflow/tfjs';
import { Random } from '../../data/random.ts';
import { planReduce, reduceShader, reductionView } from '../reduceAxes.ts';
import { reduceAxesReference } from '../reference/reduceAxes.ts';
import { oursAndTfjs } from './oursAndTfjs.ts';
import type { KernelCheck, Tolerance } from './types.ts';

/*
 * Checks of our Sum and Mean (src/gpu/reduceAxes.ts) against tfjs's kernels and the CPU reference, on seeded
 * normal inputs: instance-norm moments of 2D and 3D feature maps (keepDims), broadcast gradients (all axes but
 * the channels), a single middle axis, negative and unsorted axes, one kept channel (C = 1), more than 64 kept
 * values (two channel tiles), odd sizes throughout, sizes long enough to split R into many chunks, and the
 * innermost axes: the class sum of a softmax and other short rows (one per thread), long rows, every axis.
 *
 * Tolerance: sums of up to 61 440 unit normals in float32 in three different orders (ours in chunks and trees,
 * tfjs's in its own tree, the reference in float64); the error grows like √R·ε: 1e-4 absolute plus 1e-5 of the
 * largest |result|. Means divide the same sums by R.
 */

const TOLERANCE: Tolerance = { abs: 1e-4, rel: 1e-5 };

interface ReduceCase {
  shape: number[];
  /** null: every axis (tfjs's default). */
  axes: number[] | null;
  keepDims: boolean;
  label: string;
}

const CASES: ReduceCase[] = [
  { label: '3D instance norm', shape: [2, 5, 7, 6, 3], axes: [1, 2, 3], keepDims: true },
  { label: '3D broadcast gradient', shape: [2, 9, 10, 11, 17], axes: [0, 1, 2, 3], keepDims: false },
  { label: '2D instance norm', shape: [3, 17, 31, 5], axes: [1, 2], keepDims: true },
  { label: 'many chunks', shape: [2, 40, 48, 32, 4], axes: [1, 2, 3], keepDims: true },
  { label: 'two channel tiles', shape: [3, 50, 70], axes: [1], keepDims: false },
  { label: 'negative, unsorted axes', shape: [4, 6, 5, 3], axes: [-2, -3], keepDims: false },
  { label: 'one kept value per row', shape: [2, 300, 1], axes: [1], keepDims: true },
  { label: 'leading axes of a long row', shape: [7, 9, 1000], axes: [0], keepDims: false },
  { label: 'softmax class sum', shape: [2, 16, 32, 32, 3], axes: [4], keepDims: false },
  { label: 'short innermost rows', shape: [5, 7, 11], axes: [1, 2], keepDims: true },
  { label: 'long innermost rows', shape: [3, 1000], axes: [-1], keepDims: false },
  { label: 'everything', shape: [300, 7, 5], axes: null, keepDims: false },
];

function describe(c: ReduceCase): string {
  const view = reductionView(c.shape, c.axes, c.keepDims);
  const how = 'unsupported' in view ? '' : reduceShader(view) === 'reduce_rows' ? ', a row per thread' : `, ${planReduce(view).slices} chunk(s)`;
  const axes = c.axes ? `[${c.axes.join(', ')}]` : 'all axes';
  return `${c.label}: ${c.shape.join('×')} over ${axes}${c.keepDims ? ' keepDims' : ''}${how}`;
}

function reduceCheck(c: ReduceCase, mean: boolean, seed: number): KernelCheck {
  const kernelName = mean ? 'Mean' : 'Sum';
  return {
    kernel: kernelName,
    name: describe(c),
    async run() {
      const data = new Float32Array(c.shape.reduce((p, q) => p * q, 1));
      new Random(seed).fillNormal(data);
      const x = tf.tensor(data, c.shape);
      try {
        const axes = c.axes ?? undefined;
        const call = () => (mean ? tf.mean(x, axes, c.keepDims) : tf.sum(x, axes, c.keepDims));
        const { ours, tfjs } = await oursAndTfjs(kernelName, call);
        return [
          {
            name: `${kernelName} ${describe(c)}`,
            ours,
            tfjs,
            reference: reduceAxesReference(data, c.shape, c.axes ?? c.shape.map((_, i) => i), mean),
            tolerance: TOLERANCE,
          },
        ];
      } finally {
        x.dispose();
      }
    },
  };
}

export function reduceChecks(): KernelCheck[] {
  return CASES.flatMap((c, i) => [reduceCheck(c, false, 100 + 2 * i), reduceCheck(c, true, 101 + 2 * i)]);
}
