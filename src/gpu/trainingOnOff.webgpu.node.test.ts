import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { startWebGPUInNode } from '../model/testing/webgpuNode.ts';
import { presetConfig } from '../train/config.ts';
import { Trainer } from '../train/Trainer.ts';
import { Trainer3D } from '../train/Trainer3D.ts';
import { customKernelCalls, fallbackLog, installCustomKernels, resetKernelCounters, setCustomKernelsEnabled } from './customKernels.ts';
import { CUSTOM_KERNELS } from './kernels.ts';
import { loadShadersFromDisk } from './shaderSources.node.ts';

const webgpu = await startWebGPUInNode();
if (webgpu.ok) {
  loadShadersFromDisk();
  installCustomKernels(CUSTOM_KERNELS);
}

/** A small volume with a ball and a bar, fully labeled or not at all. */
function volume(labeled: boolean, dims: [number, number, number]): TrainingVolume {
  const rng = new Random(labeled ? 3 : 4);
  const n = dims[0] * dims[1] * dims[2];
  const image = new Float32Array(n);
  const labels = new Uint8Array(n);
  const c = dims.map((d) => d >> 1);
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++) {
        const p = (k * dims[1] + j) * dims[0] + i;
        const r2 = (i - c[0]!) ** 2 + (j - c[1]!) ** 2 + (k - c[2]!) ** 2;
        labels[p] = r2 < 16 ? 1 : j > c[1]! + 2 && j < c[1]! + 5 ? 2 : 0;
        image[p] = labels[p]! + 0.3 * rng.normal();
      }
  return {
    id: labeled ? 'l' : 'u',
    dims,
    spacing: [1, 1, 1],
    channels: 1,
    image,
    labels: labeled ? labels : new Uint8Array(n),
    labeled: new Uint8Array(n).fill(labeled ? 1 : 0),
  };
}

async function lossCurve(make: () => Trainer | Trainer3D, on: boolean, steps: number): Promise<{ losses: number[]; calls: Map<string, number> }> {
  setCustomKernelsEnabled(on);
  resetKernelCounters();
  const t = make();
  const losses: number[] = [];
  try {
    for (let s = 0; s < steps; s++) losses.push((await t.trainStep()).losses.total);
  } finally {
    t.dispose();
    setCustomKernelsEnabled(true);
  }
  return { losses, calls: new Map(customKernelCalls()) };
}

/*
 * The same seeded run with our kernels and with tfjs's must follow the same loss curve: the kernels change how
 * sums are ordered, never what is computed. 1e-3 relative over a few steps: float32 reassociation drifts, a wrong
 * kernel (or a gradient that stopped flowing) moves the curve by far more.
 */
describe.skipIf(!webgpu.ok)(`training with custom kernels on and off (${webgpu.reason})`, () => {
  it('3D V-Net mean teacher: the same loss curve, and our convolution kernels really ran', async () => {
    const make = () =>
      new Trainer3D(
        [volume(true, [12, 20, 20]), volume(false, [12, 20, 20])],
        3,
        presetConfig('mean-teacher', {
          seed: 7,
          model: { kind: '3d', width: 2, depth: 1 },
          patch3d: [8, 16, 16],
          batchLabeled: 1,
          batchUnlabeled: 1,
          validation: { fraction: 0, minLabeledSlices: 1e9 },
        }),
      );
    const on = await lossCurve(make, true, 3);
    const off = await lossCurve(make, false, 3);
    expect(on.calls.get('Conv3D') ?? 0, `our Conv3D ran (fallbacks: ${JSON.stringify(fallbackLog())})`).toBeGreaterThan(0);
    expect(on.calls.get('Conv3DBackpropFilterV2') ?? 0).toBeGreaterThan(0);
    expect(off.calls.size, 'switched off, none of ours ran').toBe(0);
    on.losses.forEach((l, s) =>
      expect(Math.abs(l - off.losses[s]!), `step ${s}: ${l} vs ${off.losses[s]}`).toBeLessThanOrEqual(1e-3 * Math.abs(off.losses[s]!) + 1e-5),
    );
  }, 300_000);

  it('2D ResUNet mean teacher: the same loss curve, and our filter-gradient kernel really ran', async () => {
    const make = () =>
      new Trainer(
        [volume(true, [32, 32, 4]), volume(false, [32, 32, 4])],
        3,
        presetConfig('mean-teacher', {
          seed: 7,
          model: { kind: '2d', width: 4, depth: 2 },
          patch: [32, 32],
          batchLabeled: 2,
          batchUnlabeled: 2,
          validation: { fraction: 0, minLabeledSlices: 1e9 },
        }),
      );
    const on = await lossCurve(make, true, 3);
    const off = await lossCurve(make, false, 3);
    expect(on.calls.get('Conv2DBackpropFilter') ?? 0, `our Conv2DBackpropFilter ran (fallbacks: ${JSON.stringify(fallbackLog())})`).toBeGreaterThan(0);
    on.losses.forEach((l, s) =>
      expect(Math.abs(l - off.losses[s]!), `step ${s}: ${l} vs ${off.losses[s]}`).toBeLessThanOrEqual(1e-3 * Math.abs(off.losses[s]!) + 1e-5),
    );
    expect(tf.memory().numTensors).toBeLessThan(10_000);
  }, 300_000);
});
