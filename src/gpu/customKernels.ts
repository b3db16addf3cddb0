import * as tf from '@tensorflow/tfjs';
import { hasWebGPUInternals, type WebGPUBackendInternals } from './tfjsWebGPU.ts';

/**
 * Our WGSL kernels take over tfjs kernels by name (Conv3D, Conv3DBackpropInputV2, …) on the webgpu backend, so
 * tfjs's gradients and every op built on those kernels keep working unchanged. One switch turns all of them off
 * (tfjs's own kernels then run), so any result or timing can be compared; the fused training-loop kernels, which
 * have no tfjs counterpart, ask `customKernelsActive()` and take their tfjs-op route when it is false.
 *
 * A case a kernel does not handle (a stride, dilation or layout it was not written for) runs tfjs's kernel and is
 * recorded in the fallback log, printed once per distinct case with console.debug.
 */

export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  attrs: tf.NamedAttrMap;
  backend: WebGPUBackendInternals;
}

/** The output of our kernel, or why this case goes to tfjs's kernel. */
export type KernelResult = { output: tf.TensorInfo } | { unsupported: string };

export interface CustomKernel {
  /** tfjs's kernel name, e.g. 'Conv3D'. */
  kernelName: string;
  run(args: KernelArgs): KernelResult;
}

export interface FallbackRecord {
  kernelName: string;
  reason: string;
  count: number;
}

let enabled = true;
/** Set by installCustomKernels: the shaders are loaded and our kernels (fused ones included) may run. */
let ready = false;
const installed = new Map<string, tf.KernelConfig>();
const calls = new Map<string, number>();
const fallbacks = new Map<string, FallbackRecord>();

/** Turns every custom kernel on or off (default on). Takes effect at the next kernel call. */
export function setCustomKernelsEnabled(on: boolean): void {
  enabled = on;
}

export function customKernelsEnabled(): boolean {
  return enabled;
}

/** True when our kernels will run now: switched on, installed, and the webgpu backend is active. */
export function customKernelsActive(): boolean {
  return enabled && ready && tf.getBackend() === 'webgpu';
}

/** How many times each of our kernels ran (not counting fallbacks): for tests and the benchmark. */
export function customKernelCalls(): ReadonlyMap<string, number> {
  return calls;
}

export function fallbackLog(): FallbackRecord[] {
  return [...fallbacks.values()];
}

export function resetKernelCounters(): void {
  calls.clear();
  fallbacks.clear();
}

function noteFallback(kernelName: string, reason: string): void {
  const key = `${kernelName}: ${reason}`;
  const record = fallbacks.get(key);
  if (record) {
    record.count++;
    return;
  }
  fallbacks.set(key, { kernelName, reason, count: 1 });
  console.debug(`[pseudolab kernels] ${kernelName} runs tfjs's kernel: ${reason}`);
}

/**
 * Registers our kernels for the webgpu backend in place of tfjs's, keeping tfjs's as the fallback. Idempotent;
 * callable before the backend is initialised (tfjs's registry is keyed by name).
 */
export function installCustomKernels(kernels: readonly CustomKernel[]): void {
  ready = true;
  for (const kernel of kernels) {
    if (installed.has(kernel.kernelName)) continue;
    const original = tf.getKernel(kernel.kernelName, 'webgpu');
    if (!original) throw new Error(`tfjs has no webgpu kernel named ${kernel.kernelName} to replace`);
    tf.unregisterKernel(kernel.kernelName, 'webgpu');
    tf.registerKernel({
      kernelName: kernel.kernelName,
      backendName: 'webgpu',
      setupFunc: original.setupFunc,
      disposeFunc: original.disposeFunc,
      kernelFunc: (args) => {
        if (!enabled) return original.kernelFunc(args);
        const backend = args.backend;
        if (!hasWebGPUInternals(backend)) {
          noteFallback(kernel.kernelName, 'the webgpu backend lacks the internals our dispatcher needs');
          return original.kernelFunc(args);
        }
        // tfjs's Cast from int32/bool to float32 keeps the integer buffer (WEBGPU.md trap "cast then transpose");
        // its own shaders read by stored dtype, ours would read integer bit patterns as floats. Such inputs go to
        // tfjs's kernel.
        for (const [name, t] of Object.entries(args.inputs)) {
          const stored = t ? backend.tensorMap.get(t.dataId).dtype : null;
          if (t && stored !== t.dtype) {
            noteFallback(kernel.kernelName, `input ${name} is ${t.dtype} stored as ${stored}`);
            return original.kernelFunc(args);
          }
        }
        const result = kernel.run({ inputs: args.inputs, attrs: args.attrs ?? {}, backend });
        if ('unsupported' in result) {
          noteFallback(kernel.kernelName, result.unsupported);
          return original.kernelFunc(args);
        }
        calls.set(kernel.kernelName, (calls.get(kernel.kernelName) ?? 0) + 1);
        return result.output;
      },
    });
    installed.set(kernel.kernelName, original);
  }
}

/** Puts tfjs's own kernels back (tests that must see tfjs's exact registry). */
export function uninstallCustomKernels(): void {
  for (const [name, original] of installed) {
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel(original);
  }
  installed.clear();
  ready = false;
}

/** tfjs's own kernel for `kernelName`, for tests and the benchmark to call directly regardless of the switch. */
export function tfjsKernel(kernelName: string): tf.KernelConfig | undefined {
  return installed.get(kernelName) ?? tf.getKernel(kernelName, 'webgpu');
}
