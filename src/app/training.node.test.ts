import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearDatabase, openDatabase, readRuns } from '../persist/database.ts';
import { createAppStore } from '../store/appStore.ts';
import { loadDemo } from './demoWorkspace.ts';
import { TrainingController } from './training.ts';
import { FakeWorker, useFakeWorker } from './testing/fakeWorker.ts';

/** What Export model handed to the browser, by file name and size. */
const downloads = vi.hoisted(() => [] as { name: string; size: number }[]);
vi.mock('./download.ts', () => ({ downloadBytes: (bytes: Uint8Array, name: string) => downloads.push({ name, size: bytes.length }) }));

/*
 * Stop must stop. The worker answers Stop between two batches of work; if it does not (a worker stuck in a kernel,
 * or blocked), the panel must not stay "running" with a Stop button that does nothing: the controller ends the
 * worker after a grace period, shows the run as stopped and says what was kept. A stand-in Worker plays the
 * training worker, answering or not as each test needs.
 */

async function startedRun() {
  const store = createAppStore();
  loadDemo(store);
  const controller = new TrainingController(store, null);
  await controller.start();
  const worker = FakeWorker.last!;
  expect(worker.received[0]?.type).toBe('start');
  worker.say({ type: 'state', state: 'running' });
  return { store, controller, worker };
}

describe('Stop', () => {
  useFakeWorker();

  it('shows "stopping" at once; a worker that answers is ended when its last checkpoint arrives, with no warning', async () => {
    const { store, controller, worker } = await startedRun();
    controller.stop();
    expect(worker.received.at(-1)).toEqual({ type: 'stop' });
    expect(store.getState().training.stopping).toBe(true);
    // A second press sends nothing more.
    controller.stop();
    expect(worker.received.filter((m) => m.type === 'stop')).toHaveLength(1);
    worker.say({ type: 'state', state: 'stopped' });
    expect(store.getState().training).toMatchObject({ status: 'stopped', stopping: false });
    worker.say({ type: 'checkpoint', step: 7, bytes: new Uint8Array(4) });
    await vi.advanceTimersByTimeAsync(0);
    expect(worker.terminated).toBe(true);
    expect(controller.running).toBe(false);
    expect(store.getState().messages.filter((m) => m.severity === 'warning' && /Stop/.test(m.text))).toHaveLength(0);
  });

  it('ends a worker that does not answer within the grace period, shows the run stopped, and says what was kept', async () => {
    const { store, controller, worker } = await startedRun();
    worker.say({ type: 'checkpoint', step: 12, bytes: new Uint8Array(4) });
    await vi.advanceTimersByTimeAsync(0);
    controller.stop();
    await vi.advanceTimersByTimeAsync(29_000);
    expect(store.getState().training.status).toBe('running');
    expect(worker.terminated).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(worker.terminated).toBe(true);
    expect(store.getState().training).toMatchObject({ status: 'stopped', stopping: false });
    const warning = store.getState().messages.find((m) => m.severity === 'warning' && /Stop/.test(m.text));
    expect(warning?.text).toMatch(/did not answer Stop within 30 s.*held in this tab at step 12 is kept \(export it to keep it\)/);
    // Start works again: a fresh worker.
    await controller.start();
    expect(FakeWorker.last).not.toBe(worker);
  });

  it('waits four steps where steps are slow (a CPU backend cannot be interrupted mid-step)', async () => {
    const { store, controller, worker } = await startedRun();
    const report = { step: 1, lr: 1e-3, lambdaU: 0, losses: { total: 1, ce: 1, dice: 0, consistency: 0 }, text: null, tak: null, ms: 20_000 };
    worker.say({ type: 'step', report, epoch: 0, slicesPerSecond: 0.4, stepsPerSecond: 0.05, elapsedMs: 20_000 });
    controller.stop();
    await vi.advanceTimersByTimeAsync(79_000);
    expect(worker.terminated).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(worker.terminated).toBe(true);
    expect(store.getState().messages.find((m) => m.severity === 'warning' && /Stop/.test(m.text))?.text).toMatch(/within 80 s/);
  });

  it('a worker that said "stopped" but sends no checkpoint is still ended, without the warning', async () => {
    const { store, controller, worker } = await startedRun();
    controller.stop();
    worker.say({ type: 'state', state: 'stopped' });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(worker.terminated).toBe(true);
    expect(store.getState().messages.filter((m) => m.severity === 'warning' && /Stop/.test(m.text))).toHaveLength(0);
  });
});

/*
 * "Saved" is said only about what storage committed (issue #15): a tab that cannot write, or a write that fails,
 * keeps the model in memory, says so, and Export model downloads it from there.
 */
describe('checkpoints', () => {
  beforeEach(() => {
    vi.stubGlobal('Worker', FakeWorker);
    vi.stubGlobal('document', { baseURI: 'http://127.0.0.1/' });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('a checkpoint that storage did not take is never shown as saved, and exports from memory', async () => {
    const { store, controller, worker } = await startedRun();
    expect(worker.received[0]).toMatchObject({ type: 'start', checkpointEverySteps: 25 });
    worker.say({ type: 'checkpoint', step: 9, bytes: new Uint8Array([1, 2, 3]) });
    await new Promise((r) => setTimeout(r, 0));
    const c = store.getState().training.checkpoint!;
    expect(c).toMatchObject({ step: 9, stored: false });
    expect(c.problem).toMatch(/cannot write/);
    const told = store.getState().messages.filter((m) => /kept in this tab only/.test(m.text));
    expect(told).toHaveLength(1);
    // The next checkpoint with the same problem does not repeat the message.
    worker.say({ type: 'checkpoint', step: 10, bytes: new Uint8Array([4]) });
    await new Promise((r) => setTimeout(r, 0));
    expect(store.getState().messages.filter((m) => /kept in this tab only/.test(m.text))).toHaveLength(1);
    await controller.exportModel();
    expect(downloads).toEqual([{ name: 'pseudolab-model-step10.pslb', size: 1 }]);
  });

  it('a tab that becomes the writer stores the model it held in memory', async () => {
    const { store, controller, worker } = await startedRun();
    worker.say({ type: 'checkpoint', step: 14, bytes: new Uint8Array([7, 7]) });
    await new Promise((r) => setTimeout(r, 0));
    expect(store.getState().training.checkpoint).toMatchObject({ step: 14, stored: false });
    const db = await openDatabase();
    await clearDatabase(db);
    await controller.useDatabase(db);
    expect(store.getState().training.checkpoint).toMatchObject({ step: 14, stored: true });
    expect((await readRuns(db)).map((r) => r.step)).toEqual([14]);
    db.close();
  });
});
