import * as tf from '@tensorflow/tfjs';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export const BACKEND_LABELS: Record<BackendName, string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'CPU (WebAssembly)',
  cpu: 'CPU (JavaScript)',
};

/** Which backend runs training, on what, and why each faster one was not used. */
export interface BackendChoice {
  name: BackendName;
  /** The GPU adapter's self-description, when WebGPU runs. */
  adapter: string | null;
  /** One line per backend tried before this one: why it was passed over. */
  notes: string[];
}

export interface BackendOptions {
  /** URL folder of tfjs's WASM binaries (browser); Node finds them beside the package. */
  wasmPaths?: string;
}

function adapterText(adapter: GPUAdapter): string {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  if (!info) return 'WebGPU adapter';
  const parts = [info.vendor, info.architecture, info.description, info.device].filter((p) => p && p.length > 0);
  return parts.length ? parts.join(' · ') : 'WebGPU adapter';
}

async function tryWebGPU(notes: string[]): Promise<string | null> {
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
  // The backend registers itself only when navigator.gpu exists at import time, hence the late import.
  await import('@tensorflow/tfjs-backend-webgpu');
  try {
    if (await tf.setBackend('webgpu')) {
      await tf.ready();
      return adapterText(adapter);
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
export async function chooseBackend(order: readonly BackendName[] = BACKEND_ORDER, opts: BackendOptions = {}): Promise<BackendChoice> {
  const notes: string[] = [];
  for (const name of order) {
    if (name === 'webgpu') {
      const adapter = await tryWebGPU(notes);
      if (adapter !== null) return { name, adapter, notes };
      continue;
    }
    try {
      if (name === 'wasm') {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        if (opts.wasmPaths) wasm.setWasmPaths(opts.wasmPaths);
      }
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { name, adapter: null, notes };
      }
      notes.push(`${BACKEND_LABELS[name]}: not available in this environment.`);
    } catch (e) {
      notes.push(`${BACKEND_LABELS[name]}: failed to start (${(e as Error).message}).`);
    }
  }
  await tf.setBackend('cpu');
  return { name: 'cpu', adapter: null, notes };
}
