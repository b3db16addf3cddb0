import type { TrainingVolume } from '../../data/trainingVolume.ts';
import type { Checkpoint, TakCheckpoint, TextCheckpoint } from '../checkpoint.ts';
import type { TrainConfig } from '../config.ts';
import { argmaxClasses, predictSlices, uncertaintyBytes, type SliceLayer, type SlicePrediction } from '../inference.ts';
import type { SegmentationRun } from '../loop/segmentationRun.ts';
import { Trainer } from '../Trainer.ts';
import { Trainer3D } from '../Trainer3D.ts';

/**
 * What the session's services and the CLI ask of a run beyond the SegmentationRun interface, in one place: the
 * network built for a config, and the few calls only one network has (the text presets' layers, TAK's image size,
 * the overlaps that differ between previews, validation and predict-all).
 */
export type { SegmentationRun };

/** The network for a run's config: the 2D ResUNet or the 3D V-Net, over the same volumes and held-out slices. */
export function createTrainer(
  volumes: TrainingVolume[],
  numClasses: number,
  config: TrainConfig,
  validation?: { volume: number; k: number }[],
): SegmentationRun {
  return config.model.kind === '3d' ? new Trainer3D(volumes, numClasses, config, validation) : new Trainer(volumes, numClasses, config, validation);
}

/**
 * Class probabilities of some slices of one of the run's volumes. 2D previews may overlap their windows less than
 * validation does (`overlap2D`; the trainer's own predictSlices is validation's); 3D uses the run's previewOverlap.
 */
export function predictProbabilities(
  t: SegmentationRun,
  volumeIndex: number,
  volume: TrainingVolume,
  ks: number[],
  which: 'predictor' | 'student',
  o: { batch: number; overlap2D: number },
): Promise<SlicePrediction[]> {
  if (!(t instanceof Trainer)) return t.predictSlices(volumeIndex, ks, which, o.batch);
  return predictSlices(which === 'student' ? t.student : t.predictor, t.model, volume, ks, t.inferenceSize, o.batch, o.overlap2D);
}

/**
 * The layers the viewer paints for some slices (class indices, uncertainty bytes). 2D with our kernels makes them
 * on the GPU; otherwise they come from the probabilities, in 2D at the previews' own overlap.
 */
export async function predictLayers(
  t: SegmentationRun,
  volumeIndex: number,
  volume: TrainingVolume,
  ks: number[],
  o: { batch: number; overlap2D: number },
): Promise<SliceLayer[]> {
  if (!(t instanceof Trainer)) return t.predictLayers(volumeIndex, ks, o.batch);
  const onGPU = t.predictLiveLayers(volumeIndex, ks, o.batch);
  if (onGPU) return onGPU;
  const K = t.numClasses;
  const probs = await predictProbabilities(t, volumeIndex, volume, ks, 'predictor', o);
  return probs.map(({ k, probs: p }) => ({ k, labels: argmaxClasses(p, K), uncertainty: uncertaintyBytes(p, K) }));
}

/** The text presets' layers of some slices (text mask, merged pseudo-label, activation); null without them. */
export function predictTextLayers(
  t: SegmentationRun,
  volumeIndex: number,
  ks: number[],
): Promise<{ k: number; text: Float32Array; merged: Float32Array; activation: Float32Array }[] | null> {
  return t instanceof Trainer && t.textGuidance ? t.predictTextSlices(volumeIndex, ks) : Promise.resolve(null);
}

/**
 * Class index of every voxel of a volume, as `pseudolab predict` makes it from the saved model: 2D slice by slice
 * in windows of the training patch, 3D in Gaussian-weighted sliding windows (`overlap3D`, 0.5 unless windows are
 * slow). Progress counts slices in both (a 3D pass reports windows, scaled here to the volume's slices); null when
 * `shouldStop` ended it early.
 */
export function predictVolume(
  t: SegmentationRun,
  volume: TrainingVolume,
  o: { onProgress?: (slicesDone: number) => void; shouldStop?: () => boolean; overlap3D?: number } = {},
): Promise<Uint8Array | null> {
  const nk = volume.dims[2];
  const progress = o.onProgress;
  if (t instanceof Trainer3D)
    return t.predictVolumeClasses(
      volume,
      progress ? (d, n) => progress(Math.floor((d / Math.max(1, n)) * nk)) : undefined,
      o.shouldStop,
      2,
      o.overlap3D ?? 0.5,
    );
  return t.predictVolumeClasses(volume, progress ? (d) => progress(d) : undefined, o.shouldStop);
}

/** The 2D image size a vision–language model over a 3D run's slices sees (TAK's learned text tower). */
export function vlmImageSizeOf(t: SegmentationRun): [number, number] {
  if (!(t instanceof Trainer3D)) throw new Error('TAK’s text tower belongs to the 3D network');
  return t.vlmImageSize;
}

/** A 2D run's patch as the vision–language model reads it (the text presets align on 2D patches). */
export function planarPatch(t: SegmentationRun): [number, number] {
  if (t.kind !== '2d' || t.patch.length !== 2) throw new Error('vision–language pre-training belongs to the 2D text presets');
  return [t.patch[0]!, t.patch[1]!];
}

/** The network in words for logs: its kind, size and, in 3D, the strides its plan chose. */
export function describeNetwork(t: SegmentationRun): string {
  const { width, depth } = t.cfg.model;
  return t instanceof Trainer3D
    ? `V-Net-3D width ${width} depth ${depth} strides ${t.model.strides!.map((s) => s.join('')).join(',')}`
    : `ResUNet-2D width ${width} depth ${depth}`;
}

/**
 * The run as a checkpoint. 2D carries the text stage when there is one; 3D records the patch as it ran, not
 * 'auto' (resuming and predicting then slide the same window whatever the data), and TAK's prompt vectors with
 * the texts they encode when the caller has them.
 */
export async function checkpointOf(
  t: SegmentationRun,
  classes: Checkpoint['classes'],
  extras: { text?: TextCheckpoint | null; tak?: TakCheckpoint | null } = {},
): Promise<Checkpoint> {
  if (t.kind === '2d') return t.toCheckpoint(classes, extras.text ?? null);
  const base = await t.toCheckpoint(classes);
  return { ...base, config: { ...base.config, patch3d: [t.patch[0]!, t.patch[1]!, t.patch[2]!] }, tak: extras.tak ?? base.tak };
}
