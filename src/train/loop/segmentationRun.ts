import type { SlicePools } from '../../data/sampler.ts';
import type { TrainingVolume } from '../../data/trainingVolume.ts';
import type { Params } from '../../model/params.ts';
import type { Checkpoint } from '../checkpoint.ts';
import type { ModelKind, TrainConfig } from '../config.ts';
import type { SliceLayer, SlicePrediction } from '../inference.ts';
import type { TakTextVectors } from '../tak/takVectors.ts';
import type { TextGuidance } from '../vlm/TextGuidance.ts';
import type { StepReport, ValidationReport } from './reports.ts';

/**
 * One training run as its callers (the session's services, the CLI) see it, whichever network it trains: the 2D
 * ResUNet over slices (Trainer) or the 3D V-Net over volume patches (Trainer3D). What only one network has is
 * here too, as null or a refusal, so callers branch on data (`kind`, `textGuidance`, `takVectors`), not on classes.
 */
export interface SegmentationRun {
  readonly kind: ModelKind;
  readonly cfg: TrainConfig;
  readonly numClasses: number;
  /** The training patch: [height, width] in 2D, [depth, height, width] in 3D; inference windows are this size. */
  readonly patch: readonly number[];
  readonly student: Params;
  /** The EMA teacher, or null without one (supervised). */
  readonly teacher: Params | null;
  /** The network whose predictions the user sees: the teacher when there is one. */
  readonly predictor: Params;
  /** k-slice pools: which slices are labeled, held out and unlabeled. */
  readonly pools: SlicePools;
  /** Steps taken (restore sets it). */
  readonly step: number;
  readonly canTrain: boolean;
  /** Share of a window its neighbour overlaps in previews and validation (lower where windows are slow). */
  previewOverlap: number;
  /** Checked between batches of windows in long passes: true ends the pass with the slices finished so far. */
  interrupt: () => boolean;

  trainStep(): Promise<StepReport>;
  validate(): Promise<ValidationReport>;
  /** Class probabilities [nj, ni, K] of some slices of one of the run's volumes. */
  predictSlices(volumeIndex: number, ks: number[], which?: 'predictor' | 'student', batchSize?: number): Promise<SlicePrediction[]>;
  /** The live layers (class indices, uncertainty bytes) of some slices. */
  predictLayers(volumeIndex: number, ks: number[], batchSize: number): Promise<SliceLayer[]>;
  /** Class index of every voxel of a volume (predict-all); null when `shouldStop` ended it. */
  predictVolumeClasses(v: TrainingVolume, onProgress?: (done: number, total: number) => void, shouldStop?: () => boolean): Promise<Uint8Array | null>;
  /** New labels for a volume (an edit during training); the validation split stays as it was. */
  updateVolume(index: number, next: TrainingVolume): void;

  /** 2D text methods: the text-guided mask once stage 2 began; null otherwise (and always in 3D). */
  readonly textGuidance: TextGuidance | null;
  /** Joins a text-guided mask (2D text methods); a 3D run refuses. */
  attachTextGuidance(tg: TextGuidance): void;
  /** TAK (3D): the prompt vectors its head reads; null otherwise. */
  readonly takVectors: TakTextVectors | null;
  /** Joins TAK's prompt vectors (3D, preset tak); a 2D run refuses. */
  attachTakTexts(t: TakTextVectors): void;

  toCheckpoint(classes: Checkpoint['classes'], text?: Checkpoint['text']): Promise<Checkpoint>;
  restore(c: Checkpoint): void;
  dispose(): void;
}
