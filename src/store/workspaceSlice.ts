import type { StateCreator } from 'zustand';
import type { OpenResult } from '../io/types.ts';
import { makeClass } from '../volume/classes.ts';
import { createLabelMap, markAllSlices, SliceProvenance, type LabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import type { AppState } from './appStore.ts';
import type { ViewState, VolumeEntry } from './types.ts';

export interface WorkspaceSlice {
  /** Adds opened volumes with any labels and classes that came with them. Replaces an untouched demo. */
  addOpened: (result: Pick<OpenResult, 'volumes' | 'labels' | 'classes' | 'validationVolumeIds'>) => void;
  /** Adds volumes with given label maps as they are (demo, restore from storage). */
  addVolumes: (items: { volume: Volume; labels?: LabelMap; labelSource?: string | null }[]) => void;
  removeVolume: (id: string) => void;
  setActiveVolume: (id: string) => void;
  setViewState: (id: string, view: ViewState) => void;
  /**
   * Sets the free-text description of a volume's image ("The nuclei density in the upper right is high."),
   * which text-guided pseudo-labels read. An empty text means the image has none.
   */
  setVolumeDescription: (id: string, description: string) => void;
  /** Sets a k-slice aside for validation, or returns it to training. */
  toggleValidationSlice: (id: string, k: number) => void;
  setValidationSlices: (id: string, ks: number[]) => void;
  /** Empties the workspace (volumes, labels, history); classes stay, they describe the task. */
  clearVolumes: () => void;
}

export function makeEntry(volume: Volume, labels?: LabelMap, labelSource: string | null = null): VolumeEntry {
  const l = labels ?? createLabelMap(volume.geometry.dims);
  return { volume, labels: l, committed: l.voxels.slice(), labelsVersion: 0, view: null, labelSource, validation: [] };
}

/** The demo is a placeholder: once a user opens their own data it makes way, unless they have worked on it. */
function isUntouchedDemo(state: AppState): boolean {
  if (state.volumeOrder.length === 0) return false;
  return state.volumeOrder.every((id) => {
    const e = state.volumes[id];
    return e !== undefined && e.volume.source.format === 'demo' && (state.history[id]?.undo.length ?? 0) === 0;
  });
}

export const createWorkspaceSlice: StateCreator<AppState, [], [], WorkspaceSlice> = (set, get) => ({
  addOpened: (result) => {
    if (result.volumes.length === 0) return;
    const replaceDemo = isUntouchedDemo(get());
    if (replaceDemo) {
      get().clearVolumes();
      set({ classes: [], activeClassValue: null });
      get().pushMessage({ severity: 'info', subject: null, text: 'The demo closed to make room for your files.' });
    }
    const labelsById = new Map(result.labels.map((l) => [l.volumeId, l]));
    get().addVolumes(
      result.volumes.map((volume) => {
        const arrived = labelsById.get(volume.id);
        return { volume, labels: arrived?.labels, labelSource: arrived ? arrived.fileName : null };
      }),
    );
    // Classes named by a dataset (MSD dataset.json) join the workspace; a value already in use keeps its name.
    const known = new Set(get().classes.map((c) => c.value));
    const added = result.classes.filter((c) => !known.has(c.value)).map((c) => makeClass(c.value, c.name));
    // Label values present in arrived labels but named nowhere still need a class, or they would be invisible.
    const present = new Set<number>();
    for (const l of result.labels) for (const v of l.labels.voxels) if (v !== 0) present.add(v);
    for (const v of [...present].sort((a, b) => a - b)) {
      if (!known.has(v) && !added.some((c) => c.value === v)) added.push(makeClass(v));
    }
    // Painting needs a class; a user who opens a bare image should be able to start at once.
    if (get().classes.length === 0 && added.length === 0) added.push(makeClass(1));
    if (added.length > 0) {
      set((s) => ({
        classes: [...s.classes, ...added],
        activeClassValue: s.activeClassValue ?? added[0]?.value ?? null,
      }));
    }
    // Labels that came as validation data (MoNuSeg's Val_Folder) measure the model; training them would leak.
    let heldOut = 0;
    for (const id of result.validationVolumeIds ?? []) {
      const e = get().volumes[id];
      if (!e) continue;
      const ks = [...e.labels.slices[2].keys()].filter((k) => e.labels.slices[2][k] !== 0);
      if (ks.length === 0) continue;
      get().setValidationSlices(id, ks);
      heldOut++;
    }
    if (heldOut > 0) {
      get().pushMessage({
        severity: 'info',
        subject: null,
        text: `${heldOut} image${heldOut === 1 ? '' : 's'} from the validation folder ${heldOut === 1 ? 'is' : 'are'} held out of training to measure the model ("use for validation").`,
      });
    }
  },

  addVolumes: (items) => {
    if (items.length === 0) return;
    set((s) => {
      const volumes = { ...s.volumes };
      const history = { ...s.history };
      for (const { volume, labels, labelSource } of items) {
        volumes[volume.id] = makeEntry(volume, labels, labelSource ?? null);
        history[volume.id] = { undo: [], redo: [] };
      }
      const order = [...s.volumeOrder, ...items.map((i) => i.volume.id).filter((id) => !s.volumeOrder.includes(id))];
      return { volumes, history, volumeOrder: order, activeVolumeId: s.activeVolumeId ?? items[0]!.volume.id };
    });
  },

  removeVolume: (id) => {
    set((s) => {
      const volumes = { ...s.volumes };
      const history = { ...s.history };
      delete volumes[id];
      delete history[id];
      const order = s.volumeOrder.filter((v) => v !== id);
      const active = s.activeVolumeId === id ? (order[0] ?? null) : s.activeVolumeId;
      return { volumes, history, volumeOrder: order, activeVolumeId: active };
    });
  },

  setActiveVolume: (id) => {
    if (!get().volumes[id]) return;
    set({ activeVolumeId: id });
  },

  setViewState: (id, view) => {
    const entry = get().volumes[id];
    if (!entry) return;
    set((s) => ({ volumes: { ...s.volumes, [id]: { ...entry, view } } }));
  },

  setVolumeDescription: (id, description) => {
    const entry = get().volumes[id];
    if (!entry || (entry.volume.description ?? '') === description) return;
    // A new Volume object with the same voxels: views key on the id, so nothing is registered again.
    const volume: Volume = { ...entry.volume };
    if (description === '') delete volume.description;
    else volume.description = description;
    set((s) => ({ volumes: { ...s.volumes, [id]: { ...entry, volume } } }));
  },

  toggleValidationSlice: (id, k) => {
    const entry = get().volumes[id];
    if (!entry) return;
    const validation = entry.validation.includes(k) ? entry.validation.filter((x) => x !== k) : [...entry.validation, k].sort((a, b) => a - b);
    set((s) => ({ volumes: { ...s.volumes, [id]: { ...entry, validation } } }));
  },

  setValidationSlices: (id, ks) => {
    const entry = get().volumes[id];
    if (entry) set((s) => ({ volumes: { ...s.volumes, [id]: { ...entry, validation: [...ks].sort((a, b) => a - b) } } }));
  },

  clearVolumes: () => set({ volumes: {}, volumeOrder: [], activeVolumeId: null, history: {} }),
});

/** Labels that arrived with a file cover the whole volume. */
export function importedLabelMap(volume: Volume, values: Uint8Array): LabelMap {
  const l = createLabelMap(volume.geometry.dims, values);
  markAllSlices(l, SliceProvenance.Imported);
  return l;
}
