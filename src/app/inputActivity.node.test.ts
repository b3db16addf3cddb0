import { describe, expect, it } from 'vitest';
import { InputActivity } from './inputActivity.ts';

describe("waiting for a pause in the user's input", () => {
  it('resolves at once with no input, after the quiet time following input, and at the cap during endless input', async () => {
    let now = 0;
    const a = new InputActivity(() => now);
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      now += ms;
    };
    await a.whenQuiet(800, 15_000, sleep);
    expect(slept).toEqual([]);

    a.note();
    now += 300;
    await a.whenQuiet(800, 15_000, sleep);
    expect(slept).toEqual([500]);
    expect(a.idleMs()).toBe(800);

    // Input every 400 ms never leaves 800 ms of quiet: the wait ends at the cap.
    a.note();
    const start = now;
    const busy = async (ms: number) => {
      const step = Math.min(ms, 400);
      now += step;
      a.note();
    };
    await a.whenQuiet(800, 5_000, busy);
    expect(now - start).toBeGreaterThanOrEqual(5_000);
    expect(now - start).toBeLessThan(5_400);
  });
});
