import * as tf from '@tensorflow/tfjs';
import { allocate, dispatchShader, gridFor, packUniforms, release } from './dispatch.ts';
import { webgpuBackend } from './tfjsWebGPU.ts';

/*
 * The EMA teacher update (DuSSS eq 13) as shaders/ema_update.wgsl: θ_t' = a·θ_t + (1 − a)·θ_s for every weight,
 * two weight tensors per dispatch (the header says why two, and why per group rather than per model).
 *
 * Never in place: tfjs keeps each weight in its own GPUBuffer, and a teacher variable may share its buffer with
 * another tensor (tf.variable and tf.clone share dataIds; Params.clone makes the teacher exactly so). So every new
 * teacher value goes to a fresh buffer and the variable is re-pointed at it with assign().
 */

/** Weight tensors ema_update.wgsl declares bindings for. */
export const EMA_TENSORS_PER_SHADER = 2;
/** Storage bindings one tensor takes: teacher, student, new teacher. */
const STORAGE_BINDINGS_PER_TENSOR = 3;
const WG = 256;

/**
 * Weight tensors per dispatch on `device`: as many as its maxStorageBuffersPerShaderStage allows, up to the slots
 * the shader declares. tfjs asks for the default limit (8), which gives exactly the shader's two.
 */
export function emaTensorsPerDispatch(device: GPUDevice): number {
  const fit = Math.floor(device.limits.maxStorageBuffersPerShaderStage / STORAGE_BINDINGS_PER_TENSOR);
  if (fit < EMA_TENSORS_PER_SHADER) {
    throw new Error(`ema_update needs ${EMA_TENSORS_PER_SHADER * STORAGE_BINDINGS_PER_TENSOR} storage buffers per stage; this device allows ${device.limits.maxStorageBuffersPerShaderStage}`);
  }
  return Math.min(EMA_TENSORS_PER_SHADER, fit);
}

/** Consecutive groups of at most `perDispatch` tensor indices out of `count`: one dispatch each. */
export function emaGroups(count: number, perDispatch: number): number[][] {
  const groups: number[][] = [];
  for (let start = 0; start < count; start += perDispatch) {
    groups.push(Array.from({ length: Math.min(perDispatch, count - start) }, (_, n) => start + n));
  }
  return groups;
}

/**
 * New tensors a·teachers[i] + (1 − a)·students[i], one per pair, in fresh buffers (inputs untouched), in
 * ⌈count / 2⌉ dispatches. float32 tensors of matching shapes, on the active webgpu backend.
 */
export function emaBlend(teachers: readonly tf.Tensor[], students: readonly tf.Tensor[], a: number): tf.Tensor[] {
  if (teachers.length !== students.length) throw new Error(`emaBlend: ${teachers.length} teacher tensors but ${students.length} student tensors`);
  teachers.forEach((t, i) => {
    const s = students[i]!;
    if (t.dtype !== 'float32' || s.dtype !== 'float32') throw new Error(`emaBlend: tensor ${i} is ${t.dtype}/${s.dtype}, not float32`);
    if (!tf.util.arraysEqual(t.shape, s.shape)) throw new Error(`emaBlend: tensor ${i} has teacher shape ${t.shape} but student shape ${s.shape}`);
  });
  const backend = webgpuBackend();
  const perDispatch = emaTensorsPerDispatch(backend.device);
  // Empty tensors have no buffer to bind; they need no work either.
  const work = teachers.map((t, i) => i).filter((i) => teachers[i]!.size > 0);
  const outs = new Map(work.map((i) => [i, allocate(backend, teachers[i]!.shape)]));
  const uniform = (n0: number, n1: number) => packUniforms([['u32', n0], ['u32', n1], ['f32', a], ['f32', 1 - a]]);
  for (const group of emaGroups(work.length, perDispatch)) {
    const [i0, i1] = group.map((g) => work[g]!) as [number, number | undefined];
    const t0 = teachers[i0]!;
    const s0 = students[i0]!;
    // A lone tensor binds its inputs again as tensor 1 (read-only aliases are valid) and a scratch output.
    const scratch = i1 === undefined ? allocate(backend, [1]) : null;
    const t1 = i1 === undefined ? t0 : teachers[i1]!;
    const s1 = i1 === undefined ? s0 : students[i1]!;
    const n0 = t0.size;
    const n1 = i1 === undefined ? 0 : t1.size;
    dispatchShader(backend, {
      shader: 'ema_update',
      constants: { WG },
      buffers: [outs.get(i0)!, scratch ?? outs.get(i1!)!, t0, s0, t1, s1],
      uniforms: uniform(n0, n1),
      workgroups: gridFor(Math.ceil((n0 + n1) / WG)),
    });
    if (scratch) release(backend, scratch);
  }
  return teachers.map((t, i) => {
    const info = outs.get(i);
    return info ? tf.engine().makeTensorFromTensorInfo(info) : tf.zeros(t.shape);
  });
}

/** θ_t ← a·θ_t + (1 − a)·θ_s for every pair, fused (emaBlend) and assigned: the teachers point at new buffers. */
export function emaUpdateOnGPU(teachers: readonly tf.Variable[], students: readonly tf.Tensor[], a: number): void {
  tf.tidy(() => {
    const next = emaBlend(teachers, students, a);
    teachers.forEach((t, i) => t.assign(next[i]!));
  });
}
