import { describe, expect, it } from 'vitest';
import { createLabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { toTrainingVolume, withLabels } from './trainingVolume.ts';

function volume(): Volume {
  const dims: [number, number, number] = [4, 3, 2];
  const voxels = new Int16Array(24).map((_, n) => n * 10 - 100);
  return {
    id: 'v',
    name: 'v',
    geometry: { dims, spacing: [1, 1, 1], ijkToLps: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] },
    channels: 1,
    voxels,
    source: { format: 'image', fileName: 'v', mimeType: '' },
  };
}

describe('withLabels', () => {
  // A stroke during training replaces the labels only: the normalised image (300 MB for a 512²×300 CT) is shared.
  it('keeps the normalised image and converts the new labels exactly as toTrainingVolume does', () => {
    const v = volume();
    const classValues = [5, 9];
    const before = toTrainingVolume(v, createLabelMap(v.geometry.dims), classValues);
    const next = createLabelMap(v.geometry.dims);
    next.voxels[13] = 9;
    next.voxels[14] = 5;
    next.voxels[2] = 7;
    next.slices[2][1] = 1;
    const updated = withLabels(before, next, classValues);
    const fresh = toTrainingVolume(v, next, classValues);
    expect(updated.image).toBe(before.image);
    expect(Array.from(updated.labels)).toEqual(Array.from(fresh.labels));
    expect(Array.from(updated.labeled)).toEqual(Array.from(fresh.labeled));
    expect(updated.labels[13]).toBe(2);
    expect(updated.labels[14]).toBe(1);
    // Unknown class values are background; only slice k = 1 carries ground truth.
    expect(updated.labels[2]).toBe(0);
    expect(updated.labeled[2]).toBe(0);
    expect(updated.labeled[12]).toBe(1);
    // The earlier volume is untouched: the trainer may still be reading it.
    expect(before.labels[13]).toBe(0);
  });

  it('refuses labels of another grid', () => {
    const v = volume();
    const tv = toTrainingVolume(v, createLabelMap(v.geometry.dims), [1]);
    expect(() => withLabels(tv, createLabelMap([4, 3, 3]), [1])).toThrow(/4×3×3/);
  });
});
