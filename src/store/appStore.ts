import { createStore, useStore } from 'zustand';
import { createClassesSlice, type ClassesSlice } from './classesSlice.ts';
import { createLabelsSlice, type LabelsSlice } from './labelsSlice.ts';
import { createLayersSlice, type LayersSlice } from './layersSlice.ts';
import { createStatusSlice, type StatusSlice } from './statusSlice.ts';
import { createToolsSlice, DEFAULT_TOOLS, type ToolsSlice } from './toolsSlice.ts';
import { createTrainingSlice, type TrainingSlice } from './trainingSlice.ts';
import type { WorkspaceState } from './types.ts';
import { createWorkspaceSlice, type WorkspaceSlice } from './workspaceSlice.ts';

export type AppState = WorkspaceState & WorkspaceSlice & ClassesSlice & LabelsSlice & ToolsSlice & StatusSlice & TrainingSlice & LayersSlice;

export const INITIAL_STATE: WorkspaceState = {
  volumes: {},
  volumeOrder: [],
  activeVolumeId: null,
  classes: [],
  activeClassValue: null,
  tools: DEFAULT_TOOLS,
  history: {},
  messages: [],
  save: { kind: 'idle' },
  progress: null,
};

/** A fresh store; tests make their own, the app uses `appStore`. */
export function createAppStore() {
  return createStore<AppState>()((...a) => ({
    ...INITIAL_STATE,
    ...createWorkspaceSlice(...a),
    ...createClassesSlice(...a),
    ...createLabelsSlice(...a),
    ...createToolsSlice(...a),
    ...createStatusSlice(...a),
    ...createTrainingSlice(...a),
    ...createLayersSlice(...a),
  }));
}

export type AppStore = ReturnType<typeof createAppStore>;

export const appStore = createAppStore();

/** React binding: components select narrowly so a brush stroke re-renders only what shows labels. */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
