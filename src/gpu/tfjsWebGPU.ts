import * as tf from '@tensorflow/tfjs';

/**
 * The parts of tfjs-backend-webgpu 4.22's WebGPUBackend that our kernels use. They are internal (not in its
 * typings), so they are named here once: if a tfjs upgrade moves them, this file and dispatch.ts are the only
 * places to change, and `webgpuBackend()` fails loudly instead of a kernel failing silently.
 */
export interface TensorDataOnGPU {
  dtype: tf.DataType;
  shape: number[];
  /** The GPUBuffer once uploaded (uploadToGPU), else null. */
  resource: GPUBuffer | GPUTexture | null;
}

export interface BufferManagerInternals {
  acquireBuffer(size: number, usage: GPUBufferUsageFlags, mappedAtCreation?: boolean, reuse?: boolean): GPUBuffer;
  releaseBuffer(buffer: GPUBuffer, reuse?: boolean): void;
}

export interface WebGPUBackendInternals {
  device: GPUDevice;
  queue: GPUQueue;
  tensorMap: { get(dataId: object): TensorDataOnGPU };
  bufferManager: BufferManagerInternals;
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  dispatchCountInPass: number;
  /** Ids read or written by recorded, unsubmitted commands: disposing them is deferred to submitQueue. */
  commandQueueOwnedIds: WeakSet<object>;
  /** Uniform buffers released back to the pool when the queue is submitted. */
  uniformPendingDisposal: GPUBuffer[];
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

const REQUIRED: readonly (keyof WebGPUBackendInternals)[] = [
  'device',
  'queue',
  'tensorMap',
  'bufferManager',
  'makeTensorInfo',
  'uploadToGPU',
  'disposeData',
  'ensureCommandEncoderReady',
  'endComputePassEncoder',
  'submitQueue',
  'uniformPendingDisposal',
  'commandQueueOwnedIds',
];

/** True when `backend` looks like tfjs's WebGPUBackend with every internal our dispatcher needs. */
export function hasWebGPUInternals(backend: unknown): backend is WebGPUBackendInternals {
  if (!backend || typeof backend !== 'object') return false;
  return REQUIRED.every((key) => key in backend);
}

/** The active backend as WebGPU internals; throws when the webgpu backend is not active or has changed shape. */
export function webgpuBackend(): WebGPUBackendInternals {
  if (tf.getBackend() !== 'webgpu') throw new Error(`the webgpu backend is not active (active: ${tf.getBackend()})`);
  const backend = tf.backend() as unknown;
  if (!hasWebGPUInternals(backend)) throw new Error('tfjs-backend-webgpu is missing internals our kernels rely on (was tfjs upgraded?)');
  return backend;
}
