import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppStore } from '../store/appStore.ts';
import { IDENTITY, type Vec3 } from '../volume/geometry.ts';
import { SliceProvenance } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { Autosaver } from './Autosaver.ts';
import { collectChange } from './workspaceChange.ts';
import { clearDatabase, openDatabase, writeWorkspace, type Database } from './database.ts';
import { toInlineVolumeRecord } from './records.ts';
import { restoreWorkspace } from './restore.ts';

function volume(id: string, dims: Vec3 = [8, 6, 4], format: 'demo' | 'image' = 'image'): Volume {
  const voxels = new Int16Array(dims[0] * dims[1] * dims[2]).map((_, n) => (n * 7) % 301);
  return {
    id,
    name: `${id}.nii.gz`,
    geometry: { dims, spacing: [0.5, 0.5, 2], ijkToLps: [...IDENTITY] as typeof IDENTITY },
    channels: 1,
    voxels,
    source: format === 'demo' ? { format: 'demo', seed: 5, index: 0, generator: 2 } : { format: 'image', fileName: id, mimeType: 'image/png' },
  };
}

const fast = { debounceMs: 5, maxDelayMs: 20, retryMs: 30 };
let db: Database | null = null;

afterEach(async () => {
  if (db) {
    await clearDatabase(db);
    db.close();
    db = null;
  }
});

describe('workspace persistence', () => {
  it('restores volumes, labels, slice flags, classes, tools, views and the active volume exactly', async () => {
    db = await openDatabase();
    const store = createAppStore();
    store.getState().addClass('Liver');
    store.getState().updateClass(1, { position: 'right upper quadrant', shape: 'wedge' });
    store.getState().addClass('Tumour');
    store.getState().addVolumes([{ volume: volume('a') }, { volume: volume('b') }]);
    const live = store.getState().volumes['b']!.labels.voxels;
    live[50] = 2;
    live[51] = 1;
    store.getState().commitStroke('b', 2);
    store.getState().toggleSliceLabeled('b', 0, 3);
    store.getState().setActiveVolume('b');
    store.getState().setBrushSize(11);
    store.getState().setViewState('b', { focusVoxel: [1, 2, 3], window: [5, 200], zoom: { axial: 40 } });
    const saver = new Autosaver(store, db, fast);
    await saver.flush();
    expect(store.getState().save.kind).toBe('saved');

    const again = createAppStore();
    const result = await restoreWorkspace(db, again, () => null);
    expect(result.restored).toBe(true);
    const s = again.getState();
    expect(s.volumeOrder).toEqual(['a', 'b']);
    expect(s.activeVolumeId).toBe('b');
    expect(s.classes.map((c) => c.name)).toEqual(['Liver', 'Tumour']);
    expect(s.classes[0]!.position).toBe('right upper quadrant');
    expect(s.tools.brushSizeMm).toBe(11);
    const b = s.volumes['b']!;
    expect(b.labels.voxels[50]).toBe(2);
    expect(b.labels.voxels[51]).toBe(1);
    expect(b.labels.voxels.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(2);
    expect(b.labels.slices[2][1]).toBe(SliceProvenance.Painted);
    expect(b.labels.slices[0][3]).toBe(SliceProvenance.Painted);
    expect(b.view).toEqual({ focusVoxel: [1, 2, 3], window: [5, 200], zoom: { axial: 40 } });
    expect([...(b.volume.voxels as Int16Array).slice(0, 5)]).toEqual([0, 7, 14, 21, 28]);
    expect(b.volume.geometry.spacing).toEqual([0.5, 0.5, 2]);
  });

  it('saves an edited image description with the next write and restores it; a cleared one stays cleared', async () => {
    db = await openDatabase();
    const store = createAppStore();
    store
      .getState()
      .addVolumes([
        { volume: { ...volume('a'), description: 'As opened.' } },
        { volume: volume('b') },
        { volume: { ...volume('c'), description: 'To clear.' } },
      ]);
    const saver = new Autosaver(store, db, fast);
    await saver.flush();
    saver.start();
    // The volume records are written once; the edits must reach storage all the same.
    store.getState().setVolumeDescription('a', 'The nuclei density in the upper right is high.');
    store.getState().setVolumeDescription('b', 'Added later.');
    store.getState().setVolumeDescription('c', '');
    expect(store.getState().save.kind).toBe('pending');
    await new Promise((r) => setTimeout(r, 60));
    expect(store.getState().save.kind).toBe('saved');
    saver.dispose();
    const again = createAppStore();
    await restoreWorkspace(db, again, () => null);
    const s = again.getState();
    expect(['a', 'b', 'c'].map((id) => s.volumes[id]!.volume.description)).toEqual([
      'The nuclei density in the upper right is high.',
      'Added later.',
      undefined,
    ]);
  });

  it('restores a workspace saved before descriptions could be edited, with the description each volume was opened with', async () => {
    db = await openDatabase();
    const store = createAppStore();
    store.getState().addVolumes([{ volume: { ...volume('a'), description: 'From the CSV.' } }, { volume: volume('b') }]);
    const change = collectChange(store.getState(), new Set(), new Map());
    const { descriptions: _dropped, ...older } = change.workspace;
    expect(_dropped).toEqual({ a: 'From the CSV.', b: '' });
    await writeWorkspace(db, { workspace: older, volumes: change.volumes.map(toInlineVolumeRecord), labels: [], deleted: [] });
    const again = createAppStore();
    const result = await restoreWorkspace(db, again, () => null);
    expect(result.problems).toEqual([]);
    expect(again.getState().volumeOrder).toEqual(['a', 'b']);
    expect(again.getState().volumes['a']!.volume.description).toBe('From the CSV.');
    expect(again.getState().volumes['b']!.volume.description).toBeUndefined();
  });

  it('writes voxels once and only changed labels afterwards; saves committed labels, not half a stroke', async () => {
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('a') }, { volume: volume('b') }]);
    const first = collectChange(store.getState(), new Set(), new Map());
    expect(first.volumes.map((v) => v.id)).toEqual(['a', 'b']);
    const live = store.getState().volumes['a']!.labels.voxels;
    live[3] = 1;
    store.getState().commitStroke('a', 2);
    live[4] = 1; // stroke in progress, not committed
    const second = collectChange(
      store.getState(),
      new Set(['a', 'b']),
      new Map([
        ['a', 0],
        ['b', 0],
      ]),
    );
    expect(second.volumes).toHaveLength(0);
    expect(second.labels).toEqual(['a']);
    // The saved labels hold voxel 3 but not the uncommitted voxel 4.
    db = await openDatabase();
    await new Autosaver(store, db, fast).flush();
    const again = createAppStore();
    await restoreWorkspace(db, again, () => null);
    const saved = again.getState().volumes['a']!.labels.voxels;
    expect([saved[3], saved[4]]).toEqual([1, 0]);
    store.getState().removeVolume('b');
    const third = collectChange(
      store.getState(),
      new Set(['a', 'b']),
      new Map([
        ['a', 1],
        ['b', 0],
      ]),
    );
    expect(third.deleted).toEqual(['b']);
    expect(third.labels).toHaveLength(0);
  });

  it('stores no voxels for demo volumes and regenerates them on restore', async () => {
    db = await openDatabase();
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('demo', [8, 6, 4], 'demo') }]);
    await new Autosaver(store, db, fast).flush();
    const stored = await db.get('volumes', 'demo');
    expect(stored!.volume.voxels).toBeNull();
    const again = createAppStore();
    const regenerated = new Int16Array(8 * 6 * 4).fill(9);
    await restoreWorkspace(db, again, (v) => (v.source.format === 'demo' ? regenerated : null));
    expect(again.getState().volumes['demo']!.volume.voxels).toBe(regenerated);
  });

  it('keeps work in memory when storage is full, tells the user once, and saves when space returns', async () => {
    db = await openDatabase();
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('a') }]);
    const saver = new Autosaver(store, db, fast);
    const realTransaction = db.transaction.bind(db);
    let full = true;
    (db as { transaction: unknown }).transaction = ((...args: Parameters<Database['transaction']>) => {
      if (full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return realTransaction(...args);
    }) as Database['transaction'];
    saver.start();
    const live = store.getState().volumes['a']!.labels.voxels;
    live[0] = 1;
    store.getState().commitStroke('a', 2);
    await new Promise((r) => setTimeout(r, 60));
    const s = store.getState();
    expect(s.save.kind).toBe('error');
    expect(s.save.kind === 'error' && s.save.message).toMatch(/storage is full/i);
    expect(s.messages.filter((m) => m.severity === 'error')).toHaveLength(1);
    expect(s.volumes['a']!.labels.voxels[0]).toBe(1);
    full = false;
    await new Promise((r) => setTimeout(r, 120));
    expect(store.getState().save.kind).toBe('saved');
    saver.dispose();
    const again = createAppStore();
    await restoreWorkspace(db, again, () => null);
    expect(again.getState().volumes['a']!.labels.voxels[0]).toBe(1);
  });
});

describe('save status', () => {
  it('says pending from the first change until a save that saw every change has finished', async () => {
    const db2 = await openDatabase();
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('a') }]);
    const saver = new Autosaver(store, db2, { debounceMs: 30, maxDelayMs: 100, retryMs: 1000 });
    saver.start();
    store.getState().addClass('X');
    expect(store.getState().save.kind).toBe('pending');
    await new Promise((r) => setTimeout(r, 150));
    expect(store.getState().save.kind).toBe('saved');
    saver.dispose();
    await clearDatabase(db2);
    db2.close();
  });
});

describe('training checkpoints in IndexedDB', () => {
  it('stores the latest checkpoint and upgrades a version-1 database in place', async () => {
    // A database as version 1 of the app left it.
    const { deleteDB, openDB } = await import('idb');
    await deleteDB('pseudolab');
    const old = await openDB('pseudolab', 1, {
      upgrade(d) {
        d.createObjectStore('workspace');
        d.createObjectStore('volumes', { keyPath: 'id' });
        d.createObjectStore('labels', { keyPath: 'id' });
      },
    });
    await old.put('workspace', { schema: 1, savedAt: 5 } as never, 'current');
    old.close();
    const { readCheckpoint, readRuns, writeRun } = await import('./database.ts');
    db = await openDatabase();
    expect(await db.get('workspace', 'current')).toMatchObject({ savedAt: 5 });
    expect(await readRuns(db)).toEqual([]);
    const key = 'mean-teacher/2d/tiny';
    const summary = { key, preset: 'mean-teacher', network: '2d' as const, size: 'tiny' as const, step: 40, savedAt: 9, classValues: [1, 2] };
    await writeRun(
      db,
      { bytes: new Uint8Array([1, 2, 3]), step: 40, preset: 'mean-teacher', classValues: [1, 2], savedAt: 9 },
      { ...summary, classes: [], losses: [], validation: [] },
    );
    expect(await readCheckpoint(db, key)).toMatchObject({ step: 40, classValues: [1, 2] });
  });
});
