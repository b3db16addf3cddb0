import * as tf from '@tensorflow/tfjs';
import { plan3D } from '../data/plan3d.ts';
import { Random } from '../data/random.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { softmaxClasses } from '../model/classAxis.ts';
import type { Strides3D } from '../model/ops3d.ts';
import { Params } from '../model/params.ts';
import { createTakHead, takLogits, type TakHeadConfig } from '../model/takHead.ts';
import { createVNet3D, vNet3DDivisor, vNet3DForward, vNet3DLevelChannels, type VNet3DConfig } from '../model/vnet3d.ts';
import type { Checkpoint } from './checkpoint.ts';
import { inferencePatch3D } from './inferenceSpec.ts';
import { predictVolumeClasses3D } from './networks/vnet3dInference.ts';

/** A 3D checkpoint as a predictor, without the training run that made it (the CLI's `predict`). */
export interface CheckpointPredictor3D {
  readonly patch: [number, number, number];
  readonly model: VNet3DConfig;
  /** Who encoded TAK's prompts, when the checkpoint is a TAK run. */
  readonly takEncoder: string | null;
  predictVolumeClasses(v: TrainingVolume): Promise<Uint8Array>;
  dispose(): void;
}

/**
 * The V-Net's strides are read from its down-sampling weights (kernel = stride, vnet3d.ts), not re-planned: a plan
 * over other volumes could pick other strides than the ones the weights were trained with.
 */
function stridesOf(weights: Checkpoint['student'], depth: number): Strides3D[] {
  return Array.from({ length: depth }, (_, n) => {
    const w = weights.find((a) => a.name === `down${n + 1}.w`);
    if (!w || w.shape.length !== 5) throw new Error(`the saved V-Net has no down-sampling weights for level ${n + 1}`);
    return [w.shape[0]!, w.shape[1]!, w.shape[2]!];
  });
}

/**
 * Rebuilds the predicting network of a 3D checkpoint (the teacher when there is one) and predicts whole volumes by
 * Gaussian-weighted sliding windows, by the same path as Trainer3D (networks/vnet3dInference.ts). TAK's head reads the prompt vectors saved with it. The
 * window is the run's patch when the checkpoint names it, else a plan over the volumes to predict, rounded to
 * the strides.
 */
export function createCheckpointPredictor3D(c: Checkpoint, volumes: readonly TrainingVolume[]): CheckpointPredictor3D {
  if (c.config.model.kind !== '3d') throw new Error('this model is a 2D network');
  const weights = c.teacher ?? c.student;
  const { width, depth } = c.config.model;
  const model: VNet3DConfig = { inChannels: c.inChannels, numClasses: c.numClasses, width, depth, strides: stridesOf(weights, depth) };
  const unit = vNet3DDivisor(model);
  // The training patch, as recorded; older files: a plan over the volumes to predict (what the run may have had).
  const planned = inferencePatch3D(c) ?? plan3D(volumes, { depth, maxVoxels: c.config.patchVoxels }).patch;
  const patch = planned.map((n, a) => Math.max(unit[a]!, Math.ceil(n / unit[a]!) * unit[a]!)) as [number, number, number];
  const net: Params = createVNet3D(model, new Random(0));
  let head: TakHeadConfig | null = null;
  let texts: { position: tf.Tensor2D; shape: tf.Tensor2D } | null = null;
  if (c.config.tak.enabled) {
    if (!c.tak) throw new Error('this TAK model has no saved prompt vectors; it cannot draw its classes');
    head = {
      textDim: c.tak.dim,
      featureChannels: width,
      deepChannels: vNet3DLevelChannels(model, depth),
      hidden: c.config.tak.controllerHidden,
      headChannels: c.config.tak.headChannels,
      numClasses: c.numClasses,
    };
    createTakHead(head, new Random(0), net);
    texts = { position: tf.tensor2d(c.tak.position, [c.numClasses, c.tak.dim]), shape: tf.tensor2d(c.tak.shape, [c.numClasses, c.tak.dim]) };
  }
  // L_con's prompt projections train the features but draw nothing: prediction leaves them out.
  const names = new Set(net.names());
  net.assign(weights.filter((a) => names.has(a.name)));
  const run = (x: tf.Tensor5D): tf.Tensor[] => {
    const out = vNet3DForward(net, model, x);
    return [softmaxClasses(head && texts ? takLogits(net, head, texts.position, texts.shape, out.encoder.at(-1)!, out.decoder) : out.logits)];
  };
  return {
    patch,
    model,
    takEncoder: c.tak?.encoder ?? null,
    async predictVolumeClasses(v: TrainingVolume): Promise<Uint8Array> {
      return (await predictVolumeClasses3D({ patch, numClasses: c.numClasses, run }, v))!;
    },
    dispose(): void {
      net.dispose();
      texts?.position.dispose();
      texts?.shape.dispose();
    },
  };
}
