import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { createResUNet2D, type ResUNet2DConfig } from '../model/resunet2d.ts';
import { expectNoValidationErrors, startWebGPUInNode } from '../model/testing/webgpuNode.ts';
import { emaUpdate } from '../train/ema.ts';
import { argmaxClasses, predictSliceLayers, predictSlices, predictVolumeClasses, uncertaintyBytes } from '../train/inference.ts';
import { mergedPseudoLabel } from '../train/vlm/textMaskLosses.ts';
import { fusedChecks } from './checks/fused.checks.ts';
import { judge } from './checks/types.ts';
import { customKernelsActive, installCustomKernels, setCustomKernelsEnabled } from './customKernels.ts';
import { CUSTOM_KERNELS } from './kernels.ts';
import { emaPackLimit, emaPacks } from './emaUpdate.ts';
import { logitsToLabels, readLabels } from './logitsToLabels.ts';
import { loadShadersFromDisk } from './shaderSources.node.ts';
import { webgpuBackend } from './tfjsWebGPU.ts';

const webgpu = await startWebGPUInNode();
loadShadersFromDisk();

describe('emaPacks', () => {
  it('packs consecutive tensors up to the limit, the whole model in one pack when it fits', () => {
    expect(emaPacks([5, 3, 4, 2], 100)).toEqual([[0, 1, 2, 3]]);
    expect(emaPacks([5, 3, 4, 2], 8)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(emaPacks([], 8)).toEqual([]);
    expect(() => emaPacks([9], 8)).toThrow(/exceeds/);
  });
});

describe.skipIf(!webgpu.ok)(`fused training-loop kernels on WebGPU (${webgpu.reason})`, () => {
  // The engine takes the fused route when customKernelsActive(): switched on, kernels installed, webgpu active.
  beforeAll(() => {
    installCustomKernels(CUSTOM_KERNELS);
    setCustomKernelsEnabled(true);
  });
  afterAll(() => {
    setCustomKernelsEnabled(true);
  });

  it('packs a default model into one dispatch under the device tfjs asked for', () => {
    // WebGPU guarantees a storage binding of 128 MiB (32 M floats); the default networks hold a few million weights.
    expect(emaPackLimit(webgpuBackend().device)).toBeGreaterThanOrEqual(32 * 2 ** 20);
  });

  for (const check of fusedChecks()) {
    it(`${check.kernel}: ${check.name}`, async () => {
      const comparisons = await expectNoValidationErrors(() => check.run());
      expect(comparisons.length).toBeGreaterThan(0);
      for (const c of comparisons) {
        const r = judge(c);
        expect(r.ok, `${r.name}: ours ${r.oursErr}, tfjs ${r.tfjsErr}, bound ${r.bound}`).toBe(true);
      }
    });
  }

  const model: ResUNet2DConfig = { inChannels: 1, numClasses: 3, width: 4, depth: 2 };

  it('emaUpdate gives the same teacher with the fused kernel as with tfjs ops, and leaves shared buffers alone', async () => {
    const student = createResUNet2D(model, new Random(5));
    // Two teachers cloned from the student: they share its buffers, which the update must not write into.
    const fused = student.clone();
    const ops = student.clone();
    const before = await student.toArrays();
    const rng = new Random(6);
    for (const name of student.names()) {
      const v = student.get(name);
      const values = new Float32Array(v.size);
      rng.fillNormal(values);
      v.assign(tf.tensor(values, v.shape));
    }
    const studentNow = await student.toArrays();
    // Read back inside the scope: the read ends tfjs's open compute pass before the scope submits.
    const a = await expectNoValidationErrors(async () => {
      expect(customKernelsActive()).toBe(true);
      for (let step = 0; step < 3; step++) emaUpdate(fused, student, step + 5, 0.99);
      return fused.toArrays();
    });
    setCustomKernelsEnabled(false);
    for (let step = 0; step < 3; step++) emaUpdate(ops, student, step + 5, 0.99);
    setCustomKernelsEnabled(true);
    const b = await ops.toArrays();
    let maxErr = 0;
    let moved = 0;
    a.forEach((p, i) => {
      const q = b[i]!;
      p.values.forEach((x, n) => {
        maxErr = Math.max(maxErr, Math.abs(x - q.values[n]!));
        moved = Math.max(moved, Math.abs(x - before[i]!.values[n]!));
      });
    });
    expect(a.length).toBeGreaterThan(4); // many weight tensors, packed into one dispatch
    expect(maxErr).toBeLessThanOrEqual(1e-6);
    expect(moved).toBeGreaterThan(0.01);
    // The student, whose first buffers both teachers shared, is exactly what it was set to.
    expect(await student.toArrays()).toEqual(studentNow);
    tf.dispose([student, fused, ops].map((p) => p.variables()).flat());
  });

  it('mergedPseudoLabel (fused for softmax) matches the tfjs route and carries no gradient inside a tape', async () => {
    const rng = new Random(7);
    const shape: [number, number, number, number] = [2, 9, 7, 3];
    const n = shape.reduce((x, y) => x * y);
    const logits = new Float32Array(n);
    rng.fillNormal(logits, 0, 2);
    const text = Float32Array.from({ length: n }, () => rng.uniform());
    const z = tf.variable(tf.tensor4d(logits, shape));
    const t = tf.tensor4d(text, shape);
    for (const merge of ['softmax', 'sigmoid'] as const) {
      const { ours, grad } = await expectNoValidationErrors(async () => {
        // Under variableGrads as in Trainer.trainStep: the merged label is a constant target, so ∂/∂z_t = 0.
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(mergedPseudoLabel(z, t, merge), z)) as tf.Scalar, [z]);
        const p = tf.tidy(() => mergedPseudoLabel(z, t, merge));
        const out = { ours: await p.data(), grad: await grads[z.name]!.data() };
        tf.dispose([value, p, ...Object.values(grads)]);
        return out;
      });
      setCustomKernelsEnabled(false);
      const p = tf.tidy(() => mergedPseudoLabel(z, t, merge));
      const theirs = await p.data();
      p.dispose();
      setCustomKernelsEnabled(true);
      let maxErr = 0;
      ours.forEach((x, i) => (maxErr = Math.max(maxErr, Math.abs(x - theirs[i]!))));
      expect(maxErr, merge).toBeLessThanOrEqual(1e-5);
      // d/dz Σ p·z with p constant is p itself: the fused label carries no gradient of its own.
      let gradErr = 0;
      grad.forEach((g, i) => (gradErr = Math.max(gradErr, Math.abs(g - ours[i]!))));
      expect(gradErr, merge).toBeLessThanOrEqual(1e-6);
    }
    tf.dispose([z, t]);
  });

  it('predictVolumeClasses reads labels from the GPU and agrees with the float-map route', async () => {
    const net = createResUNet2D(model, new Random(8));
    const [ni, nj, nk] = [13, 10, 5];
    const rng = new Random(9);
    const image = new Float32Array(ni * nj * nk);
    rng.fillNormal(image);
    const v: TrainingVolume = {
      id: 'noise',
      dims: [ni, nj, nk],
      spacing: [1, 1, 1],
      channels: 1,
      image,
      labels: new Uint8Array(ni * nj * nk),
      labeled: new Uint8Array(ni * nj * nk),
    };
    const size: [number, number] = [12, 16];
    const ours = await expectNoValidationErrors(() => predictVolumeClasses(net, model, v, size));
    setCustomKernelsEnabled(false);
    const theirs = await predictVolumeClasses(net, model, v, size);
    const probs = await predictSlices(net, model, v, [0, 1, 2, 3, 4], size);
    setCustomKernelsEnabled(true);
    expect(ours).not.toBeNull();
    expect(Array.from(ours!)).toEqual(Array.from(theirs!));
    expect(Array.from(theirs!.subarray(0, ni * nj))).toEqual(Array.from(argmaxClasses(probs[0]!.probs, model.numClasses)));
    tf.dispose(net.variables());
  });

  it('predictSliceLayers gives the labels and uncertainty of the float-map route, off the GPU as bytes', async () => {
    const net = createResUNet2D(model, new Random(10));
    const [ni, nj, nk] = [13, 10, 4];
    const rng = new Random(11);
    const image = new Float32Array(ni * nj * nk);
    rng.fillNormal(image);
    const v: TrainingVolume = {
      id: 'noise',
      dims: [ni, nj, nk],
      spacing: [1, 1, 1],
      channels: 1,
      image,
      labels: new Uint8Array(ni * nj * nk),
      labeled: new Uint8Array(ni * nj * nk),
    };
    const size: [number, number] = [12, 16];
    const ks = [3, 0, 2];
    const layers = await expectNoValidationErrors(() => predictSliceLayers(net, model, v, ks, size, 2));
    const probs = await predictSlices(net, model, v, ks, size, 2);
    expect(layers.map((l) => l.k)).toEqual(ks);
    layers.forEach((layer, n) => {
      const p = probs[n]!.probs;
      expect(Array.from(layer.labels)).toEqual(Array.from(argmaxClasses(p, model.numClasses)));
      const cpu = uncertaintyBytes(p, model.numClasses);
      expect(layer.uncertainty.length).toBe(ni * nj);
      layer.uncertainty.forEach((u, i) => expect(Math.abs(u - cpu[i]!), `pixel ${i} of slice ${layer.k}`).toBeLessThanOrEqual(1));
    });
    // An untrained net is unsure: the layer is not all zeros.
    expect(Math.max(...layers[0]!.uncertainty)).toBeGreaterThan(100);
    tf.dispose(net.variables());
  });

  it('readLabels returns exactly n labels from a packed map', async () => {
    const logits = tf.tensor2d([0, 1, 5, 2, 3, 3, -1, -2, 9, 0], [5, 2]);
    const packed = logitsToLabels(logits);
    expect(packed.shape).toEqual([2]);
    expect(Array.from(await readLabels(packed, 5))).toEqual([1, 0, 0, 0, 0]);
    tf.dispose([logits, packed]);
  });
});
