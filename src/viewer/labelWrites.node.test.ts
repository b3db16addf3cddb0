import { utilities } from '@cornerstonejs/core';
import { describe, expect, it } from 'vitest';
import { takeWrittenBox, type SliceWriteRecord } from './labelWrites.ts';

// The records are cornerstone's own image voxel managers over slices of one buffer, as registerVolume makes them:
// if cornerstone stops recording writes the way this relies on, these tests fail rather than strokes going unsaved.
function slices(width: number, height: number, depth: number) {
  const buffer = new Uint8Array(width * height * depth);
  const managers = Array.from({ length: depth }, (_, k) =>
    utilities.VoxelManager.createImageVoxelManager({
      width,
      height,
      scalarData: buffer.subarray(k * width * height, (k + 1) * width * height),
      numberOfComponents: 1,
      id: `k${k}`,
    }),
  );
  return { buffer, managers, records: managers as unknown as SliceWriteRecord[] };
}

describe('takeWrittenBox', () => {
  it('bounds the pixels written through the voxel managers, then starts afresh', () => {
    const { buffer, managers, records } = slices(8, 6, 5);
    managers[1]!.setAtIndex(2 + 8 * 3, 4);
    managers[3]!.setAtIndex(5 + 8 * 1, 4);
    expect(takeWrittenBox(records, 8, 6)).toEqual({ min: [2, 1, 1], max: [5, 3, 3] });
    expect(buffer[2 + 8 * 3 + 48]).toBe(4);
    expect(takeWrittenBox(records, 8, 6)).toBeNull();
  });

  it('ignores writes that change nothing', () => {
    const { managers, records } = slices(8, 6, 2);
    managers[0]!.setAtIndex(3, 0);
    expect(takeWrittenBox(records, 8, 6)).toBeNull();
  });

  it('takes the whole slice for a direct fill that records only its slice index', () => {
    const { buffer, managers, records } = slices(8, 6, 5);
    buffer.fill(2, 4 * 48, 4 * 48 + 3);
    managers[4]!.modifiedSlices.add(4);
    expect(takeWrittenBox(records, 8, 6)).toEqual({ min: [0, 0, 4], max: [7, 5, 4] });
  });

  it('says it cannot know when a slice has no record', () => {
    const { records } = slices(8, 6, 3);
    expect(takeWrittenBox([records[0], undefined, records[2]], 8, 6)).toBeUndefined();
  });
});
