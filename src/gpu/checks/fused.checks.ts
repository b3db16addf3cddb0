import * as tf from '@tensorflow/tfjs';
import { Random } from '../../data/random.ts';
import { maxClasses, softmaxClasses, sumClasses } from '../../model/classAxis.ts';
import { customKernelsEnabled, setCustomKernelsEnabled } from '../customKernels.ts';
import { emaBlend, emaPacks } from '../emaUpdate.ts';
import { logitsToLabels, unpackLabels } from '../logitsToLabels.ts';
import { logitsToLiveLayer } from '../liveLayer.ts';
import { liveLayerReference } from '../reference/liveLayer.ts';
import { argmaxClasses, uncertaintyBytes } from '../../train/inference.ts';
import { emaUpdateReference } from '../reference/emaUpdate.ts';
import { logitsToLabelsReference } from '../reference/logitsToLabels.ts';
import { textMergeReference, type MergeForm } from '../reference/textMerge.ts';
import { textMerge } from '../textMerge.ts';
import type { Comparison, KernelCheck, Tolerance } from './types.ts';

/*
 * Checks of the fused training-loop kernels (EMA update, text-guided merge, logits → labels): ours against the
 * route the engine takes without them (tfjs ops, custom kernels switched off) and against the CPU reference, on
 * seeded random inputs with sizes that are not multiples of any workgroup. No Node imports: these also run in
 * Chromium (kernels.html).
 *
 * Tolerances. EMA: two products and a sum of O(1) values, ours with one rounding (or an FMA), tfjs's with three:
 * 1e-6 absolute + 1e-6 relative. Merge: exp/log on the GPU are accurate to a few ulp and the K-term sums add a few
 * more: 1e-5 on probabilities and confidence, 2e-5 on the normalised entropy. Live uncertainty bytes: ±1 (rounding).
 * Labels: exact, on logits drawn from
 * a 0.25 grid so ties are exact (testing the lower-class rule) and near-ties, which a softmax could round into a
 * tie on one route only, cannot occur.
 */

const EMA_TOLERANCE: Tolerance = { abs: 1e-6, rel: 1e-6 };
const PROB_TOLERANCE: Tolerance = { abs: 1e-5, rel: 0 };
const ENTROPY_TOLERANCE: Tolerance = { abs: 2e-5, rel: 0 };
const EXACT: Tolerance = { abs: 0, rel: 0 };
/** Uncertainty bytes: the entropy in float32 against float64 may round to the neighbouring byte. */
const UNCERTAINTY_TOLERANCE: Tolerance = { abs: 1, rel: 0 };

/** Runs `fn` with custom kernels switched to `on`, restoring the switch it found. */
async function withKernels<T>(on: boolean, fn: () => Promise<T>): Promise<T> {
  const was = customKernelsEnabled();
  setCustomKernelsEnabled(on);
  try {
    return await fn();
  } finally {
    setCustomKernelsEnabled(was);
  }
}

/** Reads tensors back (await data(), never dataSync on webgpu) and disposes them. */
async function readAll(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  const values = await Promise.all(tensors.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose([...tensors]);
  return values;
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function normals(rng: Random, n: number, sd = 1): Float32Array {
  const out = new Float32Array(n);
  rng.fillNormal(out, 0, sd);
  return out;
}

// ─── EMA ──────────────────────────────────────────────────────────────────────────────────────────────────────

interface EmaCase {
  name: string;
  sizes: readonly number[];
  a: number;
  /** The teacher starts as a clone of the student (shared buffers, as Params.clone makes it). */
  sharedBuffers: boolean;
  /** A lower pack limit than the device's, to run several packs; absent: one pack, one dispatch. */
  packFloats?: number;
  seed: number;
}

function emaCheck(c: EmaCase): KernelCheck {
  const dispatches = c.packFloats ? emaPacks(c.sizes, c.packFloats).length : 1;
  return {
    kernel: 'EMA update',
    name: `${c.name}: ${c.sizes.length} tensors (${c.sizes.join(', ')}) in ${dispatches} dispatch${dispatches > 1 ? 'es' : ''}, a = ${c.a}`,
    async run(): Promise<Comparison[]> {
      const rng = new Random(c.seed);
      const studentValues = c.sizes.map((n) => normals(rng, n));
      const teacherValues = c.sharedBuffers ? studentValues : c.sizes.map((n) => normals(rng, n));
      const students = studentValues.map((v) => tf.tensor1d(v));
      const teachers = c.sharedBuffers ? students.map((s) => tf.clone(s)) : teacherValues.map((v) => tf.tensor1d(v));
      try {
        const ours = concat(await readAll(emaBlend(teachers, students, c.a, c.packFloats)));
        // The tfjs route of src/train/ema.ts: mul, mul, add per tensor.
        const theirs = await withKernels(false, async () =>
          concat(await readAll(tf.tidy(() => teachers.map((t, i) => tf.add(tf.mul(t, c.a), tf.mul(students[i]!, 1 - c.a)))))),
        );
        const reference = concat(teacherValues.map((t, i) => emaUpdateReference(t, studentValues[i]!, c.a)));
        return [{ name: `EMA ${c.name}: new teacher`, ours, tfjs: theirs, reference, tolerance: EMA_TOLERANCE }];
      } finally {
        tf.dispose([...students, ...teachers]);
      }
    },
  };
}

// ─── Text-guided merge ────────────────────────────────────────────────────────────────────────────────────────

interface MergeCase {
  shape: readonly [number, number, number, number];
  merge: MergeForm;
  seed: number;
}

/** The tfjs route (mergedPseudoLabel's ops) plus confidence and normalised entropy from the same ops. */
function mergeByTfjsOps(logits: tf.Tensor, text: tf.Tensor, merge: MergeForm): tf.Tensor[] {
  return tf.tidy(() => {
    const K = logits.shape[logits.rank - 1]!;
    const z = tf.add(logits, text);
    const p = merge === 'softmax' ? softmaxClasses(z) : tf.sigmoid(z);
    const q = merge === 'softmax' ? p : tf.div(p, tf.maximum(sumClasses(p), 1e-6));
    const h = tf.neg(sumClasses(tf.mul(q, tf.log(tf.maximum(q, 1e-12)))));
    return [p, maxClasses(p), tf.div(h, Math.log(K))];
  });
}

function mergeCheck(c: MergeCase): KernelCheck {
  const [b, hh, ww, K] = c.shape;
  const n = b * hh * ww;
  return {
    kernel: 'Text merge',
    name: `${c.merge} ${c.shape.join('×')} (${n} voxels, K = ${K})`,
    async run(): Promise<Comparison[]> {
      const rng = new Random(c.seed);
      const logits = normals(rng, n * K, 3);
      // A few saturated logits: the softmax shift and the overflow-free sigmoid must hold there.
      for (let i = 0; i < logits.length; i += 97) logits[i] = (i / 97) % 2 ? 60 : -60;
      const text = Float32Array.from({ length: n * K }, () => rng.uniform());
      const lt = tf.tensor4d(logits, [...c.shape]);
      const tt = tf.tensor4d(text, [...c.shape]);
      try {
        const r = textMerge(lt, tt, c.merge);
        const ours = await readAll([r.probs, r.confidence!, r.entropy!]);
        const theirs = await withKernels(false, async () => readAll(mergeByTfjsOps(lt, tt, c.merge)));
        const ref = textMergeReference(logits, text, K, c.merge);
        const label = `${c.merge} ${c.shape.join('×')}`;
        return [
          { name: `${label}: σ(z + text)`, ours: ours[0]!, tfjs: theirs[0]!, reference: ref.probs, tolerance: PROB_TOLERANCE },
          { name: `${label}: confidence`, ours: ours[1]!, tfjs: theirs[1]!, reference: ref.confidence, tolerance: PROB_TOLERANCE },
          { name: `${label}: normalised entropy`, ours: ours[2]!, tfjs: theirs[2]!, reference: ref.entropy, tolerance: ENTROPY_TOLERANCE },
        ];
      } finally {
        tf.dispose([lt, tt]);
      }
    },
  };
}

// ─── Logits → labels ──────────────────────────────────────────────────────────────────────────────────────────

/** Every byte of packed words, the padding of the last word included, as floats for Comparison. */
function packedBytes(words: Int32Array | Uint32Array): Float32Array {
  return Float32Array.from(unpackLabels(words, words.length * 4));
}

function labelsCheck(shape: readonly [number, number, number, number], seed: number): KernelCheck {
  const [b, hh, ww, K] = shape;
  const n = b * hh * ww;
  return {
    kernel: 'Logits to labels',
    name: `${shape.join('×')} (${n} voxels, ${Math.ceil(n / 4)} words, K = ${K})`,
    async run(): Promise<Comparison[]> {
      const rng = new Random(seed);
      const logits = Float32Array.from(normals(rng, n * K, 2), (z) => Math.round(z * 4) / 4);
      const lt = tf.tensor4d(logits, [...shape]);
      try {
        const packed = logitsToLabels(lt);
        const words = Int32Array.from(await packed.data());
        packed.dispose();
        // The route the live layers take without the kernel: softmax on the GPU, the float map read back, argmax on
        // the CPU (argmaxClasses; logitsToLabelsReference is the same rule, packed).
        const probs = await withKernels(false, async () => (await readAll([tf.tidy(() => softmaxClasses(lt))]))[0]!);
        const reference = logitsToLabelsReference(logits, K);
        return [
          {
            name: `labels ${shape.join('×')}`,
            ours: packedBytes(words),
            tfjs: packedBytes(logitsToLabelsReference(probs, K)),
            reference: packedBytes(reference),
            tolerance: EXACT,
          },
        ];
      } finally {
        lt.dispose();
      }
    },
  };
}

// ─── Logits → live layer (labels + uncertainty) ──────────────────────────────────────────────────────────────

function liveLayerCheck(shape: readonly [number, number, number, number], seed: number): KernelCheck {
  const [b, hh, ww, K] = shape;
  const n = b * hh * ww;
  return {
    kernel: 'Logits to live layer',
    name: `${shape.join('×')} (${n} pixels, K = ${K})`,
    async run(): Promise<Comparison[]> {
      const rng = new Random(seed);
      // Labels exact on a 0.25 grid (as labelsCheck); a few pixels with equal logits give the largest entropy.
      const logits = Float32Array.from(normals(rng, n * K, 2), (z) => Math.round(z * 4) / 4);
      logits.fill(0.5, 0, 3 * K);
      const lt = tf.tensor4d(logits, [...shape]);
      try {
        const packed = logitsToLiveLayer(lt);
        const [labelWords, uncertaintyWords] = await Promise.all([packed.labels.data(), packed.uncertainty.data()]);
        tf.dispose([packed.labels, packed.uncertainty]);
        // The route the live layers take without the kernel: softmax on the GPU, the float map read back, argmax and
        // entropy on the CPU (argmaxClasses, uncertaintyBytes).
        const probs = await withKernels(false, async () => (await readAll([tf.tidy(() => softmaxClasses(lt))]))[0]!);
        const reference = liveLayerReference(logits, K);
        return [
          {
            name: `live labels ${shape.join('×')}`,
            ours: Float32Array.from(unpackLabels(labelWords as Int32Array, n)),
            tfjs: Float32Array.from(argmaxClasses(probs, K)),
            reference: Float32Array.from(unpackLabels(reference.labels, n)),
            tolerance: EXACT,
          },
          {
            name: `live uncertainty ${shape.join('×')}`,
            ours: Float32Array.from(unpackLabels(uncertaintyWords as Int32Array, n)),
            tfjs: Float32Array.from(uncertaintyBytes(probs, K)),
            reference: Float32Array.from(unpackLabels(reference.uncertainty, n)),
            tolerance: UNCERTAINTY_TOLERANCE,
          },
        ];
      } finally {
        lt.dispose();
      }
    },
  };
}

/** Every fused-kernel check: odd sizes throughout, K = 2, 3, 5 (and 14), EMA over more than one dispatch group. */
export function fusedChecks(): KernelCheck[] {
  return [
    emaCheck({ name: 'odd sizes', sizes: [1, 3, 7, 16, 257, 1000, 4099, 5, 65], a: 0.99, sharedBuffers: false, seed: 1 }),
    emaCheck({ name: 'teacher sharing the student’s buffers', sizes: [144, 16, 2, 2305, 33], a: 0.5, sharedBuffers: true, seed: 2 }),
    emaCheck({ name: 'first step', sizes: [9, 10], a: 0, sharedBuffers: false, seed: 3 }),
    emaCheck({ name: 'several packs', sizes: [1, 3, 7, 16, 257, 1000, 4099, 5, 65], a: 0.9, sharedBuffers: false, packFloats: 4100, seed: 4 }),
    ...(
      [
        [2, 17, 31, 2],
        [1, 13, 41, 3],
        [3, 7, 11, 5],
      ] as const
    ).flatMap((shape, i) => (['softmax', 'sigmoid'] as const).map((merge, j) => mergeCheck({ shape, merge, seed: 10 + 2 * i + j }))),
    labelsCheck([2, 17, 31, 2], 20),
    labelsCheck([1, 13, 41, 3], 21),
    labelsCheck([3, 7, 11, 5], 22),
    labelsCheck([1, 5, 13, 14], 23),
    liveLayerCheck([2, 17, 31, 2], 30),
    liveLayerCheck([1, 13, 41, 3], 31),
    liveLayerCheck([3, 7, 11, 5], 32),
  ];
}
