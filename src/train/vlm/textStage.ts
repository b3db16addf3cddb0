import { Random } from '../../data/random.ts';
import type { SlicePools } from '../../data/sampler.ts';
import { buildPairPool, DEFAULT_PAIR_OPTIONS } from '../../data/textPairs.ts';
import type { TrainingVolume } from '../../data/trainingVolume.ts';
import type { NamedArray } from '../../model/params.ts';
import { visionLanguageConfig } from '../../model/visionLanguageModel.ts';
import { normalizeText } from '../../text/normalizeText.ts';
import { buildTokenizer, tokenizerFromJSON } from '../../text/tokenizer.ts';
import type { TextCheckpoint } from '../checkpoint.ts';
import type { WorkspaceTexts } from '../../text/workspaceTexts.ts';
import type { TrainConfig } from '../config.ts';
import { TextGuidance } from './TextGuidance.ts';
import { VlmPretrainer } from './VlmPretrainer.ts';

/*
 * Wiring of the two text stages, shared by the CLI, the worker and the tests: the workspace's texts become a
 * tokenizer and image–text pairs, a VlmPretrainer aligns the encoders (stage 1), and a TextGuidance built on the
 * result turns each class's prompt into a mask (stage 2).
 */

export type { WorkspaceTexts };

/**
 * Stage 1 for a workspace: pairs, tokenizer and model from its texts — or, resuming, the saved tokenizer, model and
 * weights (the saved vocabulary must stay: the embedding table's rows are its ids).
 */
/** Text vectors from a provider other than the learned one (a prompt bank, a pretrained CLIP tower). */
export interface FixedTextVectors {
  provider: 'pretrained' | 'import';
  name: string;
  dim: number;
  entries: { text: string; vector: Float32Array }[];
}

function vectorMap(v: FixedTextVectors): Map<string, Float32Array> {
  return new Map(v.entries.map((e) => [normalizeText(e.text), e.vector]));
}

export function createVlmPretrainer(
  volumes: readonly TrainingVolume[],
  pools: SlicePools,
  texts: WorkspaceTexts,
  patch: [number, number],
  cfg: TrainConfig,
  saved?: TextCheckpoint | null,
  fixed?: FixedTextVectors | null,
): VlmPretrainer {
  const root = new Random(cfg.seed);
  const pool = buildPairPool(volumes, pools, { ...DEFAULT_PAIR_OPTIONS, classTexts: texts.classes, descriptions: texts.descriptions }, root.fork('vlm-pairs'));
  if (saved) {
    const [h, w] = saved.model.vit.imageSize;
    if (h !== patch[0] || w !== patch[1]) throw new Error(`the saved vision–language model sees ${h}×${w} images, this run trains on ${patch.join('×')}`);
    const vectors = saved.vectors ? vectorMap(saved.vectors) : null;
    if (vectors && fixed) for (const [t, v] of vectorMap(fixed)) vectors.set(t, v);
    const pre = new VlmPretrainer(volumes, pool, saved.tokenizer ? tokenizerFromJSON(saved.tokenizer) : null, saved.model, cfg.vlm, cfg.seed, vectors);
    pre.restore(saved);
    return pre;
  }
  const v = cfg.vlm;
  const heads = Math.max(1, Math.round(v.dim / 16));
  const tokenizer = fixed ? null : buildTokenizer([texts.background, ...texts.classes, ...texts.descriptions]);
  const model = visionLanguageConfig(patch, volumes[0]?.channels ?? 1, tokenizer?.vocabSize ?? 0, {
    embedDim: v.dim,
    vit: { patchSize: v.patchSize, dim: v.dim, depth: v.depth, heads },
    text: { dim: v.dim, depth: v.depth, heads, maxLength: v.maxTokens },
    textSource: fixed ? { kind: 'fixed', provider: fixed.provider, name: fixed.name, dim: fixed.dim } : { kind: 'learned' },
  });
  return new VlmPretrainer(volumes, pool, tokenizer, model, v, cfg.seed, fixed ? vectorMap(fixed) : null);
}

/** Stage 2 on a pre-trained model: the class prompts (background first) embedded by its text encoder. */
export async function createTextGuidance(
  pretrainer: VlmPretrainer,
  texts: WorkspaceTexts,
  cfg: TrainConfig,
  savedDecoder?: NamedArray[] | null,
): Promise<TextGuidance> {
  const embeddings = await pretrainer.embedTexts([texts.background, ...texts.classes]);
  const tg = new TextGuidance(pretrainer.params, pretrainer.model, embeddings, texts.classes.length + 1, cfg.text, new Random(cfg.seed).fork('text-decoder'));
  if (savedDecoder) tg.decoder.assign(savedDecoder);
  return tg;
}

/** What a checkpoint keeps of the text stages (see TextCheckpoint). */
export async function textCheckpoint(pretrainer: VlmPretrainer, guidance: TextGuidance | null, texts: WorkspaceTexts): Promise<TextCheckpoint> {
  return {
    model: pretrainer.model,
    tokenizer: pretrainer.tokenizer?.toJSON() ?? null,
    vectors: pretrainer.fixedVectors(),
    pretrainSteps: pretrainer.step,
    texts,
    ...(await pretrainer.toArrays()),
    decoder: guidance ? await guidance.toArrays() : null,
  };
}
