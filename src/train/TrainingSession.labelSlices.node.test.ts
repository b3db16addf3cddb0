import '@tensorflow/tfjs-backend-wasm';
import { expect, it } from 'vitest';
import { generateDemoDataset } from '../demo/generateDemo.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { presetConfig } from './config.ts';
import type { FromWorker, WorkerVolume } from './protocol.ts';
import { TrainingSession } from './TrainingSession.ts';

/*
 * A stroke during training now reaches the worker as the k-slices it changed ('labelSlices'), not the whole volume.
 * The worker must then train on exactly the page's labels: the new slice's voxels in the trainer's class indices,
 * the slice counted as labeled, and every other slice as it was.
 */

function volumes(): WorkerVolume[] {
  const demo = generateDemoDataset({ count: 2, dims: [32, 32, 8] });
  return demo.volumes.map((v, n) => {
    const l = demo.initialLabels[n]!;
    return { id: v.id, validation: [], dims: v.geometry.dims, spacing: v.geometry.spacing, channels: 1, voxels: v.voxels, labels: l.voxels, slices: l.slices };
  });
}

it('writes the changed k-slices into the labels it trains on', async () => {
  const events: FromWorker[] = [];
  const session = new TrainingSession((m) => events.push(m));
  const wait = async (pred: (m: FromWorker) => boolean): Promise<void> => {
    for (let n = 0; n < 600 && !events.some(pred); n++) await new Promise((r) => setTimeout(r, 100));
    if (!events.some(pred)) throw new Error(`no such event; got ${[...new Set(events.map((e) => e.type))].join(', ')}`);
  };
  const vs = volumes();
  const second = vs[1]!;
  const before = second.labels.slice();
  const flags: [Uint8Array, Uint8Array, Uint8Array] = [second.slices[0].slice(), second.slices[1].slice(), second.slices[2].slice()];
  const k = flags[2].findIndex((f) => f === 0);
  expect(k).toBeGreaterThanOrEqual(0);
  const config = presetConfig('supervised', { model: { width: 4, depth: 2 }, batchLabeled: 2, batchUnlabeled: 2 });
  session.handle({
    type: 'start',
    config,
    classes: [
      { value: 1, name: 'A' },
      { value: 2, name: 'B' },
      { value: 3, name: 'C' },
    ],
    volumes: vs,
    backendOrder: ['wasm'],
    skipSoftware: true,
    customKernels: true,
    modelSize: 'tiny',
    wasmPaths: '',
    checkpoint: null,
    checkpointEveryMs: 1e9,
    texts: null,
    textVectors: null,
    tak: null,
    takVectors: null,
  });
  await wait((m) => m.type === 'step');
  const inside = session as unknown as { trainingVolumes: TrainingVolume[]; trainer: { pools: { labeled: unknown[] } } };
  const labeledBefore = inside.trainer.pools.labeled.length;

  const per = 32 * 32;
  const slice = new Uint8Array(per);
  slice.fill(2, 0, 100);
  flags[2][k] = 1;
  session.handle({ type: 'labelSlices', volumeId: second.id, ks: [k], values: slice, slices: flags });
  const steps = events.filter((m) => m.type === 'step').length;
  await wait((m) => m.type === 'step' && m.report.step >= steps + 2);

  const trained = inside.trainingVolumes[1]!;
  // Class value 2 is the second class: index 2.
  expect(Array.from(trained.labels.subarray(k * per, k * per + 100)).every((v) => v === 2)).toBe(true);
  expect(trained.labels.subarray(k * per + 100, (k + 1) * per).every((v) => v === 0)).toBe(true);
  // Other slices untouched (the demo's own labels, as indices of values 1..3).
  for (let n = 0; n < before.length; n++) if (n < k * per || n >= (k + 1) * per) expect(trained.labels[n]).toBe(before[n]);
  expect(inside.trainer.pools.labeled.length).toBe(labeledBefore + 1);
  session.handle({ type: 'stop' });
  session.dispose();
}, 120_000);
