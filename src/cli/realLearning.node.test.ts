import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toTrainingVolume } from '../data/trainingVolume.ts';
import { presetConfig } from '../train/config.ts';
import { Trainer } from '../train/Trainer.ts';
import { Trainer3D } from '../train/Trainer3D.ts';
import { createLabelMap, markAllSlices, SliceProvenance } from '../volume/labels.ts';
import { loadImage, loadLabels, readMsdFolder } from './dataset.ts';

/*
 * Real learning on a Decathlon folder read as `pseudolab train` reads it (dataset.ts): the 2D and 3D engines must
 * improve on real MRI, not only on the procedural demo. Skipped without ../shared/datasets.
 */

const HIPPO = join(process.cwd(), '..', 'shared', 'datasets', 'hippocampus');

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

describe.skipIf(!existsSync(HIPPO))('real learning on hippocampus MRI (needs ../shared/datasets/hippocampus)', () => {
  it('a small ResUNet clearly improves validation Dice within 160 steps', async () => {
    const cases = readMsdFolder(HIPPO).cases.slice(0, 6);
    const volumes = cases.map((c, n) => {
      const v = loadImage(c.imagePath);
      const l = createLabelMap(v.geometry.dims);
      if (n < 3) {
        l.voxels.set(loadLabels(c.labelPath!).values);
        markAllSlices(l, SliceProvenance.Imported);
      }
      return toTrainingVolume(v, l, [1, 2]);
    });
    const cfg = presetConfig('supervised', {
      seed: 3,
      model: { width: 8, depth: 2 },
      optimiser: { lr: 3e-3, warmupSteps: 10 },
      validation: { fraction: 0.2, minLabeledSlices: 5 },
    });
    const trainer = new Trainer(volumes, 3, cfg);
    expect(trainer.pools.validation.length).toBeGreaterThan(10);
    const before = (await trainer.validate()).meanDice!;
    const t0 = performance.now();
    for (let s = 0; s < 160; s++) await trainer.trainStep();
    const after = await trainer.validate();
    console.log(
      `hippocampus: validation Dice ${before.toFixed(3)} → ${after.meanDice!.toFixed(3)} (anterior ${after.dice[0]?.toFixed(3)}, posterior ${after.dice[1]?.toFixed(3)}) in 160 steps, ${((performance.now() - t0) / 160).toFixed(0)} ms/step`,
    );
    expect(before).toBeLessThan(0.1);
    expect(after.meanDice!).toBeGreaterThan(0.35);
    expect(after.meanDice! - before).toBeGreaterThan(0.25);
    trainer.dispose();
  }, 180_000);
});

describe.skipIf(!existsSync(HIPPO))('real 3D learning on hippocampus MRI (needs ../shared/datasets/hippocampus)', () => {
  // Small on purpose: WASM's Conv3D runs ~0.2 GMAC/s on this 2-core machine (~3.5 s per step even at this size), and
  // a V-Net this small needs a few hundred steps before hippocampus Dice rises (npm run bench:hippocampus-3d measures
  // that); here the real-data check is that the loss terms fall on real MRI, with the labels where the image is.
  it('a small V-Net learns on real MRI: cross-entropy and Dice loss fall within 30 steps', async () => {
    const cases = readMsdFolder(HIPPO).cases.slice(0, 3);
    const volumes = cases.map((c) => {
      const v = loadImage(c.imagePath);
      const l = createLabelMap(v.geometry.dims);
      l.voxels.set(loadLabels(c.labelPath!).values);
      markAllSlices(l, SliceProvenance.Imported);
      return toTrainingVolume(v, l, [1, 2]);
    });
    const cfg = presetConfig('supervised', {
      seed: 3,
      model: { kind: '3d', width: 4, depth: 2 },
      patch3d: [16, 32, 32],
      batchLabeled: 2,
      optimiser: { lr: 5e-3, warmupSteps: 5 },
      validation: { fraction: 0, minLabeledSlices: 1000 },
    });
    const t = new Trainer3D(volumes, 3, cfg);
    const ce: number[] = [];
    const dice: number[] = [];
    const t0 = performance.now();
    for (let s = 0; s < 30; s++) {
      const r = await t.trainStep();
      ce.push(r.losses.ce);
      dice.push(r.losses.dice);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `hippocampus 3D: CE ${mean(ce.slice(0, 5)).toFixed(3)} → ${mean(ce.slice(-5)).toFixed(3)}, Dice loss ${mean(dice.slice(0, 5)).toFixed(3)} → ${mean(dice.slice(-5)).toFixed(3)} in 30 steps, ${((performance.now() - t0) / 30).toFixed(0)} ms/step`,
    );
    expect(mean(ce.slice(-5))).toBeLessThan(0.6 * mean(ce.slice(0, 5)));
    expect(mean(dice.slice(-5))).toBeLessThan(mean(dice.slice(0, 5)));
    t.dispose();
  }, 600_000);
});
