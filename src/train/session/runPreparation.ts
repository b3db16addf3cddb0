import { toTrainingVolume, type TrainingVolume } from '../../data/trainingVolume.ts';
import type { BackendChoice } from '../backend.ts';
import { decodeCheckpoint, type Checkpoint } from '../checkpoint.ts';
import type { TrainConfig } from '../config.ts';
import type { ModelSize } from '../modelSize.ts';
import type { ClassInfo, FromWorker, ToWorker, WorkerVolume } from '../protocol.ts';
import { resolveRunConfig } from './runConfig.ts';
import { createTrainer, type SegmentationRun } from './trainerOps.ts';
import { validationFingerprint } from './validationFingerprint.ts';
import { asLabelMap, asVolume } from './workerVolumes.ts';

export type StartMessage = Extract<ToWorker, { type: 'start' }>;

/**
 * 3D window overlap where windows are slow (CPU backends, software GPUs): previews without overlap (about 8× fewer
 * windows than nnU-Net's 0.5), predict-all with MONAI's default 0.25. A hardware GPU keeps 0.5 for both.
 */
const SLOW_PREVIEW_OVERLAP_3D = 0;
const SLOW_PREDICT_ALL_OVERLAP_3D = 0.25;
/**
 * 2D on the same slow backends: a slice larger than the training patch is previewed in windows overlapping by a
 * quarter (a 512² slice in 128² windows: 25 instead of 49); predict-all and validation keep the half overlap. Not
 * none, as 3D's previews: a 2D preview without overlap shows each window's seams (instance norm sees each alone).
 */
const SLOW_PREVIEW_OVERLAP_2D = 0.25;

/** A run as the session's services see it: the network, its volumes, and how it predicts outside training. */
export interface PreparedRun {
  trainer: SegmentationRun;
  config: TrainConfig;
  classes: ClassInfo[];
  /** The run's volumes as the session refers to them; the raw voxels are not kept (the start message is let go). */
  volumes: Pick<WorkerVolume, 'id' | 'dims' | 'validation'>[];
  /** The engine's copies (normalised image, class indices), shared with the trainer; label edits replace their labels. */
  trainingVolumes: TrainingVolume[];
  previewOverlap2D: number;
  predictAllOverlap3D: number;
  /** The checkpoint the run was asked to resume from, and the step it did resume at (null: it started afresh). */
  saved: Checkpoint | null;
  resumedAt: number | null;
  size: ModelSize;
}

/** The engine's copies of the volumes a start message brings: one kind of image (grey or colour) per run. */
export function trainingVolumesOf(volumes: WorkerVolume[], classValues: readonly number[]): TrainingVolume[] {
  const tvs = volumes.map((w) => toTrainingVolume(asVolume(w), asLabelMap(w), [...classValues]));
  if (new Set(tvs.map((t) => t.channels)).size > 1) throw new Error('the dataset mixes grey and colour images; train on one kind at a time');
  return tvs;
}

/**
 * Restores a run's network from a checkpoint; on failure, a fresh network (half-restored weights are worse than
 * fresh ones) and the reason as an error event. TAK's head exists only once its prompt vectors are attached: the
 * saved ones go in before the weights.
 */
export function resumeOrFresh(
  build: () => SegmentationRun,
  saved: Checkpoint,
  config: TrainConfig,
  emit: (m: FromWorker) => void,
): { trainer: SegmentationRun; resumedAt: number | null } {
  const trainer = build();
  try {
    if (trainer.kind === '3d' && config.tak.enabled) {
      if (!saved.tak) throw new Error('it has no TAK prompt vectors');
      trainer.attachTakTexts(saved.tak);
    }
    trainer.restore(saved);
    return { trainer, resumedAt: trainer.step };
  } catch (e) {
    trainer.dispose();
    emit({ type: 'error', message: `The saved model could not be resumed (${(e as Error).message}); training starts afresh.` });
    return { trainer: build(), resumedAt: null };
  }
}

/**
 * Volumes → training volumes, the config (resumed or sized, then fitted to memory), the held-out slices, the
 * network, and the resume from a checkpoint. `ending` lets a 3D pass of windows stop early on Stop.
 */
export function prepareRun(m: StartMessage, backend: BackendChoice, emit: (e: FromWorker) => void, ending: () => boolean): PreparedRun {
  const trainingVolumes = trainingVolumesOf(
    m.volumes,
    m.classes.map((c) => c.value),
  );
  const volumes = m.volumes.map((w) => ({ id: w.id, dims: w.dims, validation: w.validation }));
  const saved = m.checkpoint ? decodeCheckpoint(m.checkpoint) : null;
  const numClasses = m.classes.length + 1;
  const { config, size } = resolveRunConfig({ config: m.config, modelSize: m.modelSize, backend, saved, volumes: trainingVolumes, numClasses, emit });
  const validation = volumes.flatMap((w, volume) => w.validation.map((k) => ({ volume, k })));
  const build = () => createTrainer(trainingVolumes, numClasses, config, validation);
  const { trainer, resumedAt } = saved ? resumeOrFresh(build, saved, config, emit) : { trainer: build(), resumedAt: null };
  const slow = backend.software || backend.name === 'wasm' || backend.name === 'cpu';
  // 2D previews pass their own overlap (trainerOps.ts): the 2D trainer's previewOverlap is validation's, kept at half.
  const threeD = trainer.kind === '3d';
  if (threeD) {
    trainer.interrupt = ending;
    if (slow) trainer.previewOverlap = SLOW_PREVIEW_OVERLAP_3D;
  }
  return {
    trainer,
    config,
    classes: m.classes,
    volumes,
    trainingVolumes,
    previewOverlap2D: slow && !threeD ? SLOW_PREVIEW_OVERLAP_2D : 0.5,
    predictAllOverlap3D: slow && threeD ? SLOW_PREDICT_ALL_OVERLAP_3D : 0.5,
    saved,
    resumedAt,
    size,
  };
}

/** The event that tells the app what it is training: network, patch, size, slice pools, and where it resumed. */
export function readyEvent(run: PreparedRun): Extract<FromWorker, { type: 'ready' }> {
  const t = run.trainer;
  return {
    type: 'ready',
    network: run.config.model.kind,
    patch: t.patch.length === 3 ? [t.patch[0]!, t.patch[1]!, t.patch[2]!] : [t.patch[0]!, t.patch[1]!],
    parameters: t.student.count(),
    modelSize: run.size,
    width: run.config.model.width,
    depth: run.config.model.depth,
    labeledSlices: t.pools.labeled.length,
    validationSlices: t.pools.validation.length,
    validationSet: t.pools.validation.map((s) => `${run.volumes[s.volume]!.id}:${s.k}`).sort(),
    validationLabels: validationFingerprint(run.trainingVolumes, t.pools.validation),
    unlabeledSlices: t.pools.unlabeled.length,
    resumedAt: run.resumedAt,
  };
}
