import 'fake-indexeddb/auto';
import { unwrap } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppStore, type AppStore } from '../store/appStore.ts';
import { IDENTITY, type Vec3 } from '../volume/geometry.ts';
import { SliceProvenance } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { Autosaver, PAINTING_REASON } from './Autosaver.ts';
import { changedIndices } from './changedIndices.ts';
import { clearDatabase, openDatabase, readLabelDeltas, type Database } from './database.ts';
import { restoreWorkspace } from './restore.ts';

function volume(id: string, dims: Vec3 = [16, 12, 6]): Volume {
  const voxels = new Int16Array(dims[0] * dims[1] * dims[2]).map((_, n) => (n * 13) % 211);
  return {
    id,
    name: `${id}.nii.gz`,
    geometry: { dims, spacing: [1, 1, 2], ijkToLps: [...IDENTITY] as typeof IDENTITY },
    channels: 1,
    voxels,
    source: { format: 'image', fileName: id, mimeType: 'application/octet-stream' },
  };
}

/**
 * A debounce and a fold far longer than any test: whatever is stored within a test was stored by the delta
 * written at commit, not by a timer.
 */
const slow = { debounceMs: 60_000, maxDelayMs: 60_000, retryMs: 60_000, compactMs: 60_000 };
const PER = 16 * 12;
let db: Database | null = null;
const savers: Autosaver[] = [];

afterEach(async () => {
  for (const s of savers.splice(0)) s.dispose();
  if (db) {
    await clearDatabase(db);
    db.close();
    db = null;
  }
});

function paint(store: AppStore, id: string, k: number, at: number[], value: number): void {
  const live = store.getState().volumes[id]!.labels.voxels;
  for (const p of at) live[k * PER + p] = value;
  store.getState().commitStroke(id, 2);
}

/** A workspace whose volumes and labels are stored, with a started autosaver that only writes deltas. */
async function storedWorkspace(ids: string[]): Promise<{ store: AppStore; saver: Autosaver }> {
  db = await openDatabase();
  const store = createAppStore();
  store.getState().addClass('Liver');
  store.getState().addVolumes(ids.map((id) => ({ volume: volume(id) })));
  const saver = new Autosaver(store, db, slow);
  savers.push(saver);
  await saver.flush();
  saver.start();
  expect(store.getState().save.kind).toBe('saved');
  return { store, saver };
}

/** What a relaunch shows: a fresh store restored from storage, with no autosaver of the old session involved. */
async function relaunch(): Promise<AppStore> {
  const again = createAppStore();
  const result = await restoreWorkspace(db!, again, () => null);
  expect(result.problems).toEqual([]);
  return again;
}

function painted(store: AppStore, id: string): number[] {
  return [...store.getState().volumes[id]!.labels.voxels].flatMap((v, n) => (v ? [n] : []));
}

/** Makes every delta write of `volumeId` fail as a full disk does; returns the switch that ends it. */
function failDeltasOf(d: Database, volumeId: string): () => void {
  let failing = true;
  const realTransaction = d.transaction.bind(d);
  (d as { transaction: unknown }).transaction = ((...args: Parameters<Database['transaction']>) => {
    const tx = unwrap(realTransaction(...args));
    const realObjectStore = tx.objectStore.bind(tx);
    tx.objectStore = (name: string) => {
      const store = realObjectStore(name);
      if (name === 'labelDeltas') {
        const put = store.put.bind(store);
        (store as { put: unknown }).put = (value: unknown, key?: IDBValidKey) => {
          if (failing && Array.isArray(key) && key[0] === volumeId) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          return put(value, key);
        };
      }
      return store;
    };
    return tx;
  }) as unknown as Database['transaction'];
  return () => {
    failing = false;
  };
}

describe('edits stored as they commit', () => {
  it('a stroke is stored by its delta alone, without any debounce, and a relaunch shows it', async () => {
    const { store, saver } = await storedWorkspace(['a']);
    paint(store, 'a', 2, [5, 6, 7], 1);
    // Not stored until the delta's transaction commits: the status must not say saved before that.
    expect(store.getState().save.kind).toBe('saving');
    await saver.deltasSettled();
    expect(store.getState().save.kind).toBe('saved');
    expect(await readLabelDeltas(db!, 'a')).toHaveLength(1);

    const back = await relaunch();
    expect(painted(back, 'a')).toEqual([2 * PER + 5, 2 * PER + 6, 2 * PER + 7]);
    expect(back.getState().volumes['a']!.labels.slices[2][2]).toBe(SliceProvenance.Painted);
  });

  it('undo, redo and slice toggles are deltas too, replayed in order', async () => {
    const { store, saver } = await storedWorkspace(['a']);
    paint(store, 'a', 1, [1, 2], 1);
    paint(store, 'a', 1, [2, 3], 2); // overwrites voxel 2
    paint(store, 'a', 3, [9], 1);
    store.getState().undo('a'); // removes voxel k=3, 9
    store.getState().undo('a'); // voxel 2 back to 1, 3 back to 0
    store.getState().redo('a'); // voxel 2 → 2, 3 → 2 again
    store.getState().toggleSliceLabeled('a', 2, 4);
    await saver.deltasSettled();
    expect(await readLabelDeltas(db!, 'a')).toHaveLength(7);
    const live = store.getState().volumes['a']!;
    const back = (await relaunch()).getState().volumes['a']!;
    expect([...back.labels.voxels]).toEqual([...live.committed]);
    expect(back.labels.voxels[PER + 2]).toBe(2);
    expect(back.labels.voxels[3 * PER + 9]).toBe(0);
    expect([...back.labels.slices[2]]).toEqual([...live.labels.slices[2]]);
    expect(back.labels.slices[2][4]).toBe(SliceProvenance.Painted);
  });

  it('folding deltas into the chunks keeps the labels and empties the delta store', async () => {
    const { store, saver } = await storedWorkspace(['a']);
    paint(store, 'a', 0, [1], 1);
    paint(store, 'a', 5, [100], 2);
    await saver.flush();
    expect(await readLabelDeltas(db!, 'a')).toHaveLength(0);
    // Edits after a fold number on and replay over the folded chunks.
    paint(store, 'a', 5, [101], 1);
    await saver.deltasSettled();
    const deltas = await readLabelDeltas(db!, 'a');
    expect(deltas.map((d) => d.seq)).toEqual([2]);
    const back = await relaunch();
    expect(painted(back, 'a')).toEqual([1, 5 * PER + 100, 5 * PER + 101]);
  });

  it('a restored session folds the deltas it found and numbers its own after them', async () => {
    const { store, saver } = await storedWorkspace(['a']);
    paint(store, 'a', 1, [4], 1);
    paint(store, 'a', 1, [5], 1);
    await saver.deltasSettled();
    saver.dispose(); // the "crash": nothing of this session runs any more

    const again = createAppStore();
    const result = await restoreWorkspace(db!, again, () => null);
    expect(result.deltaSeqs.get('a')).toBe(1);
    const next = new Autosaver(again, db!, slow);
    savers.push(next);
    next.markStored(result.volumeIds, result.labelVersions, result.savedAt, result.labelHashes, result.orphanIds, result.deltaSeqs);
    next.start();
    paint(again, 'a', 2, [6], 2);
    await next.deltasSettled();
    expect((await readLabelDeltas(db!, 'a')).map((d) => d.seq)).toEqual([0, 1, 2]);
    await next.flush();
    expect(await readLabelDeltas(db!, 'a')).toHaveLength(0);
    expect(painted(await relaunch(), 'a')).toEqual([PER + 4, PER + 5, 2 * PER + 6]);
  });

  it('while the button is held the status says the paint is not saved, however recent the last save', async () => {
    const { store, saver } = await storedWorkspace(['a']);
    saver.setPainting(true);
    expect(store.getState().save).toEqual({ kind: 'pending', reason: PAINTING_REASON });
    // Live paint, not committed yet: a save finishing meanwhile must not turn the status to saved.
    store.getState().volumes['a']!.labels.voxels[3] = 1;
    store.getState().setBrushSize(7);
    await saver.flush();
    expect(store.getState().save).toEqual({ kind: 'pending', reason: PAINTING_REASON });
    store.getState().commitStroke('a', 2);
    saver.setPainting(false);
    expect(store.getState().save.kind).toBe('saving');
    await saver.deltasSettled();
    expect(store.getState().save.kind).toBe('saved');
  });

  it('a full disk for one volume says so and does not stop the other volume’s edits from being stored', async () => {
    const { store, saver } = await storedWorkspace(['a', 'b']);
    const heal = failDeltasOf(db!, 'a');
    // Chunk saves of 'a' fail too while the disk is full: make its fallback fail the same way.
    const realTransaction = db!.transaction.bind(db!);
    let chunksFail = true;
    (db as { transaction: unknown }).transaction = ((...args: Parameters<Database['transaction']>) => {
      const tx = realTransaction(...args);
      const raw = unwrap(tx);
      const realObjectStore = raw.objectStore.bind(raw);
      raw.objectStore = (name: string) => {
        const s = realObjectStore(name);
        if (name === 'labelChunks') {
          const put = s.put.bind(s);
          (s as { put: unknown }).put = (value: unknown, key?: IDBValidKey) => {
            if (chunksFail && Array.isArray(key) && key[0] === 'a') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
            return put(value, key);
          };
        }
        return s;
      };
      return tx;
    }) as unknown as Database['transaction'];

    paint(store, 'a', 0, [1], 1);
    paint(store, 'b', 0, [2], 1);
    await saver.deltasSettled();
    await saver.flush();
    const st = store.getState().save;
    expect(st.kind).toBe('error');
    expect(st.kind === 'error' ? st.reason : '').toBe('storage full');
    expect(painted(await relaunch(), 'b')).toEqual([2]);
    expect(painted(await relaunch(), 'a')).toEqual([]);

    // Space returns: the next save stores 'a' whole, and 'a' is back to deltas afterwards.
    heal();
    chunksFail = false;
    await saver.flush();
    expect(store.getState().save.kind).toBe('saved');
    paint(store, 'a', 3, [7], 2);
    await saver.deltasSettled();
    expect(store.getState().save.kind).toBe('saved');
    expect(painted(await relaunch(), 'a')).toEqual([1, 3 * PER + 7]);
  });
});

describe('the status', () => {
  it('reaches saved when a change arrives while a flush is saving (no timer left behind)', async () => {
    db = await openDatabase();
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('a', [64, 64, 40]) }]);
    const saver = new Autosaver(store, db, { debounceMs: 1, maxDelayMs: 1, retryMs: 60_000, compactMs: 60_000 });
    savers.push(saver);
    saver.start();
    const flushed = saver.flush();
    // Its timer fires while the flush's save is still writing.
    store.getState().setBrushSize(9);
    await flushed;
    await expect.poll(() => store.getState().save.kind, { timeout: 3000 }).toBe('saved');
    const back = createAppStore();
    await restoreWorkspace(db, back, () => null);
    expect(back.getState().tools.brushSizeMm).toBe(9);
  });
});

describe('changedIndices', () => {
  const edit = (n: number) => ({ indices: new Uint32Array([n]), before: new Uint8Array(1), after: new Uint8Array(1), sliceChanges: [] });
  it('finds the edit of a commit, an undo and a redo, and nothing in a cleared history', () => {
    const e1 = edit(1);
    const e2 = edit(2);
    expect(changedIndices({ undo: [e1], redo: [] }, { undo: [e1, e2], redo: [] })?.[0]).toBe(2);
    expect(changedIndices({ undo: [e1, e2], redo: [] }, { undo: [e1], redo: [e2] })?.[0]).toBe(2);
    expect(changedIndices({ undo: [e1], redo: [e2] }, { undo: [e1, e2], redo: [] })?.[0]).toBe(2);
    expect(changedIndices({ undo: [e1], redo: [] }, { undo: [], redo: [e1] })?.[0]).toBe(1);
    expect(changedIndices({ undo: [e1, e2], redo: [] }, { undo: [], redo: [] })).toBeNull();
  });
});
