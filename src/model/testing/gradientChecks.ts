import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { Random } from '../../data/random.ts';
import type { Params } from '../params.ts';

/**
 * Every parameter's gradient is finite and not all zero. A parameter the loss never reaches trains silently as a
 * constant, so each is named in the failure.
 */
export async function expectEveryParamGradient(p: Params, grads: tf.NamedTensorMap): Promise<void> {
  for (const name of p.names()) {
    const g = await grads[p.get(name).name]!.data();
    expect(g.every(Number.isFinite), name).toBe(true);
    expect(
      g.some((v) => v !== 0),
      `${name} gets a gradient`,
    ).toBe(true);
  }
}

/**
 * Every input's gradient is finite and somewhere above 1e-6 in magnitude: a loss of plain tensors (no Params)
 * must pass gradient to each thing it is trained through. `label(n)` names input n in the failure.
 */
export async function expectEveryInputGradient(grads: tf.Tensor[], label: (n: number) => string): Promise<void> {
  for (const [n, g] of grads.entries()) {
    const v = Array.from(await g.data());
    expect(v.every(Number.isFinite), label(n)).toBe(true);
    expect(Math.max(...v.map(Math.abs)), label(n)).toBeGreaterThan(1e-6);
  }
}

/**
 * The central-difference step of the ViT and text transformer checks: 5 % of the tensor's RMS, within
 * [1e-3, 1e-2], so tensors that start small (std 0.02 embeddings) are not moved out of the linear regime.
 */
export function rmsStep(values: Float32Array): number {
  const rms = Math.sqrt(values.reduce((a, b) => a + b * b, 0) / values.length);
  return Math.min(1e-2, Math.max(1e-3, 0.05 * rms));
}

/**
 * For each named parameter, the analytic gradient of one entry matches central differences of `loss` in float32,
 * to a relative tolerance of 2e-2 (plus 1e-4 absolute). The entry is the largest-gradient one of 8 drawn from
 * `rng`: a tiny gradient's relative error is all rounding. `step` gives the difference step from the tensor's
 * values. Each parameter is restored after it is probed.
 */
export async function expectCentralDifferences(
  p: Params,
  names: readonly string[],
  grads: tf.NamedTensorMap,
  loss: () => tf.Scalar,
  rng: Random,
  step: (values: Float32Array) => number,
): Promise<void> {
  for (const name of names) {
    const v = p.get(name);
    const analyticAll = await grads[v.name]!.data();
    let index = 0;
    for (let n = 0; n < 8; n++) {
      const i = rng.int(0, v.size - 1);
      if (Math.abs(analyticAll[i]!) > Math.abs(analyticAll[index]!)) index = i;
    }
    const analytic = analyticAll[index]!;
    const base = Float32Array.from(await v.data());
    const h = step(base);
    const probe = async (delta: number): Promise<number> => {
      const moved = base.slice();
      moved[index] = moved[index]! + delta;
      v.assign(tf.tensor(moved, v.shape));
      const l = loss();
      const out = (await l.data())[0]!;
      l.dispose();
      return out;
    };
    const numeric = ((await probe(h)) - (await probe(-h))) / (2 * h);
    v.assign(tf.tensor(base, v.shape));
    expect(Math.abs(numeric - analytic), `${name}[${index}]: numeric ${numeric} vs analytic ${analytic}`).toBeLessThan(2e-2 * Math.abs(analytic) + 1e-4);
  }
}

/** One forward and backward pass over every parameter, everything it allocates disposed. */
export function backwardPass(loss: () => tf.Scalar, p: Params): void {
  const { value, grads } = tf.variableGrads(loss, p.variables());
  value.dispose();
  tf.dispose(grads);
}

/**
 * Three calls of `step` leave the live tensor count where it was. By default one call runs first, untimed, so
 * whatever a first pass allocates for good is not counted as a leak; `warmUp: false` where the caller has
 * already run one.
 */
export function expectNoTensorLeak(step: () => void, { warmUp = true }: { warmUp?: boolean } = {}): void {
  if (warmUp) step();
  const before = tf.memory().numTensors;
  for (let n = 0; n < 3; n++) step();
  expect(tf.memory().numTensors).toBe(before);
}
