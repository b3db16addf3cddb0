import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { predictWindows, tileStarts } from './inference.ts';

function blank(n: number): TrainingVolume {
  return {
    id: 'v',
    dims: [n, n, 1],
    spacing: [1, 1, 1],
    channels: 1,
    image: new Float32Array(n * n),
    labels: new Uint8Array(n * n),
    labeled: new Uint8Array(n * n),
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('predictWindows overlap', () => {
  // The live preview of a large slice on a CPU backend tiles with a quarter overlap: 25 windows for 512² in 128², not 49.
  it('covers a slice with fewer windows at less overlap, each pixel normalised', async () => {
    const count = async (overlap?: number): Promise<{ windows: number; map: Float32Array }> => {
      let windows = 0;
      const [out] = await predictWindows(
        blank(64),
        [0],
        [32, 32],
        1,
        2,
        (x) => {
          windows += x.shape[0];
          return [tf.fill([x.shape[0], 32, 32, 2], 0.5)];
        },
        overlap,
      );
      return { windows, map: out!.maps[0]! };
    };
    const none = await count(0);
    const quarter = await count(0.25);
    const half = await count();
    expect(none.windows).toBe(4);
    expect(quarter.windows).toBe(9);
    expect(half.windows).toBe(9);
    // A 512² slice in 128² windows: 4, 5 and 7 per side.
    expect([0, 0.25, 0.5].map((o) => tileStarts(512, 128, o).length)).toEqual([4, 5, 7]);
    // Blended or not, a constant network gives the constant back everywhere: every pixel is covered exactly once in weight.
    for (const m of [none.map, quarter.map, half.map]) {
      expect(m.length).toBe(64 * 64 * 2);
      expect(Math.max(...m)).toBeCloseTo(0.5, 5);
      expect(Math.min(...m)).toBeCloseTo(0.5, 5);
    }
  });
});
