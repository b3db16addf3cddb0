import * as tf from '@tensorflow/tfjs';
import { logSoftmaxClasses, sumClasses } from '../../model/classAxis.ts';
import type { Random } from '../../data/random.ts';
import {
  createGroundingDecoder,
  DEFAULT_GROUNDING_DECODER,
  groundingDecoder,
  groundingLogits,
  type GroundingDecoderConfig,
} from '../../model/groundingDecoder.ts';
import type { NamedArray, Params } from '../../model/params.ts';
import { dense } from '../../model/transformer.ts';
import { upsample2x } from '../../model/ops.ts';
import { encodeImages, type VisionLanguageConfig, type VisionLanguageParams } from '../../model/visionLanguageModel.ts';
import { Adam, DEFAULT_ADAM } from '../adam.ts';
import { stopGradient } from '../losses.ts';
import type { TextGuidanceConfig } from './textGuidanceConfig.ts';
import { featureSupervisionLoss, promptGuidedMask, regionAlignmentLoss, textGuidedLoss, textGuidedMaskSigmoid } from './textMaskLosses.ts';

/*
 * Stage 2 of `promptssl` and `duss` (docs/METHOD.md, "Text-guided mask"): a grounding decoder on the pre-trained
 * ViT's patch tokens turns each class's text into a mask, y^text, that later joins the teacher's pseudo-label.
 * The ViT and the class text embeddings stay frozen (METHOD.md allows frozen or a low rate; frozen keeps the live
 * text mask cheap and the alignment from drifting); the decoder learns on labeled pixels only.
 */

export interface TextHeadReport {
  head: number;
  region: number;
  feat: number;
  tg: number;
  total: number;
}

export interface TextMask {
  /** y^text [B, H, W, K]: eq 8's stacked softmax or eq 11's sigmoid. */
  mask: tf.Tensor4D;
  /** The logits t_cᵀ v_f [B, H, W, K] (the per-class text-activation maps the viewer shows). */
  activation: tf.Tensor4D;
}

/**
 * Which classes each image of a batch shows among its labeled pixels, [B, K] as 0/1 floats built on the CPU (a
 * bool→float cast followed by a transpose breaks on WebGPU: WEBGPU.md trap 4).
 */
export function presentClasses(labels: Uint8Array, mask: Uint8Array, batch: number, numClasses: number): Float32Array {
  const out = new Float32Array(batch * numClasses);
  const per = labels.length / batch;
  for (let b = 0; b < batch; b++) for (let p = b * per; p < (b + 1) * per; p++) if (mask[p]) out[b * numClasses + labels[p]!] = 1;
  return out;
}

/** Nearest upsampling of a patch grid to pixels (factor P, a power of two). */
function toPixels(grid: tf.Tensor4D, patchSize: number): tf.Tensor4D {
  let t = grid;
  for (let s = 1; s < patchSize; s *= 2) t = upsample2x(t);
  return t;
}

/**
 * The text-guided mask of one training run. Owns the decoder's weights and its optimiser (dispose()); borrows the
 * frozen vision–language model.
 */
export class TextGuidance {
  readonly decoder: Params;
  readonly decoderConfig: GroundingDecoderConfig;
  private readonly optimiser: Adam;
  private classText: tf.Tensor2D;
  step = 0;

  constructor(
    private readonly vlm: VisionLanguageParams,
    private readonly vlmConfig: VisionLanguageConfig,
    /** Unit-norm text embedding f_T of every class's prompt, background first: [K, E] row-major. */
    classEmbeddings: Float32Array,
    readonly numClasses: number,
    readonly cfg: TextGuidanceConfig,
    rng: Random,
  ) {
    this.decoderConfig = {
      ...DEFAULT_GROUNDING_DECODER,
      patchDim: vlmConfig.vit.dim,
      patchSize: vlmConfig.vit.patchSize,
      textDim: vlmConfig.embedDim,
      imageChannels: vlmConfig.vit.inChannels,
    };
    this.decoder = createGroundingDecoder(this.decoderConfig, rng);
    this.optimiser = new Adam(this.decoder, { ...DEFAULT_ADAM, weightDecay: 1e-4 });
    this.classText = this.embeddingTensor(classEmbeddings);
  }

  get imageSize(): [number, number] {
    return this.vlmConfig.vit.imageSize;
  }

  private embeddingTensor(e: Float32Array): tf.Tensor2D {
    const E = this.vlmConfig.embedDim;
    if (e.length !== this.numClasses * E) throw new Error(`expected ${this.numClasses} class embeddings of ${E} values, got ${e.length} values`);
    return tf.keep(tf.tensor2d(e, [this.numClasses, E]));
  }

  /** New class descriptions, re-encoded: the text mask follows from the next call, training goes on. */
  setClassEmbeddings(e: Float32Array): void {
    const next = this.embeddingTensor(e);
    this.classText.dispose();
    this.classText = next;
  }

  /**
   * Everything the losses need from one batch of images [B, H, W, C]: frozen image features (no gradient into the
   * ViT), the decoder's dense features v_f, the logits t_cᵀ v_f, the mask y^text and the projected patch tokens
   * on pixels (for L_region's region embeddings in the aligned space).
   */
  private forward(x: tf.Tensor4D): { vf: tf.Tensor4D; activation: tf.Tensor4D; mask: tf.Tensor4D; patchPixels: tf.Tensor4D } {
    const enc = encodeImages(this.vlm, this.vlmConfig, x);
    const [b, hp, wp] = enc.patches.shape;
    const patches = stopGradient(enc.patches) as tf.Tensor4D;
    const vf = groundingDecoder(this.decoder, this.decoderConfig, patches, x);
    const activation = groundingLogits(this.decoder, vf, this.classText);
    let mask: tf.Tensor4D;
    if (this.cfg.form === 'softmax') {
      // s_c of eq 8: how well class c's prompt matches the image ([CLS] f_I against f_T,c), scaled so the best
      // matching class has weight 1 — a weight on each class's map, never a negative target.
      const fI = tf.div(enc.embedding, tf.maximum(tf.norm(enc.embedding, 'euclidean', 1, true), 1e-12));
      const cos = stopGradient(tf.matMul(fI, this.classText, false, true)) as tf.Tensor2D; // [B, K]
      const relu = tf.relu(cos);
      const scores = tf.div(relu, tf.maximum(tf.max(relu, 1, true), 1e-6)) as tf.Tensor2D;
      mask = promptGuidedMask(activation, scores);
    } else {
      mask = textGuidedMaskSigmoid(activation);
    }
    const patchPixels = toPixels(tf.reshape(stopGradient(enc.patchTokens), [b, hp, wp, this.vlmConfig.embedDim]) as tf.Tensor4D, this.vlmConfig.vit.patchSize);
    return { vf, activation, mask, patchPixels };
  }

  /** The decoder's loss on a labeled batch and its gradient for every decoder weight (trainStep's first half; tests read it). */
  lossAndGradients(
    xl: tf.Tensor4D,
    yl: tf.Tensor4D,
    ml: tf.Tensor4D,
    present: tf.Tensor2D,
  ): { value: tf.Scalar; grads: tf.NamedTensorMap; parts: tf.Scalar[] } {
    const { cfg } = this;
    const parts: tf.Scalar[] = [];
    const { value, grads } = tf.tidy(() =>
      tf.variableGrads(() => {
        const f = this.forward(xl);
        // The decoder's supervision on labeled pixels: softmax CE for eq 8's form, per-class binary CE for eq 11's.
        const count = tf.maximum(tf.sum(ml), 1);
        const perPixel =
          cfg.form === 'softmax'
            ? tf.neg(sumClasses(tf.mul(yl, logSoftmaxClasses(f.activation))))
            : sumClasses(tf.add(tf.mul(yl, tf.softplus(tf.neg(f.activation))), tf.mul(tf.sub(1, yl), tf.softplus(f.activation))));
        const head = tf.div(tf.sum(tf.mul(perPixel, ml)), count) as tf.Scalar;
        const temperature = { logTau: this.vlm.shared.get('logTau') };
        const zero = tf.scalar(0);
        const region =
          cfg.regionWeight > 0
            ? regionAlignmentLoss({ features: f.patchPixels, masks: f.mask, textEmb: this.classText, present, temperature, pixelWeight: ml }).loss
            : zero;
        const projectedText = dense(this.decoder, 'text', this.classText) as tf.Tensor2D;
        const feat =
          cfg.featWeight > 0
            ? featureSupervisionLoss({ features: f.vf, masks: f.mask, textEmb: projectedText, present, temperature, pixelWeight: ml }).loss
            : zero;
        const tg =
          cfg.tgWeight > 0 ? textGuidedLoss({ features: f.vf, masks: f.mask, textEmb: projectedText, temperature, present, pixelWeight: ml }).loss : zero;
        const total = tf.addN([
          tf.mul(head, cfg.headWeight),
          tf.mul(region, cfg.regionWeight),
          tf.mul(feat, cfg.featWeight),
          tf.mul(tg, cfg.tgWeight),
        ]) as tf.Scalar;
        parts.push(tf.keep(head), tf.keep(region), tf.keep(feat), tf.keep(tg));
        return total;
      }, this.decoder.variables()),
    );
    return { value, grads, parts };
  }

  /**
   * One decoder update on labeled images: xl [B, H, W, C], one-hot yl [B, H, W, K], mask ml [B, H, W, 1] (1 where a
   * pixel carries ground truth), and present [B, K] (1 where image b has labeled pixels of class k: the positives of
   * the region–text terms; built on the CPU, see presentClasses).
   */
  async trainStep(xl: tf.Tensor4D, yl: tf.Tensor4D, ml: tf.Tensor4D, present: tf.Tensor2D, lr = this.cfg.lr): Promise<TextHeadReport> {
    const { value, grads, parts } = this.lossAndGradients(xl, yl, ml, present);
    const byName = new Map<string, tf.Tensor>();
    for (const name of this.decoder.names()) {
      const g = grads[this.decoder.get(name).name];
      if (g) byName.set(name, g);
    }
    this.optimiser.apply(byName, lr);
    const stacked = tf.stack([value, ...parts]);
    const [total, head, region, feat, tg] = Array.from(await stacked.data());
    tf.dispose([value, stacked, ...parts, ...Object.values(grads)]);
    this.step++;
    return { total: total!, head: head!, region: region!, feat: feat!, tg: tg! };
  }

  /** y^text and the activation maps of images [B, H, W, C], no gradient anywhere (a target for the student). */
  textMask(x: tf.Tensor4D): TextMask {
    return tf.tidy(() => {
      const f = this.forward(x);
      return { mask: stopGradient(f.mask) as tf.Tensor4D, activation: stopGradient(f.activation) as tf.Tensor4D };
    });
  }

  async toArrays(): Promise<NamedArray[]> {
    return this.decoder.toArrays();
  }

  dispose(): void {
    this.decoder.dispose();
    this.optimiser.dispose();
    this.classText.dispose();
  }
}
