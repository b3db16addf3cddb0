import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoDataset } from '../demo/generateDemo.ts';
import { toTrainingVolume } from '../data/trainingVolume.ts';
import { createLabelMap, markAllSlices, SliceProvenance } from '../volume/labels.ts';
import { presetConfig } from './config.ts';
import { Trainer } from './Trainer.ts';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

describe('engine hygiene', () => {
  it('keeps tensor count and memory flat across steps (no leak), for both presets', async () => {
    const demo = generateDemoDataset({ count: 2, dims: [32, 32, 8] });
    const labels = demo.volumes.map((v, n) => {
      const l = createLabelMap(v.geometry.dims);
      if (n === 0) {
        l.voxels.set(demo.groundTruth[0]!);
        markAllSlices(l, SliceProvenance.Imported);
      }
      return l;
    });
    for (const preset of ['supervised', 'mean-teacher'] as const) {
      const tvs = demo.volumes.map((v, n) => toTrainingVolume(v, labels[n]!, [1, 2, 3]));
      const trainer = new Trainer(tvs, 4, presetConfig(preset, { model: { width: 4, depth: 2 }, batchLabeled: 2, batchUnlabeled: 2 }));
      await trainer.trainStep();
      const tensors = tf.memory().numTensors;
      const bytes = tf.memory().numBytes;
      for (let s = 0; s < 8; s++) {
        await trainer.trainStep();
        expect(tf.memory().numTensors, `${preset} step ${s}`).toBe(tensors);
        expect(tf.memory().numBytes, `${preset} step ${s}`).toBe(bytes);
      }
      await trainer.predictSlices(0, [0, 1, 2]);
      await trainer.validate();
      expect(tf.memory().numTensors).toBe(tensors);
      trainer.dispose();
    }
  }, 120_000);

  it('is repeatable: the same seed gives the same losses', async () => {
    const demo = generateDemoDataset({ count: 2, dims: [32, 32, 8] });
    const run = async (): Promise<number[]> => {
      const labels = demo.volumes.map((v, n) => {
        const l = createLabelMap(v.geometry.dims);
        if (n === 0) {
          l.voxels.set(demo.groundTruth[0]!);
          markAllSlices(l, SliceProvenance.Imported);
        }
        return l;
      });
      const t = new Trainer(
        demo.volumes.map((v, n) => toTrainingVolume(v, labels[n]!, [1, 2, 3])),
        4,
        presetConfig('mean-teacher', { seed: 9, model: { width: 4, depth: 2 } }),
      );
      const out: number[] = [];
      for (let s = 0; s < 3; s++) out.push((await t.trainStep()).losses.total);
      t.dispose();
      return out;
    };
    expect(await run()).toEqual(await run());
  }, 60_000);
});
