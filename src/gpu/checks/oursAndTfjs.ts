import type * as tf from '@tensorflow/tfjs';
import { customKernelCalls, customKernelsEnabled, fallbackLog, setCustomKernelsEnabled } from '../customKernels.ts';

/** Runs `call` with our kernels on (asserting ours ran) and off (tfjs's kernel); restores the switch it found. */
export async function oursAndTfjs(kernelName: string, call: () => tf.Tensor): Promise<{ ours: Float32Array; tfjs: Float32Array }> {
  const was = customKernelsEnabled();
  try {
    setCustomKernelsEnabled(true);
    const before = customKernelCalls().get(kernelName) ?? 0;
    const oursT = call();
    const ours = (await oursT.data()) as Float32Array;
    oursT.dispose();
    if ((customKernelCalls().get(kernelName) ?? 0) <= before) {
      const why =
        fallbackLog()
          .filter((f) => f.kernelName === kernelName)
          .map((f) => f.reason)
          .join('; ') || 'not installed?';
      throw new Error(`our ${kernelName} did not run (${why})`);
    }
    setCustomKernelsEnabled(false);
    const tfjsT = call();
    const tfjs = (await tfjsT.data()) as Float32Array;
    tfjsT.dispose();
    return { ours, tfjs };
  } finally {
    setCustomKernelsEnabled(was);
  }
}
