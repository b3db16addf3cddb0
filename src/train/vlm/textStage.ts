import { Random } from '../../data/random.ts';
import type { SlicePools } from '../../data/sampler.ts';
import { buildPairPool, DEFAULT_PAIR_OPTIONS } from '../../data/textPairs.ts';
import type { TrainingVolume } from '../../data/trainingVolume.ts';
import { visionLanguageConfig } from '../../model/visionLanguageModel.ts';
import { buildTokenizer } from '../../text/tokenizer.ts';
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

export function createVlmPretrainer(volumes: readonly TrainingVolume[], pools: SlicePools, texts: WorkspaceTexts, patch: [number, number], cfg: TrainConfig): VlmPretrainer {
  const root = new Random(cfg.seed);
  const pool = buildPairPool(volumes, pools, { ...DEFAULT_PAIR_OPTIONS, classTexts: texts.classes, descriptions: texts.descriptions }, root.fork('vlm-pairs'));
  const tokenizer = buildTokenizer([texts.background, ...texts.classes, ...texts.descriptions]);
  const v = cfg.vlm;
  const heads = Math.max(1, Math.round(v.dim / 16));
  const model = visionLanguageConfig(patch, volumes[0]?.channels ?? 1, tokenizer.vocabSize, {
    embedDim: v.dim,
    vit: { patchSize: v.patchSize, dim: v.dim, depth: v.depth, heads },
    text: { dim: v.dim, depth: v.depth, heads, maxLength: v.maxTokens },
  });
  return new VlmPretrainer(volumes, pool, tokenizer, model, v, cfg.seed);
}

/** Stage 2 on a pre-trained model: the class prompts (background first) embedded by its text encoder. */
export async function createTextGuidance(pretrainer: VlmPretrainer, texts: WorkspaceTexts, cfg: TrainConfig): Promise<TextGuidance> {
  const embeddings = await pretrainer.embedTexts([texts.background, ...texts.classes]);
  return new TextGuidance(pretrainer.params, pretrainer.model, embeddings, texts.classes.length + 1, cfg.text, new Random(cfg.seed).fork('text-decoder'));
}
