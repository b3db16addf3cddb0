import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectNoValidationErrors, startWebGPUInNode } from '../model/testing/webgpuNode.ts';
import { conv3dChecks } from './checks/conv3d.checks.ts';
import { judge } from './checks/types.ts';
import { conv3dKernel, gemmTiles } from './conv3d.ts';
import { conv3dBackpropInputKernel } from './conv3dBackpropInput.ts';
import { customKernelCalls, fallbackLog, installCustomKernels, setCustomKernelsEnabled } from './customKernels.ts';
import { conv3dBackpropInputReference, conv3dReference, type Shape5D } from './reference/conv3d.ts';
import { loadShadersFromDisk } from './shaderSources.node.ts';

const webgpu = await startWebGPUInNode();
loadShadersFromDisk();
// Only when tfjs's webgpu backend registered: there are no webgpu kernels to replace otherwise.
if (webgpu.ok) installCustomKernels([conv3dKernel, conv3dBackpropInputKernel]);

function values(count: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// The references are the spec, so they are checked first against tfjs's cpu backend (independent code).
describe('CPU references match tfjs cpu', () => {
  const cases: { x: Shape5D; f: Shape5D; s: [number, number, number]; pad: 'same' | 'valid' }[] = [
    { x: [1, 4, 5, 6, 2], f: [3, 3, 3, 2, 3], s: [1, 1, 1], pad: 'same' },
    { x: [2, 5, 4, 7, 3], f: [2, 2, 2, 3, 2], s: [2, 2, 2], pad: 'valid' },
    { x: [1, 7, 5, 6, 1], f: [3, 1, 1, 1, 4], s: [2, 1, 1], pad: 'same' },
    { x: [1, 6, 6, 5, 2], f: [3, 3, 3, 2, 2], s: [2, 2, 2], pad: 'same' },
    { x: [1, 4, 5, 4, 3], f: [2, 2, 2, 3, 1], s: [1, 1, 1], pad: 'same' },
  ];
  it.each(cases)('conv3d and its input gradient, x $x f $f s $s $pad', async ({ x, f, s, pad }) => {
    const previous = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      const xv = values(
        x.reduce((a, b) => a * b),
        7,
      );
      const fv = values(
        f.reduce((a, b) => a * b),
        8,
      );
      const { y, shape } = conv3dReference(xv, x, fv, f, s, pad);
      const yt = tf.conv3d(tf.tensor5d(xv, [...x]), tf.tensor5d(fv, [...f]), s, pad);
      expect(yt.shape).toEqual([...shape]);
      expect(maxDiff(y, await yt.data())).toBeLessThan(1e-5);
      const dyv = values(y.length, 9);
      const dx = conv3dBackpropInputReference(dyv, shape, fv, f, x, s, pad);
      const dxt = tf.conv3dTranspose(tf.tensor5d(dyv, [...shape]), tf.tensor5d(fv, [...f]), [...x], s, pad);
      expect(maxDiff(dx, await dxt.data())).toBeLessThan(1e-5);
    } finally {
      await tf.setBackend(previous);
    }
  });
});

describe('gemmTiles', () => {
  it("keeps the shaders' constraints for every width and shrinks M tiles for small problems", () => {
    for (const N of [1, 3, 4, 8, 16, 17, 32, 64, 128, 256]) {
      for (const M of [1, 100, 10_000, 1_000_000]) {
        const { WM, WN, TK } = gemmTiles(M, N);
        expect(TK % 4).toBe(0);
        expect(TK).toBeLessThanOrEqual(4 * WN);
        expect((WM * WN) % (TK / 4)).toBe(0);
        expect(TK * (2 * WM + WN + 2) * 16).toBeLessThanOrEqual(16384);
        expect(WM).toBeGreaterThanOrEqual(4);
      }
    }
    expect(gemmTiles(1_000_000, 16)).toEqual({ WM: 16, WN: 4, TK: 16 });
    expect(gemmTiles(768, 128).WM).toBeLessThan(16);
  });
});

describe.skipIf(!webgpu.ok)(`Conv3D and Conv3DBackpropInputV2 on WebGPU (${webgpu.reason})`, () => {
  for (const check of conv3dChecks()) {
    it(`${check.kernel}: ${check.name}`, async () => {
      const comparisons = await expectNoValidationErrors(() => check.run());
      for (const c of comparisons) {
        const r = judge(c);
        const detail = `${r.name}: ours err ${r.oursErr.toExponential(2)}, tfjs err ${r.tfjsErr?.toExponential(2)}, bound ${r.bound.toExponential(2)} over ${r.length} values`;
        expect(r.ok, detail).toBe(true);
      }
    });
  }

  it("a dilated conv3d falls back to tfjs's kernel, logged, with tfjs's answer", async () => {
    const x = tf.tensor5d(values(1 * 7 * 6 * 7 * 2, 11), [1, 7, 6, 7, 2]);
    const f = tf.tensor5d(values(3 * 3 * 3 * 2 * 3, 12), [3, 3, 3, 2, 3]);
    const run = async (on: boolean) => {
      setCustomKernelsEnabled(on);
      try {
        const y = tf.conv3d(x, f, 1, 'same', 'NDHWC', 2);
        const d = await y.data();
        y.dispose();
        return d;
      } finally {
        setCustomKernelsEnabled(true);
      }
    };
    const calls = customKernelCalls().get('Conv3D') ?? 0;
    const [withOurs, tfjsOnly] = await expectNoValidationErrors(async () => [await run(true), await run(false)]);
    expect(customKernelCalls().get('Conv3D') ?? 0).toBe(calls);
    expect(fallbackLog().some((r) => r.kernelName === 'Conv3D' && r.reason.includes('dilations'))).toBe(true);
    expect(maxDiff(withOurs, tfjsOnly)).toBe(0);
    x.dispose();
    f.dispose();
  });
});
