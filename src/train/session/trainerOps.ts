import type { TrainingVolume } from '../../data/trainingVolume.ts';
import type { Checkpoint, TakCheckpoint, TextCheckpoint } from '../checkpoint.ts';
import type { TrainConfig } from '../config.ts';
import { argmaxClasses, predictSlices, predictVolumeClasses, uncertaintyBytes, type SlicePrediction } from '../inference.ts';
import { Trainer } from '../Trainer.ts';
import { Trainer3D } from '../Trainer3D.ts';
import type { TextGuidance } from '../vlm/TextGuidance.ts';

/**
 * Either network behind a run. The session's services and the CLI reach the network-specific parts (prediction
 * routes, text guidance, TAK, checkpoints) only through the functions here, so the choice between the two trainers
 * is made in this one file.
 */
export type SegmentationTrainer = Trainer | Trainer3D;

/** The network for a run's config: the 2D ResUNet or the 3D V-Net, over the same volumes and held-out slices. */
export function createTrainer(volumes: TrainingVolume[], numClasses: number, config: TrainConfig, validation?: { volume: number; k: number }[]): SegmentationTrainer {
  return config.model.kind === '3d' ? new Trainer3D(volumes, numClasses, config, validation) : new Trainer(volumes, numClasses, config, validation);
}

export function isVolumetric(t: SegmentationTrainer): t is Trainer3D {
  return t instanceof Trainer3D;
}

/** The 3D trainer, or null: TAK and the slab-wise services belong to it. */
export function volumetric(t: SegmentationTrainer | null): Trainer3D | null {
  return t instanceof Trainer3D ? t : null;
}

/** The 2D trainer, or null: the text presets' two stages belong to it. */
export function planar(t: SegmentationTrainer | null): Trainer | null {
  return t instanceof Trainer ? t : null;
}

export function textGuidanceOf(t: SegmentationTrainer | null): TextGuidance | null {
  return t instanceof Trainer ? t.textGuidance : null;
}

/** How a run predicts slices outside training: the window overlap of 2D previews, batch sizes per network. */
export interface PreviewOptions {
  /** 2D: overlap of the windows a slice larger than the patch is covered by (3D keeps its own, previewOverlap). */
  overlap2D: number;
  batch: number;
}

/**
 * Class probabilities of some slices of one of the run's volumes: 2D slice by slice in windows of the training
 * patch, 3D in sliding windows over the slab around them.
 */
export function predictProbabilities(t: SegmentationTrainer, volumeIndex: number, volume: TrainingVolume, ks: number[], which: 'predictor' | 'student', o: PreviewOptions): Promise<SlicePrediction[]> {
  if (t instanceof Trainer3D) return t.predictSlices(volumeIndex, ks, which, o.batch);
  return predictSlices(which === 'student' ? t.student : t.predictor, t.model, volume, ks, t.inferenceSize, o.batch, o.overlap2D);
}

/** The layers the viewer paints for some slices: class indices and uncertainty bytes. */
export async function predictLayers(t: SegmentationTrainer, volumeIndex: number, volume: TrainingVolume, ks: number[], o: PreviewOptions): Promise<{ k: number; labels: Uint8Array; uncertainty: Uint8Array }[]> {
  // 2D with our kernels: labels and uncertainty come off the GPU as bytes. Otherwise (3D blends windows on the CPU;
  // kernels off) from the probabilities.
  const onGPU = t instanceof Trainer ? t.predictLiveLayers(volumeIndex, ks, o.batch) : null;
  if (onGPU) return onGPU;
  const K = t.numClasses;
  const probs = await predictProbabilities(t, volumeIndex, volume, ks, 'predictor', o);
  return probs.map(({ k, probs: p }) => ({ k, labels: argmaxClasses(p, K), uncertainty: uncertaintyBytes(p, K) }));
}

/** The text presets' layers of some slices (text mask, merged pseudo-label, activation); null without them. */
export function predictTextLayers(t: SegmentationTrainer, volumeIndex: number, ks: number[]): Promise<{ k: number; text: Float32Array; merged: Float32Array; activation: Float32Array }[] | null> {
  return t instanceof Trainer && t.textGuidance ? t.predictTextSlices(volumeIndex, ks) : Promise.resolve(null);
}

/**
 * Class index of every voxel of a volume, as `pseudolab predict` makes it from the saved model: 2D slice by slice
 * in windows of the training patch, 3D in Gaussian-weighted sliding windows. Progress counts slices in both (a 3D
 * pass reports windows, scaled here to the volume's slices); null when `shouldStop` ended it early.
 */
export function predictVolume(
  t: SegmentationTrainer,
  volume: TrainingVolume,
  o: { onProgress?: (slicesDone: number) => void; shouldStop?: () => boolean; overlap3D?: number } = {},
): Promise<Uint8Array | null> {
  const nk = volume.dims[2];
  if (t instanceof Trainer3D) {
    const progress = o.onProgress;
    return t.predictVolumeClasses(volume, progress ? (d, n) => progress(Math.floor((d / Math.max(1, n)) * nk)) : undefined, o.shouldStop, 2, o.overlap3D ?? 0.5);
  }
  return predictVolumeClasses(t.predictor, t.model, volume, t.inferenceSize, o.onProgress, o.shouldStop);
}

/**
 * The run as a checkpoint. 2D carries the text stage when there is one; 3D records the patch as it ran, not
 * 'auto' (resuming and predicting then slide the same window whatever the data), and TAK's prompt vectors with
 * the texts they encode when the caller has them.
 */
export async function checkpointOf(t: SegmentationTrainer, classes: Checkpoint['classes'], extras: { text?: TextCheckpoint | null; tak?: TakCheckpoint | null } = {}): Promise<Checkpoint> {
  if (t instanceof Trainer) return t.toCheckpoint(classes, extras.text ?? null);
  const base = await t.toCheckpoint(classes);
  return { ...base, config: { ...base.config, patch3d: t.patch }, tak: extras.tak ?? base.tak };
}
