import * as tf from '@tensorflow/tfjs';
import { customKernelsEnabled, setCustomKernelsEnabled } from '../customKernels.ts';
import { webgpuBackend } from '../tfjsWebGPU.ts';
import type { BenchCase } from './types.ts';

export interface BenchTiming {
  kernel: string;
  name: string;
  /** Median milliseconds per call, GPU work included (waited for with onSubmittedWorkDone, no readback). */
  oursMs: number;
  tfjsMs: number;
  /** tfjs ÷ ours: how many times faster ours is. */
  ratio: number;
  oursGflops: number | null;
  tfjsGflops: number | null;
}

/** Submits what tfjs has recorded and waits until the GPU has finished it, without reading anything back. */
export async function gpuIdle(): Promise<void> {
  const backend = webgpuBackend();
  if (backend.commandEncoder) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
  await backend.device.queue.onSubmittedWorkDone();
}

async function timeOnce(c: BenchCase, on: boolean): Promise<number> {
  setCustomKernelsEnabled(on);
  await gpuIdle();
  const t0 = performance.now();
  const out = tf.tidy(() => c.run(on));
  await gpuIdle();
  const ms = performance.now() - t0;
  if (out) tf.dispose(out);
  return ms;
}

/** A warm-up call longer than this counts as a timed call: compiling a pipeline takes well under it. */
const SLOW_CALL_MS = 3000;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Times one case: an untimed call of ours (the case makes its inputs), a warm-up call each way (pipeline
 * compilation), then calls alternating ours and tfjs's so drift
 * (thermal, other load) hits both alike, until each has `reps`; medians. Restores the switch it found.
 */
export async function timeBenchCase(c: BenchCase, reps = 3): Promise<BenchTiming> {
  const was = customKernelsEnabled();
  try {
    const ours: number[] = [];
    const theirs: number[] = [];
    // The cases make their inputs on their first run (random tensors of up to 10⁷ values, generated on the CPU:
    // seconds on SwiftShader). That first run is ours, untimed, so neither side's timing includes it.
    await timeOnce(c, true);
    // A warm-up call compiles the pipelines; one that took seconds is dominated by the work itself, so on slow
    // (software) GPUs it counts as a timed call rather than doubling the run.
    const warmOurs = await timeOnce(c, true);
    const warmTheirs = await timeOnce(c, false);
    if (warmOurs > SLOW_CALL_MS) ours.push(warmOurs);
    if (warmTheirs > SLOW_CALL_MS) theirs.push(warmTheirs);
    while (ours.length < reps || theirs.length < reps) {
      if (ours.length < reps) ours.push(await timeOnce(c, true));
      if (theirs.length < reps) theirs.push(await timeOnce(c, false));
    }
    const oursMs = median(ours);
    const tfjsMs = median(theirs);
    const gflops = (ms: number) => (c.flops === null ? null : c.flops / (ms * 1e6));
    return { kernel: c.kernel, name: c.name, oursMs, tfjsMs, ratio: tfjsMs / oursMs, oursGflops: gflops(oursMs), tfjsGflops: gflops(tfjsMs) };
  } finally {
    setCustomKernelsEnabled(was);
    c.dispose?.();
  }
}
