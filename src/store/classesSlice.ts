import type { StateCreator } from 'zustand';
import { makeClass, nextClassValue, type ClassDef } from '../volume/classes.ts';
import type { AppState } from './appStore.ts';

export interface ClassesSlice {
  addClass: (name?: string) => number;
  updateClass: (value: number, patch: Partial<Omit<ClassDef, 'value'>>) => void;
  /** Removes the class and erases its voxels in every volume. Clears undo history: the UI confirms first. */
  deleteClass: (value: number) => void;
  moveClass: (value: number, toIndex: number) => void;
  setActiveClass: (value: number) => void;
  setClasses: (classes: ClassDef[]) => void;
}

export const createClassesSlice: StateCreator<AppState, [], [], ClassesSlice> = (set, get) => ({
  addClass: (name) => {
    const value = nextClassValue(get().classes);
    set((s) => ({ classes: [...s.classes, makeClass(value, name)], activeClassValue: value }));
    return value;
  },

  updateClass: (value, patch) => {
    set((s) => ({ classes: s.classes.map((c) => (c.value === value ? { ...c, ...patch, value } : c)) }));
  },

  deleteClass: (value) => {
    const s = get();
    const volumes = { ...s.volumes };
    const history = { ...s.history };
    for (const id of s.volumeOrder) {
      const e = volumes[id];
      if (!e) continue;
      let touched = false;
      const v = e.labels.voxels;
      for (let n = 0; n < v.length; n++) {
        if (v[n] === value) {
          v[n] = 0;
          touched = true;
        }
      }
      if (touched) {
        e.committed.set(v);
        volumes[id] = { ...e, labelsVersion: e.labelsVersion + 1 };
      }
      // Older edits may hold this value; replaying them would resurrect a class that no longer exists.
      history[id] = { undo: [], redo: [] };
    }
    const classes = s.classes.filter((c) => c.value !== value);
    const activeClassValue = s.activeClassValue === value ? (classes[0]?.value ?? null) : s.activeClassValue;
    set({ volumes, history, classes, activeClassValue });
  },

  moveClass: (value, toIndex) => {
    const classes = [...get().classes];
    const from = classes.findIndex((c) => c.value === value);
    if (from < 0) return;
    const to = Math.max(0, Math.min(classes.length - 1, toIndex));
    const [c] = classes.splice(from, 1);
    classes.splice(to, 0, c!);
    set({ classes });
  },

  setActiveClass: (value) => {
    if (get().classes.some((c) => c.value === value)) set({ activeClassValue: value });
  },

  setClasses: (classes) => set({ classes, activeClassValue: classes[0]?.value ?? null }),
});
