import * as tf from '@tensorflow/tfjs';
import { allocate, dispatchShader, gridFor, packUniforms, release } from './dispatch.ts';
import type { MergeForm } from './reference/textMerge.ts';
import { webgpuBackend } from './tfjsWebGPU.ts';

export type { MergeForm } from './reference/textMerge.ts';

/*
 * The text-guided pseudo-label σ(z_t + y_text) (PromptSSL eq 13, DuSSS eq 16) with its confidence and normalised
 * entropy per voxel, in one dispatch of shaders/text_merge.wgsl instead of tfjs's chain of per-class elementwise
 * ops (unstack, add, max, sub, exp, sum, log, exp). The outputs are plain tensors outside any gradient tape: the
 * merged pseudo-label is a target, detached by definition.
 */

const WG = 64;

export interface TextMergeOptions {
  /** Also write confidence and entropy (default true); false writes the probabilities only. */
  stats?: boolean;
}

export interface TextMergeResult {
  /** σ(z_t + y_text), the inputs' shape, class axis last. */
  probs: tf.Tensor;
  /** max_c p_c, the inputs' shape with the class axis kept at size 1; null when stats is false. */
  confidence: tf.Tensor | null;
  /** −Σ q log q / log K in [0, 1] (see the shader header for q), shaped as confidence; null when stats is false. */
  entropy: tf.Tensor | null;
}

/** One pass of text_merge.wgsl over float32 `teacherLogits` and `textMask` of one shape [..., K], on webgpu. */
export function textMerge(teacherLogits: tf.Tensor, textMask: tf.Tensor, merge: MergeForm, opts: TextMergeOptions = {}): TextMergeResult {
  if (!tf.util.arraysEqual(teacherLogits.shape, textMask.shape))
    throw new Error(`textMerge: logits ${teacherLogits.shape} and text mask ${textMask.shape} differ in shape`);
  if (teacherLogits.dtype !== 'float32' || textMask.dtype !== 'float32') throw new Error('textMerge: float32 inputs only');
  if (teacherLogits.rank < 1) throw new Error('textMerge: needs a class axis');
  const stats = opts.stats ?? true;
  const K = teacherLogits.shape[teacherLogits.rank - 1]!;
  const n = K === 0 ? 0 : teacherLogits.size / K;
  const statShape = [...teacherLogits.shape.slice(0, -1), 1];
  if (n === 0) return { probs: tf.zeros(teacherLogits.shape), confidence: stats ? tf.zeros(statShape) : null, entropy: stats ? tf.zeros(statShape) : null };
  const backend = webgpuBackend();
  const probs = allocate(backend, teacherLogits.shape);
  const confidence = allocate(backend, stats ? statShape : [1]);
  const entropy = allocate(backend, stats ? statShape : [1]);
  dispatchShader(backend, {
    shader: 'text_merge',
    constants: { WG },
    buffers: [probs, confidence, entropy, teacherLogits, textMask],
    uniforms: packUniforms([
      ['u32', n],
      ['u32', K],
      ['u32', merge === 'sigmoid' ? 1 : 0],
      ['u32', stats ? 1 : 0],
    ]),
    workgroups: gridFor(Math.ceil(n / WG)),
  });
  const engine = tf.engine();
  if (!stats) {
    release(backend, confidence);
    release(backend, entropy);
  }
  return {
    probs: engine.makeTensorFromTensorInfo(probs),
    confidence: stats ? engine.makeTensorFromTensorInfo(confidence) : null,
    entropy: stats ? engine.makeTensorFromTensorInfo(entropy) : null,
  };
}
