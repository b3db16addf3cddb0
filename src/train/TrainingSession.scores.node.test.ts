import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { generateDemoDataset } from '../demo/generateDemo.ts';
import { presetConfig } from './config.ts';
import type { FromWorker, WorkerVolume } from './protocol.ts';
import { startMessage } from './testing/startMessage.ts';
import { TrainingSession } from './TrainingSession.ts';

/** One demo volume of 20 slices (more than one scoring batch) with two painted slices. */
function volume(): WorkerVolume {
  const dims: [number, number, number] = [24, 24, 20];
  const demo = generateDemoDataset({ count: 1, dims });
  const v = demo.volumes[0]!;
  const l = demo.initialLabels[0]!;
  const per = dims[0] * dims[1];
  for (const k of [4, 12]) {
    l.voxels.set(demo.groundTruth[0]!.subarray(k * per, (k + 1) * per), k * per);
    l.slices[2][k] = 1;
  }
  return { id: v.id, validation: [], dims: v.geometry.dims, spacing: v.geometry.spacing, channels: 1, voxels: v.voxels, labels: l.voxels, slices: l.slices };
}

describe('slice scores of the watched volume', () => {
  // "Next uncertain slice" reads these: every slice must be scored even though the scan runs a few slices at a time.
  it('scores every slice of a volume larger than one scoring batch, as teacher–student disagreement in [0, 1]', async () => {
    const w = volume();
    const events: FromWorker[] = [];
    const scored = new Promise<Extract<FromWorker, { type: 'sliceScores' }>>((resolve, reject) => {
      const session = new TrainingSession((m) => {
        events.push(m);
        if (m.type === 'error') reject(new Error(m.message));
        if (m.type === 'sliceScores') {
          session.handle({ type: 'stop' });
          resolve(m);
        }
      });
      session.handle(
        startMessage({
          config: presetConfig('mean-teacher', { model: { width: 4, depth: 2 }, batchLabeled: 1, batchUnlabeled: 1, patch: [16, 16] }),
          classes: [
            { value: 1, name: 'Organ' },
            { value: 2, name: 'Lesion' },
            { value: 3, name: 'Vessel' },
          ],
          volumes: [w],
        }),
      );
      session.handle({ type: 'watch', volumeId: w.id, ks: [8] });
    });
    const s = await scored;
    expect(s.volumeId).toBe(w.id);
    expect(s.step).toBe(50);
    expect(s.scores).toHaveLength(20);
    for (const x of s.scores) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }
    // Slices past the first batch of 8 are scored too (a skipped batch would leave zeros).
    expect(Array.from(s.scores.subarray(8)).filter((x) => x > 0).length).toBeGreaterThan(8);
  }, 600_000);
});
