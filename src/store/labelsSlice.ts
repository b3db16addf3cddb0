import type { StateCreator } from 'zustand';
import type { VoxelAxis } from '../volume/geometry.ts';
import {
  applyEdit,
  diffVoxels,
  diffVoxelsInBox,
  editBytes,
  isEmptyEdit,
  markSlicesChanges,
  SliceProvenance,
  slicesTouched,
  type LabelEdit,
  type LabelMap,
  type SliceChange,
  type VoxelBox,
} from '../volume/labels.ts';
import type { AppState } from './appStore.ts';
import type { EditHistory, VolumeEntry } from './types.ts';

export interface LabelsSlice {
  /**
   * Turns whatever the viewer's tools wrote into the live label buffer since the last commit into one undoable
   * edit, and marks the touched slices along `axis` (the painted view's slice axis) as labeled. Returns the edit,
   * or null when nothing changed.
   *
   * `written` is where the tools wrote since the last commit, as the viewer recorded it: only that box is diffed,
   * so finishing a stroke costs the stroke's size rather than the volume's. `null` means the viewer saw no write
   * (nothing to do); left out, the whole buffer is diffed (a caller that cannot say where writes went).
   */
  commitStroke: (volumeId: string, axis: VoxelAxis, written?: VoxelBox | null) => LabelEdit | null;
  undo: (volumeId?: string) => boolean;
  redo: (volumeId?: string) => boolean;
  /** Marks a slice labeled (its unpainted voxels become background truth) or unlabeled (it says nothing). */
  toggleSliceLabeled: (volumeId: string, axis: VoxelAxis, index: number) => void;
  /**
   * Writes one k-slice (e.g. an accepted pseudo-label) as an undoable edit and marks it labeled with the given
   * provenance. `onlyClass` takes that class's voxels from `values` and leaves the rest of the slice as it was.
   */
  setSliceLabels: (volumeId: string, k: number, values: Uint8Array, provenance: SliceProvenance, onlyClass?: number) => LabelEdit | null;
  /** Replaces a volume's labels with a whole labeled volume (import); every slice counts as labeled. */
  replaceLabels: (volumeId: string, values: Uint8Array, provenance: SliceProvenance) => LabelEdit | null;
  /** Replaces a volume's labels and every slice's provenance with `labels` (a DICOM SEG import): one undoable edit. */
  replaceLabelMap: (volumeId: string, labels: LabelMap) => LabelEdit | null;
}

/** Undo memory per volume; the oldest edits go first once a long session exceeds it. */
export const MAX_HISTORY_BYTES = 128 * 1024 * 1024;

function pushEdit(h: EditHistory | undefined, edit: LabelEdit): EditHistory {
  const undo = [...(h?.undo ?? []), edit];
  let bytes = undo.reduce((sum, e) => sum + editBytes(e), 0);
  while (bytes > MAX_HISTORY_BYTES && undo.length > 1) bytes -= editBytes(undo.shift()!);
  return { undo, redo: [] };
}

function bump(entry: VolumeEntry): VolumeEntry {
  return { ...entry, labelsVersion: entry.labelsVersion + 1 };
}

/** Applies an edit's voxel values to the diff base too, so the next stroke's diff starts from here. */
function syncCommitted(entry: VolumeEntry, edit: LabelEdit, direction: 'forward' | 'backward'): void {
  const values = direction === 'forward' ? edit.after : edit.before;
  for (let m = 0; m < edit.indices.length; m++) entry.committed[edit.indices[m] as number] = values[m] as number;
}

export const createLabelsSlice: StateCreator<AppState, [], [], LabelsSlice> = (set, get) => {
  const commit = (volumeId: string, entry: VolumeEntry, edit: LabelEdit): void => {
    set((s) => ({
      volumes: { ...s.volumes, [volumeId]: bump(entry) },
      history: { ...s.history, [volumeId]: pushEdit(s.history[volumeId], edit) },
    }));
  };

  const step = (direction: 'forward' | 'backward', volumeId?: string): boolean => {
    const id = volumeId ?? get().activeVolumeId;
    if (!id) return false;
    const entry = get().volumes[id];
    const h = get().history[id];
    if (!entry || !h) return false;
    const from = direction === 'backward' ? h.undo : h.redo;
    const edit = from[from.length - 1];
    if (!edit) return false;
    applyEdit(entry.labels, edit, direction);
    syncCommitted(entry, edit, direction);
    const rest = from.slice(0, -1);
    const next: EditHistory = direction === 'backward' ? { undo: rest, redo: [...h.redo, edit] } : { undo: [...h.undo, edit], redo: rest };
    set((s) => ({ volumes: { ...s.volumes, [id]: bump(entry) }, history: { ...s.history, [id]: next } }));
    return true;
  };

  return {
    commitStroke: (volumeId, axis, written) => {
      const entry = get().volumes[volumeId];
      if (!entry || written === null) return null;
      const { indices, before, after } =
        written === undefined
          ? diffVoxels(entry.committed, entry.labels.voxels)
          : diffVoxelsInBox(entry.committed, entry.labels.voxels, entry.labels.dims, written);
      if (indices.length === 0) return null;
      const touched = slicesTouched(entry.labels.dims, indices, axis);
      const sliceChanges = markSlicesChanges(entry.labels, axis, touched, SliceProvenance.Painted);
      const edit: LabelEdit = { indices, before, after, sliceChanges };
      for (const c of sliceChanges) entry.labels.slices[c.axis][c.index] = c.after;
      syncCommitted(entry, edit, 'forward');
      commit(volumeId, entry, edit);
      return edit;
    },

    undo: (volumeId) => step('backward', volumeId),
    redo: (volumeId) => step('forward', volumeId),

    toggleSliceLabeled: (volumeId, axis, index) => {
      const entry = get().volumes[volumeId];
      if (!entry || index < 0 || index >= entry.labels.dims[axis]) return;
      const before = entry.labels.slices[axis][index] as SliceProvenance;
      const after = before === SliceProvenance.Unlabeled ? SliceProvenance.Painted : SliceProvenance.Unlabeled;
      const edit: LabelEdit = {
        indices: new Uint32Array(0),
        before: new Uint8Array(0),
        after: new Uint8Array(0),
        sliceChanges: [{ axis, index, before, after }],
      };
      applyEdit(entry.labels, edit, 'forward');
      commit(volumeId, entry, edit);
    },

    setSliceLabels: (volumeId, k, values, provenance, onlyClass) => {
      const entry = get().volumes[volumeId];
      if (!entry) return null;
      const [ni, nj, nk] = entry.labels.dims;
      const per = ni * nj;
      if (k < 0 || k >= nk || values.length !== per) throw new Error(`slice ${k} of ${ni}×${nj}×${nk} needs ${per} values, got ${values.length}`);
      entry.labels.voxels.set(entry.committed);
      const target = entry.committed.slice(k * per, (k + 1) * per);
      for (let p = 0; p < per; p++) {
        if (onlyClass === undefined) target[p] = values[p]!;
        else if (values[p] === onlyClass) target[p] = onlyClass;
        else if (target[p] === onlyClass) target[p] = 0;
      }
      const { indices: local, before, after } = diffVoxels(entry.committed.subarray(k * per, (k + 1) * per), target);
      const indices = local.map((i) => i + k * per);
      const sliceChanges = markSlicesChanges(entry.labels, 2, [k], provenance);
      const edit: LabelEdit = { indices, before, after, sliceChanges };
      if (isEmptyEdit(edit)) return null;
      applyEdit(entry.labels, edit, 'forward');
      syncCommitted(entry, edit, 'forward');
      commit(volumeId, entry, edit);
      return edit;
    },

    replaceLabels: (volumeId, values, provenance) => {
      const entry = get().volumes[volumeId];
      if (!entry) return null;
      if (values.length !== entry.labels.voxels.length) {
        throw new Error(`label data has ${values.length} voxels, the volume has ${entry.labels.voxels.length}`);
      }
      // Start from the committed state: an unfinished stroke in the live buffer is discarded by an import.
      entry.labels.voxels.set(entry.committed);
      const { indices, before, after } = diffVoxels(entry.committed, values);
      const sliceChanges: SliceChange[] = [];
      for (const axis of [0, 1, 2] as const) {
        const all = Array.from({ length: entry.labels.dims[axis] }, (_, n) => n);
        sliceChanges.push(...markSlicesChanges(entry.labels, axis, all, provenance));
      }
      const edit: LabelEdit = { indices, before, after, sliceChanges };
      if (isEmptyEdit(edit)) return null;
      applyEdit(entry.labels, edit, 'forward');
      syncCommitted(entry, edit, 'forward');
      commit(volumeId, entry, edit);
      return edit;
    },

    replaceLabelMap: (volumeId, labels) => {
      const entry = get().volumes[volumeId];
      if (!entry) return null;
      if (labels.dims.some((d, n) => d !== entry.labels.dims[n])) {
        throw new Error(`labels are ${labels.dims.join('×')}, the volume is ${entry.labels.dims.join('×')}`);
      }
      entry.labels.voxels.set(entry.committed);
      const { indices, before, after } = diffVoxels(entry.committed, labels.voxels);
      const sliceChanges: SliceChange[] = [];
      for (const axis of [0, 1, 2] as const) {
        labels.slices[axis].forEach((now, index) => {
          const was = entry.labels.slices[axis][index] as SliceProvenance;
          if (was !== now) sliceChanges.push({ axis, index, before: was, after: now as SliceProvenance });
        });
      }
      const edit: LabelEdit = { indices, before, after, sliceChanges };
      if (isEmptyEdit(edit)) return null;
      applyEdit(entry.labels, edit, 'forward');
      syncCommitted(entry, edit, 'forward');
      commit(volumeId, entry, edit);
      return edit;
    },
  };
};
