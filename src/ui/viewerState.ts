import { create } from 'zustand';
import type { HoverInfo, SliceInfo, ViewerController, ViewName } from '../viewer/ViewerController.ts';

/**
 * What the viewer reports 60 times a second (cursor, slices, window) lives here, apart from the workspace
 * store, so moving the mouse never makes the autosaver or the class list look again.
 */
interface ViewerUiState {
  controller: ViewerController | null;
  hover: HoverInfo | null;
  slices: Partial<Record<ViewName, SliceInfo>>;
  activeView: ViewName;
  window: [number, number] | null;
  ready: boolean;
  failure: string | null;
}

export const useViewerUi = create<ViewerUiState>(() => ({
  controller: null,
  hover: null,
  slices: {},
  activeView: 'axial',
  window: null,
  ready: false,
  failure: null,
}));
