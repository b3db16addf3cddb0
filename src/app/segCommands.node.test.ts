import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDicomSeg } from '../io/dicomSeg/writeSeg.ts';
import { nodeFolder } from '../io/testing/nodeFiles.ts';
import type { InputFile } from '../io/types.ts';
import { createAppStore, type AppStore } from '../store/appStore.ts';
import { makeClass } from '../volume/classes.ts';
import { SliceProvenance } from '../volume/labels.ts';
import { openFilesCommand } from './commands.ts';
import { dicomSegExportBlocker } from './segCommands.ts';

const SERIES = join(process.cwd(), '..', 'shared', 'datasets', 'dicom', 'hippocrop-series');
const OTHER = join(process.cwd(), '..', 'shared', 'datasets', 'dicom', 'mr-brain-t1post');

function memoryFile(name: string, bytes: Uint8Array): InputFile {
  return { path: name, name, size: bytes.length, read: async () => bytes };
}

/** Opens the series, names two classes and paints class 1 on slice 3 and accepts class 2 on slice 7. */
async function labeledWorkspace(): Promise<{ store: AppStore; volumeId: string; seg: Uint8Array }> {
  const store = createAppStore();
  await openFilesCommand(store, nodeFolder(SERIES));
  const s = store.getState();
  const volumeId = s.activeVolumeId!;
  const entry = s.volumes[volumeId]!;
  expect(entry.volume.source.format).toBe('dicom');
  s.setClasses([{ ...makeClass(1, 'Anterior'), color: [10, 200, 30] }, makeClass(2, 'Posterior')]);
  const [ni, nj] = entry.volume.geometry.dims;
  const slice = (value: number): Uint8Array => {
    const v = new Uint8Array(ni * nj);
    for (let p = 0; p < v.length; p++) if (p % ni > 10 && p % ni < 20 && Math.floor(p / ni) > 5 && Math.floor(p / ni) < 25) v[p] = value;
    return v;
  };
  s.setSliceLabels(volumeId, 3, slice(1), SliceProvenance.Painted);
  s.setSliceLabels(volumeId, 7, slice(2), SliceProvenance.AcceptedPseudoLabel);
  const now = store.getState();
  const e = now.volumes[volumeId]!;
  const seg = writeDicomSeg({ volume: e.volume, labels: { ...e.labels, voxels: e.committed }, classes: now.classes });
  return { store, volumeId, seg };
}

describe.skipIf(!existsSync(SERIES) || !existsSync(OTHER))('DICOM SEG in the app (skipped: needs ../shared/datasets/dicom)', () => {
  it('opening a SEG onto its open series restores the labels, classes and provenance, as one undo step', { timeout: 60_000 }, async () => {
    const { store, volumeId, seg } = await labeledWorkspace();
    const painted = store.getState().volumes[volumeId]!.committed.slice();
    store.getState().replaceLabels(volumeId, new Uint8Array(painted.length), SliceProvenance.Unlabeled);
    // A fresh workspace would not know the class names: drop them to see them come back from the SEG.
    store.getState().setClasses([]);
    await openFilesCommand(store, [memoryFile('labels_seg.dcm', seg)]);
    const s = store.getState();
    const entry = s.volumes[volumeId]!;
    expect(s.messages.filter((m) => m.severity === 'error')).toEqual([]);
    expect(s.volumeOrder).toHaveLength(1);
    expect(Buffer.from(entry.committed).equals(Buffer.from(painted))).toBe(true);
    expect(s.classes.map((c) => [c.value, c.name, c.color])).toEqual([
      [1, 'Anterior', [10, 200, 30]],
      [2, 'Posterior', makeClass(2).color],
    ]);
    expect(entry.labels.slices[2][3]).toBe(SliceProvenance.Painted);
    expect(entry.labels.slices[2][7]).toBe(SliceProvenance.AcceptedPseudoLabel);
    expect(s.messages.some((m) => /DICOM SEG placed on/.test(m.text))).toBe(true);
    s.undo(volumeId);
    expect(store.getState().volumes[volumeId]!.committed.every((v) => v === 0)).toBe(true);
  });

  it('a SEG whose series is not open, or whose geometry differs, is refused with a message', { timeout: 60_000 }, async () => {
    const { seg } = await labeledWorkspace();
    const other = createAppStore();
    await openFilesCommand(other, nodeFolder(OTHER));
    const before = other.getState().volumes[other.getState().activeVolumeId!]!.committed.slice();
    await openFilesCommand(other, [memoryFile('labels_seg.dcm', seg)]);
    const errors = other
      .getState()
      .messages.filter((m) => m.severity === 'error')
      .map((m) => `${m.subject}: ${m.text}`);
    expect(errors).toEqual([expect.stringMatching(/^labels_seg\.dcm: is a DICOM SEG of series [\d.]+, which is not open/)]);
    expect(Buffer.from(other.getState().volumes[other.getState().activeVolumeId!]!.committed).equals(Buffer.from(before))).toBe(true);

    // The same series UID, but the slices moved: the SEG's frames no longer lie on them.
    const { store, volumeId } = await labeledWorkspace();
    const entry = store.getState().volumes[volumeId]!;
    const src = entry.volume.source;
    if (src.format !== 'dicom' || !src.reference) throw new Error('expected a DICOM reference');
    const moved = {
      ...src.reference,
      instances: src.reference.instances.map((i) => ({ ...i, position: i.position!.map((v) => v + 1) as [number, number, number] })),
    };
    store.setState((s) => ({ volumes: { ...s.volumes, [volumeId]: { ...entry, volume: { ...entry.volume, source: { ...src, reference: moved } } } } }));
    await openFilesCommand(store, [memoryFile('labels_seg.dcm', seg)]);
    const last = store
      .getState()
      .messages.filter((m) => m.severity === 'error')
      .map((m) => `${m.subject}: ${m.text}`);
    expect(last).toEqual([expect.stringMatching(/^labels_seg\.dcm: frame 1 lies 1\.732 mm from slice 4 .*geometry does not match; nothing was imported/)]);
  });

  it('says why the export is unavailable for a volume that is not a DICOM series', async () => {
    const store = createAppStore();
    await openFilesCommand(store, nodeFolder(SERIES));
    const entry = store.getState().volumes[store.getState().activeVolumeId!]!;
    expect(dicomSegExportBlocker(entry)).toBeNull();
    expect(dicomSegExportBlocker({ ...entry, volume: { ...entry.volume, source: { format: 'nifti', fileName: 'a.nii', header: {} as never } } })).toMatch(
      /^DICOM SEG needs a volume opened from a DICOM series/,
    );
    expect(dicomSegExportBlocker(null)).toMatch(/Open a DICOM series/);
  });
});
