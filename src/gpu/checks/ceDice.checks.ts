import * as tf from '@tensorflow/tfjs';
import { Random } from '../../data/random.ts';
import { softmaxClasses } from '../../model/classAxis.ts';
import { maskedCrossEntropy, maskedSoftDice } from '../../train/losses.ts';
import { customKernelsEnabled, setCustomKernelsEnabled } from '../customKernels.ts';
import { fusedCeDice, type FusedCeDiceOptions } from '../fusedCeDice.ts';
import { ceDiceReference, type CeDiceCase } from '../reference/ceDice.ts';
import type { Comparison, KernelCheck, Tolerance } from './types.ts';

/*
 * Fused softmax + CE + soft Dice (src/gpu/fusedCeDice.ts) against the tfjs-op route it replaces
 * (maskedCrossEntropy + maskedSoftDice and their tf.grad, custom kernels off) and the CPU reference
 * (src/gpu/reference/ceDice.ts), on seeded cases: voxel counts that are not multiples of a workgroup's run
 * (512 voxels) or of 64, two with more than 64 partial rows (40k and 270k voxels), K = 2, 3, 5, masks all-zero / partial / full, the
 * background scored and not, one-hot, soft and multi-hot targets, targets and mask cast from bool, large logits, and each loss alone.
 *
 * Tolerances: float32 kernels against a float64 reference. Losses are means of O(1) terms over ≤ 270k voxels:
 * |err| ≤ 1e-6 + 1e-5 · max|ref|. Gradients are O(1 / Σm) per element: |err| ≤ 1e-8 + 1e-5 · max|ref|. Both
 * routes measured ≤ 3e-7 on the losses and ≤ 6e-8 on the gradients (SwiftShader), 10–100× inside.
 */

const LOSS_TOLERANCE: Tolerance = { abs: 1e-6, rel: 1e-5 };
const GRAD_TOLERANCE: Tolerance = { abs: 1e-8, rel: 1e-5 };

interface CaseSpec {
  /** Leading shape; the class axis is appended. */
  shape: number[];
  classes: number;
  mask: 'none' | 'partial' | 'full';
  includeBackground: boolean;
  target: 'one-hot' | 'soft' | 'multi-hot';
  /** Logit scale: large values check the max-subtracted softmax. */
  scale: number;
  /** Weights of CE and Dice in the differentiated loss; a zero weight leaves that loss out of the graph. */
  upstream: [number, number];
  seed: number;
  /**
   * Leave the tfjs-op route out (Comparison.tfjs = null): at 40k voxels it is over a hundred times slower than
   * ours on SwiftShader, too slow for a check. These cases are there for the reduction's > 64 partial rows and
   * for 32 voxels per forward thread (the wrapper picks more per thread for more voxels); the route is compared
   * on the rest.
   */
  skipTfjs?: boolean;
  /**
   * Build target and mask on the GPU as tf.cast(bool, 'float32'), as the pseudo-labels are: tfjs keeps the
   * integer buffer under a float32 label (WEBGPU.md trap "cast then transpose"), which a shader must not read as f32.
   */
  castInputs?: boolean;
}

const CASES: readonly CaseSpec[] = [
  { shape: [1000], classes: 2, mask: 'partial', includeBackground: false, target: 'one-hot', scale: 2, upstream: [0.7, 1.3], seed: 1 },
  { shape: [3, 17, 19], classes: 3, mask: 'partial', includeBackground: true, target: 'one-hot', scale: 2, upstream: [0.7, 1.3], seed: 2 },
  { shape: [2, 5, 6, 7], classes: 5, mask: 'full', includeBackground: false, target: 'soft', scale: 2, upstream: [0.7, 1.3], seed: 3 },
  { shape: [1], classes: 3, mask: 'full', includeBackground: true, target: 'one-hot', scale: 2, upstream: [0.7, 1.3], seed: 4 },
  { shape: [2, 9, 11], classes: 2, mask: 'none', includeBackground: false, target: 'one-hot', scale: 2, upstream: [0.7, 1.3], seed: 5 },
  { shape: [4, 13, 13], classes: 5, mask: 'partial', includeBackground: true, target: 'multi-hot', scale: 30, upstream: [0.7, 1.3], seed: 6 },
  { shape: [40_003], classes: 3, mask: 'partial', includeBackground: false, target: 'one-hot', scale: 2, upstream: [0.7, 1.3], seed: 7, skipTfjs: true },
  { shape: [2, 6, 7, 5], classes: 3, mask: 'partial', includeBackground: true, target: 'one-hot', scale: 2, upstream: [0.7, 1.3], seed: 11, castInputs: true },
  { shape: [3, 90_001], classes: 2, mask: 'partial', includeBackground: true, target: 'one-hot', scale: 2, upstream: [0.7, 1.3], seed: 10, skipTfjs: true },
  { shape: [2, 3, 7, 11], classes: 2, mask: 'full', includeBackground: true, target: 'one-hot', scale: 2, upstream: [1, 0], seed: 8 },
  { shape: [5, 31], classes: 3, mask: 'partial', includeBackground: false, target: 'soft', scale: 2, upstream: [0, 1], seed: 9 },
];

function caseName(s: CaseSpec): string {
  const loss = s.upstream[1] === 0 ? 'CE only' : s.upstream[0] === 0 ? 'Dice only' : `${s.upstream[0]}·CE + ${s.upstream[1]}·Dice`;
  return `${[...s.shape, s.classes].join('×')} ${s.mask} mask${s.castInputs ? ' (cast from bool)' : ''}, ${s.target}, background ${s.includeBackground ? 'scored' : 'not scored'}, logits ×${s.scale}, ${loss}`;
}

function makeCase(s: CaseSpec): CeDiceCase {
  const rng = new Random(s.seed);
  const K = s.classes;
  const n = s.shape.reduce((a, b) => a * b, 1);
  const logits = new Float32Array(n * K);
  rng.fillNormal(logits, 0, s.scale);
  const target = new Float32Array(n * K);
  const mask = new Float32Array(n);
  for (let v = 0; v < n; v++) {
    if (s.target === 'soft') {
      let total = 0;
      for (let k = 0; k < K; k++) total += target[v * K + k] = rng.uniform() + 0.05;
      for (let k = 0; k < K; k++) target[v * K + k]! /= total;
    } else {
      target[v * K + rng.int(0, K - 1)] = 1;
      // Ties in a teacher's argmax give multi-hot pseudo-labels: Σ_k g_k = 2 here.
      if (s.target === 'multi-hot' && rng.uniform() < 0.3) target[v * K + rng.int(0, K - 1)] = 1;
    }
    mask[v] = s.mask === 'full' ? 1 : s.mask === 'partial' ? (rng.uniform() < 0.4 ? 1 : 0) : 0;
  }
  return { logits, target, mask, classes: K };
}

interface RouteResult {
  losses: Float32Array;
  grad: Float32Array;
}

type Route = (z: tf.Tensor, g: tf.Tensor, m: tf.Tensor, opts: FusedCeDiceOptions) => { ce: tf.Scalar; dice: tf.Scalar };

const fusedRoute: Route = fusedCeDice;
const tfjsRoute: Route = (z, g, m, opts) => ({ ce: maskedCrossEntropy(z, g, m), dice: maskedSoftDice(softmaxClasses(z), g, m, opts) });

/** Losses and ∂(w_ce·CE + w_dice·Dice)/∂z through one route, read back with await data() (never dataSync). */
async function runRoute(route: Route, c: CeDiceCase, s: CaseSpec, opts: FusedCeDiceOptions): Promise<RouteResult> {
  const [wCe, wDice] = s.upstream;
  const { losses, grad } = tf.tidy(() => {
    const z = tf.tensor(c.logits, [...s.shape, s.classes]);
    const asCast = (t: tf.Tensor) => (s.castInputs ? tf.cast(tf.greater(t, 0.5), 'float32') : t);
    const g = asCast(tf.tensor(c.target, [...s.shape, s.classes]));
    const m = asCast(tf.tensor(c.mask, [...s.shape, 1]));
    const { ce, dice } = route(z, g, m, opts);
    const grad = tf.grad((x: tf.Tensor) => {
      const l = route(x, g, m, opts);
      if (wDice === 0) return tf.mul(l.ce, wCe);
      if (wCe === 0) return tf.mul(l.dice, wDice);
      return tf.add(tf.mul(l.ce, wCe), tf.mul(l.dice, wDice));
    })(z);
    return { losses: tf.stack([ce, dice]), grad };
  });
  const out = { losses: (await losses.data()) as Float32Array, grad: (await grad.data()) as Float32Array };
  tf.dispose([losses, grad]);
  return out;
}

export function ceDiceChecks(): KernelCheck[] {
  return CASES.map((s) => ({
    kernel: 'SoftmaxCeDice',
    name: caseName(s),
    async run(): Promise<Comparison[]> {
      const c = makeCase(s);
      const opts = { includeBackground: s.includeBackground, eps: 1e-5 };
      const ours = await runRoute(fusedRoute, c, s, opts);
      let tfjs: RouteResult | null = null;
      if (!s.skipTfjs) {
        const was = customKernelsEnabled();
        setCustomKernelsEnabled(false);
        try {
          tfjs = await runRoute(tfjsRoute, c, s, opts);
        } finally {
          setCustomKernelsEnabled(was);
        }
      }
      const ref = ceDiceReference(c, { ...opts, upstream: s.upstream });
      const name = caseName(s);
      return [
        {
          name: `${name}: [CE, Dice]`,
          ours: ours.losses,
          tfjs: tfjs?.losses ?? null,
          reference: Float32Array.from([ref.ce, ref.dice]),
          tolerance: LOSS_TOLERANCE,
        },
        { name: `${name}: ∂L/∂z`, ours: ours.grad, tfjs: tfjs?.grad ?? null, reference: Float32Array.from(ref.grad), tolerance: GRAD_TOLERANCE },
      ];
    },
  }));
}

/**
 * The reference against the tfjs-op route alone, on whichever backend is active (the cpu backend in the unit
 * test): proves the spec is the losses the trainers used before, independently of any GPU. `ours` is the tfjs
 * route here and `tfjs` is null.
 */
export function ceDiceReferenceChecks(): KernelCheck[] {
  return CASES.map((s) => ({
    kernel: 'SoftmaxCeDice reference',
    name: caseName(s),
    async run(): Promise<Comparison[]> {
      const c = makeCase(s);
      const opts = { includeBackground: s.includeBackground, eps: 1e-5 };
      const route = await runRoute(tfjsRoute, c, s, opts);
      const ref = ceDiceReference(c, { ...opts, upstream: s.upstream });
      const name = caseName(s);
      return [
        { name: `${name}: [CE, Dice]`, ours: route.losses, tfjs: null, reference: Float32Array.from([ref.ce, ref.dice]), tolerance: LOSS_TOLERANCE },
        { name: `${name}: ∂L/∂z`, ours: route.grad, tfjs: null, reference: Float32Array.from(ref.grad), tolerance: GRAD_TOLERANCE },
      ];
    },
  }));
}
