import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearDatabase, openDatabase, readRuns, type Database } from '../../persist/database.ts';
import { createAppStore, type AppStore } from '../../store/appStore.ts';
import type { FromWorker } from '../../train/protocol.ts';
import { loadDemo } from '../demoWorkspace.ts';
import { TrainingController } from '../training.ts';
import { FakeWorker } from '../testing/fakeWorker.ts';
import { compareRuns } from './methodComparison.ts';

/*
 * Which method wins on this workspace (issue #18, item 5), through the stored runs: a run keeps the slices its
 * validation measured, and a reload selects the method winning on them unless the user chose one meanwhile. A
 * stand-in Worker plays the training worker.
 */

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));
const HELD_OUT = ['demo-0:4', 'demo-0:11'];

function ready(validationSet: string[] | undefined): FromWorker {
  return {
    type: 'ready',
    network: '2d',
    patch: [96, 96],
    parameters: 1000,
    modelSize: 'tiny',
    width: 4,
    depth: 2,
    labeledSlices: 3,
    validationSlices: validationSet?.length ?? 0,
    ...(validationSet ? { validationSet, validationLabels: '0badcafe' } : {}),
    unlabeledSlices: 40,
    resumedAt: null,
  };
}

function step(n: number): FromWorker {
  const report = { step: n, lr: 1e-3, lambdaU: 0, losses: { total: 1, ce: 1, dice: 1, consistency: 0 }, text: null, tak: null, ms: 100 };
  return { type: 'step', report, epoch: 1, slicesPerSecond: 4, stepsPerSecond: 1, elapsedMs: n * 100 };
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

/** A run of `preset` for 4 steps, validated at steps 2 and 4 with these mean Dice scores (the demo's 3 classes), then checkpointed. */
async function validatedRun(store: AppStore, controller: TrainingController, preset: 'mean-teacher' | 'supervised', means: [number, number], held = HELD_OUT) {
  store.getState().setPreset(preset);
  store.getState().setModelSize('tiny');
  await controller.start();
  const worker = FakeWorker.last!;
  worker.say(ready(held));
  worker.say({ type: 'state', state: 'running' });
  for (let n = 1; n <= 4; n++) {
    worker.say(step(n));
    if (n % 2 === 0) {
      const mean = means[n / 2 - 1]!;
      worker.say({ type: 'validation', report: { step: n, dice: [mean + 0.02, mean - 0.02, mean], meanDice: mean, slices: held.length } });
    }
  }
  worker.say({ type: 'state', state: 'stopped' });
  worker.say({ type: 'checkpoint', step: 4, bytes: new Uint8Array([1, 2, 3]) });
  // Stored with this run's slices, then the layers after it: waited for, as a loaded machine may take a while.
  await vi.waitFor(async () => expect((await readRuns(db!)).find((r) => r.key === `${preset}/2d/tiny`)?.validationSlices).toEqual(held), {
    timeout: 10_000,
    interval: 50,
  });
  await settle();
}

async function reload(chooseFirst?: 'supervised' | 'mean-teacher'): Promise<AppStore> {
  const again = createAppStore();
  loadDemo(again);
  const loading = new TrainingController(again, db).loadCheckpointInfo();
  // A choice made while the runs are still being read.
  if (chooseFirst) again.getState().setPreset(chooseFirst);
  await loading;
  return again;
}

describe('the method that wins on this workspace', () => {
  it('stores the validation slices with each run and selects the winner after a reload', async () => {
    const store = createAppStore();
    loadDemo(store);
    const controller = new TrainingController(store, db);
    await validatedRun(store, controller, 'mean-teacher', [0.6, 0.81]);
    await validatedRun(store, controller, 'supervised', [0.7, 0.74]);
    const stored = await readRuns(db!);
    expect(stored.map((r) => r.validationSlices)).toEqual([HELD_OUT, HELD_OUT]);
    expect(stored.map((r) => r.validationLabels)).toEqual(['0badcafe', '0badcafe']);

    const again = await reload();
    const t = again.getState().training;
    // Supervised was stored last, but mean teacher leads on the same held-out slices: it is shown and selected.
    expect(t.preset).toBe('mean-teacher');
    expect(t.checkpoint).toMatchObject({ preset: 'mean-teacher', step: 4 });
    expect(t.validation.map((v) => v.mean)).toEqual([0.6, 0.81]);
    const c = compareRuns(t.savedRuns);
    expect(c.winner).toMatchObject({ preset: 'mean-teacher', latest: { mean: 0.81 } });
    expect(c.rows.map((r) => r.latest?.perClass.map((p) => p.dice))).toEqual([
      [0.81 + 0.02, 0.81 - 0.02, 0.81],
      [0.74 + 0.02, 0.74 - 0.02, 0.74],
    ]);
  });

  it("never overrides the user's own choice, and ranks nothing across different validation slices", async () => {
    const store = createAppStore();
    loadDemo(store);
    const controller = new TrainingController(store, db);
    await validatedRun(store, controller, 'mean-teacher', [0.6, 0.81]);
    await validatedRun(store, controller, 'supervised', [0.7, 0.74]);
    expect((await reload('supervised')).getState().training.preset).toBe('supervised');

    await validatedRun(store, controller, 'supervised', [0.7, 0.74], ['demo-0:4', 'demo-0:12']);
    const again = await reload();
    // The newest run validated elsewhere: nothing is ranked beside it, so the newest is shown, as before.
    expect(again.getState().training.preset).toBe('supervised');
    expect(compareRuns(again.getState().training.savedRuns).winner).toBeNull();
  });
});
