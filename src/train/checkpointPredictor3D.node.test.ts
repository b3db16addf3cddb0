import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { createCheckpointPredictor3D } from './checkpointPredictor3D.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import { presetConfig, type PresetName } from './config.ts';
import { Trainer3D } from './Trainer3D.ts';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

/** A bright ball (class 1) in noise, 16³, half its slices labeled. */
function volumes(): TrainingVolume[] {
  const rng = new Random(9);
  const n = 16 ** 3;
  const image = new Float32Array(n);
  const labels = new Uint8Array(n);
  const labeled = new Uint8Array(n);
  for (let k = 0; k < 16; k++)
    for (let j = 0; j < 16; j++)
      for (let i = 0; i < 16; i++) {
        const p = (k * 16 + j) * 16 + i;
        const inside = (i - 7) ** 2 + (j - 8) ** 2 + (k - 8) ** 2 <= 12;
        image[p] = (inside ? 2 : 0) + 0.3 * rng.normal();
        labels[p] = inside ? 1 : 0;
        labeled[p] = k % 2;
      }
  return [{ id: 'v', dims: [16, 16, 16], spacing: [1, 1, 1], channels: 1, image, labels, labeled } as TrainingVolume];
}

/*
 * `pseudolab predict` rebuilds the network from the checkpoint alone (strides from the weights, TAK's head from the
 * saved prompt vectors): its labels must be the trained run's own, voxel for voxel.
 */
describe('a 3D checkpoint as a predictor', () => {
  for (const preset of ['mean-teacher', 'tak'] as PresetName[]) {
    it(`${preset}: predicts exactly what the run that saved it predicts`, async () => {
      const vs = volumes();
      // 'auto' patch, as the CLI saves it: the predictor plans the same window over the same volumes.
      const cfg = presetConfig(preset, {
        seed: 4,
        model: { kind: '3d', width: 4, depth: 2 },
        patchVoxels: 8 * 8 * 8,
        batchLabeled: 1,
        batchUnlabeled: 1,
        tak: { samplesPerClass: 4 },
      });
      const t = new Trainer3D(vs, 2, cfg);
      if (preset === 'tak') {
        const rng = new Random(2);
        const vec = () => Float32Array.from({ length: 2 * 5 }, () => rng.normal());
        t.attachTakTexts({ dim: 5, position: vec(), shape: vec(), encoder: 'test vectors' });
      }
      await t.trainStep();
      await t.trainStep();
      const c = decodeCheckpoint(encodeCheckpoint(await t.toCheckpoint([{ value: 1, name: 'Ball' }])));
      expect(c.tak === null).toBe(preset !== 'tak');
      const p = createCheckpointPredictor3D(c, vs);
      expect(p.patch).toEqual(t.patch);
      expect(p.model.strides).toEqual(t.model.strides);
      const mine = await p.predictVolumeClasses(vs[0]!);
      const theirs = (await t.predictVolumeClasses(vs[0]!))!;
      expect(Array.from(mine)).toEqual(Array.from(theirs));
      // Not a trivial all-background answer: both classes are drawn somewhere.
      expect(new Set(theirs).size).toBe(2);
      p.dispose();
      t.dispose();
    }, 120_000);
  }

  it('refuses a TAK checkpoint without its prompt vectors, in words', async () => {
    const vs = volumes();
    const t = new Trainer3D(vs, 2, presetConfig('mean-teacher', { model: { kind: '3d', width: 4, depth: 2 }, patchVoxels: 512 }));
    const c = await t.toCheckpoint([{ value: 1, name: 'Ball' }]);
    expect(() => createCheckpointPredictor3D({ ...c, config: presetConfig('tak', { model: { width: 4, depth: 2 } }) }, vs)).toThrow(/no saved prompt vectors/);
    t.dispose();
  });
});
