/*
 * The training backends by name, with the words the panel shows and what the worker reports about the one it
 * chose. No tfjs here: the main thread imports this module, and the main-thread bundle carries no tfjs
 * (.dependency-cruiser.cjs holds that line).
 */

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
  /** The GPU adapter's (or WebGL renderer's) self-description, when a GPU backend runs. */
  adapter: string | null;
  /** True when that "GPU" is a software renderer (SwiftShader, llvmpipe): slow, so models stay small. */
  software: boolean;
  /** One line per backend tried before this one: why it was passed over. */
  notes: string[];
  /**
   * WebGPU only: the adapter's buffer limits, which bound the largest tensor a run may make (WEBGPU.md trap 10) and
   * feed the 3D memory estimate. Absent on the other backends.
   */
  gpuLimits?: { maxStorageBufferBindingSize: number; maxBufferSize: number };
  /**
   * WebGPU only: whether our WGSL kernels (shaders/) run in place of tfjs's, and in words why not when they
   * don't (switched off, or the shaders were not bundled). Absent on the other backends.
   */
  customKernels?: { on: boolean; note: string };
}
