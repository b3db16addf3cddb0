import * as tf from '@tensorflow/tfjs';
import { maxClasses, softmaxClasses } from '../model/classAxis.ts';
import { Random } from '../data/random.ts';
import { buildPools, oneHot, type SlicePools, type SliceRef } from '../data/sampler.ts';
import { buildVolumePools, sample3DBatch, type Batch3D } from '../data/patches3d.ts';
import { DEFAULT_AUGMENT_3D } from '../data/augment3d.ts';
import { plan3D } from '../data/plan3d.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import type { Params } from '../model/params.ts';
import { createTakHead, takLogits, type TakHeadConfig } from '../model/takHead.ts';
import { createVNet3D, vNet3DForward, type VNet3DConfig } from '../model/vnet3d.ts';
import { Adam, learningRate } from './adam.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { TrainConfig } from './config.ts';
import { emaUpdate } from './ema.ts';
import { argmaxClasses, type SlicePrediction } from './inference.ts';
import { inferenceSpecFor } from './inferenceSpec.ts';
import { maskedCeDice, maskedSoftDice, pseudoLabelCrossEntropy, sigmoidRampUp, softmaxMse, stopGradient } from './losses.ts';
import { slidingWindow3D } from './slidingWindow3d.ts';
import { createTextProjections, sampleStageVoxels, stageAlignmentLoss, voxelEntropy, type VoxelSource } from './tak/contrastiveAlignment.ts';
import type { StepReport, ValidationReport } from './Trainer.ts';
import { heldOutSliceDice } from './heldOutSliceDice.ts';

/** TAK's class prompts as vectors, background first: T_k^p and T_k^s of every class k, [K, dim] row-major. */
export interface TakTextVectors {
  dim: number;
  position: Float32Array;
  shape: Float32Array;
  /** Who made them (shown to the user and kept in the checkpoint). */
  encoder: string;
}

/**
 * One 3D training run (V-Net teacher–student, and TAK when its texts are attached): the 3D twin of Trainer, with
 * the same public surface where the app and the CLI touch it — pools of k-slices (for counts and the validation
 * split), predictSlices served by sliding windows over the slab around the slices asked for, validate, checkpoints.
 */
export class Trainer3D {
  readonly patch: [number, number, number];
  readonly model: VNet3DConfig;
  readonly student: Params;
  optimiser: Adam;
  /** k-slice pools, as in 2D: which slices are labeled, held out and unlabeled. */
  pools: SlicePools;
  step = 0;
  /**
   * Share of a window its neighbour overlaps in predictSlices (and so validate): 0.5 as nnU-Net by default; the app
   * lowers it where windows are slow (a CPU backend), so the slices on screen update within seconds.
   */
  previewOverlap = 0.5;
  /**
   * Checked between batches of windows in predictSlices (live layers, validation, slice scores): true ends the pass
   * with the slices finished so far. The session sets it to "Stop was pressed", so a Stop during a long pass on a
   * CPU is answered within a batch, not after the whole slab.
   */
  interrupt: () => boolean = () => false;
  private readonly sampling: Random;
  private readonly contrastRng: Random;
  /** Training copies of the volumes: held-out slices' labels masked out, so validation stays unseen. */
  private trainVolumes: TrainingVolume[];
  private volumePools: ReturnType<typeof buildVolumePools>;
  private takHead: TakHeadConfig | null = null;
  private takText: { position: tf.Tensor2D; shape: tf.Tensor2D; encoder: string } | null = null;
  /** The attached prompt vectors on the CPU, for checkpoints: a TAK model cannot predict without them. */
  private takVectors: TakTextVectors | null = null;
  private stageChannels: number[] = [];

  constructor(
    private volumes: TrainingVolume[],
    readonly numClasses: number,
    readonly cfg: TrainConfig,
    validationSlices: SliceRef[] = [],
  ) {
    if (volumes.length === 0) throw new Error('no volumes to train on');
    const root = new Random(cfg.seed);
    const plan = plan3D(volumes, { depth: cfg.model.depth, maxVoxels: cfg.patchVoxels });
    this.patch = cfg.patch3d === 'auto' ? plan.patch : cfg.patch3d;
    this.model = { inChannels: volumes[0]!.channels, numClasses, width: cfg.model.width, depth: cfg.model.depth, strides: plan.strides };
    this.pools = buildPools(
      volumes,
      { validationFraction: cfg.validation.fraction, minLabeledForValidation: cfg.validation.minLabeledSlices, validationSlices },
      root.fork('validation-split'),
    );
    this.trainVolumes = this.maskValidation(volumes);
    this.volumePools = buildVolumePools(this.trainVolumes);
    this.sampling = root.fork('sampling');
    this.contrastRng = root.fork('contrast');
    this.student = createVNet3D(this.model, root.fork('init'));
    this.stageChannels = tf.tidy(() => {
      const probe = vNet3DForward(this.student, this.model, tf.zeros([1, ...this.patch, this.model.inChannels]) as tf.Tensor5D);
      return probe.encoder.map((e) => e.shape[4]);
    });
    if (cfg.tak.enabled) this.takHead = { textDim: 0, featureChannels: cfg.model.width, deepChannels: this.stageChannels.at(-1)!, hidden: cfg.tak.controllerHidden, headChannels: cfg.tak.headChannels, numClasses };
    this.optimiser = new Adam(this.student, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: cfg.optimiser.weightDecay });
  }

  private maskValidation(volumes: readonly TrainingVolume[]): TrainingVolume[] {
    const held = new Map<number, number[]>();
    for (const s of this.pools.validation) held.set(s.volume, [...(held.get(s.volume) ?? []), s.k]);
    return volumes.map((v, n) => {
      const ks = held.get(n);
      if (!ks) return v;
      const per = v.dims[0] * v.dims[1];
      const labeled = v.labeled.slice();
      for (const k of ks) labeled.fill(0, k * per, (k + 1) * per);
      return { ...v, labeled };
    });
  }

  /**
   * TAK's texts: the controller's input width is the text encoder's, so the head (and the prompt MLPs of L_con)
   * are created here, once the vectors are known, and join the student (the EMA teacher copies them). Must come
   * before the first step; new vectors of the same width can replace old ones later (a re-encoded prompt).
   */
  attachTakTexts(t: TakTextVectors): void {
    if (!this.takHead) throw new Error('this run has no text-driven head (preset tak)');
    const K = this.numClasses;
    if (t.position.length !== K * t.dim || t.shape.length !== K * t.dim) throw new Error(`TAK needs ${K} position and shape prompts (background first) of width ${t.dim}`);
    if (this.takHead.textDim === 0) {
      if (this.step > 0) throw new Error('TAK texts must be attached before training starts');
      this.takHead = { ...this.takHead, textDim: t.dim };
      const rng = new Random(this.cfg.seed).fork('tak-head');
      createTakHead(this.takHead, rng, this.student);
      createTextProjections(t.dim, this.stageChannels, this.cfg.tak.conStages, rng.fork('projections'), this.student);
      // Adam's moments were made for the V-Net alone; nothing has been learned yet, so it starts again with all weights.
      this.optimiser.dispose();
      this.optimiser = new Adam(this.student, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: this.cfg.optimiser.weightDecay });
    } else if (this.takHead.textDim !== t.dim) {
      throw new Error(`the text-driven head reads ${this.takHead.textDim}-wide prompts; the new encoder gives ${t.dim}`);
    }
    this.takText?.position.dispose();
    this.takText?.shape.dispose();
    this.takText = { position: tf.tensor2d(t.position, [K, t.dim]), shape: tf.tensor2d(t.shape, [K, t.dim]), encoder: t.encoder };
    this.takVectors = { dim: t.dim, position: t.position.slice(), shape: t.shape.slice(), encoder: t.encoder };
    if (this.cfg.ema.enabled && !this.teacherReady) this.makeTeacher();
  }

  private teacherReady = false;
  private teacherParams: Params | null = null;

  private makeTeacher(): void {
    this.teacherParams?.dispose();
    this.teacherParams = this.student.clone();
    this.teacherReady = true;
  }

  /** The EMA teacher, created lazily so TAK's head weights (added when texts arrive) are part of it. */
  private get teacherNet(): Params | null {
    if (!this.cfg.ema.enabled) return null;
    if (!this.teacherReady) this.makeTeacher();
    return this.teacherParams;
  }

  get teacher(): Params | null {
    return this.teacherNet;
  }

  /** The network whose predictions the user sees: the teacher when there is one. */
  get predictor(): Params {
    return this.teacherNet ?? this.student;
  }

  /**
   * The image size a 2D vision–language model over this run's slices sees (the text tower that encodes TAK's
   * prompts can be pre-trained on them): the patch's in-plane sides, rounded up to the ViT's patch size.
   */
  get vlmImageSize(): [number, number] {
    const p = this.cfg.vlm.patchSize;
    return [Math.ceil(this.patch[1] / p) * p, Math.ceil(this.patch[2] / p) * p];
  }

  get canTrain(): boolean {
    return this.pools.labeled.length > 0;
  }

  /** Logits [B, D, H, W, K], with the encoder features TAK aligns: the V-Net's head, or TAK's text-driven one. */
  private forward(p: Params, x: tf.Tensor5D): { logits: tf.Tensor5D; encoder: tf.Tensor5D[] } {
    const out = vNet3DForward(p, this.model, x);
    if (!this.takHead || !this.takText) return { logits: out.logits, encoder: out.encoder };
    return { logits: takLogits(p, this.takHead, this.takText.position, this.takText.shape, out.encoder.at(-1)!, out.decoder), encoder: out.encoder };
  }

  async trainStep(): Promise<StepReport> {
    if (!this.canTrain) throw new Error('no labeled slices to learn from: label at least one slice');
    if (this.takHead && !this.takText) throw new Error('TAK needs its class prompts encoded before training (attachTakTexts)');
    const t0 = performance.now();
    const { cfg } = this;
    const K = this.numClasses;
    const teacher = this.teacherNet;

    // 1. Sample patches on the CPU: labeled ones centred on (often foreground) labeled voxels, unlabeled ones in two views.
    const useUnlabeled = cfg.consistency.weight > 0 && cfg.batchUnlabeled > 0;
    const batch: Batch3D = sample3DBatch(
      this.trainVolumes,
      this.volumePools,
      { size: this.patch, labeled: cfg.batchLabeled, unlabeled: useUnlabeled ? cfg.batchUnlabeled : 0, augment: DEFAULT_AUGMENT_3D, perturb: cfg.perturb },
      this.sampling,
    );
    const [D, H, W] = this.patch;
    const c = batch.channels;
    const Bl = batch.labeledCount;
    const Bu = batch.unlabeledCount;

    // 2. Schedules: learning rate, λ_u(t) ramp, and λ_c once L_con's warm-up is over (TAK: after the 20th epoch).
    const lr = learningRate(this.step, { lr: cfg.optimiser.lr, warmupSteps: cfg.optimiser.warmupSteps, kind: cfg.optimiser.schedule, totalSteps: cfg.optimiser.totalSteps, minFactor: 0.05 });
    const lambdaU = useUnlabeled ? cfg.consistency.weight * sigmoidRampUp(this.step, cfg.consistency.rampUpSteps) : 0;
    const lambdaC = this.takHead && cfg.tak.conWeight > 0 && this.step >= cfg.tak.conWarmupSteps ? cfg.tak.conWeight : 0;

    // 3. The teacher's view of the unlabeled patches (no gradient). For L_con its probabilities come back to the CPU
    // once, for the entropy filter of eq 1 and the pseudo-label classes of the unlabeled samples.
    const xuTeacher = Bu > 0 && useUnlabeled ? tf.tensor5d(batch.xuTeacher, [Bu, D, H, W, c]) : null;
    const teacherProbs = xuTeacher ? tf.tidy(() => softmaxClasses(this.forward(teacher ?? this.student, xuTeacher).logits)) : null;
    const contrastSources = lambdaC > 0 ? await this.contrastSources(batch, teacherProbs) : null;

    const parts: tf.Scalar[] = [];
    const { value, grads } = tf.tidy(() => {
      const xl = tf.tensor5d(batch.xl, [Bl, D, H, W, c]);
      const yl = tf.tensor5d(oneHot(batch.yl, K), [Bl, D, H, W, K]);
      const ml = tf.tensor5d(Float32Array.from(batch.ml), [Bl, D, H, W, 1]);
      const xuStudent = xuTeacher ? tf.tensor5d(batch.xuStudent, [Bu, D, H, W, c]) : null;
      return tf.variableGrads(() => {
        // L_s (TAK eq 3) = CE + Dice on labeled voxels only (the labeled slices of partially labeled volumes).
        const l = this.forward(this.student, xl);
        const { ce, dice } = maskedCeDice(l.logits, yl, ml, { includeBackground: cfg.supervised.diceIncludesBackground, eps: 1e-5 });
        let total = tf.add(tf.mul(ce, cfg.supervised.ceWeight), tf.mul(dice, cfg.supervised.diceWeight)) as tf.Scalar;
        let cons: tf.Scalar = tf.scalar(0);
        let con: tf.Scalar = tf.scalar(0);
        let encoderU: tf.Tensor5D[] | null = null;
        if (teacherProbs && xuStudent) {
          const u = this.forward(this.student, xuStudent);
          encoderU = u.encoder;
          if (cfg.consistency.kind === 'pseudo-ce-dice') {
            // L_u (TAK eq 4) = CE + Dice against the teacher's hard pseudo-labels, over every voxel of the patch.
            cons = hardPseudoCeDice(u.logits, teacherProbs, cfg.consistency.threshold, cfg.supervised.diceIncludesBackground);
          } else {
            cons = cfg.consistency.kind === 'mse' ? softmaxMse(u.logits, teacherProbs) : pseudoLabelCrossEntropy(u.logits, teacherProbs, cfg.consistency.threshold);
          }
          total = tf.add(total, tf.mul(cons, lambdaU)) as tf.Scalar;
        }
        if (contrastSources && this.takText) {
          // λ_c · L_con (TAK eq 2, eq 5), averaged over the aligned stages.
          const terms = cfg.tak.conStages.map((s) => this.stageContrast(s, l.encoder[s]!, encoderU?.[s] ?? null, contrastSources));
          con = tf.div(tf.addN(terms), terms.length) as tf.Scalar;
          total = tf.add(total, tf.mul(con, lambdaC)) as tf.Scalar;
        }
        parts.push(tf.keep(ce), tf.keep(dice), tf.keep(cons), tf.keep(con));
        return total;
      }, this.student.variables());
    });
    tf.dispose([xuTeacher, teacherProbs].filter((t): t is tf.Tensor => t !== null));

    // 4. Adam on the student, then the EMA teacher follows (DuSSS eq 13; TAK's mean teacher).
    const byName = new Map<string, tf.Tensor>();
    for (const name of this.student.names()) {
      const g = grads[this.student.get(name).name];
      if (g) byName.set(name, g);
    }
    this.optimiser.apply(byName, lr);
    if (teacher) emaUpdate(teacher, this.student, this.step, cfg.ema.alpha);

    // 5. One read-back per step (never dataSync on WebGPU), then release everything.
    const stacked = tf.stack([value, ...parts]);
    const [total, ce, dice, consistency, con] = Array.from(await stacked.data());
    tf.dispose([value, stacked, ...parts, ...Object.values(grads)]);
    this.step++;
    if (![total, ce, dice, consistency, con].every((x) => Number.isFinite(x))) {
      throw new Error(`training diverged at step ${this.step} (loss ${total}); lower the learning rate`);
    }
    return {
      step: this.step,
      lr,
      lambdaU,
      losses: { total: total!, ce: ce!, dice: dice!, consistency: consistency! },
      text: null,
      tak: this.takHead ? { con: con!, lambdaC } : null,
      ms: performance.now() - t0,
    };
  }

  /** Which voxels L_con may draw, per batch element: labeled ground truth, then confident teacher pseudo-labels (eq 1). */
  private async contrastSources(batch: Batch3D, teacherProbs: tf.Tensor | null): Promise<{ labeled: VoxelSource[]; unlabeled: VoxelSource[] }> {
    const [D, H, W] = this.patch;
    const n = D * H * W;
    const K = this.numClasses;
    const labeled: VoxelSource[] = [];
    for (let b = 0; b < batch.labeledCount; b++) labeled.push({ classes: batch.yl.subarray(b * n, (b + 1) * n), eligible: batch.ml.subarray(b * n, (b + 1) * n) });
    const unlabeled: VoxelSource[] = [];
    if (teacherProbs) {
      const probs = (await teacherProbs.data()) as Float32Array;
      const limit = this.cfg.tak.entropyThreshold * Math.log(K);
      const h = voxelEntropy(probs, K);
      const cls = argmaxClasses(probs, K);
      const eligible = Uint8Array.from(h, (x) => (x <= limit ? 1 : 0));
      for (let b = 0; b < batch.unlabeledCount; b++) unlabeled.push({ classes: cls.subarray(b * n, (b + 1) * n), eligible: eligible.subarray(b * n, (b + 1) * n) });
    }
    return { labeled, unlabeled };
  }

  private contrastClasses(): number[] {
    const K = this.numClasses;
    const all = Array.from({ length: K }, (_, c) => c);
    return this.cfg.tak.conClasses === 'all' || K < 3 ? all : all.slice(1);
  }

  /** L_con at one stage over labeled and unlabeled student features, both drawn per class (λ_N each set). */
  private stageContrast(stage: number, fl: tf.Tensor5D, fu: tf.Tensor5D | null, src: { labeled: VoxelSource[]; unlabeled: VoxelSource[] }): tf.Scalar {
    const classes = this.contrastClasses();
    const grid = (f: tf.Tensor5D) => ({ full: this.patch, stage: [f.shape[1], f.shape[2], f.shape[3]] as [number, number, number] });
    const sl = sampleStageVoxels(src.labeled, grid(fl), classes, this.cfg.tak.samplesPerClass, this.contrastRng);
    // Both sets go into one Ω: the unlabeled features are concatenated after the labeled ones, rows offset to match.
    let features: tf.Tensor5D = fl;
    let rows = sl.rows;
    let cls = sl.classes;
    if (fu && src.unlabeled.length > 0) {
      const su = sampleStageVoxels(src.unlabeled, grid(fu), classes, this.cfg.tak.samplesPerClass, this.contrastRng);
      const offset = fl.shape[0] * fl.shape[1] * fl.shape[2] * fl.shape[3];
      features = tf.concat([fl, fu], 0) as tf.Tensor5D;
      rows = Int32Array.from([...sl.rows, ...Array.from(su.rows, (r) => r + offset)]);
      cls = Int32Array.from([...sl.classes, ...su.classes]);
    }
    return stageAlignmentLoss(this.student, stage, features, { rows, classes: cls }, this.takText!.position, this.takText!.shape, classes, { tau: this.cfg.tak.tau, denominator: this.cfg.tak.denominator });
  }

  /** The volume-as-slab view sliding windows run over: slices [k0, k1) of a volume, sharing its buffers. */
  private slab(v: TrainingVolume, k0: number, k1: number): TrainingVolume {
    const per = v.dims[0] * v.dims[1];
    return {
      ...v,
      dims: [v.dims[0], v.dims[1], k1 - k0],
      image: v.image.subarray(k0 * per * v.channels, k1 * per * v.channels),
      labels: v.labels.subarray(k0 * per, k1 * per),
      labeled: v.labeled.subarray(k0 * per, k1 * per),
    };
  }

  /**
   * Class probabilities of some slices, [nj, ni, K] each: sliding windows over the slab of slices around them (a
   * window's depth of context on each side), so a slice on screen is predicted with the same 3D context as in a
   * whole-volume pass. Far-apart slices are predicted in separate slabs.
   */
  async predictSlices(volumeIndex: number, ks: number[], which: 'predictor' | 'student' = 'predictor', batchSize = 2): Promise<SlicePrediction[]> {
    const v = this.volumes[volumeIndex];
    if (!v) throw new Error(`no volume ${volumeIndex}`);
    const net = which === 'student' ? this.student : this.predictor;
    const nk = v.dims[2];
    const margin = Math.ceil(this.patch[0] / 2);
    const wanted = [...new Set(ks)].filter((k) => k >= 0 && k < nk).sort((a, b) => a - b);
    const out = new Map<number, Float32Array>();
    let n = 0;
    while (n < wanted.length) {
      // Grow a run of slices whose slabs overlap, then predict it in one pass.
      let last = n;
      while (last + 1 < wanted.length && wanted[last + 1]! - wanted[last]! <= 2 * margin) last++;
      const k0 = Math.max(0, wanted[n]! - margin);
      const k1 = Math.min(nk, wanted[last]! + margin + 1);
      const need = new Set(wanted.slice(n, last + 1));
      const per = v.dims[0] * v.dims[1] * this.numClasses;
      const finished = await slidingWindow3D(
        this.slab(v, k0, k1),
        { size: this.patch, batchSize, numChannelsOut: this.numClasses, overlap: this.previewOverlap, shouldStop: this.interrupt },
        (x) => [softmaxClasses(this.forward(net, x).logits)],
        (s0, s1, maps) => {
          for (let k = s0; k < s1; k++) if (need.has(k + k0)) out.set(k + k0, maps[0]!.slice((k - s0) * per, (k - s0 + 1) * per));
        },
      );
      if (!finished) break;
      n = last + 1;
    }
    return ks.filter((k) => out.has(k)).map((k) => ({ k, probs: out.get(k)! }));
  }

  /** Class index of every voxel of a volume, by sliding windows over the whole of it, with progress. */
  async predictVolumeClasses(v: TrainingVolume, onProgress?: (done: number, total: number) => void, shouldStop?: () => boolean, batchSize = 2, overlap = 0.5): Promise<Uint8Array | null> {
    const [ni, nj] = v.dims;
    const K = this.numClasses;
    const out = new Uint8Array(v.labels.length);
    const net = this.predictor;
    const finished = await slidingWindow3D(
      v,
      { size: this.patch, batchSize, numChannelsOut: K, onProgress, shouldStop, overlap },
      (x) => [softmaxClasses(this.forward(net, x).logits)],
      (k0, _k1, maps) => out.set(argmaxClasses(maps[0]!, K), k0 * ni * nj),
    );
    return finished ? out : null;
  }

  /** Dice per class over the labeled voxels of the held-out slices, with the predicting network. */
  async validate(): Promise<ValidationReport> {
    return { step: this.step, ...(await heldOutSliceDice(this.volumes, this.pools.validation, this.numClasses, (vi, ks) => this.predictSlices(vi, ks))) };
  }


  /** New labels for a volume (an edit during training); the validation split stays as it was. */
  updateVolume(index: number, next: TrainingVolume): void {
    this.volumes[index] = next;
    this.pools = buildPools(this.volumes, { validationFraction: 0, minLabeledForValidation: Infinity, validationSlices: this.pools.validation }, new Random(0));
    this.trainVolumes = this.maskValidation(this.volumes);
    this.volumePools = buildVolumePools(this.trainVolumes);
  }

  async toCheckpoint(classes: Checkpoint['classes']): Promise<Checkpoint> {
    const teacher = this.teacherNet;
    return {
      text: null,
      tak: this.takVectors,
      version: 1,
      config: this.cfg,
      classes,
      numClasses: this.numClasses,
      inChannels: this.model.inChannels,
      step: this.step,
      savedAt: Date.now(),
      student: await this.student.toArrays(),
      teacher: teacher ? await teacher.toArrays() : null,
      optimiser: await this.optimiser.toArrays(),
      inference: inferenceSpecFor(this.patch),
    };
  }

  /** Resumes from a checkpoint of the same network (TAK: attach the texts first, so the head exists). */
  restore(c: Checkpoint): void {
    if (c.numClasses !== this.numClasses || c.inChannels !== this.model.inChannels) {
      throw new Error(`the saved model predicts ${c.numClasses - 1} classes from ${c.inChannels}-channel images; this workspace needs ${this.numClasses - 1} from ${this.model.inChannels}`);
    }
    this.student.assign(c.student);
    const teacher = this.teacherNet;
    if (teacher) teacher.assign(c.teacher ?? c.student);
    if (c.optimiser) this.optimiser.assign(c.optimiser);
    this.step = c.step;
  }

  dispose(): void {
    this.student.dispose();
    this.teacherParams?.dispose();
    this.optimiser.dispose();
    this.takText?.position.dispose();
    this.takText?.shape.dispose();
  }
}

/**
 * TAK's L_u (eq 4) = ℓ_ce + ℓ_dc of the student against the teacher's one-hot argmax ŷ. With no confidence
 * threshold both terms count every voxel, so they share one mask and go through maskedCeDice (fused on WebGPU);
 * with one, CE counts only the confident voxels while Dice still counts all, so the two are computed apart.
 */
function hardPseudoCeDice(studentLogits: tf.Tensor, teacherProbs: tf.Tensor, threshold: number, includeBackground: boolean): tf.Scalar {
  // max_k p_k ≥ 0 always, so threshold ≤ 0 makes pseudoLabelCrossEntropy's confidence mask all ones.
  if (threshold > 0) return tf.add(pseudoLabelCrossEntropy(studentLogits, teacherProbs, threshold), hardPseudoDice(studentLogits, teacherProbs, includeBackground)) as tf.Scalar;
  return tf.tidy(() => {
    const t = stopGradient(teacherProbs);
    // One-hot of the argmax, elementwise (no argMax, no int→float cast: WEBGPU.md trap 4), as pseudoLabelCrossEntropy.
    const top = maxClasses(t);
    const hard = tf.cast(tf.greaterEqual(t, top), 'float32');
    const { ce, dice } = maskedCeDice(studentLogits, hard, tf.onesLike(top), { includeBackground, eps: 1e-5 });
    return tf.add(ce, dice) as tf.Scalar;
  });
}

/** Soft Dice of the student against the teacher's one-hot argmax (TAK eq 4's ℓ_dc(p^u, ŷ)), every voxel counted. */
function hardPseudoDice(studentLogits: tf.Tensor, teacherProbs: tf.Tensor, includeBackground: boolean): tf.Scalar {
  return tf.tidy(() => {
    const t = stopGradient(teacherProbs);
    const top = maxClasses(t);
    const hard = tf.cast(tf.greaterEqual(t, top), 'float32');
    const ones = tf.onesLike(top);
    return maskedSoftDice(softmaxClasses(studentLogits), hard, ones, { includeBackground, eps: 1e-5 });
  });
}
