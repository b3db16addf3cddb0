import { describe, expect, it } from 'vitest';
import { IDENTITY, type Vec3 } from '../volume/geometry.ts';
import { SliceProvenance } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { createAppStore } from './appStore.ts';

const dims: Vec3 = [16, 12, 9];
const at = (i: number, j: number, k: number): number => i + dims[0] * (j + dims[1] * k);

function storeWithVolume() {
  const store = createAppStore();
  const volume: Volume = {
    id: 'v',
    name: 'v',
    geometry: { dims, spacing: [1, 1, 1], ijkToLps: IDENTITY },
    channels: 1,
    voxels: new Float32Array(dims[0] * dims[1] * dims[2]),
    source: { format: 'image', fileName: 'v.png', mimeType: 'image/png' },
  };
  store.getState().addVolumes([{ volume }]);
  const live = () => store.getState().volumes['v']!.labels.voxels;
  return { store, live };
}

// The viewer tells the store where its tools wrote, so a stroke on a 600-slice volume diffs a few rows instead of
// 157 M voxels; these tests hold the box commit to the same edits, slice marks and undo as a whole-buffer diff.
describe('commitStroke with the written box', () => {
  it('records the same edit as a whole-buffer diff, for a stroke in each view', () => {
    const strokes: { axis: 0 | 1 | 2; voxels: number[]; box: { min: Vec3; max: Vec3 } }[] = [
      { axis: 2, voxels: [at(3, 4, 5), at(4, 4, 5), at(4, 5, 5)], box: { min: [3, 4, 5], max: [4, 5, 5] } },
      // A coronal stroke (constant j) runs across k-slices: the box spans k, not whole k-slices.
      { axis: 1, voxels: [at(2, 7, 1), at(2, 7, 2), at(3, 7, 8)], box: { min: [2, 7, 1], max: [3, 7, 8] } },
      { axis: 0, voxels: [at(9, 0, 0), at(9, 11, 8)], box: { min: [9, 0, 0], max: [9, 11, 8] } },
    ];
    for (const s of strokes) {
      const a = storeWithVolume();
      const b = storeWithVolume();
      for (const m of s.voxels) a.live()[m] = b.live()[m] = 2;
      const whole = a.store.getState().commitStroke('v', s.axis)!;
      const boxed = b.store.getState().commitStroke('v', s.axis, s.box)!;
      expect([...boxed.indices]).toEqual([...whole.indices]);
      expect([...boxed.after]).toEqual([...whole.after]);
      expect(boxed.sliceChanges).toEqual(whole.sliceChanges);
      expect(b.store.getState().volumes['v']!.committed).toEqual(b.live());
    }
  });

  it('undoes and redoes a boxed stroke exactly, and the next stroke diffs from there', () => {
    const { store, live } = storeWithVolume();
    live()[at(1, 1, 1)] = 1;
    store.getState().commitStroke('v', 2, { min: [1, 1, 1], max: [1, 1, 1] });
    live()[at(1, 1, 1)] = 3;
    live()[at(2, 1, 1)] = 3;
    const second = store.getState().commitStroke('v', 2, { min: [1, 1, 1], max: [2, 1, 1] })!;
    expect([...second.before]).toEqual([1, 0]);
    expect(store.getState().undo('v')).toBe(true);
    expect([live()[at(1, 1, 1)], live()[at(2, 1, 1)]]).toEqual([1, 0]);
    expect(store.getState().undo('v')).toBe(true);
    expect(live().every((x) => x === 0)).toBe(true);
    expect(store.getState().volumes['v']!.labels.slices[2][1]).toBe(SliceProvenance.Unlabeled);
    expect(store.getState().redo('v')).toBe(true);
    // Eraser over the redone voxel: the diff base followed the redo, so the edit goes 1 → 0.
    live()[at(1, 1, 1)] = 0;
    const erase = store.getState().commitStroke('v', 2, { min: [0, 0, 1], max: [15, 11, 1] })!;
    expect([...erase.indices]).toEqual([at(1, 1, 1)]);
    expect([...erase.before]).toEqual([1]);
  });

  it('does nothing when the viewer saw no write', () => {
    const { store, live } = storeWithVolume();
    live()[at(0, 0, 0)] = 1;
    expect(store.getState().commitStroke('v', 2, null)).toBeNull();
    expect(store.getState().volumes['v']!.labelsVersion).toBe(0);
    // Without a box the store still finds it: the whole-buffer diff stays the fallback.
    expect(store.getState().commitStroke('v', 2)?.indices.length).toBe(1);
  });
});
