import * as tf from '@tensorflow/tfjs';
import { Random } from '../../data/random.ts';
import { maxClasses, softmaxClasses, sumClasses } from '../../model/classAxis.ts';
import type { Params } from '../../model/params.ts';
import { createResUNet2D } from '../../model/resunet2d.ts';
import { createVNet3D } from '../../model/vnet3d.ts';
import { emaBlend } from '../emaUpdate.ts';
import { logitsToLabels } from '../logitsToLabels.ts';
import { logitsToLiveLayer } from '../liveLayer.ts';
import type { MergeForm } from '../reference/textMerge.ts';
import { textMerge } from '../textMerge.ts';
import type { BenchCase } from './types.ts';

/*
 * Benchmarks of the fused training-loop kernels at the default configurations' shapes, ours (on) against the
 * route the engine takes without them (off). Inputs are made on first use and freed by dispose, so listing the
 * cases allocates nothing. The timer waits for the GPU and reads nothing back, so the labels case times only the
 * GPU side: the route without the kernel also reads 4·n·K bytes back and takes the argmax on the CPU, which the
 * kernel's n-byte read-back saves on top of what is timed here.
 */

const BATCH = 8;
const SHAPE_2D = [BATCH, 256, 256] as const;
const SHAPE_3D = [BATCH, 32, 48, 32] as const;

/** Inputs made once, when a case first runs (inside the timer's tidy: tensors must be kept, variables are). */
function lazy<T>(make: () => T): { get(): T; dispose(free: (value: T) => void): void } {
  let value: T | null = null;
  return {
    get: () => (value ??= make()),
    dispose: (free) => {
      if (value !== null) free(value);
      value = null;
    },
  };
}

function mergeCase(K: number, merge: MergeForm, stats: boolean): BenchCase {
  const shape = [...SHAPE_2D, K];
  const inputs = lazy(() => ({ logits: tf.keep(tf.randomNormal(shape, 0, 3)), text: tf.keep(tf.randomUniform(shape)) }));
  return {
    kernel: 'Text merge',
    name: `${merge} ${shape.join('×')}${stats ? ' + confidence, entropy' : ''}`,
    flops: null,
    run(on) {
      const { logits, text } = inputs.get();
      if (on) {
        const r = textMerge(logits, text, merge, { stats });
        return [r.probs, ...(r.confidence ? [r.confidence] : []), ...(r.entropy ? [r.entropy] : [])];
      }
      // mergedPseudoLabel's tfjs route (textMaskLosses.ts), plus the same statistics from tfjs ops when asked.
      const z = tf.add(logits, text);
      const p = merge === 'softmax' ? softmaxClasses(z) : tf.sigmoid(z);
      if (!stats) return p;
      const q = merge === 'softmax' ? p : tf.div(p, tf.maximum(sumClasses(p), 1e-6));
      const h = tf.div(tf.neg(sumClasses(tf.mul(q, tf.log(tf.maximum(q, 1e-12))))), Math.log(K));
      return [p, maxClasses(p), h];
    },
    dispose: () => inputs.dispose(({ logits, text }) => tf.dispose([logits, text])),
  };
}

function labelsCase(spatial: readonly number[], K: number): BenchCase {
  const shape = [...spatial, K];
  const inputs = lazy(() => tf.keep(tf.randomNormal(shape)));
  return {
    kernel: 'Logits to labels',
    name: `${shape.join('×')} (off: softmax only; its float read-back and CPU argmax are not timed)`,
    flops: null,
    // Off: the GPU part of the live-layer route, softmax of the logits (the argmax then runs on the CPU).
    run: (on) => (on ? logitsToLabels(inputs.get()) : softmaxClasses(inputs.get())),
    dispose: () => inputs.dispose((t) => t.dispose()),
  };
}

function liveLayerCase(spatial: readonly number[], K: number): BenchCase {
  const shape = [...spatial, K];
  const inputs = lazy(() => tf.keep(tf.randomNormal(shape)));
  return {
    kernel: 'Logits to live layer',
    name: `${shape.join('×')} (off: softmax only; its float read-back and CPU argmax + entropy are not timed)`,
    flops: null,
    run: (on) => {
      if (!on) return softmaxClasses(inputs.get());
      const layer = logitsToLiveLayer(inputs.get());
      return [layer.labels, layer.uncertainty];
    },
    dispose: () => inputs.dispose((t) => t.dispose()),
  };
}

function emaCase(name: string, make: (rng: Random) => Params): BenchCase {
  const nets = lazy(() => {
    const student = make(new Random(1));
    const teacher = make(new Random(2));
    const names = student.names();
    return { student, teacher, s: names.map((n) => student.get(n)), t: names.map((n) => teacher.get(n)) };
  });
  return {
    kernel: 'EMA update',
    name,
    flops: null,
    // New teacher values without assigning them, so every call does the same work.
    run(on) {
      const { s, t } = nets.get();
      return on ? emaBlend(t, s, 0.99) : t.map((w, i) => tf.add(tf.mul(w, 0.99), tf.mul(s[i]!, 1 - 0.99)));
    },
    dispose: () =>
      nets.dispose(({ student, teacher }) => {
        student.dispose();
        teacher.dispose();
      }),
  };
}

/** Every fused-kernel benchmark: 2D batch 8 × 256², 3D batch 8 × 32×48×32, K = 2..4, EMA of the default networks. */
export function fusedBenchCases(): BenchCase[] {
  const Ks = [2, 3, 4];
  return [
    ...Ks.flatMap((K) => [mergeCase(K, 'softmax', false), mergeCase(K, 'sigmoid', false)]),
    mergeCase(3, 'softmax', true),
    ...Ks.map((K) => labelsCase(SHAPE_2D, K)),
    ...Ks.map((K) => labelsCase(SHAPE_3D, K)),
    ...Ks.map((K) => liveLayerCase(SHAPE_2D, K)),
    emaCase('ResUNet-2D width 16 depth 3, 1 → 3 classes', (rng) => createResUNet2D({ inChannels: 1, numClasses: 3, width: 16, depth: 3 }, rng)),
    emaCase('V-Net width 16 depth 3, 1 → 3 classes', (rng) => createVNet3D({ inChannels: 1, numClasses: 3, width: 16, depth: 3 }, rng)),
  ];
}
