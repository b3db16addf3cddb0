import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearDatabase, openDatabase, readRuns, type Database } from '../persist/database.ts';
import { createAppStore, type AppStore } from '../store/appStore.ts';
import type { FromWorker, ToWorker } from '../train/protocol.ts';
import { loadDemo } from './demoWorkspace.ts';
import { TrainingController } from './training.ts';
import { FakeWorker } from './testing/fakeWorker.ts';

/*
 * Nothing discarded without asking (issue #16): each method keeps its own stored model, and a reload (a new store
 * and controller on the same database) shows the run as it stood — step, loss history, pseudo-labels, model size.
 * A stand-in Worker plays the training worker.
 */

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));

function ready(resumedAt: number | null): FromWorker {
  return {
    type: 'ready',
    network: '2d',
    patch: [96, 96],
    parameters: 1000,
    modelSize: 'tiny',
    width: 4,
    depth: 2,
    labeledSlices: 2,
    validationSlices: 0,
    unlabeledSlices: 40,
    resumedAt,
  };
}

function step(n: number): FromWorker {
  const report = { step: n, lr: 1e-3, lambdaU: 0, losses: { total: 2 - n / 10, ce: 1, dice: 1, consistency: 0 }, text: null, tak: null, ms: 100 };
  return { type: 'step', report, epoch: n / 4, slicesPerSecond: 4, stepsPerSecond: 1, elapsedMs: n * 100 };
}

let db: Database | null = null;

beforeEach(async () => {
  vi.stubGlobal('Worker', FakeWorker);
  vi.stubGlobal('document', { baseURI: 'http://127.0.0.1/' });
  db = await openDatabase();
  await clearDatabase(db);
});

afterEach(() => {
  db?.close();
  db = null;
  vi.unstubAllGlobals();
});

/** A store with the demo, tiny model; a run of `preset` trained to `steps` and checkpointed, with a pseudo-label on slice k. */
async function trainedRun(store: AppStore, controller: TrainingController, preset: 'mean-teacher' | 'supervised', steps: number, k: number) {
  store.getState().setPreset(preset);
  store.getState().setModelSize('tiny');
  await controller.start();
  const worker = FakeWorker.last!;
  worker.say(ready(null));
  worker.say({ type: 'state', state: 'running' });
  for (let n = 1; n <= steps; n++) worker.say(step(n));
  const id = store.getState().volumeOrder[0]!;
  const dims = store.getState().volumes[id]!.labels.dims;
  const labels = new Uint8Array(dims[0] * dims[1]).map((_, i) => (i % 7 === 0 ? 1 : 0));
  const uncertainty = new Uint8Array(labels.length).map((_, i) => 40 + (i % 200));
  worker.say({ type: 'prediction', volumeId: id, k, step: steps, labels, uncertainty, text: null });
  worker.say({ type: 'state', state: 'stopped' });
  worker.say({ type: 'checkpoint', step: steps, bytes: new Uint8Array([1, 2, 3, 4]) });
  await settle();
  return { worker, id, labels, uncertainty };
}

describe('runs kept per method, and a reload shows the last one', () => {
  it('restores step, loss history, pseudo-labels and model size after a reload', async () => {
    const store = createAppStore();
    loadDemo(store);
    const { id, labels, uncertainty } = await trainedRun(store, new TrainingController(store, db), 'mean-teacher', 12, 5);

    const again = createAppStore();
    loadDemo(again);
    // The demo volumes are regenerated with the same ids; the reload must find the stored layer for them.
    expect(again.getState().volumeOrder[0]).toBe(id);
    again.getState().setModelSize('auto');
    await new TrainingController(again, db).loadCheckpointInfo();
    const t = again.getState().training;
    expect(t).toMatchObject({ restored: true, step: 12, epoch: 3, elapsedMs: 1200, preset: 'mean-teacher', modelSize: 'tiny', status: 'idle' });
    expect(t.losses.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const layer = t.predictions[id]!;
    const per = labels.length;
    expect(layer.sliceStep[5]).toBe(12);
    expect(Array.from(layer.labels.subarray(5 * per, 6 * per))).toEqual(Array.from(labels));
    expect(layer.labels.subarray(0, 5 * per).every((v) => v === 0)).toBe(true);
    // The uncertainty comes back where the pseudo-label names a class, so the confidence threshold still applies.
    expect(Array.from(layer.uncertainty.subarray(5 * per, 6 * per))).toEqual(Array.from(uncertainty).map((u, i) => (labels[i] !== 0 ? u : 0)));
  });

  it('restores the results of Predict all with the run', async () => {
    const store = createAppStore();
    loadDemo(store);
    store.getState().setModelSize('tiny');
    const controller = new TrainingController(store, db);
    await controller.start();
    const worker = FakeWorker.last!;
    worker.say(ready(null));
    worker.say({ type: 'state', state: 'running' });
    worker.say(step(1));
    worker.say({ type: 'checkpoint', step: 1, bytes: new Uint8Array([5]) });
    await settle();
    const id = store.getState().volumeOrder[1]!;
    const full = new Uint8Array(store.getState().volumes[id]!.labels.voxels.length).map((_, i) => (i % 11 === 0 ? 2 : 0));
    worker.say({ type: 'predictAllVolume', volumeId: id, labels: full });
    worker.say({ type: 'predictAllDone', cancelled: false });
    await settle();

    const again = createAppStore();
    loadDemo(again);
    await new TrainingController(again, db).loadCheckpointInfo();
    const restored = again.getState().training.fullPredictions[id];
    expect(restored && Array.from(restored).every((v, i) => v === full[i])).toBe(true);
  });

  it('another method starts afresh beside the stored model, which a later Start of its method resumes with its history', async () => {
    const store = createAppStore();
    loadDemo(store);
    const controller = new TrainingController(store, db);
    await trainedRun(store, controller, 'mean-teacher', 12, 5);
    const second = await trainedRun(store, controller, 'supervised', 3, 6);
    expect(second.worker.received[0]).toMatchObject({ type: 'start', checkpoint: null });
    expect((await readRuns(db!)).map((r) => `${r.key}@${r.step}`).sort()).toEqual(['mean-teacher/2d/tiny@12', 'supervised/2d/tiny@3']);

    store.getState().setPreset('mean-teacher');
    await controller.start();
    const resumed = FakeWorker.last!;
    expect(resumed.received[0]).toMatchObject({ type: 'start' });
    expect(Array.from((resumed.received[0] as Extract<ToWorker, { type: 'start' }>).checkpoint ?? [])).toEqual([1, 2, 3, 4]);
    // The chart continues the resumed run's history, not the supervised run's.
    expect(store.getState().training.losses.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('deleting the shown model on a method change removes only that one', async () => {
    const store = createAppStore();
    loadDemo(store);
    const controller = new TrainingController(store, db);
    await trainedRun(store, controller, 'mean-teacher', 12, 5);
    store.getState().setPreset('supervised');
    await controller.start({ discard: 'mean-teacher/2d/tiny' });
    expect(await readRuns(db!)).toEqual([]);
    expect(store.getState().training.savedRuns).toEqual([]);
  });
});
