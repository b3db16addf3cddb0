import '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateDemoDataset } from '../demo/generateDemo.ts';
import { openInputs } from '../io/openInputs.ts';
import { nodeFolder } from '../io/testing/nodeFiles.ts';
import { presetConfig } from './config.ts';
import type { FromWorker, ToWorker, WorkerVolume } from './protocol.ts';
import { TrainingSession } from './TrainingSession.ts';

const MR = '../shared/datasets/dicom/mr-brain-t1post';

function harness() {
  const events: FromWorker[] = [];
  let notify: () => void = () => {};
  const session = new TrainingSession((m) => {
    events.push(m);
    notify();
  });
  const until = async <T extends FromWorker['type']>(
    type: T,
    pred: (m: Extract<FromWorker, { type: T }>) => boolean = () => true,
    ms = 120_000,
  ): Promise<Extract<FromWorker, { type: T }>> => {
    const end = Date.now() + ms;
    for (;;) {
      const found = events.find((m) => m.type === type && pred(m as Extract<FromWorker, { type: T }>));
      if (found) return found as Extract<FromWorker, { type: T }>;
      if (Date.now() > end) throw new Error(`no ${type} event; got ${events.map((e) => e.type).join(', ')}`);
      await new Promise<void>((r) => {
        notify = r;
        setTimeout(r, 200);
      });
    }
  };
  return { session, events, until, send: (m: ToWorker) => session.handle(m) };
}

function start(volumes: WorkerVolume[], checkpoint: Uint8Array | null = null): Extract<ToWorker, { type: 'start' }> {
  // The app's own config (app/training.ts) with every setting on Auto.
  const config = presetConfig('mean-teacher', { seed: 1, model: { kind: '2d' }, validation: { everySteps: 20 } });
  return {
    type: 'start',
    config,
    classes: [{ value: 1, name: 'Tumour' }],
    volumes,
    backendOrder: ['wasm'],
    skipSoftware: true,
    customKernels: true,
    modelSize: 'auto',
    wasmPaths: '',
    checkpoint,
    checkpointEveryMs: 3_600_000,
    texts: null,
    textVectors: null,
    tak: null,
    takVectors: null,
  };
}

describe('2D runs fitted to the backend, and engine failures', () => {
  it.skipIf(!existsSync(MR))(
    `fits a 512² MR series (${MR}) into the WebAssembly heap before the first step`,
    async () => {
      const opened = await openInputs(nodeFolder(MR));
      const v = opened.volumes[0]!;
      const [ni, nj, nk] = v.geometry.dims;
      const labels = new Uint8Array(ni * nj * nk);
      const slices: [Uint8Array, Uint8Array, Uint8Array] = [new Uint8Array(ni), new Uint8Array(nj), new Uint8Array(nk)];
      for (const k of [10, 12]) {
        labels.fill(1, (k * nj + 240) * ni + 200, (k * nj + 240) * ni + 260);
        slices[2][k] = 1;
      }
      const { session, until, send } = harness();
      send(start([{ id: v.id, validation: [], dims: [ni, nj, nk], spacing: [...v.geometry.spacing], channels: 1, voxels: v.voxels, labels, slices }]));
      const memory = await until('memory2d');
      send({ type: 'stop' });
      // The small size 'auto' picks at a 256² patch and 4 + 4 is several times the 2 GiB budget; what runs fits.
      expect(memory.requested).toMatchObject({ patch: [256, 256], batchLabeled: 4, batchUnlabeled: 4 });
      expect(memory.reason).toMatch(/over the 2048 MiB available/);
      expect(memory.used).not.toBeNull();
      expect(memory.estimateBytes).toBeLessThanOrEqual(memory.budgetBytes);
      const ready = await until('ready');
      expect(ready.patch).toEqual(memory.used!.patch);
      await until('state', (m) => m.state === 'stopped');
      session.dispose();
    },
    180_000,
  );

  it('says a WebAssembly abort in plain words with the raw text as details, and a fresh session resumes from the checkpoint', async () => {
    const demo = generateDemoDataset({ count: 1, dims: [32, 32, 6] });
    const d = demo.volumes[0]!;
    const volume = (): WorkerVolume => {
      const l = demo.initialLabels[0]!;
      const slices: [Uint8Array, Uint8Array, Uint8Array] = [l.slices[0].slice(), l.slices[1].slice(), l.slices[2].slice()];
      slices[2][2] = 1;
      return {
        id: d.id,
        validation: [],
        dims: d.geometry.dims,
        spacing: d.geometry.spacing,
        channels: 1,
        voxels: d.voxels.slice(),
        labels: demo.groundTruth[0]!.slice(),
        slices,
      };
    };
    const first = harness();
    first.send(start([volume()]));
    await first.until('step', (m) => m.report.step >= 2);
    first.send({ type: 'requestCheckpoint' });
    const saved = await first.until('checkpoint');
    // What tfjs-backend-wasm throws when its heap cannot grow.
    const trainer = (first.session as unknown as { trainer: { trainStep: () => Promise<never> } }).trainer;
    trainer.trainStep = () => Promise.reject(new Error('Aborted(). Build with -sASSERTIONS for more info.'));
    const error = await first.until('error');
    expect(error.engine).toBe('memory');
    expect(error.message).toMatch(/ran out of memory in the CPU \(WebAssembly\) engine/);
    expect(error.message).toContain(`step ${saved.step}`);
    expect(error.details).toMatch(/^Aborted\(\)/);
    await first.until('state', (m) => m.state === 'error');
    first.session.dispose();

    const second = harness();
    second.send(start([volume()], saved.bytes));
    const ready = await second.until('ready');
    expect(ready.resumedAt).toBe(saved.step);
    await second.until('step', (m) => m.report.step === saved.step + 1);
    second.send({ type: 'stop' });
    await second.until('state', (m) => m.state === 'stopped');
    second.session.dispose();
  }, 180_000);
});
