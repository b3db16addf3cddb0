import * as tf from '@tensorflow/tfjs';
import { customKernelsActive } from '../gpu/customKernels.ts';
import { softmaxClasses } from '../model/classAxis.ts';
import { oneHot, sampleBatch, type SliceRef } from '../data/sampler.ts';
import { patchSizeFor } from '../data/slices2d.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import type { Params } from '../model/params.ts';
import { createResUNet2D, resUNet2D, type ResUNet2DConfig } from '../model/resunet2d.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { TrainConfig } from './config.ts';
import { predictSliceLayers, predictSlices, predictVolumeClasses, predictWindows, type SliceLayer, type SlicePrediction } from './inference.ts';
import { SegmentationTrainer, type Forward, type StepBatch } from './loop/SegmentationTrainer.ts';
import { presentClasses, type TextGuidance, type TextHeadReport } from './vlm/TextGuidance.ts';
import { mergedPseudoLabel } from './vlm/textMaskLosses.ts';

export type { StepReport, ValidationReport } from './loop/reports.ts';

/**
 * A run of the 2D ResUNet over k-slices: the shared loop (SegmentationTrainer) with slice sampling, the network,
 * slice-wise inference in windows of the training patch (inference.ts), and the text-guided mask of the 2D text
 * methods (promptssl, duss).
 */
export class Trainer extends SegmentationTrainer {
  readonly kind = '2d' as const;
  readonly patch: [number, number];
  readonly model: ResUNet2DConfig;
  readonly student: Params;
  /** Stage 2 of promptssl/duss: the text-guided mask, when a pre-trained vision–language model is attached. */
  private guidance: TextGuidance | null = null;
  /** The student's strong view draws from its own stream, so switching it on changes no other sample. */
  private readonly strongView = this.root.fork('strong-view');

  constructor(volumes: TrainingVolume[], numClasses: number, cfg: TrainConfig, validationSlices: SliceRef[] = []) {
    super(volumes, numClasses, cfg, validationSlices);
    this.model = { inChannels: volumes[0]!.channels, numClasses, width: cfg.model.width, depth: cfg.model.depth };
    this.patch = cfg.patch === 'auto' ? patchSizeFor(volumes, cfg.model.depth) : cfg.patch;
    this.student = createResUNet2D(this.model, this.root.fork('init'));
    this.resetOptimiser();
  }

  override get textGuidance(): TextGuidance | null {
    return this.guidance;
  }

  /**
   * Joins a text-guided mask to the run (promptssl, duss). Its ViT must see exactly the training patch, so the text
   * mask and the student's output cover the same pixels.
   */
  override attachTextGuidance(tg: TextGuidance): void {
    const [h, w] = tg.imageSize;
    if (h !== this.patch[0] || w !== this.patch[1])
      throw new Error(`the vision–language model sees ${h}×${w} images, the training patch is ${this.patch.join('×')}`);
    if (tg.numClasses !== this.numClasses) throw new Error(`the text mask has ${tg.numClasses} classes, the network ${this.numClasses}`);
    this.guidance?.dispose();
    this.guidance = tg;
  }

  /** The text mask when the config has text on and one is attached. */
  private get activeText(): TextGuidance | null {
    return this.cfg.text.enabled ? this.guidance : null;
  }

  protected sample(useUnlabeled: boolean): StepBatch {
    const { cfg } = this;
    const K = this.numClasses;
    const b = sampleBatch(
      this.volumes,
      this.pools,
      {
        size: this.patch,
        labeled: cfg.batchLabeled,
        unlabeled: useUnlabeled ? cfg.batchUnlabeled : 0,
        augment: cfg.augment,
        perturb: cfg.perturb,
        strong: cfg.strongAugment ? { cfg: cfg.strongAugment, rng: this.strongView } : undefined,
      },
      this.sampling,
    );
    const [h, w] = b.size;
    const c = b.channels;
    return {
      labeledCount: b.labeledCount,
      unlabeledCount: b.unlabeledCount,
      labels: b.yl,
      mask: b.ml,
      labeled: () => ({
        x: tf.tensor4d(b.xl, [b.labeledCount, h, w, c]),
        y: tf.tensor4d(oneHot(b.yl, K), [b.labeledCount, h, w, K]),
        m: tf.tensor4d(Float32Array.from(b.ml), [b.labeledCount, h, w, 1]),
      }),
      teacherView: () => tf.tensor4d(b.xuTeacher, [b.unlabeledCount, h, w, c]),
      studentView: () => tf.tensor4d(b.xuStudent, [b.unlabeledCount, h, w, c]),
    };
  }

  protected forward(p: Params, x: tf.Tensor): Forward {
    return { logits: resUNet2D(p, this.model, x as tf.Tensor4D), encoder: [] };
  }

  /**
   * Text guidance (promptssl, duss): the decoder's own step on the labeled batch (it learns where each class text
   * points, on labeled pixels only), before its mask becomes a target for the student.
   */
  protected override async auxiliaryStep(batch: StepBatch): Promise<TextHeadReport | null> {
    const text = this.activeText;
    if (!text || batch.labeledCount === 0) return null;
    const { x, y, m } = batch.labeled();
    const present = tf.tensor2d(presentClasses(batch.labels, batch.mask, batch.labeledCount, this.numClasses), [batch.labeledCount, this.numClasses]);
    const report = await text.trainStep(x as tf.Tensor4D, y as tf.Tensor4D, m as tf.Tensor4D, present);
    tf.dispose([x, y, m, present]);
    return report;
  }

  /** y_u^text on the teacher's view: the same pixels the teacher's pseudo-label covers. */
  protected override textMask(xuTeacher: tf.Tensor): tf.Tensor | null {
    return this.activeText?.textMask(xuTeacher as tf.Tensor4D).mask ?? null;
  }

  /**
   * The window slices are predicted in: the training patch, whatever the size of the slice or of the other volumes
   * open (inferenceSpec.ts says why). Larger slices are covered by overlapping windows.
   */
  get inferenceSize(): [number, number] {
    return this.patch;
  }

  private volume(index: number): TrainingVolume {
    const v = this.volumes[index];
    if (!v) throw new Error(`no volume ${index}`);
    return v;
  }

  /** Class probabilities of some slices of one of the run's volumes. */
  predictSlices(volumeIndex: number, ks: number[], which: 'predictor' | 'student' = 'predictor', batchSize = 8): Promise<SlicePrediction[]> {
    return predictSlices(
      which === 'student' ? this.student : this.predictor,
      this.model,
      this.volume(volumeIndex),
      ks,
      this.inferenceSize,
      batchSize,
      this.previewOverlap,
    );
  }

  /**
   * The live layers (labels and uncertainty) of some slices made on the GPU by our kernel, so only their bytes are
   * read back (predictSliceLayers); null where that route does not apply (our kernels off, or a slice larger than
   * the inference window, whose tiles blend on the CPU first): the caller then uses predictSlices.
   */
  predictLiveLayers(volumeIndex: number, ks: number[], batchSize = 8): Promise<SliceLayer[]> | null {
    const v = this.volume(volumeIndex);
    const size = this.inferenceSize;
    if (!customKernelsActive() || v.dims[0] > size[1] || v.dims[1] > size[0]) return null;
    return predictSliceLayers(this.predictor, this.model, v, ks, size, batchSize);
  }

  /** The live layers of some slices: on the GPU where our kernel applies, else from the probabilities. */
  predictLayers(volumeIndex: number, ks: number[], batchSize: number): Promise<SliceLayer[]> {
    return this.predictLiveLayers(volumeIndex, ks, batchSize) ?? this.layersFromProbabilities(volumeIndex, ks, batchSize);
  }

  /** Class index of every voxel of a volume, slice by slice in windows of the training patch. */
  predictVolumeClasses(v: TrainingVolume, onProgress?: (done: number, total: number) => void, shouldStop?: () => boolean): Promise<Uint8Array | null> {
    return predictVolumeClasses(this.predictor, this.model, v, this.inferenceSize, onProgress, shouldStop);
  }

  /**
   * The text-guided layers of some slices (promptssl, duss): the text mask y^text, the merged pseudo-label
   * σ(y^t + y^text) of eq 13 / 16, and the per-class text activation (the mask's value for each class), each
   * [nj, ni, K] row-major. The ViT sees the training patch, so a larger slice is covered in overlapping patches and
   * blended like the segmentation (predictWindows); eq 8's s_c is then per patch, as it was in training.
   */
  async predictTextSlices(
    volumeIndex: number,
    ks: number[],
    batchSize = 4,
  ): Promise<{ k: number; text: Float32Array; merged: Float32Array; activation: Float32Array }[] | null> {
    const tg = this.guidance;
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

  protected override checkpointExtras(text: Checkpoint['text']): Partial<Checkpoint> {
    return { text };
  }

  override dispose(): void {
    this.guidance?.dispose();
    super.dispose();
  }
}
