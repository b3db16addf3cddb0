import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoDataset } from '../demo/generateDemo.ts';
import { toTrainingVolume } from '../data/trainingVolume.ts';
import { createLabelMap, markAllSlices, SliceProvenance } from '../volume/labels.ts';
import { presetConfig, type DeepPartial, type TrainConfig } from './config.ts';
import { Trainer3D } from './Trainer3D.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** The first step's supervised loss of a small 3D run: it depends on the augmented patches the step drew. */
async function firstLoss(overrides: DeepPartial<TrainConfig>): Promise<number> {
  const demo = generateDemoDataset({ count: 1, dims: [16, 16, 8] });
  const label = createLabelMap(demo.volumes[0]!.geometry.dims);
  label.voxels.set(demo.groundTruth[0]!);
  markAllSlices(label, SliceProvenance.Imported);
  const cfg = presetConfig('supervised', {
    seed: 4,
    model: { kind: '3d', width: 4, depth: 1 },
    patch3d: [8, 8, 8],
    batchLabeled: 2,
    validation: { fraction: 0 },
    ...overrides,
  });
  const t = new Trainer3D([toTrainingVolume(demo.volumes[0]!, label, [1, 2, 3])], 4, cfg);
  const r = await t.trainStep();
  t.dispose();
  return r.losses.total;
}

describe('3D runs take their augmentation from the config', () => {
  it('`augment.*` changes what a 3D step sees; the same settings give the same step', async () => {
    const off = { augment: { flipProb: 0, affineProb: 0, gain: 0, bias: 0, noiseProb: 0 } };
    const plain = await firstLoss(off);
    expect(await firstLoss(off)).toBe(plain);
    expect(await firstLoss({})).not.toBe(plain);
  }, 60_000);
});
