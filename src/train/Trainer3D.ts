import * as tf from '@tensorflow/tfjs';
import { softmaxClasses } from '../model/classAxis.ts';
import { Random } from '../data/random.ts';
import { oneHot, type SliceRef } from '../data/sampler.ts';
import { buildVolumePools, sample3DBatch } from '../data/patches3d.ts';
import { augment3DConfig } from '../data/augment3d.ts';
import { plan3D } from '../data/plan3d.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import type { Params } from '../model/params.ts';
import { createTakHead, takLogits, type TakHeadConfig } from '../model/takHead.ts';
import { createVNet3D, vNet3DForward, type VNet3DConfig } from '../model/vnet3d.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { TrainConfig } from './config.ts';
import type { SliceLayer, SlicePrediction } from './inference.ts';
import { SegmentationTrainer, type Forward, type StepBatch } from './loop/SegmentationTrainer.ts';
import type { StepReport } from './loop/reports.ts';
import { predictSlabSlices, predictVolumeClasses3D, type WindowNet3D } from './networks/vnet3dInference.ts';
import { contrastSources, stageContrast, type ContrastSources } from './tak/stageContrast.ts';
import { createTextProjections } from './tak/contrastiveAlignment.ts';
import type { TakTextVectors } from './tak/takVectors.ts';

export type { TakTextVectors } from './tak/takVectors.ts';

/**
 * A run of the 3D V-Net over volume patches (and TAK when its texts are attached): the shared loop
 * (SegmentationTrainer) with patch sampling, the network and its text-driven head, and sliding-window inference
 * (networks/vnet3dInference.ts). Its pools are of k-slices, as in 2D (for counts and the validation split);
 * predictSlices is served by sliding windows over the slab around the slices asked for.
 */
export class Trainer3D extends SegmentationTrainer {
  readonly kind = '3d' as const;
  readonly patch: [number, number, number];
  readonly model: VNet3DConfig;
  readonly student: Params;
  private readonly contrastRng: Random;
  /** Training copies of the volumes: held-out slices' labels masked out, so validation stays unseen. */
  private trainVolumes: TrainingVolume[];
  private volumePools: ReturnType<typeof buildVolumePools>;
  private takHead: TakHeadConfig | null = null;
  private takText: { position: tf.Tensor2D; shape: tf.Tensor2D } | null = null;
  /** The attached prompt vectors on the CPU, for checkpoints: a TAK model cannot predict without them. */
  private takPrompts: TakTextVectors | null = null;
  private readonly stageChannels: number[];

  constructor(volumes: TrainingVolume[], numClasses: number, cfg: TrainConfig, validationSlices: SliceRef[] = []) {
    super(volumes, numClasses, cfg, validationSlices);
    const plan = plan3D(volumes, { depth: cfg.model.depth, maxVoxels: cfg.patchVoxels });
    this.patch = cfg.patch3d === 'auto' ? plan.patch : cfg.patch3d;
    this.model = { inChannels: volumes[0]!.channels, numClasses, width: cfg.model.width, depth: cfg.model.depth, strides: plan.strides };
    this.trainVolumes = this.maskValidation(volumes);
    this.volumePools = buildVolumePools(this.trainVolumes);
    this.contrastRng = this.root.fork('contrast');
    this.student = createVNet3D(this.model, this.root.fork('init'));
    this.stageChannels = tf.tidy(() => {
      const probe = vNet3DForward(this.student, this.model, tf.zeros([1, ...this.patch, this.model.inChannels]) as tf.Tensor5D);
      return probe.encoder.map((e) => e.shape[4]);
    });
    if (cfg.tak.enabled)
      this.takHead = {
        textDim: 0,
        featureChannels: cfg.model.width,
        deepChannels: this.stageChannels.at(-1)!,
        hidden: cfg.tak.controllerHidden,
        headChannels: cfg.tak.headChannels,
        numClasses,
      };
    this.resetOptimiser();
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

  protected override volumesChanged(): void {
    this.trainVolumes = this.maskValidation(this.volumes);
    this.volumePools = buildVolumePools(this.trainVolumes);
  }

  override get takVectors(): TakTextVectors | null {
    return this.takPrompts;
  }

  /**
   * TAK's texts: the controller's input width is the text encoder's, so the head (and the prompt MLPs of L_con)
   * are created here, once the vectors are known, and join the student (the EMA teacher copies them). Must come
   * before the first step; new vectors of the same width can replace old ones later (a re-encoded prompt).
   */
  override attachTakTexts(t: TakTextVectors): void {
    if (!this.takHead) throw new Error('this run has no text-driven head (preset tak)');
    const K = this.numClasses;
    if (t.position.length !== K * t.dim || t.shape.length !== K * t.dim)
      throw new Error(`TAK needs ${K} position and shape prompts (background first) of width ${t.dim}`);
    if (this.takHead.textDim === 0) {
      if (this.step > 0) throw new Error('TAK texts must be attached before training starts');
      this.takHead = { ...this.takHead, textDim: t.dim };
      const rng = new Random(this.cfg.seed).fork('tak-head');
      createTakHead(this.takHead, rng, this.student);
      createTextProjections(t.dim, this.stageChannels, this.cfg.tak.conStages, rng.fork('projections'), this.student);
      // Adam's moments and the teacher were made for the V-Net alone; nothing has been learned yet, so both start
      // again with all weights.
      this.resetOptimiser();
      this.resetTeacher();
    } else if (this.takHead.textDim !== t.dim) {
      throw new Error(`the text-driven head reads ${this.takHead.textDim}-wide prompts; the new encoder gives ${t.dim}`);
    }
    this.takText?.position.dispose();
    this.takText?.shape.dispose();
    this.takText = { position: tf.tensor2d(t.position, [K, t.dim]), shape: tf.tensor2d(t.shape, [K, t.dim]) };
    this.takPrompts = { dim: t.dim, position: t.position.slice(), shape: t.shape.slice(), encoder: t.encoder };
  }

  /**
   * The image size a 2D vision–language model over this run's slices sees (the text tower that encodes TAK's
   * prompts can be pre-trained on them): the patch's in-plane sides, rounded up to the ViT's patch size.
   */
  get vlmImageSize(): [number, number] {
    const p = this.cfg.vlm.patchSize;
    return [Math.ceil(this.patch[1] / p) * p, Math.ceil(this.patch[2] / p) * p];
  }

  protected override checkReady(): void {
    if (this.takHead && !this.takText) throw new Error('TAK needs its class prompts encoded before training (attachTakTexts)');
  }

  /** Logits [B, D, H, W, K], with the encoder features TAK aligns: the V-Net's head, or TAK's text-driven one. */
  protected forward(p: Params, x: tf.Tensor): Forward {
    const out = vNet3DForward(p, this.model, x as tf.Tensor5D);
    if (!this.takHead || !this.takText) return { logits: out.logits, encoder: out.encoder };
    return { logits: takLogits(p, this.takHead, this.takText.position, this.takText.shape, out.encoder.at(-1)!, out.decoder), encoder: out.encoder };
  }

  /** Patches: labeled ones centred on (often foreground) labeled voxels, unlabeled ones in two views. */
  protected sample(useUnlabeled: boolean): StepBatch {
    const { cfg } = this;
    const K = this.numClasses;
    const b = sample3DBatch(
      this.trainVolumes,
      this.volumePools,
      {
        size: this.patch,
        labeled: cfg.batchLabeled,
        unlabeled: useUnlabeled ? cfg.batchUnlabeled : 0,
        augment: augment3DConfig(cfg.augment),
        perturb: cfg.perturb,
      },
      this.sampling,
    );
    const [D, H, W] = this.patch;
    const c = b.channels;
    return {
      labeledCount: b.labeledCount,
      unlabeledCount: b.unlabeledCount,
      labels: b.yl,
      mask: b.ml,
      labeled: () => ({
        x: tf.tensor5d(b.xl, [b.labeledCount, D, H, W, c]),
        y: tf.tensor5d(oneHot(b.yl, K), [b.labeledCount, D, H, W, K]),
        m: tf.tensor5d(Float32Array.from(b.ml), [b.labeledCount, D, H, W, 1]),
      }),
      teacherView: () => tf.tensor5d(b.xuTeacher, [b.unlabeledCount, D, H, W, c]),
      studentView: () => tf.tensor5d(b.xuStudent, [b.unlabeledCount, D, H, W, c]),
    };
  }

  /**
   * L_con's voxels once its warm-up is over: labeled ground truth, then confident teacher pseudo-labels (TAK eq 1),
   * whose probabilities come back to the CPU once for that.
   */
  protected override async prepareAlignment(batch: StepBatch, teacherProbs: tf.Tensor | null, weights: ReadonlyMap<string, number>) {
    const takText = this.takText;
    if (!((weights.get('con') ?? 0) > 0) || !takText) return null;
    const sources: ContrastSources = await contrastSources(batch, this.patch, this.numClasses, teacherProbs, this.cfg.tak.entropyThreshold);
    const prompts = { position: takText.position, shape: takText.shape };
    return (l: Forward, u: Forward | null) => (stage: number) =>
      stageContrast(
        { student: this.student, patch: this.patch, numClasses: this.numClasses, tak: this.cfg.tak, rng: this.contrastRng, prompts },
        stage,
        l.encoder[stage] as tf.Tensor5D,
        (u?.encoder[stage] as tf.Tensor5D | undefined) ?? null,
        sources,
      );
  }

  protected override extraReport(extras: ReadonlyMap<string, { value: number; weight: number }>): Partial<StepReport> {
    const con = extras.get('con');
    return { tak: this.takHead ? { con: con?.value ?? 0, lambdaC: con?.weight ?? 0 } : null };
  }

  private windowNet(which: 'predictor' | 'student'): WindowNet3D {
    const net = which === 'student' ? this.student : this.predictor;
    return { patch: this.patch, numClasses: this.numClasses, run: (x) => [softmaxClasses(this.forward(net, x).logits)] };
  }

  /**
   * Class probabilities of some slices, [nj, ni, K] each: sliding windows over the slab of slices around them, so
   * a slice on screen is predicted with the same 3D context as in a whole-volume pass.
   */
  predictSlices(volumeIndex: number, ks: number[], which: 'predictor' | 'student' = 'predictor', batchSize = 2): Promise<SlicePrediction[]> {
    const v = this.volumes[volumeIndex];
    if (!v) throw new Error(`no volume ${volumeIndex}`);
    return predictSlabSlices(this.windowNet(which), v, ks, { batchSize, overlap: this.previewOverlap, shouldStop: this.interrupt });
  }

  /** The live layers of some slices, from the probabilities (3D blends windows on the CPU). */
  predictLayers(volumeIndex: number, ks: number[], batchSize: number): Promise<SliceLayer[]> {
    return this.layersFromProbabilities(volumeIndex, ks, batchSize);
  }

  /** Class index of every voxel of a volume, by sliding windows over the whole of it, with progress. */
  predictVolumeClasses(
    v: TrainingVolume,
    onProgress?: (done: number, total: number) => void,
    shouldStop?: () => boolean,
    batchSize = 2,
    overlap = 0.5,
  ): Promise<Uint8Array | null> {
    return predictVolumeClasses3D(this.windowNet('predictor'), v, { batchSize, overlap, onProgress, shouldStop });
  }

  protected override checkpointExtras(): Partial<Checkpoint> {
    return { text: null, tak: this.takPrompts };
  }

  override dispose(): void {
    super.dispose();
    this.takText?.position.dispose();
    this.takText?.shape.dispose();
  }
}
