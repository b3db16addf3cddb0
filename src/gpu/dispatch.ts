import type * as tf from '@tensorflow/tfjs';
import { shaderSource } from './shaderLibrary.ts';
import type { WebGPUBackendInternals } from './tfjsWebGPU.ts';

/**
 * Runs one of our complete WGSL files (shaders/) as a compute pass inside tfjs's own command stream: the same
 * GPUDevice, the same command encoder and compute pass, tfjs's buffer pool, and tfjs's deferred disposal. So our
 * dispatches are ordered with tfjs's, a tensor freed while a recorded command still reads it stays alive until
 * the queue is submitted, and outputs are ordinary tfjs tensors.
 *
 * Binding convention (each .wgsl header restates it): `buffers` at @binding(0..n−1) in the order given, the
 * uniform struct (when any) at @binding(n). Entry point `main`.
 */

/** WebGPU's guaranteed minimum for maxComputeWorkgroupsPerDimension; larger grids fold into y (gridFor). */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

export interface ShaderDispatch {
  /** File name in shaders/ without `.wgsl`. */
  shader: string;
  /** Values of the shader's `override` constants (tile sizes, workgroup size); part of the pipeline's cache key. */
  constants?: Readonly<Record<string, number>>;
  /** Tensors bound at @binding(0..n−1), in this order; must already be allocated (see allocate). */
  buffers: readonly tf.TensorInfo[];
  /** The uniform struct's bytes (see packUniforms), bound after the buffers. */
  uniforms?: ArrayBuffer;
  /** Workgroup counts [x, y, z]; any zero skips the dispatch. */
  workgroups: readonly [number, number, number];
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

function pipelineFor(device: GPUDevice, shader: string, constants: Readonly<Record<string, number>> = {}): GPUComputePipeline {
  let byKey = pipelines.get(device);
  if (!byKey) pipelines.set(device, (byKey = new Map()));
  const names = Object.keys(constants).sort();
  const key = `${shader}|${names.map((n) => `${n}=${constants[n]}`).join(',')}`;
  let pipeline = byKey.get(key);
  if (!pipeline) {
    const module = device.createShaderModule({ label: shader, code: shaderSource(shader) });
    pipeline = device.createComputePipeline({
      label: key,
      layout: 'auto',
      compute: names.length ? { module, entryPoint: 'main', constants: { ...constants } } : { module, entryPoint: 'main' },
    });
    byKey.set(key, pipeline);
  }
  return pipeline;
}

/** A new tensor of `shape` with its GPU buffer acquired from tfjs's pool (contents undefined until written). */
export function allocate(backend: WebGPUBackendInternals, shape: readonly number[], dtype: tf.DataType = 'float32'): tf.TensorInfo {
  const info = backend.makeTensorInfo([...shape], dtype);
  backend.uploadToGPU(info.dataId);
  return info;
}

/** Frees a scratch tensor made by allocate; tfjs defers the release until recorded commands have been submitted. */
export function release(backend: WebGPUBackendInternals, info: tf.TensorInfo): void {
  backend.disposeData(info.dataId);
}

/** Records one dispatch into tfjs's current compute pass, submitting when tfjs's batching would. */
export function dispatchShader(backend: WebGPUBackendInternals, run: ShaderDispatch): void {
  if (run.workgroups.some((n) => n === 0)) return;
  if (run.workgroups.some((n) => n > MAX_WORKGROUPS_PER_DIMENSION)) {
    throw new Error(`${run.shader}: ${run.workgroups.join('×')} workgroups exceeds ${MAX_WORKGROUPS_PER_DIMENSION} per dimension (use gridFor)`);
  }
  const pipeline = pipelineFor(backend.device, run.shader, run.constants);
  const entries: GPUBindGroupEntry[] = run.buffers.map((info, binding) => {
    backend.uploadToGPU(info.dataId);
    backend.commandQueueOwnedIds.add(info.dataId);
    const resource = backend.tensorMap.get(info.dataId).resource;
    if (!resource || !('mapState' in resource)) throw new Error(`${run.shader}: binding ${binding} is not a GPU buffer`);
    return { binding, resource: { buffer: resource } };
  });
  if (run.uniforms) {
    const size = run.uniforms.byteLength;
    const buffer = backend.bufferManager.acquireBuffer(size, GPUBufferUsage.COPY_DST | GPUBufferUsage.UNIFORM);
    backend.queue.writeBuffer(buffer, 0, run.uniforms, 0, size);
    backend.uniformPendingDisposal.push(buffer);
    entries.push({ binding: entries.length, resource: { buffer, offset: 0, size } });
  }
  const bindGroup = backend.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  backend.ensureCommandEncoderReady();
  if (!backend.computePassEncoder) backend.computePassEncoder = backend.commandEncoder!.beginComputePass({});
  const pass = backend.computePassEncoder;
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(run.workgroups[0], run.workgroups[1], run.workgroups[2]);
  backend.dispatchCountInPass++;
  // tfjs submits every WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE dispatches (15 by default); we follow suit.
  if (backend.dispatchCountInPass >= 15) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
}

/**
 * Records a copy of `count` floats from `src` (starting at float `srcOffset`) into `dst` (at `dstOffset`) on
 * tfjs's command encoder, in order with the dispatches around it. Copies cannot be recorded inside a compute
 * pass, so this ends tfjs's pass (the next dispatch begins a new one). Both tensors are marked as used by the
 * queue, so disposing either defers its buffer's release until the copy has been submitted.
 */
export function copyFloats(backend: WebGPUBackendInternals, src: tf.TensorInfo, srcOffset: number, dst: tf.TensorInfo, dstOffset: number, count: number): void {
  if (count === 0) return;
  const buffers = [src, dst].map((info) => {
    backend.uploadToGPU(info.dataId);
    backend.commandQueueOwnedIds.add(info.dataId);
    const resource = backend.tensorMap.get(info.dataId).resource;
    if (!resource || !('mapState' in resource)) throw new Error('copyFloats: a tensor is not in a GPU buffer');
    return resource;
  });
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.commandEncoder!.copyBufferToBuffer(buffers[0]!, 4 * srcOffset, buffers[1]!, 4 * dstOffset, 4 * count);
}

/**
 * A 1-D count of workgroups as an [x, y, 1] grid within the per-dimension limit. Shaders recover the linear
 * index as wid.x + wid.y · nwg.x and must skip indices ≥ count (the grid may overshoot).
 */
export function gridFor(count: number): [number, number, number] {
  if (count <= MAX_WORKGROUPS_PER_DIMENSION) return [count, 1, 1];
  const y = Math.ceil(count / MAX_WORKGROUPS_PER_DIMENSION);
  return [Math.ceil(count / y), y, 1];
}

export type UniformField = readonly ['u32' | 'i32' | 'f32', number];

/**
 * Bytes of a uniform struct whose members are all 4-byte scalars, in declaration order, padded to 16 bytes.
 * Scalars only, so the WGSL layout is exactly consecutive 4-byte slots.
 */
export function packUniforms(fields: readonly UniformField[]): ArrayBuffer {
  const bytes = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const view = new DataView(bytes);
  fields.forEach(([type, value], i) => {
    if (type === 'f32') view.setFloat32(i * 4, value, true);
    else if (type === 'i32') view.setInt32(i * 4, value, true);
    else view.setUint32(i * 4, value, true);
  });
  return bytes;
}
