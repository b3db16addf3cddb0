import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceNorm } from '../model/ops.ts';
import { expectNoValidationErrors, startWebGPUInNode } from '../model/testing/webgpuNode.ts';
import { reduceChecks } from './checks/reduce.checks.ts';
import { judge } from './checks/types.ts';
import { customKernelCalls, fallbackLog, installCustomKernels, resetKernelCounters, setCustomKernelsEnabled } from './customKernels.ts';
import { CUSTOM_KERNELS } from './kernels.ts';
import { planReduce, reduceShader, reductionView } from './reduceAxes.ts';
import { reduceAxesReference } from './reference/reduceAxes.ts';
import { loadShadersFromDisk } from './shaderSources.node.ts';

const webgpu = await startWebGPUInNode();
loadShadersFromDisk();

describe('reductionView', () => {
  it('views a contiguous run of axes that keeps the innermost one as [A, R, C]', () => {
    expect(reductionView([2, 3, 4, 5, 6], [1, 2, 3], true)).toEqual({ a: 2, r: 60, c: 6, outShape: [2, 1, 1, 1, 6] });
    expect(reductionView([2, 3, 4, 5, 6], [3, -4, 0, 2], false)).toEqual({ a: 1, r: 120, c: 6, outShape: [6] });
    expect(reductionView([7, 9, 10], 0, false)).toEqual({ a: 1, r: 7, c: 90, outShape: [9, 10] });
  });
  it('views reductions over the innermost axes, and every axis, with one kept value per row', () => {
    expect(reductionView([2, 3, 4], [1, 2], false)).toEqual({ a: 2, r: 12, c: 1, outShape: [2] });
    expect(reductionView([2, 3, 4], null, true)).toEqual({ a: 1, r: 24, c: 1, outShape: [1, 1, 1] });
  });
  it('leaves scattered, repeated and no axes to tfjs', () => {
    expect(reductionView([2, 3, 4], [0, 2], false)).toHaveProperty('unsupported');
    expect(reductionView([2, 3, 4], [1, 1], false)).toHaveProperty('unsupported');
    expect(reductionView([2, 3, 4], [], false)).toHaveProperty('unsupported');
  });
  it('adds short innermost rows one per thread and everything else in chunks', () => {
    expect(reduceShader({ a: 32768, r: 3, c: 1, outShape: [] })).toBe('reduce_rows');
    expect(reduceShader({ a: 3, r: 1000, c: 1, outShape: [] })).toBe('reduce_axes');
    expect(reduceShader({ a: 2, r: 3, c: 4, outShape: [] })).toBe('reduce_axes');
  });
  it('splits a long run into chunks that cover it exactly', () => {
    const view = { a: 1, r: 8 * 32 * 48 * 32, c: 16, outShape: [16] };
    const plan = planReduce(view);
    expect(plan.slices).toBeGreaterThan(1);
    expect(plan.chunk * (plan.slices - 1)).toBeLessThan(view.r);
    expect(plan.chunk * plan.slices).toBeGreaterThanOrEqual(view.r);
  });
});

describe('reduceAxesReference', () => {
  it('sums and averages over any axes', () => {
    const x = Float32Array.from({ length: 24 }, (_, i) => i);
    // [2, 3, 4] over axis 1: out[a, c] = Σ_r (12a + 4r + c)
    expect([...reduceAxesReference(x, [2, 3, 4], [1], false)]).toEqual([12, 15, 18, 21, 48, 51, 54, 57]);
    expect([...reduceAxesReference(x, [2, 3, 4], [0, 2], true)]).toEqual([7.5, 11.5, 15.5]);
  });
});

describe.skipIf(!webgpu.ok)(`Sum and Mean on WebGPU (${webgpu.reason})`, () => {
  beforeAll(() => {
    installCustomKernels(CUSTOM_KERNELS);
    setCustomKernelsEnabled(true);
  });
  afterAll(() => {
    setCustomKernelsEnabled(true);
  });

  for (const check of reduceChecks()) {
    it(`${check.kernel}: ${check.name}`, async () => {
      const comparisons = await expectNoValidationErrors(() => check.run());
      expect(comparisons.length).toBeGreaterThan(0);
      for (const c of comparisons) {
        const r = judge(c);
        expect(r.oursErr, `${c.name}: ours off by ${r.oursErr} (bound ${r.bound})`).toBeLessThanOrEqual(r.bound);
        expect(r.tfjsErr ?? 0, `${c.name}: tfjs off by ${r.tfjsErr} (bound ${r.bound})`).toBeLessThanOrEqual(r.bound);
      }
    });
  }

  it('leaves integer inputs and scattered axes to tfjs, and says so', async () => {
    resetKernelCounters();
    const x = tf.randomNormal([4, 5, 6]);
    const labels = tf.tensor([1, 2, 3, 4], [2, 2], 'int32');
    const outs = [tf.sum(x, [0, 2]), tf.sum(labels, 0)];
    const values = await Promise.all(outs.map((t) => t.data()));
    expect(values[1]).toEqual(Int32Array.from([4, 6]));
    expect(customKernelCalls().get('Sum') ?? 0).toBe(0);
    const reasons = fallbackLog().map((f) => `${f.kernelName}: ${f.reason}`);
    expect(reasons).toContain('Sum: axes [0, 2] are not one contiguous run');
    expect(reasons.some((r) => r.startsWith('Sum: dtype int32'))).toBe(true);
    tf.dispose([x, labels, ...outs]);
  });

  it('gives instance normalisation the same value and gradients with our kernels on and off', async () => {
    const x = tf.randomNormal([2, 6, 8, 5, 7], 0, 1, 'float32', 3);
    const gamma = tf.randomNormal([1, 1, 1, 1, 7], 1, 0.1, 'float32', 4);
    const beta = tf.randomNormal([1, 1, 1, 1, 7], 0, 0.1, 'float32', 5);
    const weights = tf.randomNormal([2, 6, 8, 5, 7], 0, 1, 'float32', 6);
    const run = async (on: boolean) => {
      setCustomKernelsEnabled(on);
      const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(instanceNorm(a, g, b), weights)))([x, gamma, beta]);
      const values = await Promise.all(grads.map(async (t) => Float32Array.from(await t.data())));
      tf.dispose(grads);
      return values;
    };
    resetKernelCounters();
    const ours = await expectNoValidationErrors(() => run(true));
    expect(customKernelCalls().get('Sum') ?? 0).toBeGreaterThan(0);
    expect(customKernelCalls().get('Mean') ?? 0).toBeGreaterThan(0);
    const theirs = await run(false);
    setCustomKernelsEnabled(true);
    ours.forEach((o, i) => {
      const t = theirs[i]!;
      let worst = 0;
      let scale = 0;
      for (let j = 0; j < o.length; j++) {
        worst = Math.max(worst, Math.abs(o[j]! - t[j]!));
        scale = Math.max(scale, Math.abs(t[j]!));
      }
      expect(worst, `gradient ${i}`).toBeLessThanOrEqual(1e-4 + 1e-4 * scale);
    });
    tf.dispose([x, gamma, beta, weights]);
  });
});
