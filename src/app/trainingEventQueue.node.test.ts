import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FromWorker } from '../train/protocol.ts';
import { coalesce, flushDelay, TrainingEventQueue, type EventPacing } from './trainingEventQueue.ts';

/*
 * While training, every step and every slice prediction used to reach the store alone, each re-rendering the panel
 * and redrawing the views; a slice change or click then waited behind those redraws. The queue applies them in
 * batches and not while the user is busy, but must never reorder them around the events that change what runs,
 * nor hold a pseudo-label back for ever.
 */

const PACING: EventPacing = { batchMs: 250, quietMs: 600, maxDelayMs: 3000 };

function step(n: number): FromWorker {
  const report = { step: n, lr: 1e-3, lambdaU: 0, losses: { total: 1, ce: 1, dice: 0, consistency: 0 }, text: null, tak: null, ms: 100 };
  return { type: 'step', report, epoch: 0, slicesPerSecond: 1, stepsPerSecond: 1, elapsedMs: n * 100 };
}

const label = (m: FromWorker): string => (m.type === 'step' ? `step${m.report.step}` : m.type === 'state' ? `state:${m.state}` : m.type);

describe('flushDelay', () => {
  it('waits for the batch interval and for the user to be quiet, never past the longest delay', () => {
    // Nothing recent: at once.
    expect(flushDelay(10_000, 10_000, -Infinity, -Infinity, PACING)).toBe(0);
    // A batch 100 ms ago: 150 ms more.
    expect(flushDelay(10_000, 10_000, 9_900, -Infinity, PACING)).toBe(150);
    // A key 200 ms ago: 400 ms more.
    expect(flushDelay(10_000, 10_000, -Infinity, 9_800, PACING)).toBe(400);
    // Input just now, but the oldest event has waited 2.9 s: only 100 ms more.
    expect(flushDelay(10_000, 7_100, -Infinity, 10_000, PACING)).toBe(100);
  });
});

describe('TrainingEventQueue', () => {
  let now = 0;
  let applied: string[] = [];
  let queue: TrainingEventQueue;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
    applied = [];
    queue = new TrainingEventQueue(
      (m) => applied.push(label(m)),
      PACING,
      () => now,
    );
  });
  afterEach(() => {
    queue.dispose();
    vi.useRealTimers();
  });
  const advance = async (ms: number): Promise<void> => {
    now += ms;
    await vi.advanceTimersByTimeAsync(ms);
  };

  it('applies progress in one batch, and a state change at once after what came before it', async () => {
    queue.receive(step(1));
    queue.receive(step(2));
    expect(applied).toEqual([]);
    queue.receive({ type: 'state', state: 'paused' });
    expect(applied).toEqual(['step1', 'step2', 'state:paused']);
    queue.receive(step(3));
    await advance(300);
    expect(applied).toEqual(['step1', 'step2', 'state:paused', 'step3']);
  });

  it('holds progress while the user keeps interacting, and lets it through after at most maxDelayMs', async () => {
    await advance(1000);
    queue.receive(step(1));
    for (let t = 0; t < 2800; t += 200) {
      queue.noteInput();
      await advance(200);
      if (t < 2800 - 200) expect(applied).toEqual([]);
    }
    await advance(300);
    expect(applied).toEqual(['step1']);
  });

  it('lets progress through once the user has been quiet for quietMs', async () => {
    await advance(1000);
    queue.noteInput();
    queue.receive(step(1));
    await advance(500);
    expect(applied).toEqual([]);
    await advance(150);
    expect(applied).toEqual(['step1']);
  });

  it('flush applies what is queued at once (an action that reads the latest prediction)', () => {
    queue.receive(step(1));
    queue.flush();
    expect(applied).toEqual(['step1']);
  });
});

describe('coalesce', () => {
  const prediction = (volumeId: string, k: number, step: number): FromWorker => ({
    type: 'prediction',
    volumeId,
    k,
    step,
    labels: new Uint8Array([step]),
    uncertainty: new Uint8Array([0]),
    text: null,
  });
  const scores = (volumeId: string, step: number): FromWorker => ({ type: 'sliceScores', volumeId, step, scores: new Float32Array([step]) });

  it("keeps only a slice's newest prediction, every slice's own, and the order of what stays", () => {
    const batch = [prediction('a', 3, 1), prediction('a', 4, 1), prediction('b', 3, 1), prediction('a', 3, 2)];
    const kept = coalesce(batch);
    expect(kept).toEqual([batch[1], batch[2], batch[3]]);
  });

  it('keeps the newest slice scores per volume and the newest predict-all progress', () => {
    const batch: FromWorker[] = [
      scores('a', 1),
      { type: 'predictAllProgress', done: 1, total: 4 },
      scores('b', 1),
      scores('a', 2),
      { type: 'predictAllProgress', done: 2, total: 4 },
    ];
    expect(coalesce(batch)).toEqual([batch[2], batch[3], batch[4]]);
  });

  it('never drops a step or a validation point: each one adds to the charts', () => {
    const steps = [1, 2, 3].map((step) => ({ type: 'validation', report: { step } }) as unknown as FromWorker);
    expect(coalesce(steps)).toEqual(steps);
  });
});
