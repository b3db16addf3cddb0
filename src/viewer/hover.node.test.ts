import { describe, expect, it } from 'vitest';
import { linearIndex, transformPoint, type Vec3 } from '../volume/geometry.ts';
import { sampleAt } from './hover.ts';
import { syntheticOblique } from './testing/geometries.ts';

describe('sampleAt', () => {
  const g = syntheticOblique();
  const count = g.dims[0] * g.dims[1] * g.dims[2];

  it('reads the voxel nearest a world point on an oblique grid, with its label', () => {
    const grey = new Float32Array(count);
    const labels = new Uint8Array(count);
    const at = linearIndex(g.dims, 300, 40, 17);
    grey[at] = 812.5;
    labels[at] = 3;
    // A little off the voxel centre along each voxel axis: still that voxel.
    const world = transformPoint(g.ijkToLps, [300.3, 39.6, 17.4]);
    expect(sampleAt(g, 1, grey, labels, world)).toEqual({ voxel: [300, 40, 17], value: [812.5], label: 3 });
    const next = transformPoint(g.ijkToLps, [300, 40, 17.6]);
    expect(sampleAt(g, 1, grey, labels, next)).toEqual({ voxel: [300, 40, 18], value: [0], label: 0 });
  });

  it('reads all three channels of an RGB voxel', () => {
    const rgb = new Uint8Array(count * 3);
    const at = linearIndex(g.dims, 5, 6, 0);
    rgb.set([200, 100, 50], at * 3);
    const s = sampleAt(g, 3, rgb, new Uint8Array(count), transformPoint(g.ijkToLps, [5, 6, 0]));
    expect(s.value).toEqual([200, 100, 50]);
  });

  it('says nothing of a point outside the volume but where it is', () => {
    const s = sampleAt(g, 1, new Float32Array(count), new Uint8Array(count), transformPoint(g.ijkToLps, [-1, 10, 3] as Vec3));
    expect(s).toEqual({ voxel: [-1, 10, 3], value: null, label: null });
    expect(sampleAt(g, 1, new Float32Array(count), new Uint8Array(count), transformPoint(g.ijkToLps, [10, 10, 22])).value).toBeNull();
  });
});
