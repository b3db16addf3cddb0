import * as tf from '@tensorflow/tfjs';
import { customKernelsActive } from '../gpu/customKernels.ts';
import { softmaxClasses } from '../model/classAxis.ts';
import { Random } from '../data/random.ts';
import { buildPools, oneHot, sampleBatch, type SlicePools, type SliceRef } from '../data/sampler.ts';
import { patchSizeFor } from '../data/slices2d.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import type { Params } from '../model/params.ts';
import { createResUNet2D, resUNet2D, type ResUNet2DConfig } from '../model/resunet2d.ts';
import { Adam, learningRate } from './adam.ts';
import type { Checkpoint } from './checkpoint.ts';
import { heldOutSliceDice } from './heldOutSliceDice.ts';
import { inferenceSpecFor } from './inferenceSpec.ts';
import { predictSliceLayers, predictSlices, predictWindows, type SliceLayer, type SlicePrediction } from './inference.ts';
import type { TrainConfig } from './config.ts';
import { emaUpdate } from './ema.ts';
import { maskedCeDice, pseudoLabelCrossEntropy, sigmoidRampUp, softmaxMse } from './losses.ts';
import { presentClasses, type TextGuidance, type TextHeadReport } from './vlm/TextGuidance.ts';
import { mergedPseudoLabel, semiLoss } from './vlm/textMaskLosses.ts';

export interface StepReport {
  step: number;
  lr: number;
  lambdaU: number;
  /** `consistency` is the unlabeled term: the mean teacher's, or L_semi when text guidance is on. */
  losses: { total: number; ce: number; dice: number; consistency: number };
  /** The text-guided decoder's own terms (promptssl, duss): its supervision, L_region, L_feat, L_tg. */
  text: TextHeadReport | null;
  /** TAK (3D): L_con of eq 2 and the λ_c it entered with (0 during its warm-up). */
  tak?: { con: number; lambdaC: number } | null;
  ms: number;
}

export interface ValidationReport {
  step: number;
  /** Dice per foreground class index 1..K−1 over the validation slices' labeled pixels (null when absent). */
  dice: (number | null)[];
  meanDice: number | null;
  slices: number;
}

/**
 * One training run: the student (and EMA teacher), the optimiser, the data pools and the seeded streams. It runs
 * on whichever tfjs backend is active, in a worker or in Node alike. Owns GPU memory: dispose() frees it.
 */
export class Trainer {
  readonly patch: [number, number];
  readonly model: ResUNet2DConfig;
  readonly student: Params;
  readonly teacher: Params | null;
  readonly optimiser: Adam;
  pools: SlicePools;
  step = 0;
  private readonly sampling: Random;
  /** Stage 2 of promptssl/duss: the text-guided mask, when a pre-trained vision–language model is attached. */
  textGuidance: TextGuidance | null = null;

  constructor(
    private volumes: TrainingVolume[],
    readonly numClasses: number,
    readonly cfg: TrainConfig,
    /** Slices the user set aside for validation; otherwise a seeded share of the labeled ones. */
    validationSlices: SliceRef[] = [],
  ) {
    if (volumes.length === 0) throw new Error('no volumes to train on');
    const root = new Random(cfg.seed);
    this.model = { inChannels: volumes[0]!.channels, numClasses, width: cfg.model.width, depth: cfg.model.depth };
    this.patch = cfg.patch === 'auto' ? patchSizeFor(volumes, cfg.model.depth) : cfg.patch;
    this.pools = buildPools(
      volumes,
      { validationFraction: cfg.validation.fraction, minLabeledForValidation: cfg.validation.minLabeledSlices, validationSlices },
      root.fork('validation-split'),
    );
    this.sampling = root.fork('sampling');
    this.student = createResUNet2D(this.model, root.fork('init'));
    this.teacher = cfg.ema.enabled ? this.student.clone() : null;
    this.optimiser = new Adam(this.student, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: cfg.optimiser.weightDecay });
  }

  /** The network whose predictions the user sees: the teacher when there is one. */
  get predictor(): Params {
    return this.teacher ?? this.student;
  }

  /**
   * Joins a text-guided mask to the run (promptssl, duss). Its ViT must see exactly the training patch, so the text
   * mask and the student's output cover the same pixels.
   */
  attachTextGuidance(tg: TextGuidance): void {
    const [h, w] = tg.imageSize;
    if (h !== this.patch[0] || w !== this.patch[1]) throw new Error(`the vision–language model sees ${h}×${w} images, the training patch is ${this.patch.join('×')}`);
    if (tg.numClasses !== this.numClasses) throw new Error(`the text mask has ${tg.numClasses} classes, the network ${this.numClasses}`);
    this.textGuidance?.dispose();
    this.textGuidance = tg;
  }

  get canTrain(): boolean {
    return this.pools.labeled.length > 0;
  }

  async trainStep(): Promise<StepReport> {
    if (!this.canTrain) throw new Error('no labeled slices to learn from: label at least one slice');
    const t0 = performance.now();
    const { cfg } = this;
    const K = this.numClasses;

    // 1. Sample a batch on the CPU: labeled slices with their masks, unlabeled slices in two views.
    const useUnlabeled = cfg.consistency.weight > 0 && cfg.batchUnlabeled > 0;
    const batch = sampleBatch(
      this.volumes,
      this.pools,
      { size: this.patch, labeled: cfg.batchLabeled, unlabeled: useUnlabeled ? cfg.batchUnlabeled : 0, augment: cfg.augment, perturb: cfg.perturb },
      this.sampling,
    );
    const [h, w] = batch.size;
    const c = batch.channels;

    // 2. Schedules: learning rate and the consistency weight λ_u(t) = λ · exp(−5(1 − t)²).
    const lr = learningRate(this.step, { lr: cfg.optimiser.lr, warmupSteps: cfg.optimiser.warmupSteps, kind: cfg.optimiser.schedule, totalSteps: cfg.optimiser.totalSteps, minFactor: 0.05 });
    const lambdaU = useUnlabeled ? cfg.consistency.weight * sigmoidRampUp(this.step, cfg.consistency.rampUpSteps) : 0;

    // 2b. Text guidance (promptssl, duss): the decoder's own step on the labeled batch (it learns where each class
    // text points, on labeled pixels only), before its mask becomes a target for the student below.
    const text = cfg.text.enabled && this.textGuidance ? this.textGuidance : null;
    let textReport: TextHeadReport | null = null;
    if (text && batch.labeledCount > 0) {
      const [xl, yl, ml, present] = [
        tf.tensor4d(batch.xl, [batch.labeledCount, h, w, c]),
        tf.tensor4d(oneHot(batch.yl, K), [batch.labeledCount, h, w, K]),
        tf.tensor4d(Float32Array.from(batch.ml), [batch.labeledCount, h, w, 1]),
        tf.tensor2d(presentClasses(batch.yl, batch.ml, batch.labeledCount, K), [batch.labeledCount, K]),
      ];
      textReport = await text.trainStep(xl, yl, ml, present);
      tf.dispose([xl, yl, ml, present]);
    }

    const parts: tf.Scalar[] = [];
    const { value, grads } = tf.tidy(() => {
      const xl = tf.tensor4d(batch.xl, [batch.labeledCount, h, w, c]);
      const yl = tf.tensor4d(oneHot(batch.yl, K), [batch.labeledCount, h, w, K]);
      const ml = tf.tensor4d(Float32Array.from(batch.ml), [batch.labeledCount, h, w, 1]);

      // 3. The teacher's view of the unlabeled slices, y_u^t = f_t(x_u) (PromptSSL eq 11, DuSSS eq 14); no gradient.
      // Its own tidy keeps only its outputs: the teacher's feature maps are freed before the student's forward,
      // not held with the student's until the gradients are done (a step's peak memory, memoryEstimate2D.ts).
      let teacherLogits: tf.Tensor4D | null = null;
      let teacherProbs: tf.Tensor | null = null;
      let textMask: tf.Tensor4D | null = null;
      let xuStudent: tf.Tensor4D | null = null;
      if (useUnlabeled && batch.unlabeledCount > 0) {
        const [logits, probs, mask] = tf.tidy(() => {
          const xuTeacher = tf.tensor4d(batch.xuTeacher, [batch.unlabeledCount, h, w, c]);
          const out = resUNet2D(this.teacher ?? this.student, this.model, xuTeacher);
          // y_u^text on the teacher's view: the same pixels the teacher's pseudo-label covers.
          return [out, softmaxClasses(out), ...(text ? [text.textMask(xuTeacher).mask] : [])];
        });
        teacherLogits = logits as tf.Tensor4D;
        teacherProbs = probs!;
        textMask = (mask as tf.Tensor4D | undefined) ?? null;
        xuStudent = tf.tensor4d(batch.xuStudent, [batch.unlabeledCount, h, w, c]);
      }

      // 4. The loss and its gradient with respect to the student only.
      return tf.variableGrads(() => {
        // L_sup on labeled voxels only: y_l = f_s(x_l), CE + soft Dice (METHOD "supervised"; TAK's L_s).
        const logitsL = resUNet2D(this.student, this.model, xl);
        const { ce, dice } = maskedCeDice(logitsL, yl, ml, { includeBackground: cfg.supervised.diceIncludesBackground, eps: 1e-5 });
        let total = tf.add(tf.mul(ce, cfg.supervised.ceWeight), tf.mul(dice, cfg.supervised.diceWeight)) as tf.Scalar;
        let cons: tf.Scalar = tf.scalar(0);
        if (teacherProbs && teacherLogits && xuStudent) {
          const logitsU = resUNet2D(this.student, this.model, xuStudent);
          if (textMask) {
            // λ_u(t) · L_semi: CE against the merged pseudo-label σ(y_u^t + y_u^text) (PromptSSL eq 13, DuSSS eq 16)
            // and against the text mask alone (eq 14 / 17); both on: their mean (eq 15 / 18). Every pixel of an
            // unlabeled slice counts; σ is softmax for PromptSSL's mask, sigmoid for DuSSS's.
            const ones = tf.ones([batch.unlabeledCount, h, w, 1]) as tf.Tensor4D;
            const semi = semiLoss(logitsU, teacherLogits, textMask, ones, { merge: cfg.text.form, target: cfg.text.form === 'softmax' && cfg.text.target === 'binary' ? 'normalize' : cfg.text.target });
            cons = cfg.text.merged && cfg.text.textTerm ? semi.total : cfg.text.merged ? semi.merged : cfg.text.textTerm ? semi.text : tf.scalar(0);
          } else {
            // λ_u(t) · consistency between y_u^s = f_s(x̃_u) and the teacher (mean teacher; METHOD "mean-teacher").
            cons = cfg.consistency.kind === 'mse' ? softmaxMse(logitsU, teacherProbs) : pseudoLabelCrossEntropy(logitsU, teacherProbs, cfg.consistency.threshold);
          }
          total = tf.add(total, tf.mul(cons, lambdaU)) as tf.Scalar;
        }
        parts.push(tf.keep(ce), tf.keep(dice), tf.keep(cons));
        return total;
      }, this.student.variables());
    });

    // 5. Adam on the student, then 6. the EMA teacher follows (DuSSS eq 13).
    const byName = new Map<string, tf.Tensor>();
    for (const name of this.student.names()) {
      const g = grads[this.student.get(name).name];
      if (g) byName.set(name, g);
    }
    this.optimiser.apply(byName, lr);
    if (this.teacher) emaUpdate(this.teacher, this.student, this.step, cfg.ema.alpha);

    // 7. One read-back per step (never dataSync on WebGPU: WEBGPU.md trap 6), then release everything.
    const stacked = tf.stack([value, ...parts]);
    const [total, ce, dice, consistency] = Array.from(await stacked.data());
    tf.dispose([value, stacked, ...parts, ...Object.values(grads)]);
    this.step++;
    if (![total, ce, dice, consistency].every((x) => Number.isFinite(x))) {
      throw new Error(`training diverged at step ${this.step} (loss ${total}); lower the learning rate`);
    }
    return { step: this.step, lr, lambdaU, losses: { total: total!, ce: ce!, dice: dice!, consistency: consistency! }, text: textReport, ms: performance.now() - t0 };
  }

  /**
   * The window slices are predicted in: the training patch, whatever the size of the slice or of the other volumes
   * open (inferenceSpec.ts says why). Larger slices are covered by overlapping windows.
   */
  get inferenceSize(): [number, number] {
    return this.patch;
  }

  /** Class probabilities of some slices of one of the run's volumes. */
  predictSlices(volumeIndex: number, ks: number[], which: 'predictor' | 'student' = 'predictor', batchSize = 8): Promise<SlicePrediction[]> {
    const v = this.volumes[volumeIndex];
    if (!v) throw new Error(`no volume ${volumeIndex}`);
    return predictSlices(which === 'student' ? this.student : this.predictor, this.model, v, ks, this.inferenceSize, batchSize);
  }

  /**
   * The live layers (labels and uncertainty) of some slices made on the GPU by our kernel, so only their bytes are
   * read back (predictSliceLayers); null where that route does not apply (our kernels off, or a slice larger than
   * the inference window, whose tiles blend on the CPU first): the caller then uses predictSlices.
   */
  predictLiveLayers(volumeIndex: number, ks: number[], batchSize = 8): Promise<SliceLayer[]> | null {
    const v = this.volumes[volumeIndex];
    if (!v) throw new Error(`no volume ${volumeIndex}`);
    const size = this.inferenceSize;
    if (!customKernelsActive() || v.dims[0] > size[1] || v.dims[1] > size[0]) return null;
    return predictSliceLayers(this.predictor, this.model, v, ks, size, batchSize);
  }

  /**
   * The text-guided layers of some slices (promptssl, duss): the text mask y^text, the merged pseudo-label
   * σ(y^t + y^text) of eq 13 / 16, and the per-class text activation (the mask's value for each class), each
   * [nj, ni, K] row-major. The ViT sees the training patch, so a larger slice is covered in overlapping patches and
   * blended like the segmentation (predictWindows); eq 8's s_c is then per patch, as it was in training.
   */
  async predictTextSlices(volumeIndex: number, ks: number[], batchSize = 4): Promise<{ k: number; text: Float32Array; merged: Float32Array; activation: Float32Array }[] | null> {
    const tg = this.textGuidance;
    const v = this.volumes[volumeIndex];
    if (!tg || !v) return null;
    const form = this.cfg.text.form;
    const maps = await predictWindows(v, ks, this.patch, batchSize, this.numClasses, (x) => {
      const m = tg.textMask(x);
      // The activation map shows each class text's own match, before eq 8's s_c weighting: where the text points,
      // whether or not the image as a whole matches it.
      const act = form === 'softmax' ? softmaxClasses(m.activation) : tf.sigmoid(m.activation);
      return [m.mask, mergedPseudoLabel(resUNet2D(this.predictor, this.model, x), m.mask, form), act];
    });
    return maps.map(({ k, maps: [text, merged, activation] }) => ({ k, text: text!, merged: merged!, activation: activation! }));
  }

  /** Dice per class over the labeled pixels of the validation slices, with the predicting network. */
  async validate(): Promise<ValidationReport> {
    return { step: this.step, ...(await heldOutSliceDice(this.volumes, this.pools.validation, this.numClasses, (vi, ks) => this.predictSlices(vi, ks))) };
  }


  /**
   * New labels for a volume (an edit during training). The validation split stays as it was, so the curve keeps
   * measuring the same thing; newly labeled slices join training.
   */
  updateVolume(index: number, next: TrainingVolume): void {
    this.volumes[index] = next;
    // A held-out slice the user has since unlabeled drops out of validation; nothing joins it.
    this.pools = buildPools(
      this.volumes,
      { validationFraction: 0, minLabeledForValidation: Infinity, validationSlices: this.pools.validation },
      new Random(0),
    );
  }

  async toCheckpoint(classes: Checkpoint['classes'], text: Checkpoint['text'] = null): Promise<Checkpoint> {
    return {
      text,
      version: 1,
      config: this.cfg,
      classes,
      numClasses: this.numClasses,
      inChannels: this.model.inChannels,
      step: this.step,
      savedAt: Date.now(),
      student: await this.student.toArrays(),
      teacher: this.teacher ? await this.teacher.toArrays() : null,
      optimiser: await this.optimiser.toArrays(),
      inference: inferenceSpecFor(this.patch),
    };
  }

  /** Resumes from a checkpoint of the same network: weights, teacher, optimiser moments and step. */
  restore(c: Checkpoint): void {
    if (c.numClasses !== this.numClasses || c.inChannels !== this.model.inChannels) {
      throw new Error(`the saved model predicts ${c.numClasses - 1} classes from ${c.inChannels}-channel images; this workspace needs ${this.numClasses - 1} from ${this.model.inChannels}`);
    }
    this.student.assign(c.student);
    if (this.teacher) this.teacher.assign(c.teacher ?? c.student);
    if (c.optimiser) this.optimiser.assign(c.optimiser);
    this.step = c.step;
  }

  dispose(): void {
    this.textGuidance?.dispose();
    this.student.dispose();
    this.teacher?.dispose();
    this.optimiser.dispose();
  }
}
