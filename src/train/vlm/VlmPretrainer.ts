import * as tf from '@tensorflow/tfjs';
import { Random } from '../../data/random.ts';
import { pairImage, samplePairBatch, type PairPool } from '../../data/textPairs.ts';
import type { TrainingVolume } from '../../data/trainingVolume.ts';
import type { NamedArray, Params } from '../../model/params.ts';
import {
  createVisionLanguageModel,
  disposeVisionLanguageModel,
  encodeImages,
  encodeTexts,
  type TextInput,
  type VisionLanguageConfig,
  type VisionLanguageParams,
} from '../../model/visionLanguageModel.ts';
import { normalizeText } from '../../text/normalizeText.ts';
import { augmentText } from '../../text/textAugment.ts';
import type { Tokenizer } from '../../text/tokenizer.ts';
import { Adam, DEFAULT_ADAM, learningRate } from '../adam.ts';
import { dusssLoss } from './dusssLoss.ts';
import { glscLoss } from './glscLoss.ts';
import type { VlmPretrainConfig } from './vlmPretrainConfig.ts';

/**
 * Pre-training learns from image–text pairs, and class descriptions alone rarely give two different texts on the
 * images of one batch: the message says what to add and where, since the user cannot see the pairs.
 */
export const PAIRS_NEEDED =
  'pre-training needs image–text pairs with at least two different texts. Add a description to at least two images ' +
  '(the "Image description" box at the top right, for the image on screen), or open a CSV of image descriptions with Open files';

export interface VlmStepReport {
  step: number;
  lr: number;
  pairs: number;
  /** The objective's terms: GLsc {ls, gs} or DuSSS {cmc, imc}, and their weighted sum. */
  losses: { total: number; terms: Record<string, number> };
  tau: number;
  /**
   * Mean uncertainty weight of the global image–text term over the batch's pairs (GLsc's D̂_u, PromptSSL eq 5;
   * DuSSS's D_SSS, eq 4). Near 0 every ŝim is lifted to 1 and that term learns nothing; see glscLoss.ts.
   */
  uncertaintyWeight: number;
  ms: number;
}

export interface RetrievalReport {
  step: number;
  /** Held-out pairs whose own text is the most similar of all the workspace's texts. */
  accuracy: number;
  /** 1 / number of candidate texts: what guessing scores. */
  chance: number;
  pairs: number;
  candidates: number;
}

function namedGrads(params: Params, grads: tf.NamedTensorMap): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const name of params.names()) {
    const g = grads[params.get(name).name];
    if (g) out.set(name, g);
  }
  return out;
}

/**
 * Stage 1 of `promptssl` and `duss`: aligns the image and text encoders on the workspace's own (slice or region,
 * text) pairs. Runs on whichever tfjs backend is active, in the worker or in Node. Owns GPU memory: dispose().
 */
export class VlmPretrainer {
  readonly params: VisionLanguageParams;
  step = 0;
  private readonly optimisers: Adam[];
  private readonly rng: Random;
  private readonly textRng: Random;

  constructor(
    private readonly volumes: readonly TrainingVolume[],
    readonly pool: PairPool,
    /** The learned text encoder's tokenizer; null with a fixed text provider. */
    readonly tokenizer: Tokenizer | null,
    readonly model: VisionLanguageConfig,
    readonly cfg: VlmPretrainConfig,
    seed: number,
    /** A fixed provider's vector of every text the run uses (normalised text → unit vector). */
    private textVectors: Map<string, Float32Array> | null = null,
  ) {
    if ((model.textSource?.kind ?? 'learned') === 'learned' ? !tokenizer : !textVectors)
      throw new Error('the text side needs a tokenizer (learned) or vectors (fixed provider)');
    if (pool.texts.length < 2) throw new Error(PAIRS_NEEDED);
    const root = new Random(seed);
    this.params = createVisionLanguageModel(model, root.fork('vlm-init'));
    this.rng = root.fork('vlm-pairs');
    this.textRng = root.fork('vlm-text-augment');
    const adam = { ...DEFAULT_ADAM, weightDecay: 1e-4 };
    this.optimisers = [this.params.image, this.params.text, this.params.shared].map((p) => new Adam(p, adam));
  }

  get imageSize(): [number, number] {
    return this.model.vit.imageSize;
  }

  /** True when the text side is another encoder's frozen vectors (import, pretrained). */
  get fixedText(): boolean {
    return this.textVectors !== null;
  }

  /** A fixed provider's vectors as a checkpoint keeps them (null for the learned encoder). */
  fixedVectors(): { provider: 'pretrained' | 'import'; name: string; dim: number; entries: { text: string; vector: Float32Array }[] } | null {
    const src = this.model.textSource;
    if (!this.textVectors || src?.kind !== 'fixed') return null;
    return { provider: src.provider, name: src.name, dim: src.dim, entries: [...this.textVectors].map(([text, vector]) => ({ text, vector })) };
  }

  /** A fixed provider's new vectors (re-encoded texts); merged over the old ones. */
  setTextVectors(vectors: Map<string, Float32Array>): void {
    if (!this.textVectors) throw new Error('this model learns its own text encoder');
    for (const [t, v] of vectors) this.textVectors.set(normalizeText(t), v);
  }

  private encodeTextBatch(texts: string[]): TextInput {
    if (this.textVectors) {
      const dim = this.model.textSource?.kind === 'fixed' ? this.model.textSource.dim : 0;
      const data = new Float32Array(texts.length * dim);
      texts.forEach((t, n) => {
        const v = this.textVectors!.get(normalizeText(t));
        if (!v) throw new Error(`the text encoder gave no vector for "${t}"`);
        data.set(v, n * dim);
      });
      return { vectors: tf.tensor2d(data, [texts.length, dim]) };
    }
    // The model's own budget, not the run's config: a checkpoint keeps the positional table it was built with, and a
    // run resumed under another `vlm.maxTokens` (or a changed default) must still fit its texts into that table.
    const enc = this.tokenizer!.encodeBatch(texts, this.model.text.maxLength);
    return { ids: tf.tensor2d(enc.ids, [enc.batchSize, enc.maxLength], 'int32'), mask: tf.tensor2d(enc.mask, [enc.batchSize, enc.maxLength]) };
  }

  async trainStep(): Promise<VlmStepReport> {
    const t0 = performance.now();
    const { cfg, model } = this;
    const [h, w] = this.imageSize;
    // 1. A batch of pairs with distinct texts, each image in two augmented views, each text in two (DuSSS T2T).
    const batch = samplePairBatch(this.volumes, this.pool, cfg.batch, this.imageSize, cfg.augment, this.rng);
    if (batch.count < 2) throw new Error(PAIRS_NEEDED);
    const texts = batch.texts.map((t) => this.pool.texts[t]!);
    // DuSSS's T2T view (eq 9). A fixed provider has vectors for the workspace's texts only, not for random
    // rewrites of them, so its T2T view is the text itself: that term then only trains the Gaussian head.
    const augmented = this.fixedText ? texts : texts.map((t) => augmentText(t, this.textRng, cfg.textAugment));
    const lr = learningRate(this.step, { lr: cfg.lr, warmupSteps: cfg.warmupSteps, kind: 'constant', totalSteps: 0, minFactor: 1 });

    const terms: tf.Scalar[] = [];
    const weights: tf.Scalar[] = []; // the objective's mean uncertainty weight, one scalar (VlmStepReport)
    const termNames = cfg.objective === 'glsc' ? ['ls', 'gs'] : ['cmc', 'imc'];
    const variables = [...this.params.image.variables(), ...this.params.text.variables(), ...this.params.shared.variables()];
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor4d(batch.images, [batch.count, h, w, batch.channels]);
      const t = this.encodeTextBatch(texts);
      const logTau = this.params.shared.get('logTau');
      return tf.variableGrads(() => {
        const img = encodeImages(this.params, model, x);
        const txt = encodeTexts(this.params, model, t);
        if (cfg.objective === 'glsc') {
          // GLsc: L_LS (PromptSSL eq 1–2) on the projected patch tokens + L_GS (eq 3–7) on the [CLS] heads.
          const l = glscLoss({
            patchTokens: img.patchTokens,
            imageEmb: img.embedding,
            textEmb: txt.embedding,
            imageMu: img.mu,
            imageSigma: img.sigma,
            textMu: txt.mu,
            textSigma: txt.sigma,
            logTau,
            a: cfg.a,
            b: cfg.b,
            lambda: cfg.lambda,
            weights: cfg.glscWeights,
            local: { weightNormalization: cfg.localWeightNormalization },
            normalizeMeans: cfg.normalizeGaussianMeans === true,
          });
          terms.push(tf.keep(l.ls), tf.keep(l.gs));
          weights.push(tf.keep(l.weight));
          return l.total;
        }
        // DuSSS: L_VLM = L_cmc (eq 5–8) + L_imc (eq 9) between each pair and its augmented copies.
        const xAug = tf.tensor4d(batch.imagesAugmented, [batch.count, h, w, batch.channels]);
        const tAug = this.encodeTextBatch(augmented);
        const imgAug = encodeImages(this.params, model, xAug);
        const txtAug = encodeTexts(this.params, model, tAug);
        const side = (e: { embedding: tf.Tensor2D; mu: tf.Tensor2D; sigma: tf.Tensor2D }) => ({ emb: e.embedding, mu: e.mu, sigma: e.sigma });
        const l = dusssLoss({
          image: side(img),
          text: side(txt),
          imageAug: side(imgAug),
          textAug: side(txtAug),
          logTau,
          a: cfg.a,
          b: cfg.b,
          lambda: cfg.lambda,
          literalDenominator: cfg.literalDenominator,
          weights: cfg.dusssWeights,
          normalizeMeans: cfg.normalizeGaussianMeans === true,
        });
        terms.push(tf.keep(l.cmc), tf.keep(l.imc));
        weights.push(tf.keep(l.weight));
        return l.total;
      }, variables);
    });

    // 2. Adam on each part (same rate; the parts stay separate so stage 2 can freeze or fine-tune each).
    [this.params.image, this.params.text, this.params.shared].forEach((p, n) => this.optimisers[n]!.apply(namedGrads(p, grads), lr));
    const stacked = tf.tidy(() => tf.stack([value, ...terms, ...weights, tf.exp(this.params.shared.get('logTau'))]));
    const values = Array.from(await stacked.data());
    tf.dispose([value, stacked, ...terms, ...weights, ...Object.values(grads)]);
    this.step++;
    const total = values[0]!;
    const uncertaintyWeight = values[values.length - 2]!;
    if (!values.every((v) => Number.isFinite(v))) throw new Error(`pre-training diverged at step ${this.step} (loss ${total}); lower the learning rate`);
    return {
      step: this.step,
      lr,
      pairs: batch.count,
      losses: { total, terms: Object.fromEntries(termNames.map((n, i) => [n, values[i + 1]!])) },
      tau: values[values.length - 1]!,
      uncertaintyWeight,
      ms: performance.now() - t0,
    };
  }

  /** Unit-norm text embeddings f_T of the given texts, [N, E], as a plain array (row-major). */
  async embedTexts(texts: string[]): Promise<Float32Array> {
    const out = tf.tidy(() => {
      const t = this.encodeTextBatch(texts);
      const e = encodeTexts(this.params, this.model, t).embedding;
      return tf.div(e, tf.maximum(tf.norm(e, 'euclidean', 1, true), 1e-12));
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  }

  /**
   * Image→text retrieval on the held-out pairs (un-augmented): the share whose own text is the nearest of all the
   * workspace's texts by cosine — the alignment figure the panel charts. Chance is 1 / number of texts.
   */
  async retrieval(maxPairs = 64, batchSize = 16): Promise<RetrievalReport> {
    const pairs = this.pool.heldOut.slice(0, maxPairs);
    const candidates = this.pool.texts.length;
    if (pairs.length === 0) return { step: this.step, accuracy: NaN, chance: 1 / candidates, pairs: 0, candidates };
    const textEmb = await this.embedTexts(this.pool.texts);
    const E = this.model.embedDim;
    const [h, w] = this.imageSize;
    const ch = this.volumes[0]!.channels;
    let correct = 0;
    for (let s = 0; s < pairs.length; s += batchSize) {
      const chunk = pairs.slice(s, s + batchSize);
      const images = new Float32Array(chunk.length * h * w * ch);
      chunk.forEach((p, n) => images.set(pairImage(this.volumes[p.volume]!, p, this.imageSize), n * h * w * ch));
      const emb = tf.tidy(() => {
        const e = encodeImages(this.params, this.model, tf.tensor4d(images, [chunk.length, h, w, ch])).embedding;
        return tf.div(e, tf.maximum(tf.norm(e, 'euclidean', 1, true), 1e-12));
      });
      const img = (await emb.data()) as Float32Array;
      emb.dispose();
      chunk.forEach((p, n) => {
        let best = -1;
        let bestSim = -Infinity;
        for (let t = 0; t < candidates; t++) {
          let dot = 0;
          for (let e = 0; e < E; e++) dot += img[n * E + e]! * textEmb[t * E + e]!;
          if (dot > bestSim) {
            bestSim = dot;
            best = t;
          }
        }
        if (best === p.text) correct++;
      });
    }
    return { step: this.step, accuracy: correct / pairs.length, chance: 1 / candidates, pairs: pairs.length, candidates };
  }

  async toArrays(): Promise<{ image: NamedArray[]; text: NamedArray[]; shared: NamedArray[] }> {
    return { image: await this.params.image.toArrays(), text: await this.params.text.toArrays(), shared: await this.params.shared.toArrays() };
  }

  /**
   * Weights and step from a checkpoint of the same model (names and shapes must match). Adam's moments are not
   * kept: a resumed pre-training warms up again, which costs a few steps and keeps checkpoints small.
   */
  restore(saved: { image: NamedArray[]; text: NamedArray[]; shared: NamedArray[]; pretrainSteps: number }): void {
    this.params.image.assign(saved.image);
    this.params.text.assign(saved.text);
    this.params.shared.assign(saved.shared);
    this.step = saved.pretrainSteps;
  }

  dispose(): void {
    disposeVisionLanguageModel(this.params);
    for (const o of this.optimisers) o.dispose();
  }
}
