import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FromWorker } from '../train/protocol.ts';
import { flushDelay, TrainingEventQueue, type EventPacing } from './trainingEventQueue.ts';

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
    queue = new TrainingEventQueue((m) => applied.push(label(m)), PACING, () => now);
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
