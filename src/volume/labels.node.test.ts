import { describe, expect, it } from 'vitest';
import type { Vec3 } from './geometry.ts';
import { diffVoxels, diffVoxelsInBox } from './labels.ts';

/** A small seeded generator, so a failure names one reproducible buffer. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const dims: Vec3 = [37, 23, 11];
const n = dims[0] * dims[1] * dims[2];
const index = (i: number, j: number, k: number): number => i + dims[0] * (j + dims[1] * k);

describe('diffVoxels', () => {
  it("finds every changed voxel in ascending order, past the collector's first capacity, at any alignment", () => {
    const rand = lcg(7);
    // Offsets 1 and 3 put the two buffers out of step with each other and with 4-byte words.
    for (const [offA, offB] of [
      [0, 0],
      [1, 1],
      [1, 3],
    ] as const) {
      const committed = new Uint8Array(n + offA).subarray(offA);
      const current = new Uint8Array(n + offB).subarray(offB);
      const expected: number[] = [];
      for (let m = 0; m < n; m++) {
        committed[m] = rand() < 0.5 ? 0 : 2;
        current[m] = committed[m]!;
        if (rand() < 0.3) {
          current[m] = committed[m] === 0 ? 5 : 0;
          expected.push(m);
        }
      }
      const d = diffVoxels(committed, current);
      expect(expected.length).toBeGreaterThan(1024);
      expect([...d.indices]).toEqual(expected);
      expect([...d.before]).toEqual(expected.map((m) => committed[m]));
      expect([...d.after]).toEqual(expected.map((m) => current[m]));
    }
  });
});

describe('diffVoxelsInBox', () => {
  it('gives the whole-buffer edit when every change lies inside the box', () => {
    const rand = lcg(11);
    const committed = new Uint8Array(n);
    const current = new Uint8Array(n);
    const box = { min: [3, 4, 2] as Vec3, max: [20, 9, 6] as Vec3 };
    for (let t = 0; t < 400; t++) {
      const i = box.min[0] + Math.floor(rand() * (box.max[0] - box.min[0] + 1));
      const j = box.min[1] + Math.floor(rand() * (box.max[1] - box.min[1] + 1));
      const k = box.min[2] + Math.floor(rand() * (box.max[2] - box.min[2] + 1));
      current[index(i, j, k)] = 1 + Math.floor(rand() * 3);
    }
    const whole = diffVoxels(committed, current);
    const inBox = diffVoxelsInBox(committed, current, dims, box);
    expect(whole.indices.length).toBeGreaterThan(100);
    expect([...inBox.indices]).toEqual([...whole.indices]);
    expect([...inBox.after]).toEqual([...whole.after]);
  });

  it('includes the box edges, skips what lies outside, and clips a box that overhangs the volume', () => {
    const committed = new Uint8Array(n);
    const current = new Uint8Array(n);
    const corners = [index(0, 0, 0), index(36, 22, 10), index(5, 5, 5)];
    for (const m of corners) current[m] = 4;
    const outside = index(6, 5, 5);
    current[outside] = 4;
    const edges = diffVoxelsInBox(committed, current, dims, { min: [-3, -1, -2], max: [40, 30, 20] });
    expect([...edges.indices]).toEqual([...corners, outside].sort((a, b) => a - b));
    const tight = diffVoxelsInBox(committed, current, dims, { min: [5, 5, 5], max: [5, 5, 5] });
    expect([...tight.indices]).toEqual([index(5, 5, 5)]);
    const empty = diffVoxelsInBox(committed, current, dims, { min: [Infinity, Infinity, Infinity], max: [-Infinity, -Infinity, -Infinity] });
    expect(empty.indices.length).toBe(0);
  });
});
