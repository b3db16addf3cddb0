import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppStore, type AppStore } from '../store/appStore.ts';
import { IDENTITY, type Vec3 } from '../volume/geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import { adoptStoredWorkspace } from './adoptStoredWorkspace.ts';
import { Autosaver } from './Autosaver.ts';
import { clearDatabase, openDatabase, readLabelDeltas, type Database } from './database.ts';
import { restoreWorkspace } from './restore.ts';

function volume(id: string, dims: Vec3 = [8, 8, 4]): Volume {
  return {
    id,
    name: `${id}.nii.gz`,
    geometry: { dims, spacing: [1, 1, 1], ijkToLps: [...IDENTITY] as typeof IDENTITY },
    channels: 1,
    voxels: new Int16Array(dims[0] * dims[1] * dims[2]).map((_, n) => n % 97),
    source: { format: 'image', fileName: id, mimeType: 'application/octet-stream' },
  };
}

const slow = { debounceMs: 60_000, maxDelayMs: 60_000, retryMs: 60_000, compactMs: 60_000 };
let db: Database | null = null;

afterEach(async () => {
  if (db) {
    await clearDatabase(db);
    db.close();
    db = null;
  }
});

function paint(store: AppStore, id: string, at: number, value: number): void {
  store.getState().volumes[id]!.labels.voxels[at] = value;
  store.getState().commitStroke(id, 2);
}

const labelAt = (store: AppStore, id: string, at: number) => store.getState().volumes[id]!.labels.voxels[at];

describe('a read-only tab taking over as writer', () => {
  it("re-reads the writer's labels, keeps its own edits for volumes it changed, and its first save stores the merge", async () => {
    db = await openDatabase();
    // Tab A writes a and b.
    const a = createAppStore();
    a.getState().addClass('Liver');
    a.getState().addVolumes([{ volume: volume('a') }, { volume: volume('b') }]);
    const writer = new Autosaver(a, db, slow);
    await writer.flush();
    writer.start();
    // Tab B opens read-only with what is stored.
    const b = createAppStore();
    const opened = await restoreWorkspace(db, b, () => null);
    // A goes on: strokes on both volumes, as deltas; then A opens c.
    paint(a, 'a', 10, 1);
    paint(a, 'b', 20, 1);
    a.getState().addVolumes([{ volume: volume('c') }]);
    paint(a, 'c', 5, 1);
    await writer.flush();
    paint(a, 'b', 21, 1); // a delta on top of the folded chunks
    await writer.deltasSettled();
    writer.dispose(); // A closes
    // B painted b meanwhile: its b wins whole, A's strokes on b are dropped.
    paint(b, 'b', 30, 1);
    const mineB = b.getState().volumes['b']!.labels;
    const shownA = b.getState().volumes['a']!.labels;

    const changedHere = new Set(['b']);
    const adopted = await adoptStoredWorkspace(db, b, () => null, changedHere);
    expect(adopted.problems).toEqual([]);
    expect(b.getState().volumeOrder).toEqual(['a', 'b', 'c']);
    expect(labelAt(b, 'a', 10)).toBe(1); // A's stroke on a, re-read in place
    // In place: the viewer's images are views of this buffer.
    expect(b.getState().volumes['a']!.labels).toBe(shownA);
    expect(b.getState().volumes['b']!.labels).toBe(mineB);
    expect([labelAt(b, 'b', 20), labelAt(b, 'b', 21), labelAt(b, 'b', 30)]).toEqual([0, 0, 1]);
    expect(labelAt(b, 'c', 5)).toBe(1);
    expect(opened.volumeIds).toEqual(['a', 'b']);
    expect(adopted.labelVersions.has('b')).toBe(false);
    expect(adopted.deltaSeqs.get('b')).toBeGreaterThanOrEqual(0);

    const saver = new Autosaver(b, db, slow);
    saver.markStored(adopted.volumeIds, adopted.labelVersions, adopted.savedAt, adopted.labelHashes, adopted.orphanIds, adopted.deltaSeqs);
    saver.start();
    await saver.flush();
    saver.dispose();
    expect(b.getState().save.kind).toBe('saved');
    // A's leftover delta on b must not be replayed over B's labels.
    expect(await readLabelDeltas(db, 'b')).toHaveLength(0);
    const back = createAppStore();
    await restoreWorkspace(db, back, () => null);
    expect([labelAt(back, 'a', 10), labelAt(back, 'b', 20), labelAt(back, 'b', 21), labelAt(back, 'b', 30), labelAt(back, 'c', 5)]).toEqual([1, 0, 0, 1, 1]);
  });
});
