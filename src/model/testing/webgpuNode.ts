import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';

/**
 * tfjs's WebGPU backend in Node, for tests: Dawn from the npm `webgpu` package, on Chromium's SwiftShader Vulkan
 * driver where there is no GPU (libvulkan1 must be installed). Kept apart from src/cli/nodeBackend.ts because
 * model tests must not import the CLI, and because a test needs a reason to print when it skips, not an exception.
 */

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface WebGPUNodeStatus {
  /** True when tf.setBackend('webgpu') succeeded; the backend is then active. */
  ok: boolean;
  /** The adapter on success, otherwise why WebGPU is unavailable, for the skipped test's title. */
  reason: string;
}

let started: Promise<WebGPUNodeStatus> | null = null;

/**
 * Starts the webgpu backend once per process and makes it active. Never throws: a machine without an adapter
 * gets `ok: false` and a reason, so a test file can `describe.skipIf(!status.ok)`.
 */
export function startWebGPUInNode(): Promise<WebGPUNodeStatus> {
  started ??= start();
  return started.then(async (status) => {
    if (status.ok && tf.getBackend() !== 'webgpu') await tf.setBackend('webgpu');
    return status;
  });
}

async function start(): Promise<WebGPUNodeStatus> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  let gpu: GPU;
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    gpu = create([]);
  } catch (e) {
    return { ok: false, reason: `the npm webgpu package (Dawn) did not load: ${(e as Error).message}` };
  }
  // Node 21+ has a navigator of its own; keep it and add gpu, else make one.
  const holder = (globalThis as { navigator?: object }).navigator;
  if (holder) Object.defineProperty(holder, 'gpu', { value: gpu, configurable: true, writable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });

  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return { ok: false, reason: `requestAdapter failed: ${(e as Error).message}` };
  }
  if (!adapter) {
    const icd = process.env.VK_ICD_FILENAMES ?? 'unset';
    return { ok: false, reason: `no WebGPU adapter (VK_ICD_FILENAMES=${icd}; without a GPU this needs libvulkan1 and Chromium's SwiftShader)` };
  }
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const name = [info?.vendor, info?.architecture, info?.description].filter((s) => s).join(' · ') || 'WebGPU adapter';

  // The backend registers itself only if navigator.gpu exists when its module is first evaluated.
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackendFactory('webgpu')) {
    return { ok: false, reason: '@tensorflow/tfjs-backend-webgpu was imported before navigator.gpu existed, so it never registered' };
  }
  try {
    if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: `tfjs could not start its webgpu backend on ${name}` };
    await tf.ready();
  } catch (e) {
    return { ok: false, reason: `tfjs could not start its webgpu backend on ${name}: ${(e as Error).message}` };
  }
  return { ok: true, reason: name };
}

interface WebGPUBackendInternals {
  device: GPUDevice;
  /** Pending commands; submitQueue() throws when there are none. */
  commandEncoder: GPUCommandEncoder | null;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

function webgpuBackend(): WebGPUBackendInternals {
  if (tf.getBackend() !== 'webgpu') throw new Error(`the active backend is ${tf.getBackend()}, not webgpu`);
  return tf.backend() as unknown as WebGPUBackendInternals;
}

/** tfjs's GPUDevice, for error scopes and limits. */
export function webgpuDevice(): GPUDevice {
  return webgpuBackend().device;
}

/**
 * Runs `run` inside a WebGPU validation error scope and returns its value with the first validation error, if
 * any. tfjs only logs these (a shader that fails to compile leaves zeros or stale memory in its output), so
 * without a scope a broken kernel passes silently. Commands tfjs has batched but not submitted are submitted
 * before the scope closes, so their errors land in it too.
 */
export async function captureValidationError<T>(run: () => Promise<T>): Promise<{ value: T; error: string | null }> {
  const backend = webgpuBackend();
  backend.device.pushErrorScope('validation');
  let value: T;
  try {
    value = await run();
  } catch (e) {
    // Closed either way, so later scopes stay balanced; run's own error is the one to report.
    await closeScope(backend);
    throw e;
  }
  const error = await closeScope(backend);
  return { value, error: error?.message ?? null };
}

async function closeScope(backend: WebGPUBackendInternals): Promise<GPUError | null> {
  // A pass tfjs left open must be ended before its encoder is submitted, or Dawn rejects the command buffer.
  if (backend.commandEncoder) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
  return backend.device.popErrorScope();
}

/** Runs `run` in a validation error scope and throws if WebGPU reported any validation error. */
export async function expectNoValidationErrors<T>(run: () => Promise<T>): Promise<T> {
  const { value, error } = await captureValidationError(run);
  if (error) throw new Error(`WebGPU validation error: ${error}`);
  return value;
}
