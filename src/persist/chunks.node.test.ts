import 'fake-indexeddb/auto';
import { unwrap } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { differences } from '../io/testing/sameValues.ts';
import { createAppStore } from '../store/appStore.ts';
import { IDENTITY, type Vec3 } from '../volume/geometry.ts';
import { SliceProvenance } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { Autosaver } from './Autosaver.ts';
import { clearDatabase, openDatabase, writeWorkspace, type Database } from './database.ts';
import { LABEL_CHUNK_BYTES, toInlineVolumeRecord, toLabelsRecord, VOXEL_CHUNK_BYTES, type WorkspaceRecord } from './records.ts';
import { restoreWorkspace } from './restore.ts';

/** Voxel values that differ in every chunk, so a chunk read back in the wrong place shows. */
function volume(id: string, dims: Vec3): Volume {
  const voxels = new Int16Array(dims[0] * dims[1] * dims[2]);
  for (let n = 0; n < voxels.length; n++) voxels[n] = ((n * 2654435761) >>> 20) - 2048;
  return {
    id,
    name: `${id}.nii.gz`,
    geometry: { dims, spacing: [0.8, 0.8, 1], ijkToLps: [...IDENTITY] as typeof IDENTITY },
    channels: 1,
    voxels,
    source: { format: 'image', fileName: id, mimeType: 'application/octet-stream' },
  };
}

/** 256×256×80 int16 = 10 MiB of voxels (2 voxel chunks) and 5 MiB of labels (2 label chunks). */
const BIG: Vec3 = [256, 256, 80];
const SLICE = 256 * 256;
const fast = { debounceMs: 5, maxDelayMs: 20, retryMs: 30 };
let db: Database | null = null;

afterEach(async () => {
  if (db) {
    await clearDatabase(db);
    db.close();
    db = null;
  }
});

function quotaError(): DOMException {
  return new DOMException('The quota has been exceeded.', 'QuotaExceededError');
}

/**
 * Makes every put of `volumeId`'s voxel chunks fail as a full disk does, leaving every other write alone.
 * Returns a switch that turns the failure off.
 */
function failVoxelChunksOf(d: Database, volumeId: string): () => void {
  let failing = true;
  const realTransaction = d.transaction.bind(d);
  (d as { transaction: unknown }).transaction = ((...args: Parameters<Database['transaction']>) => {
    // The raw transaction: idb wraps what this returns, and wrapping its own proxy twice would give the
    // transaction a second, unobserved `done` promise.
    const tx = unwrap(realTransaction(...args));
    const realObjectStore = tx.objectStore.bind(tx);
    tx.objectStore = (name: string) => {
      const store = realObjectStore(name);
      if (name === 'voxelChunks') {
        const put = store.put.bind(store);
        (store as { put: unknown }).put = (value: unknown, key?: IDBValidKey) =>
          failing && Array.isArray(key) && key[0] === volumeId ? Promise.reject(quotaError()) : put(value, key);
      }
      return store;
    };
    return tx;
  }) as unknown as Database['transaction'];
  return () => {
    failing = false;
  };
}

describe('chunked storage of large volumes', () => {
  it('stores voxels and labels in chunks and restores them exactly', async () => {
    db = await openDatabase();
    const store = createAppStore();
    const v = volume('big', BIG);
    store.getState().addVolumes([{ volume: v }]);
    const live = store.getState().volumes['big']!.labels.voxels;
    live[5] = 1;
    live[70 * SLICE + 9] = 2; // in the second label chunk
    store.getState().commitStroke('big', 2);
    const saver = new Autosaver(store, db, fast);
    await saver.flush();
    expect(store.getState().save.kind).toBe('saved');

    const voxelKeys = await db.getAllKeys('voxelChunks');
    expect(voxelKeys).toEqual([
      ['big', 0],
      ['big', 1],
    ]);
    expect((await db.get('voxelChunks', ['big', 0]))!.length).toBe(VOXEL_CHUNK_BYTES);
    expect(await db.getAllKeys('labelChunks')).toEqual([
      ['big', 0],
      ['big', 1],
    ]);
    const rec = await db.get('volumes', 'big');
    expect(rec!.volume.voxels).toBeNull();

    const again = createAppStore();
    const result = await restoreWorkspace(db, again, () => null);
    expect(result.problems).toEqual([]);
    const back = again.getState().volumes['big']!;
    expect(back.volume.voxels).toBeInstanceOf(Int16Array);
    expect(differences(back.volume.voxels, v.voxels)).toBe(0);
    expect([back.labels.voxels[5], back.labels.voxels[70 * SLICE + 9]]).toEqual([1, 2]);
    expect(back.labels.voxels.reduce((n, x) => n + (x ? 1 : 0), 0)).toBe(2);
    expect(back.labels.slices[2][0]).toBe(SliceProvenance.Painted);
    expect(back.labels.slices[2][70]).toBe(SliceProvenance.Painted);
    expect(result.labelHashes.get('big')).toHaveLength(4);
  });

  it('rewrites only the label chunks a stroke changed, also after a reload', async () => {
    db = await openDatabase();
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('big', BIG) }]);
    await new Autosaver(store, db, fast).flush();

    const again = createAppStore();
    const result = await restoreWorkspace(db, again, () => null);
    expect(result.problems).toEqual([]);
    const saver = new Autosaver(again, db, fast);
    saver.markStored(result.volumeIds, result.labelVersions, result.savedAt, result.labelHashes);
    saver.start();
    // A marker in the stored chunk 0: if the next save rewrote chunk 0, the marker would be gone.
    const marker = new Uint8Array([1, 2, 3]);
    await db.put('labelChunks', marker, ['big', 0]);
    again.getState().volumes['big']!.labels.voxels[75 * SLICE] = 3; // second label chunk only
    again.getState().commitStroke('big', 2);
    await saver.flush();
    saver.dispose();
    expect(again.getState().save.kind).toBe('saved');
    expect(await db.get('labelChunks', ['big', 0])).toEqual(marker);
    const chunk1 = await db.get('labelChunks', ['big', 1]);
    const { inflateSync } = await import('fflate');
    const inflated = inflateSync(chunk1!);
    expect(inflated.length).toBe(BIG[0] * BIG[1] * BIG[2] - LABEL_CHUNK_BYTES);
    expect(inflated[75 * SLICE - LABEL_CHUNK_BYTES]).toBe(3);
  });

  it('a volume that does not fit fails alone: strokes on the other volume save, and it saves once space returns', async () => {
    db = await openDatabase();
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('small', [16, 16, 4]) }, { volume: volume('big', BIG) }]);
    const spaceBack = failVoxelChunksOf(db, 'big');
    const saver = new Autosaver(store, db, fast);
    saver.start();
    store.getState().volumes['small']!.labels.voxels[7] = 1;
    store.getState().commitStroke('small', 2);
    store.getState().volumes['big']!.labels.voxels[11] = 2;
    store.getState().commitStroke('big', 2);
    await saver.flush();
    // The status must not claim a save that did not happen.
    const s = store.getState();
    expect(s.save.kind).toBe('error');
    expect(s.save.kind === 'error' && s.save.message).toMatch(/storage is full/i);
    expect(s.messages.filter((m) => m.severity === 'error')).toHaveLength(1);
    expect(await db.getAllKeys('voxelChunks')).toEqual([['small', 0]]);

    // After a reload the small volume and its stroke are back; the big one is reported missing.
    const reloaded = createAppStore();
    const first = await restoreWorkspace(db, reloaded, () => null);
    expect(reloaded.getState().volumeOrder).toEqual(['small']);
    expect(reloaded.getState().volumes['small']!.labels.voxels[7]).toBe(1);
    expect(first.problems.join(' ')).toMatch(/missing from storage/);

    // A later stroke on the small volume still saves while the big one keeps failing.
    store.getState().volumes['small']!.labels.voxels[8] = 1;
    store.getState().commitStroke('small', 2);
    await saver.flush();
    const mid = createAppStore();
    await restoreWorkspace(db, mid, () => null);
    expect(mid.getState().volumes['small']!.labels.voxels[8]).toBe(1);

    spaceBack();
    await new Promise((r) => setTimeout(r, 150));
    await saver.flush();
    saver.dispose();
    expect(store.getState().save.kind).toBe('saved');
    const restored = createAppStore();
    const last = await restoreWorkspace(db, restored, () => null);
    expect(last.problems).toEqual([]);
    expect(restored.getState().volumeOrder).toEqual(['small', 'big']);
    expect(restored.getState().volumes['big']!.labels.voxels[11]).toBe(2);
  });

  it('restores a workspace stored by the previous version (voxels and labels inline) and upgrades it on the next save', async () => {
    // The database as version 2 of the app left it: no chunk stores, one record per volume with its voxels.
    const { deleteDB, openDB } = await import('idb');
    await deleteDB('pseudolab');
    const old = await openDB('pseudolab', 2, {
      upgrade(d) {
        d.createObjectStore('workspace');
        d.createObjectStore('volumes', { keyPath: 'id' });
        d.createObjectStore('labels', { keyPath: 'id' });
        d.createObjectStore('checkpoints');
      },
    });
    const v = volume('old', [32, 24, 6]);
    const labels = {
      dims: [32, 24, 6] as Vec3,
      voxels: new Uint8Array(32 * 24 * 6),
      slices: [new Uint8Array(32), new Uint8Array(24), new Uint8Array(6)] as [Uint8Array, Uint8Array, Uint8Array],
    };
    labels.voxels[100] = 2;
    labels.slices[2][0] = SliceProvenance.Painted;
    const workspace: WorkspaceRecord = {
      schema: 1,
      savedAt: 42,
      volumeOrder: ['old'],
      activeVolumeId: 'old',
      classes: [],
      activeClassValue: null,
      tools: createAppStore().getState().tools,
      views: { old: null },
      labelSources: { old: null },
    };
    await old.put('workspace', workspace, 'current');
    await old.put('volumes', toInlineVolumeRecord(v));
    await old.put('labels', toLabelsRecord('old', labels, 3));
    old.close();

    db = await openDatabase();
    const store = createAppStore();
    const result = await restoreWorkspace(db, store, () => null);
    expect(result.problems).toEqual([]);
    const e = store.getState().volumes['old']!;
    expect(differences(e.volume.voxels, v.voxels)).toBe(0);
    expect(e.labels.voxels[100]).toBe(2);
    expect(e.labels.slices[2][0]).toBe(SliceProvenance.Painted);

    // The next stroke stores the labels in the new format; the old inline volume record still restores.
    const saver = new Autosaver(store, db, fast);
    saver.markStored(result.volumeIds, result.labelVersions, result.savedAt, result.labelHashes);
    saver.start();
    e.labels.voxels[101] = 1;
    store.getState().commitStroke('old', 2);
    await saver.flush();
    saver.dispose();
    expect((await db.get('labels', 'old'))!.chunks?.count).toBe(1);
    expect((await db.get('labels', 'old'))!.voxelsDeflated).toBeUndefined();
    const again = createAppStore();
    expect((await restoreWorkspace(db, again, () => null)).problems).toEqual([]);
    expect([again.getState().volumes['old']!.labels.voxels[100], again.getState().volumes['old']!.labels.voxels[101]]).toEqual([2, 1]);
    expect(differences(again.getState().volumes['old']!.volume.voxels, v.voxels)).toBe(0);
  });

  it('restores the previous format written through writeWorkspace too (one transaction, inline records)', async () => {
    db = await openDatabase();
    const store = createAppStore();
    const v = volume('x', [8, 8, 2]);
    store.getState().addVolumes([{ volume: v }]);
    const tools = store.getState().tools;
    const labels = store.getState().volumes['x']!.labels;
    labels.voxels[3] = 1;
    await writeWorkspace(db, {
      workspace: { schema: 1, savedAt: 1, volumeOrder: ['x'], activeVolumeId: 'x', classes: [], activeClassValue: null, tools, views: {}, labelSources: {} },
      volumes: [toInlineVolumeRecord(v)],
      labels: [toLabelsRecord('x', labels, 0)],
      deleted: [],
    });
    const again = createAppStore();
    await restoreWorkspace(db, again, () => null);
    expect(again.getState().volumes['x']!.labels.voxels[3]).toBe(1);
  });
});
