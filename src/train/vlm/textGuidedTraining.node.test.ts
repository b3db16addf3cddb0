import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { oneHot } from '../../data/sampler.ts';
import { presetConfig, type PresetName } from '../config.ts';
import { Trainer } from '../Trainer.ts';
import { presentClasses } from './TextGuidance.ts';
import { createTextGuidance, createVlmPretrainer, type WorkspaceTexts } from './textStage.ts';
import { CLASS_TEXTS, DESCRIPTIONS, describedWorkspace } from './testing/describedWorkspace.ts';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const texts = (n: number): WorkspaceTexts => ({
  background: 'mid grey noise with nothing on it',
  classes: CLASS_TEXTS,
  descriptions: Array.from({ length: n }, (_, i) => DESCRIPTIONS[i % 2]!),
});

function setup(preset: PresetName) {
  const volumes = describedWorkspace(4);
  const cfg = presetConfig(preset, {
    seed: 4,
    model: { width: 4, depth: 2 },
    batchLabeled: 2,
    batchUnlabeled: 2,
    consistency: { rampUpSteps: 0 },
    vlm: { dim: 32, depth: 1, patchSize: 8, batch: 4, lr: 3e-3, warmupSteps: 5, maxTokens: 16 },
  });
  const trainer = new Trainer(volumes, 3, cfg);
  const pre = createVlmPretrainer(volumes, trainer.pools, texts(volumes.length), trainer.patch, cfg);
  return { volumes, cfg, trainer, pre };
}

describe('text-guided semi-supervised training (stage 2)', () => {
  for (const [preset, form, aux] of [
    ['promptssl', 'softmax', ['region', 'feat']],
    ['duss', 'sigmoid', ['tg']],
  ] as const) {
    it(`${preset}: the ${form} text mask trains on labeled pixels and L_semi feeds the student; no tensor growth`, async () => {
      const { cfg, trainer, pre } = setup(preset);
      expect(cfg.text.enabled).toBe(true);
      expect(cfg.vlm.objective).toBe(preset === 'promptssl' ? 'glsc' : 'dusss');
      for (let s = 0; s < 30; s++) await pre.trainStep();
      const tg = await createTextGuidance(pre, texts(6), cfg);
      trainer.attachTextGuidance(tg);
      const heads: number[] = [];
      let tensors = -1;
      for (let s = 0; s < 40; s++) {
        const r = await trainer.trainStep();
        expect(r.text).not.toBeNull();
        heads.push(r.text!.head);
        for (const term of aux) expect(r.text![term]).toBeGreaterThan(0);
        expect(r.losses.consistency).toBeGreaterThan(0);
        expect(Number.isFinite(r.losses.total)).toBe(true);
        if (s === 3) tensors = tf.memory().numTensors;
        if (s > 3) expect(tf.memory().numTensors).toBe(tensors);
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      console.log(`${preset}: text head loss ${mean(heads.slice(0, 5)).toFixed(3)} → ${mean(heads.slice(-5)).toFixed(3)}`);
      expect(mean(heads.slice(-5))).toBeLessThan(0.8 * mean(heads.slice(0, 5)));
      trainer.dispose();
      pre.dispose();
    }, 300_000); // ~11 s alone on 2 cores (WebAssembly); the suite runs files side by side, GPU emulation included
  }

  it('gives every trainable part of the decoder a finite, non-zero gradient', async () => {
    const { cfg, trainer, pre, volumes } = setup('promptssl');
    const tg = await createTextGuidance(pre, texts(volumes.length), { ...cfg, text: { ...cfg.text, regionWeight: 1, featWeight: 1, tgWeight: 1 } });
    const [h, w] = trainer.patch;
    const v = volumes[0]!;
    const per = v.dims[0] * v.dims[1];
    const labels = v.labels.subarray(0, 2 * per);
    const mask = v.labeled.subarray(0, 2 * per);
    const xl = tf.tensor4d(v.image.subarray(0, 2 * per), [2, h, w, 1]);
    const yl = tf.tensor4d(oneHot(labels, 3), [2, h, w, 3]);
    const ml = tf.tensor4d(Float32Array.from(mask), [2, h, w, 1]);
    const present = tf.tensor2d(presentClasses(labels, mask, 2, 3), [2, 3]);
    expect(Array.from(await present.data())).toEqual([1, 1, 1, 1, 1, 1]);
    const { value, grads, parts } = tg.lossAndGradients(xl, yl, ml, present);
    const names = tg.decoder.names();
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) {
      const g = grads[tg.decoder.get(name).name];
      expect(g, name).toBeDefined();
      const values = await g!.data();
      expect(Array.from(values).every(Number.isFinite), name).toBe(true);
      expect(
        Array.from(values).some((x) => x !== 0),
        `${name} has an all-zero gradient`,
      ).toBe(true);
    }
    tf.dispose([value, xl, yl, ml, present, ...parts, ...Object.values(grads)]);
    tg.dispose();
    trainer.dispose();
    pre.dispose();
  });

  it('re-encoded class texts change the text mask without rebuilding the decoder', async () => {
    const { cfg, trainer, pre, volumes } = setup('duss');
    for (let s = 0; s < 10; s++) await pre.trainStep();
    const tg = await createTextGuidance(pre, texts(volumes.length), cfg);
    const [h, w] = trainer.patch;
    const x = tf.tensor4d(volumes[0]!.image.subarray(0, h * w), [1, h, w, 1]);
    const before = await tg.textMask(x).mask.data();
    tg.setClassEmbeddings(await pre.embedTexts(['mid grey noise with nothing on it', 'thin dark horizontal bar', 'round bright disc']));
    const after = await tg.textMask(x).mask.data();
    expect(Array.from(after)).not.toEqual(Array.from(before));
    expect(() => tg.setClassEmbeddings(new Float32Array(5))).toThrow(/3 class embeddings/);
    x.dispose();
    tg.dispose();
    trainer.dispose();
    pre.dispose();
  });

  it('covers a slice larger than the training patch in blended patches, for every text layer', async () => {
    const volumes = describedWorkspace(4);
    const cfg = presetConfig('promptssl', {
      seed: 4,
      model: { width: 4, depth: 2 },
      patch: [16, 16],
      batchLabeled: 2,
      batchUnlabeled: 2,
      vlm: { dim: 16, depth: 1, patchSize: 8, batch: 4, maxTokens: 16 },
    });
    const trainer = new Trainer(volumes, 3, cfg);
    expect(trainer.patch).toEqual([16, 16]);
    const pre = createVlmPretrainer(volumes, trainer.pools, texts(volumes.length), trainer.patch, cfg);
    trainer.attachTextGuidance(await createTextGuidance(pre, texts(volumes.length), cfg));
    await trainer.trainStep();
    const before = tf.memory().numTensors;
    const layers = await trainer.predictTextSlices(0, [1, 4]);
    expect(tf.memory().numTensors).toBe(before);
    expect(layers?.map((l) => l.k)).toEqual([1, 4]);
    const n = 32 * 32;
    for (const l of layers!) {
      for (const map of [l.text, l.merged, l.activation]) {
        expect(map).toHaveLength(n * 3);
        expect(map.every((x) => Number.isFinite(x) && x >= 0 && x <= 1 + 1e-6)).toBe(true);
      }
      // Softmax form (eq 8): the blended per-class activation is still a distribution over the classes at every pixel.
      for (let p = 0; p < n; p += 37) expect(l.activation[3 * p]! + l.activation[3 * p + 1]! + l.activation[3 * p + 2]!).toBeCloseTo(1, 5);
    }
    trainer.dispose();
    pre.dispose();
  }, 60_000);
});
