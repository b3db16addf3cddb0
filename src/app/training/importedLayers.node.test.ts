import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearDatabase, openDatabase, readRunLayers, type Database, type RunLayerRecord } from '../../persist/database.ts';
import { packLabels } from '../../persist/runLayers.ts';
import { createAppStore, type AppStore } from '../../store/appStore.ts';
import type { PredictionLayer } from '../../store/trainingSlice.ts';
import { loadDemo } from '../demoWorkspace.ts';
import { showImportedPrediction } from '../importPredictions.ts';
import { IMPORTED_RUN, importedToRestore } from './importedLayers.ts';
import { RunLayerStore } from './runLayerStore.ts';
import { SavedRuns } from './savedRuns.ts';

/*
 * Imported predictions survive a reload: the layer is stored as it is shown and reviewed, a new page (a new store
 * and SavedRuns on the same database) shows it again with its file name and rejections, and once the volume
 * shows the model's answer instead the stored record is gone.
 */

let db: Database | null = null;

beforeEach(async () => {
  db = await openDatabase();
  await clearDatabase(db);
});

afterEach(() => {
  db?.close();
  db = null;
});

function demoStore(): { store: AppStore; id: string; dims: [number, number, number] } {
  const store = createAppStore();
  loadDemo(store);
  const id = store.getState().volumeOrder[0]!;
  const d = store.getState().volumes[id]!.labels.dims;
  return { store, id, dims: [d[0], d[1], d[2]] };
}

/** Class 1 in a square on every slice, class 2 in a corner of the odd ones: a label map another tool might make. */
function prediction(dims: [number, number, number]): Uint8Array {
  const [ni, nj, nk] = dims;
  const out = new Uint8Array(ni * nj * nk);
  for (let k = 0; k < nk; k++)
    for (let j = 10; j < 30; j++) {
      out.fill(1, k * ni * nj + j * ni + 10, k * ni * nj + j * ni + 30);
      if (k % 2) out.fill(2, k * ni * nj + j * ni, k * ni * nj + j * ni + 5);
    }
  return out;
}

async function storedImports(): Promise<RunLayerRecord[]> {
  return readRunLayers(db!, IMPORTED_RUN);
}

describe('imported prediction layers in storage', () => {
  it('are stored as imported and rejected, and a new page shows them again', async () => {
    const { store, id, dims } = demoStore();
    const runs = new SavedRuns(store, db);
    const labels = prediction(dims);
    showImportedPrediction(store, { volumeId: id, labels: labels.slice(), fileName: 'case_0.nii.gz' });
    await runs.imported.sync();
    expect((await storedImports()).map((r) => [r.volumeId, r.imported, r.rejected])).toEqual([[id, 'case_0.nii.gz', []]]);

    const before = store.getState().training.predictions[id]!.version;
    store.getState().rejectPseudoSlice(id, 3);
    // Reject is a change of the layer (its version): that is what tells storage to write it again.
    expect(store.getState().training.predictions[id]!.version).toBe(before + 1);
    await runs.imported.sync();
    runs.dispose();

    const again = demoStore();
    expect(again.id).toBe(id);
    const reloaded = new SavedRuns(again.store, db);
    await reloaded.showNewest(() => false);
    const layer = again.store.getState().training.predictions[id];
    expect(layer?.imported).toBe('case_0.nii.gz');
    expect(layer?.rejected).toEqual([3]);
    const per = dims[0] * dims[1];
    const expected = labels.slice();
    expected.fill(0, 3 * per, 4 * per);
    expect(layer?.labels).toEqual(expected);
    expect(layer?.sliceStep.every((s) => s === 0)).toBe(true);
    reloaded.dispose();
  });

  it("are deleted once the volume shows the model's answer, or is removed", async () => {
    const { store, id, dims } = demoStore();
    const second = store.getState().volumeOrder[1]!;
    const runs = new SavedRuns(store, db);
    showImportedPrediction(store, { volumeId: id, labels: prediction(dims), fileName: 'a.nii.gz' });
    const d2 = store.getState().volumes[second]!.labels.dims;
    showImportedPrediction(store, { volumeId: second, labels: new Uint8Array(d2[0] * d2[1] * d2[2]).fill(1), fileName: 'b.nii.gz' });
    await runs.imported.sync();
    expect((await storedImports()).map((r) => r.volumeId).sort()).toEqual([id, second].sort());

    const per = dims[0] * dims[1];
    store
      .getState()
      .applyTrainingEvent({ type: 'prediction', volumeId: id, k: 0, step: 5, labels: new Uint8Array(per), uncertainty: new Uint8Array(per), text: null });
    expect(store.getState().training.predictions[id]!.imported).toBeUndefined();
    await runs.imported.sync();
    expect((await storedImports()).map((r) => r.volumeId)).toEqual([second]);

    store.getState().removeVolume(second);
    await runs.imported.sync();
    expect(await storedImports()).toEqual([]);
    runs.dispose();
  });

  it('a record read back but not shown (the volume shows something else) is deleted after load', async () => {
    const { store, id, dims } = demoStore();
    const runs = new SavedRuns(store, db);
    showImportedPrediction(store, { volumeId: id, labels: prediction(dims), fileName: 'a.nii.gz' });
    await runs.imported.sync();
    runs.dispose();

    // The next page has the volume at another size: the record cannot be shown and is not kept.
    const again = demoStore();
    const entry = again.store.getState().volumes[id]!;
    again.store.setState((s) => ({ volumes: { ...s.volumes, [id]: { ...entry, labels: { ...entry.labels, dims: [dims[0], dims[1], dims[2] + 1] } } } }));
    const reloaded = new SavedRuns(again.store, db);
    await reloaded.showNewest(() => false);
    await reloaded.imported.sync();
    expect(again.store.getState().training.predictions[id]).toBeUndefined();
    expect(await storedImports()).toEqual([]);
    reloaded.dispose();
  });
  it('the top bar says saving while a layer is written and saved after; a failed write is told and retried', async () => {
    const { store, id, dims } = demoStore();
    store.getState().setSaveState({ kind: 'saved', at: 1000 });
    const closed = await openDatabase();
    closed.close();
    const runs = new SavedRuns(store, closed);
    const states: string[] = [];
    const stop = store.subscribe((s, prev) => {
      if (s.save !== prev.save) states.push(s.save.kind);
    });
    showImportedPrediction(store, { volumeId: id, labels: prediction(dims), fileName: 'a.nii.gz' });
    await runs.imported.sync();
    expect(states).toEqual(['saving', 'error']);
    const told = store.getState().messages.filter((m) => m.subject === 'Import predictions');
    expect(told.map((m) => m.severity)).toEqual(['warning']);
    expect(await storedImports()).toEqual([]);

    // Storage works again: the next sync writes the same layer (its version was never stored) and says saved.
    store.getState().setSaveState({ kind: 'saved', at: 2000 });
    runs.db = db;
    states.length = 0;
    await runs.imported.sync();
    expect(states).toEqual(['saving', 'saved']);
    expect((await storedImports()).map((r) => r.imported)).toEqual(['a.nii.gz']);
    // Nothing imported changed: the save state is left alone.
    states.length = 0;
    await runs.imported.sync();
    expect(states).toEqual([]);
    stop();
    runs.dispose();
  });

  it("are no run's layers: a checkpoint stores none of them under its run", async () => {
    const { store, id, dims } = demoStore();
    showImportedPrediction(store, { volumeId: id, labels: prediction(dims), fileName: 'a.nii.gz' });
    await new RunLayerStore(store).write(db, 'mean-teacher/2d/tiny');
    expect(await readRunLayers(db!, 'mean-teacher/2d/tiny')).toEqual([]);
  });
});

describe('importedToRestore', () => {
  async function record(volumeId: string, dims: [number, number, number], savedAt: number | undefined): Promise<RunLayerRecord> {
    const pieces = await packLabels(new Uint8Array(dims[0] * dims[1] * dims[2]).fill(2), dims);
    return {
      run: IMPORTED_RUN,
      volumeId,
      kind: 'pseudo',
      dims,
      sliceStep: null,
      pieces,
      imported: 'x.nii.gz',
      rejected: [1],
      ...(savedAt === undefined ? {} : { savedAt }),
    };
  }
  const runLayer = { imported: undefined } as unknown as PredictionLayer;

  it('keeps the newer of an imported layer and the restored run’s layer', async () => {
    const { store, id, dims } = demoStore();
    const volumes = store.getState().volumes;
    const r = await record(id, dims, 2000);
    expect(Object.keys(importedToRestore([r], volumes, {}, null))).toEqual([id]);
    expect(Object.keys(importedToRestore([r], volumes, { [id]: runLayer }, 1000))).toEqual([id]);
    expect(Object.keys(importedToRestore([r], volumes, { [id]: runLayer }, 3000))).toEqual([]);
    expect(Object.keys(importedToRestore([await record(id, dims, undefined)], volumes, { [id]: runLayer }, 1000))).toEqual([]);
    const layer = importedToRestore([r], volumes, {}, null)[id]!;
    expect(layer.rejected).toEqual([1]);
    expect(layer.imported).toBe('x.nii.gz');
    expect(layer.labels.every((v) => v === 2)).toBe(true);
  });
});
