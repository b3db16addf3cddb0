import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../data/random.ts';
import { buildPools } from '../../data/sampler.ts';
import { buildPairPool, DEFAULT_PAIR_OPTIONS } from '../../data/textPairs.ts';
import { visionLanguageConfig } from '../../model/visionLanguageModel.ts';
import { buildTokenizer } from '../../text/tokenizer.ts';
import { CLASS_TEXTS, DESCRIPTIONS, describedWorkspace as workspace } from './testing/describedWorkspace.ts';
import { VlmPretrainer } from './VlmPretrainer.ts';
import { DEFAULT_VLM_PRETRAIN, type VlmObjective } from './vlmPretrainConfig.ts';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

function pretrainer(objective: VlmObjective, seed = 1, maxTokens = 16): VlmPretrainer {
  const volumes = workspace(seed);
  const pools = buildPools(volumes, { validationFraction: 0, minLabeledForValidation: Infinity }, new Random(seed));
  const pool = buildPairPool(
    volumes,
    pools,
    { ...DEFAULT_PAIR_OPTIONS, heldOutFraction: 0.25, classTexts: CLASS_TEXTS, descriptions: volumes.map((_, n) => DESCRIPTIONS[n % 2]!) },
    new Random(seed),
  );
  const tokenizer = buildTokenizer([...CLASS_TEXTS, ...DESCRIPTIONS]);
  const model = visionLanguageConfig([32, 32], 1, tokenizer.vocabSize, {
    embedDim: 32,
    vit: { dim: 32, depth: 1, heads: 2, patchSize: 8 },
    text: { dim: 32, depth: 1, heads: 2, maxLength: 16 },
  });
  return new VlmPretrainer(volumes, pool, tokenizer, model, { ...DEFAULT_VLM_PRETRAIN, objective, batch: 4, lr: 3e-3, warmupSteps: 5, maxTokens }, seed);
}

describe('vision–language pre-training on a small workspace', () => {
  for (const objective of ['dusss', 'glsc'] as const) {
    it(`${objective}: raises image→text retrieval on held-out slices well above chance, with finite losses and no tensor growth`, async () => {
      const p = pretrainer(objective);
      const before = await p.retrieval();
      expect(before.candidates).toBe(4);
      expect(before.pairs).toBeGreaterThan(10);
      let tensors = -1;
      const losses: number[] = [];
      for (let s = 0; s < 80; s++) {
        const r = await p.trainStep();
        losses.push(r.losses.total);
        expect(Object.keys(r.losses.terms)).toEqual(objective === 'glsc' ? ['ls', 'gs'] : ['cmc', 'imc']);
        // The global term's mean weight (D̂_u or D_SSS) is a share of (1 − sim): within (0, 1] while it learns.
        expect(r.uncertaintyWeight).toBeGreaterThan(0);
        expect(r.uncertaintyWeight).toBeLessThanOrEqual(1);
        if (s === 5) tensors = tf.memory().numTensors;
        if (s > 5) expect(tf.memory().numTensors).toBe(tensors);
      }
      const after = await p.retrieval();
      console.log(
        `${objective}: retrieval ${before.accuracy.toFixed(2)} → ${after.accuracy.toFixed(2)} (chance ${after.chance.toFixed(2)}, ${after.pairs} held-out pairs); loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`,
      );
      expect(after.accuracy).toBeGreaterThan(after.chance + 0.25);
      expect(after.accuracy).toBeGreaterThan(before.accuracy);
      p.dispose();
    }, 120_000);
  }

  it('encodes texts to the token budget the model was built with, whatever the run asks for', async () => {
    // A model built with 16 positions, resumed by a run whose vlm.maxTokens is 64 (a changed default, or a user's
    // --set): the texts must be cut to the 16 the model has, not refused, and embed exactly as under 16.
    // Same seed, same model: both start from the same weights (the init is seeded), so only the budget differs.
    const [narrow, wide] = [pretrainer('dusss', 3, 16), pretrainer('dusss', 3, 64)];
    const long = `${CLASS_TEXTS[0]} ${DESCRIPTIONS[0]} ${DESCRIPTIONS[1]} ${DESCRIPTIONS[0]} ${DESCRIPTIONS[1]}`;
    const a = await narrow.embedTexts([long, CLASS_TEXTS[1]!]);
    const b = await wide.embedTexts([long, CLASS_TEXTS[1]!]);
    expect(Array.from(b)).toEqual(Array.from(a));
    narrow.dispose();
    wide.dispose();
  });

  it('refuses a workspace with a single text', () => {
    const volumes = workspace(2);
    const pools = buildPools(volumes, { validationFraction: 0, minLabeledForValidation: Infinity }, new Random(2));
    const pool = buildPairPool(volumes, pools, { ...DEFAULT_PAIR_OPTIONS, classTexts: ['disc', ''], descriptions: [] }, new Random(2));
    const tokenizer = buildTokenizer(['disc']);
    const model = visionLanguageConfig([32, 32], 1, tokenizer.vocabSize, {
      embedDim: 16,
      vit: { dim: 16, depth: 1, heads: 2 },
      text: { dim: 16, depth: 1, heads: 2, maxLength: 8 },
    });
    expect(() => new VlmPretrainer(volumes, pool, tokenizer, model, DEFAULT_VLM_PRETRAIN, 2)).toThrow(
      /two different texts. Add a description to at least two images/,
    );
  });
});
