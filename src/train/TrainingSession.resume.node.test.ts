import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { generateDemoDataset } from '../demo/generateDemo.ts';
import { presetConfig } from './config.ts';
import type { FromWorker, ToWorker, WorkerVolume } from './protocol.ts';
import { CHECKPOINT_MIN_GAP_MS, checkpointDue, TrainingSession } from './TrainingSession.ts';

function volumes(dims: [number, number, number]): WorkerVolume[] {
  const demo = generateDemoDataset({ count: 1, dims });
  return demo.volumes.map((v, n) => {
    const l = demo.initialLabels[n]!;
    const per = dims[0] * dims[1];
    for (const k of [1, 3]) {
      l.voxels.set(demo.groundTruth[n]!.subarray(k * per, (k + 1) * per), k * per);
      l.slices[2][k] = 1;
    }
    return { id: v.id, validation: [], dims: v.geometry.dims, spacing: v.geometry.spacing, channels: 1, voxels: v.voxels, labels: l.voxels, slices: l.slices };
  });
}

/** Runs a session until `ready` (steps = 0), or to that step and then stops it and waits for its last checkpoint. */
async function run(vs: WorkerVolume[], checkpoint: Uint8Array | null, steps: number): Promise<FromWorker[]> {
  const events: FromWorker[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  let stopped = false;
  const session = new TrainingSession((m) => {
    events.push(m);
    if (m.type === 'error') done();
    if (m.type === 'ready' && steps === 0) {
      session.handle({ type: 'stop' });
      done();
    }
    if (m.type === 'step' && m.report.step >= steps && !stopped) {
      stopped = true;
      session.handle({ type: 'stop' });
    }
    if (m.type === 'checkpoint' && stopped) done();
  });
  const start: ToWorker = {
    type: 'start',
    config: presetConfig('supervised', { model: { width: 4, depth: 2 }, batchLabeled: 2 }),
    classes: [
      { value: 1, name: 'Organ' },
      { value: 2, name: 'Lesion' },
      { value: 3, name: 'Vessel' },
    ],
    volumes: vs,
    backendOrder: ['wasm'],
    skipSoftware: true,
    customKernels: true,
    modelSize: 'tiny',
    wasmPaths: '',
    checkpoint,
    checkpointEveryMs: 3_600_000,
    texts: null,
    textVectors: null,
    tak: null,
    takVectors: null,
  };
  session.handle(start);
  await finished;
  return events;
}

describe('resuming a 2D run', () => {
  it('keeps the patch the model was trained and predicts in, whatever volumes are open now', async () => {
    const first = await run(volumes([32, 32, 6]), null, 2);
    const ready = first.find((e): e is Extract<FromWorker, { type: 'ready' }> => e.type === 'ready')!;
    expect(ready.patch).toEqual([32, 32]);
    const ckpt = first.filter((e): e is Extract<FromWorker, { type: 'checkpoint' }> => e.type === 'checkpoint').at(-1)!;
    // The workspace now holds a larger volume: a fresh run would plan 64×64 windows.
    const fresh = (await run(volumes([64, 64, 6]), null, 0)).find((e) => e.type === 'ready') as Extract<FromWorker, { type: 'ready' }>;
    expect(fresh.patch).toEqual([64, 64]);
    const resumed = await run(volumes([64, 64, 6]), ckpt.bytes, ckpt.step + 1);
    const again = resumed.find((e): e is Extract<FromWorker, { type: 'ready' }> => e.type === 'ready')!;
    expect(again.resumedAt).toBe(ckpt.step);
    expect(again.patch).toEqual([32, 32]);
  }, 120_000);
});

describe('checkpoint cadence', () => {
  it('saves every few minutes, and every N steps but never in a burst', () => {
    const every = { everyMs: 60_000, everySteps: 25 };
    expect(checkpointDue({ ...every, sinceMs: 61_000, stepsSince: 1 })).toBe(true);
    expect(checkpointDue({ ...every, sinceMs: 30_000, stepsSince: 24 })).toBe(false);
    expect(checkpointDue({ ...every, sinceMs: 30_000, stepsSince: 25 })).toBe(true);
    // A fast GPU reaches 25 steps in a second: still at most one every CHECKPOINT_MIN_GAP_MS.
    expect(checkpointDue({ ...every, sinceMs: CHECKPOINT_MIN_GAP_MS - 1, stepsSince: 200 })).toBe(false);
    expect(checkpointDue({ ...every, sinceMs: CHECKPOINT_MIN_GAP_MS, stepsSince: 200 })).toBe(true);
    // Without a step cadence, time alone.
    expect(checkpointDue({ everyMs: 60_000, everySteps: Infinity, sinceMs: 59_000, stepsSince: 10_000 })).toBe(false);
  });
});
