import { create } from 'zustand';
import type { ViewFrame } from '../viewer/gridViews.ts';
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
  /**
   * The planes the three views show: the volume's own slice grid (default; strokes stay in one slice) or the
   * patient axes (on an oblique volume these cut across slices, and painting there is refused).
   */
  viewFrame: ViewFrame;
}

export const useViewerUi = create<ViewerUiState>(() => ({
  controller: null,
  hover: null,
  slices: {},
  activeView: 'axial',
  window: null,
  ready: false,
  failure: null,
  viewFrame: 'grid',
}));

/** Flips the views between the voxel grid and the patient axes (button and key G). */
export function toggleViewFrame(): void {
  useViewerUi.setState((s) => ({ viewFrame: s.viewFrame === 'grid' ? 'patient' : 'grid' }));
}
