import type { SlicePools } from '../data/sampler.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { l2Normalize } from '../text/encoders/TextEncoderProvider.ts';
import { normalizeText } from '../text/normalizeText.ts';
import type { TakPromptTexts } from '../text/takPrompts.ts';
import type { WorkspaceTexts } from '../text/workspaceTexts.ts';
import type { TrainConfig } from './config.ts';
import type { TextEmbedder } from './tak/takTexts.ts';
import { createVlmPretrainer, type FixedTextVectors } from './vlm/textStage.ts';

/** What encodes TAK's prompts in a run, and who it is (shown to the user, kept in the checkpoint). */
export interface TakEncoder {
  provider: 'learned' | 'pretrained' | 'import';
  name: string;
  embedder: TextEmbedder;
  dispose(): void;
}

/**
 * A provider's vectors as an embedder, when they hold every one of TAK's prompts (looked up by normalised text, as
 * prompt banks are); null when any is missing — a prompt bank made for PromptSSL's combined class texts, say.
 */
export function fixedTakEncoder(v: FixedTextVectors, texts: TakPromptTexts): TakEncoder | null {
  const byText = new Map(v.entries.map((e) => [normalizeText(e.text), e.vector]));
  if (![...texts.position, ...texts.shape].every((t) => byText.has(normalizeText(t)))) return null;
  return {
    provider: v.provider,
    name: v.name,
    embedder: {
      async embedTexts(list: string[]): Promise<Float32Array> {
        const out = new Float32Array(list.length * v.dim);
        list.forEach((t, n) => {
          const x = byText.get(normalizeText(t));
          if (!x) throw new Error(`${v.name} has no vector for "${t}"`);
          // TAK's head compares prompts by dot product: unit norm whatever the bank stored.
          out.set(l2Normalize(Float32Array.from(x)), n * v.dim);
        });
        return out;
      },
    },
    dispose(): void {},
  };
}

/**
 * The fallback, as in the CLI: the workspace's learned text transformer over 2D slices of the run, seeded and not
 * pre-trained (the app starts TAK at once). Its vocabulary is built from the workspace texts and TAK's prompts, so
 * every prompt word has its own token.
 */
export function learnedTakEncoder(
  volumes: readonly TrainingVolume[],
  pools: SlicePools,
  texts: WorkspaceTexts | null,
  tak: TakPromptTexts,
  imageSize: [number, number],
  cfg: TrainConfig,
): TakEncoder {
  const base = texts ?? { background: tak.position[0]!, classes: [], descriptions: [] };
  const pre = createVlmPretrainer(volumes, pools, { ...base, classes: [...base.classes, ...tak.position.slice(1), ...tak.shape.slice(1)] }, imageSize, {
    ...cfg,
    vlm: { ...cfg.vlm, steps: 0 },
  });
  return { provider: 'learned', name: 'learned text transformer (seeded, not pre-trained)', embedder: pre, dispose: () => pre.dispose() };
}
