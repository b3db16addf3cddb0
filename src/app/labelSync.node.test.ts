import { describe, expect, it, vi } from 'vitest';
import { createAppStore } from '../store/appStore.ts';
import type { ToWorker } from '../train/protocol.ts';
import { classValuesOf, writeKSlices } from '../train/TrainingSession.ts';
import { SliceProvenance } from '../volume/labels.ts';
import { loadDemo } from './demoWorkspace.ts';
import { editBetween, gatherKSlices, kSlicesOf } from './labelSync.ts';
import { TrainingController } from './training.ts';
import { FakeWorker, useFakeWorker } from './testing/fakeWorker.ts';

/*
 * While training, each stroke used to send the whole label volume to the worker: a copy of every voxel on the
 * page's thread (78 MB at 512²×300) for a stroke on one slice. Now only the k-slices an edit touched go, and the
 * worker writes them into its labels. What it then trains on must be exactly the page's labels, after strokes,
 * undo and redo alike; when the page cannot tell what changed, the whole volume still goes.
 */

describe('which k-slices an edit touched', () => {
  it('tells a new edit, an undo and a redo apart, and names their slices', () => {
    const store = createAppStore();
    loadDemo(store);
    const id = store.getState().volumeOrder[0]!;
    const [ni, nj] = store.getState().volumes[id]!.labels.dims;
    const per = ni * nj;
    const values = new Uint8Array(per).fill(2);
    const h0 = store.getState().history[id];
    const edit = store.getState().setSliceLabels(id, 5, values, SliceProvenance.Painted)!;
    const h1 = store.getState().history[id];
    expect(editBetween(h0, h1)).toBe(edit);
    expect(kSlicesOf(edit, per)).toEqual([5]);
    store.getState().undo(id);
    const h2 = store.getState().history[id];
    expect(editBetween(h1, h2)).toBe(edit);
    store.getState().redo(id);
    expect(editBetween(h2, store.getState().history[id])).toBe(edit);
    // No change at all: nothing can be named.
    expect(editBetween(h1, h1)).toBeNull();
  });

  it('gathers slices and writes them back in place', () => {
    const per = 4;
    const volume = Uint8Array.from({ length: 4 * per }, (_, n) => n);
    const picked = gatherKSlices(volume, per, [1, 3]);
    expect(Array.from(picked)).toEqual([4, 5, 6, 7, 12, 13, 14, 15]);
    const target = new Uint8Array(4 * per);
    writeKSlices(target, per, [1, 3], picked);
    expect(Array.from(target)).toEqual([0, 0, 0, 0, 4, 5, 6, 7, 0, 0, 0, 0, 12, 13, 14, 15]);
    expect(() => writeKSlices(target, per, [1], picked)).toThrow(/need 4 values/);
    // The worker's class indices back to the app's values.
    expect(Array.from(classValuesOf(Uint8Array.from([0, 1, 2, 1]), [3, 7]))).toEqual([0, 3, 7, 3]);
  });
});

describe('label edits during training reach the worker', () => {
  useFakeWorker();

  it('as the touched k-slices after a stroke and its undo, and whole after an import', async () => {
    const store = createAppStore();
    loadDemo(store);
    const controller = new TrainingController(store, null);
    await controller.start();
    const worker = FakeWorker.last!;
    const start = worker.received[0] as Extract<ToWorker, { type: 'start' }>;
    const id = store.getState().volumeOrder[0]!;
    const workerLabels = start.volumes.find((v) => v.id === id)!.labels.slice();
    const entry = () => store.getState().volumes[id]!;
    const [ni, nj, nk] = entry().labels.dims;
    const per = ni * nj;
    // What the worker holds after applying every labels message so far.
    const apply = (): void => {
      for (const m of worker.received.splice(1)) {
        if (m.type === 'labelSlices' && m.volumeId === id) writeKSlices(workerLabels, per, m.ks, m.values);
        if (m.type === 'labels' && m.volumeId === id) workerLabels.set(m.labels);
      }
    };

    store.getState().setSliceLabels(id, 3, new Uint8Array(per).fill(1), SliceProvenance.Painted);
    store.getState().setSliceLabels(id, 7, new Uint8Array(per).fill(2), SliceProvenance.Painted);
    await vi.advanceTimersByTimeAsync(500);
    const sent = worker.received.filter((m) => m.type === 'labelSlices' || m.type === 'labels');
    expect(sent.map((m) => m.type)).toEqual(['labelSlices']);
    expect((sent[0] as Extract<ToWorker, { type: 'labelSlices' }>).ks).toEqual([3, 7]);
    expect((sent[0] as Extract<ToWorker, { type: 'labelSlices' }>).slices[2][7]).toBe(SliceProvenance.Painted);
    apply();
    expect(workerLabels).toEqual(entry().committed);

    store.getState().undo(id);
    await vi.advanceTimersByTimeAsync(500);
    expect(worker.received.slice(1).map((m) => m.type)).toContain('labelSlices');
    apply();
    expect(workerLabels).toEqual(entry().committed);

    // An import changes every slice: the whole volume goes.
    store.getState().replaceLabels(id, new Uint8Array(per * nk).fill(1), SliceProvenance.Imported);
    await vi.advanceTimersByTimeAsync(500);
    expect(
      worker.received
        .slice(1)
        .filter((m) => m.type === 'labels' || m.type === 'labelSlices')
        .map((m) => m.type),
    ).toEqual(['labels']);
    apply();
    expect(workerLabels).toEqual(entry().committed);
    controller.dispose();
  });
});
