import type { ViewState } from '../store/types.ts';
import type { Vec3, VolumeGeometry, VoxelAxis } from '../volume/geometry.ts';
import { voxelOf } from './camera.ts';

/**
 * What is kept of a view between visits to a volume (the slice, the zoom of each view, the window) and how it is
 * put back, as plain data. The focus is stored as a voxel, not a world point, so it survives any camera the views
 * are given next time (grid or patient frame).
 */

/** cornerstone's window as a range of values. */
export interface VoiRange {
  lower: number;
  upper: number;
}

export function voiOfWindow(window: readonly [number, number]): VoiRange {
  return { lower: window[0], upper: window[1] };
}

export function windowOfVoi(voi: VoiRange | undefined): [number, number] | null {
  return voi ? [voi.lower, voi.upper] : null;
}

/**
 * The view state from the first view's focal point, each view's parallel scale (half the visible height in mm:
 * smaller is zoomed in) and the window on screen.
 */
export function captureViewState(g: VolumeGeometry, focalPoint: Vec3, zoom: Record<string, number>, voi: VoiRange | undefined): ViewState {
  return { focusVoxel: voxelOf(g, focalPoint), window: windowOfVoi(voi), zoom };
}

/** What a view is given back: its zoom when one was saved, and the slice of the focus along the axis it shows. */
export function restoredView(state: ViewState, view: string, axis: VoxelAxis): { parallelScale: number | undefined; index: number } {
  return { parallelScale: state.zoom[view], index: state.focusVoxel[axis] };
}
