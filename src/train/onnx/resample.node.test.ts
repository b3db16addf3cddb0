import { describe, expect, it } from 'vitest';
import { resampledSize, resampleGrid } from './resample.ts';

describe('linear resampling between voxel grids', () => {
  it('sizes follow the physical extent', () => {
    expect(resampledSize(512, 0.7, 1.4)).toBe(256);
    expect(resampledSize(3, 1, 10)).toBe(1);
  });

  it('keeps a constant, and a linear ramp away from the edges, on every axis and channel', () => {
    const dims: [number, number, number] = [12, 10, 8];
    const data = new Float32Array(12 * 10 * 8 * 2);
    for (let z = 0; z < 8; z++)
      for (let y = 0; y < 10; y++)
        for (let x = 0; x < 12; x++) {
          const v = ((z * 10 + y) * 12 + x) * 2;
          data[v] = 7;
          data[v + 1] = x / 12 + 2 * (y / 10) + 3 * (z / 8);
        }
    const out = resampleGrid({ data, dims, channels: 2 }, [24, 5, 16]);
    expect(out.dims).toEqual([24, 5, 16]);
    for (let n = 0; n < out.data.length; n += 2) expect(out.data[n]).toBeCloseTo(7, 5);
    // Interior voxel (x 10, y 2, z 7) of the new grid: its centre in old voxel units is (x + 0.5)·s − 0.5.
    const at = (x: number, y: number, z: number) => out.data[((z * 5 + y) * 24 + x) * 2 + 1]!;
    const centre = (d: number, s: number) => (d + 0.5) * s - 0.5;
    expect(at(10, 2, 7)).toBeCloseTo(centre(10, 0.5) / 12 + 2 * (centre(2, 2) / 10) + 3 * (centre(7, 0.5) / 8), 5);
  });

  it('there and back on the same size is the identity', () => {
    const data = Float32Array.from({ length: 6 * 4 * 3 }, (_, n) => Math.sin(n));
    const out = resampleGrid({ data, dims: [6, 4, 3], channels: 1 }, [6, 4, 3]);
    expect(Array.from(out.data)).toEqual(Array.from(data));
  });
});
