import type { Scalar, Tensor } from '@tensorflow/tfjs';
import type { DeepPartial, ModelKind, TrainConfig } from '../config.ts';

/*
 * What a training method is: a name and label for the user, the network it needs, the texts it needs, the switches
 * it sets on the config, and the loss terms it adds to the supervised one, or how it mixes the step's samples into
 * the student's inputs. Method files import no tfjs (this module and the registry are read by the page, which never
 * loads it): their losses and mixes are written against a LossKit or MixKit of tensor functions that the training
 * loop hands in (src/train/loop/lossKit.ts, mixKit.ts).
 */

/** What a method needs besides images and labels: nothing, a vision–language model (2D), or class prompts (TAK). */
export type TextNeeds = 'none' | 'vision-language' | 'class-prompts';

/** One step's tensors of the unlabeled batch, all [..., K] with the class axis last. */
export interface UnlabeledViews {
  /** The student on its perturbed view, y_u^s = f_s(x̃_u); the only one with a gradient. */
  studentLogits: Tensor;
  /** The teacher on its view, y_u^t = f_t(x_u), and its softmax. */
  teacherLogits: Tensor;
  teacherProbs: Tensor;
  /** The text-guided mask on the teacher's view (2D text methods with a vision–language model attached), else null. */
  textMask: Tensor | null;
}

/** The tensor functions a method's losses may use; the loop binds them to the active backend and network. */
export interface LossKit {
  zero(): Scalar;
  mean(terms: Scalar[]): Scalar;
  /** Mean squared difference of class probabilities (mean teacher). */
  softmaxMse(studentLogits: Tensor, teacherProbs: Tensor): Scalar;
  /** The same, averaged over voxels where the teacher's top class probability is at least `confidence`. */
  confidentSoftmaxMse(studentLogits: Tensor, teacherProbs: Tensor, confidence: number): Scalar;
  /** CE against the teacher's argmax where it is at least `threshold` confident. */
  pseudoLabelCrossEntropy(studentLogits: Tensor, teacherProbs: Tensor, threshold: number): Scalar;
  /** CE + soft Dice against the teacher's one-hot argmax. */
  hardPseudoCeDice(studentLogits: Tensor, teacherProbs: Tensor, threshold: number, includeBackground: boolean): Scalar;
  /** L_semi's parts against the text mask over every pixel (src/train/vlm/textMaskLosses.ts). */
  semiLoss(u: UnlabeledViews & { textMask: Tensor }, cfg: TrainConfig): { merged: Scalar; text: Scalar; total: Scalar };
  /** TAK's L_con at one encoder stage, over the step's sampled voxels; only a 3D run with class prompts has it. */
  alignStage(stage: number): Scalar;
}

/** A supervised target over a batch: labels [..., K] (one-hot or hard pseudo-labels) and the voxels that count [..., 1]. */
export interface Target {
  y: Tensor;
  m: Tensor;
}

/** The step's samples a mixing method builds the student's inputs from. */
export interface MixSource {
  /** Labeled images, their one-hot labels and labeled-voxel mask. */
  labeled: { x: Tensor } & Target;
  /** Unlabeled images as the teacher saw them, with its class probabilities; null when the step has none (warm-up). */
  unlabeled: { x: Tensor; teacherProbs: Tensor } | null;
}

/** What the student trains on instead of the batch as drawn. Unlabeled samples have no labels here by construction. */
export interface MixedBatch {
  /** The student's inputs. */
  x: Tensor;
  /** Ground truth over the voxels of `x` that came from labeled samples: enters as L_sup does (reported as ce, dice). */
  truth: Target;
  /** The teacher's pseudo-labels over the voxels that came from unlabeled ones, weighted by the mixer's pseudoWeight. */
  pseudo: Target | null;
}

/** Tensor functions for building mixed batches; the loop binds them to tfjs and to the run's seeded stream. */
export interface MixKit {
  /** M per sample, [n, ...spatial, 1]: 0 inside a box whose sides are `ratio` of the sample's at a random place, 1 outside. */
  boxMask(like: Tensor, ratio: number): Tensor;
  /** a ⊙ M + b ⊙ (1 − M), M broadcast over the last (channel or class) axis. */
  paste(a: Tensor, b: Tensor, mask: Tensor): Tensor;
  /** a ⊙ b, broadcast. */
  mul(a: Tensor, b: Tensor): Tensor;
  /** 1 − M. */
  complement(mask: Tensor): Tensor;
  /** The first n samples. */
  take(t: Tensor, n: number): Tensor;
  /** The samples rotated by one along the batch axis (sample i + 1 takes place i), so a second mix pairs other images. */
  roll(t: Tensor): Tensor;
  /** Samples one after the other along the batch axis. */
  concat(ts: Tensor[]): Tensor;
  /** One-hot of each voxel's most probable class; no gradient. */
  hardLabels(probs: Tensor): Tensor;
}

/**
 * A method whose student learns from images built out of the batch (copy-paste) rather than from the batch as drawn.
 * The loop then skips L_sup on the labeled batch and the unlabeled term: the student's only inputs are `mix`'s.
 */
export interface BatchMixer {
  /** Steps at the start that mix labeled samples with each other only, without the teacher; the teacher becomes a copy of the student when they end. */
  warmupSteps(cfg: TrainConfig): number;
  /** The weight of the pseudo-labeled voxels' loss at this step (reported as λ_u). */
  pseudoWeight(step: number, cfg: TrainConfig): number;
  mix(kit: MixKit, src: MixSource, cfg: TrainConfig): MixedBatch;
}

/** A term added to the loss with its own weight schedule, reported under its key. */
export interface ExtraTerm {
  key: string;
  /** Its weight at this step (0: computed as 0 and skipped). */
  weight(step: number, cfg: TrainConfig): number;
  /** `u`: the step's unlabeled views, null when the step has none. */
  loss(kit: LossKit, cfg: TrainConfig, u: UnlabeledViews | null): Scalar;
}

export interface TrainingMethod {
  /** The name configs, checkpoints and the CLI use. */
  name: string;
  /** What the user reads in the method picker. */
  label: string;
  /** One sentence on what it does, for help texts. */
  summary: string;
  /** The network it is defined for, or null when either fits. */
  network: ModelKind | null;
  /** Why it holds that network, in the words the panel shows beside the locked choice. */
  networkReason?: string;
  text: TextNeeds;
  /** Its switches over the defaults (presetConfig). */
  switches: DeepPartial<TrainConfig>;
  /** The unlabeled term, weighted by the ramped λ_u(t) (consistency.weight; 0 switches it off). */
  unlabeledLoss(kit: LossKit, u: UnlabeledViews, cfg: TrainConfig): Scalar;
  /** Further terms, for this config. */
  extraTerms?(cfg: TrainConfig): readonly ExtraTerm[];
  /** Present: the student trains on mixed images and unlabeledLoss is not called (BCP). */
  mixer?: BatchMixer;
}
