import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import { presetConfig } from '../train/config.ts';
import {
  clearDatabase,
  deleteRun,
  openDatabase,
  readCheckpoint,
  readRunLayers,
  readRuns,
  writeRun,
  writeRunLayer,
  type Database,
  type RunRecord,
} from './database.ts';
import { findResumable, newestRun, runKey } from './runKey.ts';

let db: Database | null = null;

afterEach(async () => {
  if (db) {
    await clearDatabase(db);
    db.close();
    db = null;
  }
});

function checkpointBytes(preset: 'mean-teacher' | 'supervised', width: number, step: number): Uint8Array {
  const c: Checkpoint = {
    version: 1,
    config: presetConfig(preset, { model: { kind: '2d', width, depth: 2 } }),
    classes: [
      { value: 1, name: 'Liver' },
      { value: 3, name: 'Tumour' },
    ],
    numClasses: 3,
    inChannels: 1,
    step,
    savedAt: 100,
    student: [{ name: 'w', shape: [2], values: new Float32Array([1, 2]) }],
    teacher: null,
    optimiser: null,
  };
  return encodeCheckpoint(c);
}

function run(preset: string, size: 'tiny' | 'small', step: number, savedAt: number): RunRecord {
  return {
    key: runKey(preset, '2d', size),
    preset,
    network: '2d',
    size,
    step,
    savedAt,
    classValues: [1, 3],
    classes: [],
    losses: [{ step, total: 1, ce: 0.5, dice: 0.5, consistency: 0 }],
    validation: [],
  };
}

describe('checkpoints kept per method, network and size', () => {
  it('a second method does not replace the first one’s model; each is found again by its key', async () => {
    db = await openDatabase();
    const a = run('mean-teacher', 'tiny', 581, 10);
    const b = run('supervised', 'tiny', 12, 20);
    await writeRun(
      db,
      { bytes: checkpointBytes('mean-teacher', 4, 581), step: 581, preset: 'mean-teacher', classValues: [1, 3], savedAt: 10, network: '2d', size: 'tiny' },
      a,
    );
    await writeRun(
      db,
      { bytes: checkpointBytes('supervised', 4, 12), step: 12, preset: 'supervised', classValues: [1, 3], savedAt: 20, network: '2d', size: 'tiny' },
      b,
    );
    const runs = await readRuns(db);
    expect(runs.map((r) => r.key).sort()).toEqual(['mean-teacher/2d/tiny', 'supervised/2d/tiny']);
    expect(newestRun(runs)?.key).toBe('supervised/2d/tiny');
    const back = findResumable(runs, { preset: 'mean-teacher', network: '2d', size: 'auto', classValues: [1, 3] });
    expect(back?.step).toBe(581);
    expect((await readCheckpoint(db, back!.key))?.step).toBe(581);
    expect(runs.find((r) => r.key === a.key)?.losses).toEqual(a.losses);
    // Other classes, another size or network: nothing to resume.
    expect(findResumable(runs, { preset: 'mean-teacher', network: '2d', size: 'auto', classValues: [1] })).toBeNull();
    expect(findResumable(runs, { preset: 'mean-teacher', network: '2d', size: 'small', classValues: [1, 3] })).toBeNull();
    expect(findResumable(runs, { preset: 'mean-teacher', network: '3d', size: 'tiny', classValues: [1, 3] })).toBeNull();

    await writeRunLayer(db, { run: a.key, volumeId: 'v1', kind: 'pseudo', dims: [2, 2, 1], sliceStep: new Int32Array([580]), pieces: [new Uint8Array([9])] });
    await writeRunLayer(db, { run: b.key, volumeId: 'v1', kind: 'pseudo', dims: [2, 2, 1], sliceStep: null, pieces: [] });
    expect((await readRunLayers(db, a.key)).map((l) => l.sliceStep?.[0])).toEqual([580]);
    await deleteRun(db, a.key);
    expect(await readCheckpoint(db, a.key)).toBeNull();
    expect(await readRunLayers(db, a.key)).toEqual([]);
    expect(await readRunLayers(db, b.key)).toHaveLength(1);
    expect((await readRuns(db)).map((r) => r.key)).toEqual(['supervised/2d/tiny']);
  });

  it('the single checkpoint of a version-4 database is filed under its method, network and size', async () => {
    const { deleteDB, openDB } = await import('idb');
    await deleteDB('pseudolab');
    const old = await openDB('pseudolab', 4, {
      upgrade(d) {
        d.createObjectStore('workspace');
        d.createObjectStore('volumes', { keyPath: 'id' });
        d.createObjectStore('labels', { keyPath: 'id' });
        d.createObjectStore('checkpoints');
        d.createObjectStore('voxelChunks');
        d.createObjectStore('labelChunks');
        d.createObjectStore('labelDeltas');
      },
    });
    const bytes = checkpointBytes('mean-teacher', 4, 581);
    await old.put('checkpoints', { bytes, step: 581, preset: 'mean-teacher', classValues: [1, 3], savedAt: 77 }, 'current');
    old.close();

    db = await openDatabase();
    const runs = await readRuns(db);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ key: 'mean-teacher/2d/tiny', step: 581, size: 'tiny', network: '2d', savedAt: 77, losses: [] });
    expect(runs[0]!.classes).toEqual([
      { value: 1, name: 'Liver' },
      { value: 3, name: 'Tumour' },
    ]);
    const moved = await readCheckpoint(db, 'mean-teacher/2d/tiny');
    expect(moved).toMatchObject({ step: 581, size: 'tiny', network: '2d' });
    expect(Array.from(moved!.bytes)).toEqual(Array.from(bytes));
    expect(await readCheckpoint(db, 'current')).toBeNull();
  });
});

describe('stored pseudo-labels', () => {
  it('pack and unpack give the label buffer back, and a short record is refused', async () => {
    const { packLabels, unpackLabels } = await import('./runLayers.ts');
    const dims: [number, number, number] = [64, 48, 7];
    const labels = new Uint8Array(64 * 48 * 7).map((_, n) => (n % 97 === 0 ? 2 : n % 13 === 0 ? 1 : 0));
    const pieces = await packLabels(labels, dims);
    expect(pieces.length).toBeGreaterThanOrEqual(1);
    expect(unpackLabels({ dims, pieces })).toEqual(labels);
    expect(unpackLabels({ dims: [64, 48, 8], pieces })).toBeNull();
    const uncertainty = new Uint8Array(labels.length).fill(77);
    const masked = unpackLabels({ dims, pieces: await packLabels(uncertainty, dims, labels) })!;
    expect(Array.from(masked)).toEqual(Array.from(labels).map((v) => (v !== 0 ? 77 : 0)));
  });
});
