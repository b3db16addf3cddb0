import * as tf from '@tensorflow/tfjs';
// Registers the wasm backend that the comparison switches to; importing it here spares each caller.
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import type { Params } from '../params.ts';

/**
 * The loss and every parameter's gradient agree between the cpu and wasm backends: loss within 1e-4 relative,
 * each gradient within 1e-4 of its own largest entry. Training falls back to wasm where no GPU backend is usable
 * (src/train/backend.ts), so a kernel that computes differently there would train a different model. Starts and
 * ends on cpu, the backend these tests run on.
 */
export async function expectWasmMatchesCpu(loss: () => tf.Scalar, p: Params): Promise<void> {
  const run = async () => {
    const { value, grads } = tf.variableGrads(loss, p.variables());
    const out = { loss: (await value.data())[0]!, grads: await Promise.all(p.variables().map(async (v) => (await grads[v.name]!.data()) as Float32Array)) };
    value.dispose();
    tf.dispose(grads);
    return out;
  };
  const cpu = await run();
  await tf.setBackend('wasm');
  try {
    const wasm = await run();
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(cpu.loss)));
    cpu.grads.forEach((g, n) => {
      const scale = g.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-6);
      const err = g.reduce((m, v, i) => Math.max(m, Math.abs(v - wasm.grads[n]![i]!)), 0);
      expect(err / scale, p.names()[n]).toBeLessThan(1e-4);
    });
  } finally {
    await tf.setBackend('cpu');
  }
}
