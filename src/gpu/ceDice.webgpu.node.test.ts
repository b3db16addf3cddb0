import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectNoValidationErrors, startWebGPUInNode } from '../model/testing/webgpuNode.ts';
import { ceDiceChecks, ceDiceReferenceChecks } from './checks/ceDice.checks.ts';
import { judge } from './checks/types.ts';
import { maskedCeDice } from '../train/losses.ts';
import { installCustomKernels, setCustomKernelsEnabled, uninstallCustomKernels } from './customKernels.ts';
import { fusedCeDice, fusedCeDiceUnsupported } from './fusedCeDice.ts';
import { loadShadersFromDisk } from './shaderSources.node.ts';

const webgpu = await startWebGPUInNode();
loadShadersFromDisk();

function describeFailures(results: ReturnType<typeof judge>[]): string {
  return results
    .filter((r) => !r.ok)
    .map((r) => `${r.name}: ours ${r.oursErr}, tfjs ${r.tfjsErr}, bound ${r.bound}`)
    .join('\n');
}

describe('the CE + Dice reference is the tfjs-op route (cpu backend)', () => {
  it.each(ceDiceReferenceChecks().map((c) => [c.name, c] as const))('%s', async (_name, check) => {
    const was = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      const results = (await check.run()).map(judge);
      expect(describeFailures(results)).toBe('');
    } finally {
      await tf.setBackend(was);
    }
  });
});

describe.skipIf(!webgpu.ok)(`fused softmax + CE + Dice on WebGPU (${webgpu.reason})`, () => {
  it.each(ceDiceChecks().map((c) => [c.name, c] as const))('%s', async (_name, check) => {
    const results = (await expectNoValidationErrors(() => check.run())).map(judge);
    expect(describeFailures(results)).toBe('');
  });

  it('leaves no tensors behind, with or without a tape', async () => {
    const z = tf.randomNormal([3, 50, 4]);
    const g = tf.oneHot(tf.zeros([3, 50], 'int32'), 4).toFloat();
    const m = tf.ones([3, 50, 1]);
    await expectNoValidationErrors(async () => {
      const before = tf.memory().numTensors;
      const { ce, dice } = fusedCeDice(z, g, m, { includeBackground: false, eps: 1e-5 });
      const grad = tf.grad((x: tf.Tensor) =>
        tf.add(...(Object.values(fusedCeDice(x, g, m, { includeBackground: false, eps: 1e-5 })) as [tf.Scalar, tf.Scalar])),
      )(z);
      await grad.data();
      tf.dispose([ce, dice, grad]);
      expect(tf.memory().numTensors).toBe(before);
    });
    tf.dispose([z, g, m]);
  });

  it('maskedCeDice takes the fused kernel only while custom kernels are active', async () => {
    // A stand-in that always defers to tfjs, so customKernelsActive() holds without any real kernel installed.
    installCustomKernels([{ kernelName: 'Softplus', run: () => ({ unsupported: 'test stand-in' }) }]);
    const z = tf.randomNormal([2, 7, 3]);
    const g = tf.oneHot(tf.ones([2, 7], 'int32'), 3).toFloat();
    const m = tf.ones([2, 7, 1]);
    const kernelsRun = async (on: boolean) => {
      setCustomKernelsEnabled(on);
      const info = await tf.profile(() => Object.values(maskedCeDice(z, g, m)));
      tf.dispose(info.result as tf.Tensor[]);
      return info.kernelNames;
    };
    try {
      // The tfjs-op route takes exp and log of the logits; the fused route leaves no such op behind.
      expect(await kernelsRun(true)).not.toContain('Exp');
      expect(await kernelsRun(false)).toContain('Exp');
    } finally {
      setCustomKernelsEnabled(true);
      uninstallCustomKernels();
      tf.dispose([z, g, m]);
    }
  });

  it('says why it cannot take a case, so maskedCeDice can fall back', () => {
    const z = tf.zeros([4, 30]);
    expect(fusedCeDiceUnsupported(z, z, tf.zeros([4, 1]))).toMatch(/30 classes/);
    expect(fusedCeDiceUnsupported(tf.zeros([4, 3]), tf.zeros([4, 2]), tf.zeros([4, 1]))).toMatch(/target shape/);
    expect(fusedCeDiceUnsupported(tf.zeros([4, 3]), tf.zeros([4, 3]), tf.zeros([4, 1]))).toBeNull();
  });
});
