import * as tf from '@tensorflow/tfjs';
import { allocate, copyFloats, dispatchShader, gridFor, packUniforms, release } from './dispatch.ts';
import { webgpuBackend } from './tfjsWebGPU.ts';

/*
 * The EMA teacher update (DuSSS eq 13) as shaders/ema_update.wgsl: θ_t' = a·θ_t + (1 − a)·θ_s for every weight in
 * one dispatch. tfjs keeps each weight in its own GPUBuffer, so the teacher's and the student's weights are first
 * copied end to end into two packed buffers (buffer-to-buffer copies, recorded in order on tfjs's encoder), the
 * shader blends the packs in place, and each teacher tensor is copied back out of the pack.
 *
 * Never in place on a weight: a teacher variable may share its buffer with another tensor (tf.variable and
 * tf.clone share dataIds; Params.clone makes the teacher exactly so). So every new teacher value goes to a fresh
 * buffer and the variable is re-pointed at it with assign().
 */

const WG = 256;

/**
 * Consecutive runs of tensor indices whose packed size stays within `maxFloats` (one pack and one dispatch
 * each): the whole model in one pack unless it exceeds the device's binding limit. A tensor larger than the
 * limit on its own cannot be packed.
 */
export function emaPacks(sizes: readonly number[], maxFloats: number): number[][] {
  const packs: number[][] = [];
  let current: number[] = [];
  let floats = 0;
  sizes.forEach((n, i) => {
    if (n > maxFloats) throw new Error(`emaPacks: a weight of ${n} floats exceeds the ${maxFloats}-float binding limit`);
    if (floats + n > maxFloats && current.length) {
      packs.push(current);
      current = [];
      floats = 0;
    }
    current.push(i);
    floats += n;
  });
  if (current.length) packs.push(current);
  return packs;
}

/** Largest pack in floats on `device`: its storage binding limit, and u32 indexing. */
export function emaPackLimit(device: GPUDevice): number {
  return Math.min(Math.floor(device.limits.maxStorageBufferBindingSize / 4), 2 ** 32 - 1);
}

/**
 * New tensors a·teachers[i] + (1 − a)·students[i], one per pair, in fresh buffers (inputs untouched): one
 * dispatch per pack, one pack for any model that fits a storage binding (`maxPackFloats` lowers that limit, for
 * tests). float32 tensors of matching shapes, on the active webgpu backend.
 */
export function emaBlend(teachers: readonly tf.Tensor[], students: readonly tf.Tensor[], a: number, maxPackFloats?: number): tf.Tensor[] {
  if (teachers.length !== students.length) throw new Error(`emaBlend: ${teachers.length} teacher tensors but ${students.length} student tensors`);
  teachers.forEach((t, i) => {
    const s = students[i]!;
    if (t.dtype !== 'float32' || s.dtype !== 'float32') throw new Error(`emaBlend: tensor ${i} is ${t.dtype}/${s.dtype}, not float32`);
    if (!tf.util.arraysEqual(t.shape, s.shape)) throw new Error(`emaBlend: tensor ${i} has teacher shape ${t.shape} but student shape ${s.shape}`);
  });
  const backend = webgpuBackend();
  // Empty tensors have no buffer to copy; they need no work either.
  const work = teachers.map((_, i) => i).filter((i) => teachers[i]!.size > 0);
  const outs = new Map<number, tf.TensorInfo>();
  for (const pack of emaPacks(
    work.map((i) => teachers[i]!.size),
    Math.min(maxPackFloats ?? Infinity, emaPackLimit(backend.device)),
  )) {
    const members = pack.map((p) => work[p]!);
    const total = members.reduce((n, i) => n + teachers[i]!.size, 0);
    const packedTeacher = allocate(backend, [total]);
    const packedStudent = allocate(backend, [total]);
    let offset = 0;
    for (const i of members) {
      copyFloats(backend, teachers[i]!, 0, packedTeacher, offset, teachers[i]!.size);
      copyFloats(backend, students[i]!, 0, packedStudent, offset, teachers[i]!.size);
      offset += teachers[i]!.size;
    }
    dispatchShader(backend, {
      shader: 'ema_update',
      constants: { WG },
      buffers: [packedTeacher, packedStudent],
      uniforms: packUniforms([
        ['u32', total],
        ['f32', a],
        ['f32', 1 - a],
      ]),
      workgroups: gridFor(Math.ceil(total / WG)),
    });
    offset = 0;
    for (const i of members) {
      const out = allocate(backend, teachers[i]!.shape);
      copyFloats(backend, packedTeacher, offset, out, 0, teachers[i]!.size);
      offset += teachers[i]!.size;
      outs.set(i, out);
    }
    release(backend, packedTeacher);
    release(backend, packedStudent);
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
