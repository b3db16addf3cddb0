import * as tf from '@tensorflow/tfjs';
import { allocate, dispatchShader, gridFor, packUniforms } from './dispatch.ts';
import { MAX_LABEL_CLASSES, unpackLabels } from './logitsToLabels.ts';
import { webgpuBackend } from './tfjsWebGPU.ts';

/*
 * Logits → the label and uncertainty byte maps of a live layer on the GPU (shaders/logits_to_live_layer.wgsl),
 * each packed four bytes per u32: the worker reads 2 bytes a pixel back instead of K floats, and the argmax and
 * entropy loops stay off the CPU.
 */

const WG = 256;

/** Packed label and uncertainty words (int32 tensors of ⌈n/4⌉ words each); read them with readLiveLayer. */
export interface PackedLiveLayer {
  labels: tf.Tensor1D;
  uncertainty: tf.Tensor1D;
}

/** 255 / ln K: the factor that maps an entropy onto 0..255 (0 when K = 1, where nothing is uncertain). */
export function entropyNorm(K: number): number {
  return K > 1 ? 255 / Math.log(K) : 0;
}

/** The label and uncertainty of every pixel of float32 `logits` [..., K], packed (see the shader's header). */
export function logitsToLiveLayer(logits: tf.Tensor): PackedLiveLayer {
  if (logits.dtype !== 'float32') throw new Error('logitsToLiveLayer: float32 logits only');
  const K = logits.rank > 0 ? logits.shape[logits.rank - 1]! : 0;
  if (!(K >= 1 && K <= MAX_LABEL_CLASSES)) throw new Error(`logitsToLiveLayer: ${K} classes; labels are bytes (1 ≤ K ≤ ${MAX_LABEL_CLASSES})`);
  const n = logits.size / K;
  const words = Math.ceil(n / 4);
  if (words === 0) return { labels: tf.zeros([0], 'int32'), uncertainty: tf.zeros([0], 'int32') };
  const backend = webgpuBackend();
  const labels = allocate(backend, [words], 'int32');
  const uncertainty = allocate(backend, [words], 'int32');
  dispatchShader(backend, {
    shader: 'logits_to_live_layer',
    constants: { WG },
    buffers: [labels, uncertainty, logits],
    uniforms: packUniforms([
      ['u32', n],
      ['u32', K],
      ['f32', entropyNorm(K)],
    ]),
    workgroups: gridFor(Math.ceil(words / WG)),
  });
  return {
    labels: tf.engine().makeTensorFromTensorInfo(labels) as tf.Tensor1D,
    uncertainty: tf.engine().makeTensorFromTensorInfo(uncertainty) as tf.Tensor1D,
  };
}

/** Reads a logitsToLiveLayer result back (await data(), never dataSync on webgpu) as n bytes each. */
export async function readLiveLayer(packed: PackedLiveLayer, n: number): Promise<{ labels: Uint8Array; uncertainty: Uint8Array }> {
  const [labels, uncertainty] = await Promise.all([packed.labels.data(), packed.uncertainty.data()]);
  return { labels: unpackLabels(labels as Int32Array, n), uncertainty: unpackLabels(uncertainty as Int32Array, n) };
}
