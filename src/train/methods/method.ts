import type { Scalar, Tensor } from '@tensorflow/tfjs';
import type { DeepPartial, ModelKind, TrainConfig } from '../config.ts';

/*
 * What a training method is: a name and label for the user, the network it needs, the texts it needs, the switches
 * it sets on the config, and the loss terms it adds to the supervised one. Method files import no tfjs (this
 * module and the registry are read by the page, which never loads it): their losses are written against a LossKit
 * of tensor functions that the training loop hands in (src/train/loop/lossKit.ts).
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
}
