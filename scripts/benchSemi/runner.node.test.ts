import { describe, expect, it } from 'vitest';
import { pool } from './runner.ts';

describe('the pool of runs', () => {
  it('runs every item once, never more than `jobs` at a time, starting them in list order', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await pool([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n % 2 ? 15 : 5));
      running--;
    });
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });

  it('does nothing for no items', async () => {
    let calls = 0;
    await pool([], 2, async () => {
      calls++;
    });
    expect(calls).toBe(0);
  });
});
