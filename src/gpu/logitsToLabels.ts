import * as tf from '@tensorflow/tfjs';
import { allocate, dispatchShader, gridFor, packUniforms } from './dispatch.ts';
import { webgpuBackend } from './tfjsWebGPU.ts';

/*
 * Logits (or probabilities) → a uint8 label map on the GPU (shaders/logits_to_labels.wgsl), packed four labels per
 * u32, so a live layer or a predicted volume reads back n bytes instead of 4·n·K: the argmax never needs the float
 * map on the main thread.
 */

const WG = 256;
/** A label is one byte. */
export const MAX_LABEL_CLASSES = 256;

/**
 * The argmax class of every voxel of float32 `logits` [..., K], packed: an int32 tensor of ⌈n/4⌉ words, byte j
 * (little-endian) of word w = label of voxel 4w + j. Read it with readLabels.
 */
export function logitsToLabels(logits: tf.Tensor): tf.Tensor1D {
  if (logits.dtype !== 'float32') throw new Error('logitsToLabels: float32 logits only');
  const K = logits.rank > 0 ? logits.shape[logits.rank - 1]! : 0;
  if (!(K >= 1 && K <= MAX_LABEL_CLASSES)) throw new Error(`logitsToLabels: ${K} classes; labels are bytes (1 ≤ K ≤ ${MAX_LABEL_CLASSES})`);
  const n = logits.size / K;
  const words = Math.ceil(n / 4);
  if (words === 0) return tf.zeros([0], 'int32');
  const backend = webgpuBackend();
  const labels = allocate(backend, [words], 'int32');
  dispatchShader(backend, {
    shader: 'logits_to_labels',
    constants: { WG },
    buffers: [labels, logits],
    uniforms: packUniforms([
      ['u32', n],
      ['u32', K],
    ]),
    workgroups: gridFor(Math.ceil(words / WG)),
  });
  return tf.engine().makeTensorFromTensorInfo(labels) as tf.Tensor1D;
}

/** The n labels of packed words (a view on their bytes, no copy; little-endian, as every WebGPU host is). */
export function unpackLabels(words: Int32Array | Uint32Array, n: number): Uint8Array {
  if (n > words.length * 4) throw new RangeError(`unpackLabels: ${n} labels do not fit in ${words.length} words`);
  return new Uint8Array(words.buffer, words.byteOffset, n);
}

/** Reads a logitsToLabels result back (await data(): never dataSync on webgpu) as n labels. */
export async function readLabels(packed: tf.Tensor, n: number): Promise<Uint8Array> {
  return unpackLabels((await packed.data()) as Int32Array, n);
}
