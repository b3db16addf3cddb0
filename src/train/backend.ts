import * as tf from '@tensorflow/tfjs';
import { customKernelsActive, installCustomKernels, setCustomKernelsEnabled } from '../gpu/customKernels.ts';
import { CUSTOM_KERNELS } from '../gpu/kernels.ts';
import { hasShaderSources } from '../gpu/shaderLibrary.ts';
import { adapterText, isSoftwareAdapter, namesSoftwareRenderer } from '../gpu/adapterKind.ts';
import { tuneSplitKForAdapter } from '../gpu/splitK.ts';
import { BACKEND_LABELS, BACKEND_ORDER, type BackendChoice, type BackendName } from './backendNames.ts';

export type { BackendChoice, BackendName };

export interface BackendOptions {
  /** URL folder of tfjs's WASM binaries (browser); Node finds them beside the package. */
  wasmPaths?: string;
  /**
   * Pass over software GPUs when a CPU backend follows in the order: on a machine without a GPU, WebGPU on
   * SwiftShader is tens of times slower than WebAssembly. Off when the user asked for that backend by name.
   */
  skipSoftware?: boolean;
  /** WebGPU: our WGSL kernels in place of tfjs's (default on). The shaders must have been loaded (shaderLibrary). */
  customKernels?: boolean;
}

/** Installs our kernels on a started webgpu backend and applies the switch; says what happened. */
function startCustomKernels(want: boolean, software: boolean): NonNullable<BackendChoice['customKernels']> {
  if (!hasShaderSources()) return { on: false, note: "our WGSL kernels were not bundled with this build; tfjs's kernels run" };
  installCustomKernels(CUSTOM_KERNELS);
  tuneSplitKForAdapter(software);
  setCustomKernelsEnabled(want);
  const on = customKernelsActive();
  return {
    on,
    note: on
      ? `our WGSL kernels run (${CUSTOM_KERNELS.map((k) => k.kernelName).join(', ')}) and the fused training kernels`
      : "our WGSL kernels are switched off; tfjs's kernels run",
  };
}

async function tryWebGPU(
  notes: string[],
  skipSoftware: boolean,
): Promise<{ adapter: string; software: boolean; limits: NonNullable<BackendChoice['gpuLimits']> } | null> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    notes.push('WebGPU: this browser offers no WebGPU (navigator.gpu is missing).');
    return null;
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    notes.push(`WebGPU: asking for an adapter failed (${(e as Error).message}).`);
    return null;
  }
  if (!adapter) {
    notes.push('WebGPU: no adapter was granted (on Linux, Chrome needs --enable-unsafe-webgpu; the GPU may be blocklisted).');
    return null;
  }
  const text = adapterText(adapter);
  const software = isSoftwareAdapter(adapter);
  if (software && skipSoftware) {
    notes.push(`WebGPU: the only adapter is a software renderer (${text}), slower than the CPU backend on this machine.`);
    return null;
  }
  // The backend registers itself only when navigator.gpu exists at import time, hence the late import.
  await import('@tensorflow/tfjs-backend-webgpu');
  try {
    if (await tf.setBackend('webgpu')) {
      await tf.ready();
      return {
        adapter: text,
        software,
        limits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize },
      };
    }
  } catch (e) {
    notes.push(`WebGPU: the adapter was found but tfjs could not start on it (${(e as Error).message}).`);
    return null;
  }
  notes.push('WebGPU: the adapter was found but tfjs could not start on it.');
  return null;
}

/**
 * Picks the fastest backend that works, trying them in `order`. Never throws: the CPU backend always works.
 */
/** The WebGL renderer's name (unmasked where the browser allows), to tell a real GPU from a software one. */
function webglRenderer(): string | null {
  try {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    if (!gl) return null;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    return null;
  }
}

export async function chooseBackend(order: readonly BackendName[] = BACKEND_ORDER, opts: BackendOptions = {}): Promise<BackendChoice> {
  const notes: string[] = [];
  const cpuFollows = (name: BackendName): boolean => order.slice(order.indexOf(name) + 1).some((b) => b === 'wasm' || b === 'cpu');
  for (const name of order) {
    if (name === 'webgpu') {
      const gpu = await tryWebGPU(notes, (opts.skipSoftware ?? true) && cpuFollows('webgpu'));
      if (gpu !== null)
        return {
          name,
          adapter: gpu.adapter,
          software: gpu.software,
          notes,
          gpuLimits: gpu.limits,
          customKernels: startCustomKernels(opts.customKernels ?? true, gpu.software),
        };
      continue;
    }
    try {
      if (name === 'wasm') {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        if (opts.wasmPaths) wasm.setWasmPaths(opts.wasmPaths);
      }
      if (await tf.setBackend(name)) {
        await tf.ready();
        if (name !== 'webgl') return { name, adapter: null, software: false, notes };
        const renderer = webglRenderer();
        const software = renderer !== null && namesSoftwareRenderer(renderer);
        if (software && (opts.skipSoftware ?? true) && cpuFollows('webgl')) {
          notes.push(`WebGL: the renderer is software (${renderer}), slower than the CPU backend on this machine.`);
          continue;
        }
        return { name, adapter: renderer, software, notes };
      }
      notes.push(`${BACKEND_LABELS[name]}: not available in this environment.`);
    } catch (e) {
      notes.push(`${BACKEND_LABELS[name]}: failed to start (${(e as Error).message}).`);
    }
  }
  await tf.setBackend('cpu');
  return { name: 'cpu', adapter: null, software: false, notes };
}
