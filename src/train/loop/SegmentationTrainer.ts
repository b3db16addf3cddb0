import * as tf from '@tensorflow/tfjs';
import { Random } from '../../data/random.ts';
import { buildPools, type SlicePools, type SliceRef } from '../../data/sampler.ts';
import type { TrainingVolume } from '../../data/trainingVolume.ts';
import { softmaxClasses } from '../../model/classAxis.ts';
import type { Params } from '../../model/params.ts';
import { Adam, DEFAULT_ADAM, learningRate } from '../adam.ts';
import type { Checkpoint } from '../checkpoint.ts';
import type { ModelKind, TrainConfig } from '../config.ts';
import { emaUpdate } from '../ema.ts';
import { heldOutSliceDice } from '../heldOutSliceDice.ts';
import { argmaxClasses, uncertaintyBytes, type SliceLayer, type SlicePrediction } from '../inference.ts';
import { inferenceSpecFor } from '../inferenceSpec.ts';
import { maskedCeDice, sigmoidRampUp } from '../losses.ts';
import type { TrainingMethod, UnlabeledViews } from '../methods/method.ts';
import { methodNamed } from '../methods/registry.ts';
import type { TakTextVectors } from '../tak/takVectors.ts';
import type { TextGuidance, TextHeadReport } from '../vlm/TextGuidance.ts';
import { lossKit } from './lossKit.ts';
import { mixedLoss } from './mixedLoss.ts';
import { mixKit } from './mixKit.ts';
import type { StepReport, ValidationReport } from './reports.ts';
import { consistencyRampLength, emaAlphaAt } from './schedules.ts';
import type { SegmentationRun } from './segmentationRun.ts';

/** A step's sampled batch as the loop needs it: counts, and its tensors made on demand inside the loop's tidy. */
export interface StepBatch {
  labeledCount: number;
  unlabeledCount: number;
  /** Class index and labeled flag of every voxel of the labeled samples, sample after sample. */
  labels: Uint8Array;
  mask: Uint8Array;
  /** Images, one-hot labels and the labeled-voxel mask of the labeled samples. */
  labeled(): { x: tf.Tensor; y: tf.Tensor; m: tf.Tensor };
  /** The unlabeled samples as the teacher sees them, and the student's perturbed view. */
  teacherView(): tf.Tensor;
  studentView(): tf.Tensor;
}

/** A network's output: logits [..., K] and the encoder features of each stage (TAK aligns them). */
export interface Forward {
  logits: tf.Tensor;
  encoder: tf.Tensor[];
}

/**
 * The one training loop of both networks: schedules, the method's losses, Adam, the EMA teacher, one read-back per
 * step, the divergence guard, validation, label edits and checkpoints. A subclass is a network kind: it samples
 * batches, runs the network forward and predicts slices (Trainer: ResUNet-2D; Trainer3D: V-Net-3D and TAK). It
 * runs on whichever tfjs backend is active, in a worker or in Node alike, and owns GPU memory: dispose() frees it.
 */
export abstract class SegmentationTrainer implements SegmentationRun {
  abstract readonly kind: ModelKind;
  abstract readonly patch: readonly number[];
  abstract readonly student: Params;
  optimiser!: Adam;
  pools: SlicePools;
  step = 0;
  previewOverlap = 0.5;
  interrupt: () => boolean = () => false;
  readonly method: TrainingMethod;
  protected readonly root: Random;
  protected readonly sampling: Random;
  /** The copy-paste boxes of a mixing method: a stream of its own, so other methods' draws stay as they were. */
  private readonly mixing: Random;
  private teacherParams: Params | null = null;

  constructor(
    protected volumes: TrainingVolume[],
    readonly numClasses: number,
    readonly cfg: TrainConfig,
    /** Slices the user set aside for validation; otherwise a seeded share of the labeled ones. */
    validationSlices: SliceRef[] = [],
  ) {
    if (volumes.length === 0) throw new Error('no volumes to train on');
    this.method = methodNamed(cfg.preset);
    this.root = new Random(cfg.seed);
    this.pools = buildPools(
      volumes,
      { validationFraction: cfg.validation.fraction, minLabeledForValidation: cfg.validation.minLabeledSlices, validationSlices },
      this.root.fork('validation-split'),
    );
    this.sampling = this.root.fork('sampling');
    this.mixing = this.root.fork('mixing');
  }

  /** Adam over every weight of the student (again after weights joined it: nothing was learned yet). */
  protected resetOptimiser(): void {
    this.optimiser?.dispose();
    this.optimiser = new Adam(this.student, { ...DEFAULT_ADAM, weightDecay: this.cfg.optimiser.weightDecay });
  }

  /** The EMA teacher, cloned on first use so weights that join the student before training (TAK's head) are in it. */
  get teacher(): Params | null {
    if (!this.cfg.ema.enabled) return null;
    this.teacherParams ??= this.student.clone();
    return this.teacherParams;
  }

  /** Drops the teacher so the next use clones the student afresh (after weights joined the student). */
  protected resetTeacher(): void {
    this.teacherParams?.dispose();
    this.teacherParams = null;
  }

  get predictor(): Params {
    return this.teacher ?? this.student;
  }

  get canTrain(): boolean {
    return this.pools.labeled.length > 0;
  }

  get textGuidance(): TextGuidance | null {
    return null;
  }

  attachTextGuidance(_tg: TextGuidance): void {
    throw new Error(`the ${this.kind} network takes no text-guided mask: promptssl and duss train the 2D network`);
  }

  get takVectors(): TakTextVectors | null {
    return null;
  }

  attachTakTexts(_t: TakTextVectors): void {
    throw new Error('this run has no text-driven head (preset tak, 3D network)');
  }

  protected abstract sample(useUnlabeled: boolean): StepBatch;
  protected abstract forward(p: Params, x: tf.Tensor): Forward;
  abstract predictSlices(volumeIndex: number, ks: number[], which?: 'predictor' | 'student', batchSize?: number): Promise<SlicePrediction[]>;
  abstract predictLayers(volumeIndex: number, ks: number[], batchSize: number): Promise<SliceLayer[]>;
  abstract predictVolumeClasses(v: TrainingVolume, onProgress?: (done: number, total: number) => void, shouldStop?: () => boolean): Promise<Uint8Array | null>;

  /** The live layers from the class probabilities (the route where no GPU kernel makes them). */
  protected async layersFromProbabilities(volumeIndex: number, ks: number[], batchSize: number): Promise<SliceLayer[]> {
    const K = this.numClasses;
    const probs = await this.predictSlices(volumeIndex, ks, 'predictor', batchSize);
    return probs.map(({ k, probs: p }) => ({ k, labels: argmaxClasses(p, K), uncertainty: uncertaintyBytes(p, K) }));
  }

  /** Throws when the run cannot step yet (TAK without its prompts). */
  protected checkReady(): void {}
  /** Work of the step outside the student's gradient, on the labeled batch (2D text methods: the decoder's step). */
  protected async auxiliaryStep(_batch: StepBatch): Promise<TextHeadReport | null> {
    return null;
  }
  /** The text-guided mask on the teacher's view, inside the teacher's tidy (2D text methods), else null. */
  protected textMask(_xuTeacher: tf.Tensor): tf.Tensor | null {
    return null;
  }
  /**
   * Prepares the method's extra terms that need more than the student's outputs (TAK's L_con: voxels drawn from
   * labels and confident pseudo-labels); returns how the kit aligns one stage given the step's encoder features.
   */
  protected async prepareAlignment(
    _batch: StepBatch,
    _teacherProbs: tf.Tensor | null,
    _weights: ReadonlyMap<string, number>,
  ): Promise<((labeled: Forward, unlabeled: Forward | null) => (stage: number) => tf.Scalar) | null> {
    return null;
  }
  /** The network's part of a step report (3D: TAK's L_con). */
  protected extraReport(_extras: ReadonlyMap<string, { value: number; weight: number }>): Partial<StepReport> {
    return {};
  }
  /** Called after label edits rebuilt the pools. */
  protected volumesChanged(): void {}

  async trainStep(): Promise<StepReport> {
    if (!this.canTrain) throw new Error('no labeled slices to learn from: label at least one slice');
    this.checkReady();
    const t0 = performance.now();
    const { cfg, method } = this;
    // A mixing method's warm-up learns from labeled samples alone; at its end the teacher restarts as the student.
    const mixer = method.mixer ?? null;
    const warmup = mixer ? mixer.warmupSteps(cfg) : 0;
    if (mixer && warmup > 0 && this.step === warmup) this.resetTeacher();
    const teacher = this.teacher;

    // 1. Sample a batch on the CPU: labeled samples with their masks, unlabeled ones in two views.
    const useUnlabeled = mixer ? this.step >= warmup && cfg.batchUnlabeled > 0 : cfg.consistency.weight > 0 && cfg.batchUnlabeled > 0;
    const batch = this.sample(useUnlabeled);

    // 2. Schedules: learning rate, λ_u(t) = λ · exp(−5(1 − t)²), and each extra term's weight.
    const lr = learningRate(this.step, {
      lr: cfg.optimiser.lr,
      warmupSteps: cfg.optimiser.warmupSteps,
      kind: cfg.optimiser.schedule,
      totalSteps: cfg.optimiser.totalSteps,
      minFactor: 0.05,
    });
    const lambdaU = useUnlabeled ? cfg.consistency.weight * sigmoidRampUp(this.step, consistencyRampLength(cfg)) : 0;
    // A mixing method weights its pseudo-labeled voxels itself (BCP's α), with no ramp.
    const pseudoWeight = mixer && useUnlabeled ? mixer.pseudoWeight(this.step, cfg) : 0;
    const extras = method.extraTerms?.(cfg) ?? [];
    const weights = new Map(extras.map((t) => [t.key, t.weight(this.step, cfg)]));

    // 3. Work outside the student's gradient (the text decoder's own step), then the teacher's view of the
    // unlabeled batch, y_u^t = f_t(x_u) (PromptSSL eq 11, DuSSS eq 14), in its own tidy: its feature maps are freed
    // before the student's forward, not held with the student's until the gradients are done.
    const auxiliary = await this.auxiliaryStep(batch);
    let teacherOut: { logits: tf.Tensor; probs: tf.Tensor; textMask: tf.Tensor | null } | null = null;
    if (useUnlabeled && batch.unlabeledCount > 0) {
      const [logits, probs, textMask] = tf.tidy(() => {
        const xu = batch.teacherView();
        const out = this.forward(teacher ?? this.student, xu).logits;
        const mask = this.textMask(xu);
        return [out, softmaxClasses(out), ...(mask ? [mask] : [])];
      });
      teacherOut = { logits: logits!, probs: probs!, textMask: textMask ?? null };
    }
    const teacherTensors = teacherOut ? [teacherOut.logits, teacherOut.probs, ...(teacherOut.textMask ? [teacherOut.textMask] : [])] : [];
    let value: tf.Scalar;
    let grads: tf.NamedTensorMap;
    const parts: tf.Scalar[] = [];
    try {
      const align = await this.prepareAlignment(batch, teacherOut?.probs ?? null, weights);

      // 4. The loss and its gradient with respect to the student only.
      ({ value, grads } = tf.tidy(() => {
        const labeled = batch.labeled();
        const { x, y, m } = labeled;
        // A mixing method's inputs, built outside the gradient tape from the labeled batch and the teacher's view.
        const unlabeled = mixer && teacherOut ? { x: batch.teacherView(), teacherProbs: teacherOut.probs } : null;
        const mixed = mixer ? mixer.mix(mixKit(this.mixing), { labeled, unlabeled }, cfg) : null;
        const xuStudent = teacherOut && !mixed ? batch.studentView() : null;
        return tf.variableGrads(() => {
          let l: Forward;
          let ce: tf.Scalar;
          let dice: tf.Scalar;
          let total: tf.Scalar;
          let cons: tf.Scalar = tf.scalar(0);
          if (mixed) {
            // The student sees the mixed images only: ground-truth voxels as L_sup, pseudo-labeled ones weighted.
            l = this.forward(this.student, mixed.x);
            ({ ce, dice, pseudo: cons, total } = mixedLoss(l.logits, mixed, pseudoWeight, cfg.supervised));
          } else {
            // L_sup on labeled voxels only: CE + soft Dice (PromptSSL eq 12, DuSSS eq 15, TAK eq 3).
            l = this.forward(this.student, x);
            ({ ce, dice } = maskedCeDice(l.logits, y, m, { includeBackground: cfg.supervised.diceIncludesBackground, eps: 1e-5 }));
            total = tf.add(tf.mul(ce, cfg.supervised.ceWeight), tf.mul(dice, cfg.supervised.diceWeight)) as tf.Scalar;
          }
          let u: Forward | null = null;
          let views: UnlabeledViews | null = null;
          if (teacherOut && xuStudent) {
            // λ_u(t) · the method's unlabeled term on y_u^s = f_s(x̃_u).
            u = this.forward(this.student, xuStudent);
            views = { studentLogits: u.logits, teacherLogits: teacherOut.logits, teacherProbs: teacherOut.probs, textMask: teacherOut.textMask };
            cons = method.unlabeledLoss(lossKit(null), views, cfg);
            total = tf.add(total, tf.mul(cons, lambdaU)) as tf.Scalar;
          }
          const extraValues = extras.map((term) => {
            const w = weights.get(term.key)!;
            if (w <= 0) return tf.scalar(0);
            const v = term.loss(lossKit(align ? align(l, u) : null), cfg, views);
            total = tf.add(total, tf.mul(v, w)) as tf.Scalar;
            return v;
          });
          parts.push(tf.keep(ce), tf.keep(dice), tf.keep(cons), ...extraValues.map((v) => tf.keep(v)));
          return total;
        }, this.student.variables());
      }));
    } finally {
      // The teacher's outputs were targets only; freed even when the step throws.
      tf.dispose(teacherTensors);
    }

    // 5. Adam on the student, then the EMA teacher follows (DuSSS eq 13).
    const byName = new Map<string, tf.Tensor>();
    for (const name of this.student.names()) {
      const g = grads[this.student.get(name).name];
      if (g) byName.set(name, g);
    }
    this.optimiser.apply(byName, lr);
    if (teacher) emaUpdate(teacher, this.student, this.step, emaAlphaAt(this.step, cfg.ema));

    // 6. One read-back per step (never dataSync on WebGPU: WEBGPU.md trap 6), then release everything.
    const stacked = tf.stack([value, ...parts]);
    const read = Array.from(await stacked.data());
    tf.dispose([value, stacked, ...parts, ...Object.values(grads)]);
    this.step++;
    if (!read.every((x) => Number.isFinite(x))) throw new Error(`training diverged at step ${this.step} (loss ${read[0]}); lower the learning rate`);
    const [total, ce, dice, consistency] = read as [number, number, number, number];
    const extraReport = new Map(extras.map((t, n) => [t.key, { value: read[4 + n]!, weight: weights.get(t.key)! }]));
    const extra = extras.length > 0 ? { extra: Object.fromEntries(extraReport) } : {};
    return {
      step: this.step,
      lr,
      lambdaU: mixer ? pseudoWeight : lambdaU,
      losses: { total, ce, dice, consistency },
      text: auxiliary,
      ...extra,
      ...this.extraReport(extraReport),
      ms: performance.now() - t0,
    };
  }

  /** Dice per class over the labeled voxels of the validation slices, with the predicting network. */
  async validate(): Promise<ValidationReport> {
    return { step: this.step, ...(await heldOutSliceDice(this.volumes, this.pools.validation, this.numClasses, (vi, ks) => this.predictSlices(vi, ks))) };
  }

  /**
   * New labels for a volume (an edit during training). The validation split stays as it was, so the curve keeps
   * measuring the same thing; newly labeled slices join training, and a held-out slice since unlabeled drops out.
   */
  updateVolume(index: number, next: TrainingVolume): void {
    this.volumes[index] = next;
    this.pools = buildPools(this.volumes, { validationFraction: 0, minLabeledForValidation: Infinity, validationSlices: this.pools.validation }, new Random(0));
    this.volumesChanged();
  }

  /** The network's part of a checkpoint (the text stages, TAK's prompts). */
  protected checkpointExtras(text: Checkpoint['text']): Partial<Checkpoint> {
    return { text };
  }

  async toCheckpoint(classes: Checkpoint['classes'], text: Checkpoint['text'] = null): Promise<Checkpoint> {
    const teacher = this.teacher;
    return {
      text: null,
      ...this.checkpointExtras(text),
      version: 1,
      config: this.cfg,
      classes,
      numClasses: this.numClasses,
      inChannels: this.volumes[0]!.channels,
      step: this.step,
      savedAt: Date.now(),
      student: await this.student.toArrays(),
      teacher: teacher ? await teacher.toArrays() : null,
      optimiser: await this.optimiser.toArrays(),
      inference: inferenceSpecFor(this.patch),
    };
  }

  /** Resumes from a checkpoint of the same network: weights, teacher, optimiser moments and step. */
  restore(c: Checkpoint): void {
    const inChannels = this.volumes[0]!.channels;
    if (c.numClasses !== this.numClasses || c.inChannels !== inChannels) {
      throw new Error(
        `the saved model predicts ${c.numClasses - 1} classes from ${c.inChannels}-channel images; this workspace needs ${this.numClasses - 1} from ${inChannels}`,
      );
    }
    this.student.assign(c.student);
    const teacher = this.teacher;
    if (teacher) teacher.assign(c.teacher ?? c.student);
    if (c.optimiser) this.optimiser.assign(c.optimiser);
    this.step = c.step;
  }

  dispose(): void {
    this.student.dispose();
    this.teacherParams?.dispose();
    this.optimiser.dispose();
  }
}
