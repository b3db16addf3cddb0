import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../store/appStore.ts';
import { BACKEND_ORDER } from '../../train/backendNames.ts';
import { loadDemo } from '../demoWorkspace.ts';
import { backendOrderOf, gatherRunInputs } from './runInputs.ts';

/*
 * What a run is given: nothing is sent when there is nothing to learn (no class, no labeled slice), and the user is
 * told why; the worker gets copies, so painting on while it trains cannot change what it was given.
 */

describe('the inputs of a run', () => {
  it("copies the volumes and labels, with each volume's labels version", () => {
    const store = createAppStore();
    loadDemo(store);
    const s = store.getState();
    const { inputs, notices } = gatherRunInputs(s);
    expect(notices).toEqual([]);
    expect(inputs!.classes).toEqual(s.classes.map((c) => ({ value: c.value, name: c.name })));
    expect(inputs!.volumes.map((v) => v.id)).toEqual(s.volumeOrder);
    const first = s.volumes[s.volumeOrder[0]!]!;
    const sent = inputs!.volumes[0]!;
    expect(sent.voxels).not.toBe(first.volume.voxels);
    expect(sent.labels).not.toBe(first.committed);
    expect(Buffer.from(sent.labels).equals(Buffer.from(first.committed))).toBe(true);
    expect(inputs!.versions.get(first.volume.id)).toBe(first.labelsVersion);
  });

  it('sends nothing without a class, or without a labeled slice, and says which is missing', () => {
    const noClass = createAppStore();
    loadDemo(noClass);
    for (const c of noClass.getState().classes) noClass.getState().deleteClass(c.value);
    const a = gatherRunInputs(noClass.getState());
    expect(a.inputs).toBeNull();
    expect(a.notices.map((n) => n.text)).toEqual(['Add a class before training: the model needs to know what to segment.']);

    const unlabeled = createAppStore();
    loadDemo(unlabeled);
    const volumes = Object.values(unlabeled.getState().volumes).map((e) => ({ volume: e.volume }));
    const bare = createAppStore();
    bare.getState().setClasses(unlabeled.getState().classes);
    bare.getState().addVolumes(volumes);
    const b = gatherRunInputs(bare.getState());
    expect(b.inputs).toBeNull();
    expect(b.notices.map((n) => n.severity)).toEqual(['error']);
    expect(b.notices[0]!.text).toMatch(/Label at least one slice/);
  });
});

describe('the backend order', () => {
  it('is the fastest first on Auto, and the chosen one first otherwise, each backend once', () => {
    expect(backendOrderOf('auto')).toEqual([...BACKEND_ORDER]);
    const wasm = backendOrderOf('wasm');
    expect(wasm[0]).toBe('wasm');
    expect([...wasm].sort()).toEqual([...BACKEND_ORDER].sort());
  });
});
