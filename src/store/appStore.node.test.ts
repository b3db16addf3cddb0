import { describe, expect, it } from 'vitest';
import { IDENTITY, type Vec3 } from '../volume/geometry.ts';
import { createLabelMap, labeledVoxelMask, markAllSlices, SliceProvenance } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { createAppStore } from './appStore.ts';
import { canRedo, canUndo, progressOf } from './selectors.ts';

function volume(id: string, dims: Vec3 = [4, 3, 5], format: 'demo' | 'nifti' = 'nifti'): Volume {
  return {
    id,
    name: id,
    geometry: { dims, spacing: [1, 1, 1], ijkToLps: IDENTITY },
    channels: 1,
    voxels: new Float32Array(dims[0] * dims[1] * dims[2]),
    source: format === 'demo' ? { format: 'demo', seed: 1, index: 0, generator: 2 } : { format: 'image', fileName: `${id}.png`, mimeType: 'image/png' },
  };
}

/** Simulates a brush: the viewer writes into the live buffer, then asks the store to commit. */
function paint(store: ReturnType<typeof createAppStore>, id: string, indices: number[], value: number): void {
  const v = store.getState().volumes[id]!.labels.voxels;
  for (const n of indices) v[n] = value;
}

describe('label edits', () => {
  it('commits a stroke as one undoable edit and marks the painted slice labeled', () => {
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('a') }]);
    // Voxels 12..14 lie in slice k=1 of a 4×3 grid (12 voxels per k-slice).
    paint(store, 'a', [12, 13, 14], 2);
    const edit = store.getState().commitStroke('a', 2);
    expect(edit).not.toBeNull();
    expect([...edit!.indices]).toEqual([12, 13, 14]);
    const e = store.getState().volumes['a']!;
    expect(e.labels.slices[2][1]).toBe(SliceProvenance.Painted);
    expect([...e.labels.slices[2]].filter((p) => p !== 0)).toHaveLength(1);
    expect(e.labelsVersion).toBe(1);
    // Labeled means: the whole slice is ground truth (unpainted voxels are background), other slices are not.
    const mask = labeledVoxelMask(e.labels);
    expect(mask.slice(12, 24).every((m) => m === 1)).toBe(true);
    expect(mask[0]).toBe(0);
    expect(progressOf(e)).toMatchObject({ labeled: 1, total: 5 });
  });

  it('undoes and redoes voxels and slice flags exactly', () => {
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('a') }]);
    paint(store, 'a', [0, 1], 1);
    store.getState().commitStroke('a', 2);
    paint(store, 'a', [1, 2], 3);
    store.getState().commitStroke('a', 2);
    const labels = () => [...store.getState().volumes['a']!.labels.voxels.slice(0, 4)];
    expect(labels()).toEqual([1, 3, 3, 0]);
    expect(store.getState().undo('a')).toBe(true);
    expect(labels()).toEqual([1, 1, 0, 0]);
    expect(store.getState().undo('a')).toBe(true);
    expect(labels()).toEqual([0, 0, 0, 0]);
    expect(store.getState().volumes['a']!.labels.slices[2][0]).toBe(SliceProvenance.Unlabeled);
    expect(store.getState().undo('a')).toBe(false);
    expect(store.getState().redo('a')).toBe(true);
    expect(store.getState().redo('a')).toBe(true);
    expect(labels()).toEqual([1, 3, 3, 0]);
    expect(store.getState().volumes['a']!.labels.slices[2][0]).toBe(SliceProvenance.Painted);
    expect(canRedo(store.getState())).toBe(false);
  });

  it('a new stroke after undo drops the redo branch, and the diff base follows undo', () => {
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('a') }]);
    paint(store, 'a', [5], 1);
    store.getState().commitStroke('a', 2);
    store.getState().undo('a');
    expect(canRedo(store.getState())).toBe(true);
    paint(store, 'a', [6], 2);
    const edit = store.getState().commitStroke('a', 2)!;
    // If the diff base had not followed the undo, voxel 5 would show up in this edit as well.
    expect([...edit.indices]).toEqual([6]);
    expect(canRedo(store.getState())).toBe(false);
  });

  it('an empty stroke records nothing', () => {
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('a') }]);
    expect(store.getState().commitStroke('a', 2)).toBeNull();
    expect(canUndo(store.getState())).toBe(false);
  });

  it('keeps histories per volume', () => {
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('a') }, { volume: volume('b') }]);
    paint(store, 'a', [0], 1);
    store.getState().commitStroke('a', 2);
    store.getState().setActiveVolume('b');
    expect(canUndo(store.getState())).toBe(false);
    expect(store.getState().undo()).toBe(false);
    expect(store.getState().volumes['a']!.labels.voxels[0]).toBe(1);
  });

  it('toggles a slice labeled state as an undoable edit without touching voxels', () => {
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('a') }]);
    store.getState().toggleSliceLabeled('a', 0, 2);
    expect(store.getState().volumes['a']!.labels.slices[0][2]).toBe(SliceProvenance.Painted);
    store.getState().toggleSliceLabeled('a', 0, 2);
    expect(store.getState().volumes['a']!.labels.slices[0][2]).toBe(SliceProvenance.Unlabeled);
    store.getState().undo('a');
    expect(store.getState().volumes['a']!.labels.slices[0][2]).toBe(SliceProvenance.Painted);
  });

  it('replaces labels on import, marks every slice imported, and undoes it', () => {
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('a') }]);
    paint(store, 'a', [0], 1);
    store.getState().commitStroke('a', 2);
    const values = new Uint8Array(60).fill(2);
    store.getState().replaceLabels('a', values, SliceProvenance.Imported);
    const e = store.getState().volumes['a']!;
    expect(e.labels.voxels.every((v) => v === 2)).toBe(true);
    expect([...e.labels.slices[1]]).toEqual([3, 3, 3]);
    store.getState().undo('a');
    expect(store.getState().volumes['a']!.labels.voxels[0]).toBe(1);
    expect(store.getState().volumes['a']!.labels.voxels[1]).toBe(0);
    expect(() => store.getState().replaceLabels('a', new Uint8Array(3), SliceProvenance.Imported)).toThrow(/3 voxels/);
  });
});

describe('classes', () => {
  it('adds with the next free value, renames, reorders without changing values', () => {
    const store = createAppStore();
    const a = store.getState().addClass('Liver');
    const b = store.getState().addClass();
    expect([a, b]).toEqual([1, 2]);
    store.getState().updateClass(2, { name: 'Spleen', position: 'left upper quadrant', shape: 'crescent' });
    store.getState().moveClass(2, 0);
    expect(store.getState().classes.map((c) => [c.value, c.name])).toEqual([
      [2, 'Spleen'],
      [1, 'Liver'],
    ]);
    expect(store.getState().classes[0]!.position).toBe('left upper quadrant');
    store.getState().deleteClass(1);
    expect(store.getState().addClass()).toBe(1);
  });

  it('deleting a class erases its voxels everywhere and clears undo so it cannot come back', () => {
    const store = createAppStore();
    store.getState().addClass('A');
    store.getState().addClass('B');
    store.getState().addVolumes([{ volume: volume('a') }]);
    paint(store, 'a', [0, 1], 1);
    paint(store, 'a', [2], 2);
    store.getState().commitStroke('a', 2);
    store.getState().deleteClass(1);
    const e = store.getState().volumes['a']!;
    expect([...e.labels.voxels.slice(0, 3)]).toEqual([0, 0, 2]);
    expect(canUndo(store.getState())).toBe(false);
    expect(store.getState().activeClassValue).toBe(2);
  });
});

describe('opening data', () => {
  it('replaces an untouched demo, adopts dataset classes and names unnamed label values', () => {
    const store = createAppStore();
    store.getState().setClasses([{ value: 1, name: 'Organ', color: [1, 2, 3], position: '', shape: '' }]);
    store.getState().addVolumes([{ volume: volume('demo', [4, 3, 5], 'demo') }]);
    const labels = createLabelMap([4, 3, 5]);
    labels.voxels[0] = 1;
    labels.voxels[1] = 7;
    store.getState().addOpened({
      volumes: [volume('mri')],
      labels: [{ volumeId: 'mri', fileName: 'mri_label.nii.gz', labels }],
      classes: [
        { value: 1, name: 'Anterior' },
        { value: 2, name: 'Posterior' },
      ],
    });
    const s = store.getState();
    expect(s.volumeOrder).toEqual(['mri']);
    expect(s.classes.map((c) => `${c.value}:${c.name}`)).toEqual(['1:Anterior', '2:Posterior', '7:Class 7']);
    expect(s.volumes['mri']!.labelSource).toBe('mri_label.nii.gz');
    expect(s.messages.some((m) => /demo/.test(m.text))).toBe(true);
  });

  it('keeps a demo the user has worked on', () => {
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('demo', [4, 3, 5], 'demo') }]);
    paint(store, 'demo', [0], 1);
    store.getState().commitStroke('demo', 2);
    store.getState().addOpened({ volumes: [volume('mri')], labels: [], classes: [] });
    expect(store.getState().volumeOrder).toEqual(['demo', 'mri']);
  });

  it('switching volumes keeps each one its own view state', () => {
    const store = createAppStore();
    store.getState().addVolumes([{ volume: volume('a') }, { volume: volume('b') }]);
    store.getState().setViewState('a', { focusVoxel: [1, 1, 3], window: [10, 20], zoom: {} });
    store.getState().setActiveVolume('b');
    store.getState().setActiveVolume('a');
    expect(store.getState().volumes['a']!.view!.focusVoxel).toEqual([1, 1, 3]);
    expect(store.getState().volumes['b']!.view).toBeNull();
  });
});

describe('a bare image', () => {
  it('gets a first class so the user can paint at once', () => {
    const store = createAppStore();
    store.getState().addOpened({ volumes: [volume('x')], labels: [], classes: [] });
    expect(store.getState().classes.map((c) => c.value)).toEqual([1]);
    expect(store.getState().activeClassValue).toBe(1);
  });
});

describe('image descriptions', () => {
  it('edits the sentence text guidance reads, as a new volume object over the same voxels and labels', () => {
    // Views and the training worker key on the volume id and its voxel buffer; an edit must not look like new data.
    const store = createAppStore();
    store.getState().addVolumes([{ volume: { ...volume('a'), description: 'The nuclei are evenly distributed.' } }, { volume: volume('b') }]);
    const before = store.getState().volumes['a']!;
    store.getState().setVolumeDescription('a', 'The nuclei density in the upper right is high.');
    const after = store.getState().volumes['a']!;
    expect(after.volume.description).toBe('The nuclei density in the upper right is high.');
    expect(after.volume).not.toBe(before.volume);
    expect(after.volume.voxels).toBe(before.volume.voxels);
    expect(after.labels).toBe(before.labels);
    expect(after.labelsVersion).toBe(before.labelsVersion);
    expect(store.getState().volumes['b']!.volume.description).toBeUndefined();
    // The same text again changes nothing (no save is scheduled); an empty text means no description.
    const volumes = store.getState().volumes;
    store.getState().setVolumeDescription('a', 'The nuclei density in the upper right is high.');
    expect(store.getState().volumes).toBe(volumes);
    store.getState().setVolumeDescription('a', '');
    expect('description' in store.getState().volumes['a']!.volume).toBe(false);
    store.getState().setVolumeDescription('nope', 'x');
    expect(store.getState().volumes['nope']).toBeUndefined();
  });

  it("keeps descriptions that came with opened images, and holds a validation folder's labeled images out of training", () => {
    const store = createAppStore();
    const train = { ...volume('train', [4, 3, 1]), description: 'The nuclei are sparsely distributed.' };
    const val = volume('val', [4, 3, 1]);
    const labels = (id: string) => {
      const l = createLabelMap([4, 3, 1]);
      markAllSlices(l, SliceProvenance.Imported);
      return { volumeId: id, fileName: `${id}.png`, labels: l };
    };
    store
      .getState()
      .addOpened({ volumes: [train, val], labels: [labels('train'), labels('val')], classes: [{ value: 1, name: 'Nucleus' }], validationVolumeIds: ['val'] });
    const s = store.getState();
    expect(s.volumes['train']!.volume.description).toBe('The nuclei are sparsely distributed.');
    expect(s.volumes['train']!.validation).toEqual([]);
    expect(s.volumes['val']!.validation).toEqual([0]);
    expect(s.classes.map((c) => c.name)).toEqual(['Nucleus']);
    expect(s.messages.map((m) => m.text)).toContain('1 image from the validation folder is held out of training to measure the model ("use for validation").');
  });
});
