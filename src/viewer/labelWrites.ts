import type { VoxelBox } from '../volume/labels.ts';

/**
 * What cornerstone's voxel manager of one label image records about writes to it: every `setAtIndex` that changes
 * a value adds the pixel to the bounds and slice 0 to `modifiedSlices`; tools that fill the pixel array directly
 * only add their volume slice index to `modifiedSlices`.
 */
export interface SliceWriteRecord {
  modifiedSlices: Set<number>;
  /** The recorded bounds, or the whole image when none were recorded. */
  getBoundsIJK(): number[][];
  clearBounds(): void;
}

/**
 * The box of label voxels written since the last call, from the per-k-slice write records, which it then
 * clears. `null`: nothing was written. `undefined`: some slice has no record (its image left the cache), so the
 * caller cannot know and must diff everything.
 */
export function takeWrittenBox(records: readonly (SliceWriteRecord | undefined)[], width: number, height: number): VoxelBox | null | undefined {
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  let unknown = false;
  for (let k = 0; k < records.length; k++) {
    const r = records[k];
    if (!r) {
      unknown = true;
      continue;
    }
    if (r.modifiedSlices.size === 0) continue;
    // A slice index other than 0 comes from a direct fill of the pixel array, which records no bounds.
    let direct = false;
    for (const s of r.modifiedSlices) if (s !== 0) direct = true;
    const b = r.getBoundsIJK();
    const [i0, i1] = direct ? [0, width - 1] : [b[0]![0]!, b[0]![1]!];
    const [j0, j1] = direct ? [0, height - 1] : [b[1]![0]!, b[1]![1]!];
    min[0] = Math.min(min[0], i0);
    max[0] = Math.max(max[0], i1);
    min[1] = Math.min(min[1], j0);
    max[1] = Math.max(max[1], j1);
    min[2] = Math.min(min[2], k);
    max[2] = Math.max(max[2], k);
    r.modifiedSlices.clear();
    r.clearBounds();
  }
  if (unknown) return undefined;
  return min[2] === Infinity ? null : { min, max };
}
