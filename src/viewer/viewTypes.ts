import type { Vec3, VoxelAxis } from '../volume/geometry.ts';
import type { VoxelBox } from '../volume/labels.ts';
import type { OrthoView } from './gridViews.ts';

/**
 * The vocabulary the viewer and the UI share: the view slots, what the viewer reports about them, and the
 * callbacks through which gestures reach the store. Nothing here knows cornerstone.
 */

export type ViewName = 'axial' | 'coronal' | 'sagittal' | 'single';
export const ORTHO_VIEWS = ['axial', 'coronal', 'sagittal'] as const;

/** A volume with one k-slice shows as an image in one stack view; anything deeper in three orthographic views. */
export type ViewMode = '2d' | '3d';

export type ViewerElements = Record<ViewName, HTMLDivElement>;

const VIEWS_2D: readonly ViewName[] = ['single'];

/** The view slots a mode shows. */
export function viewsFor(mode: ViewMode): readonly ViewName[] {
  return mode === '2d' ? VIEWS_2D : ORTHO_VIEWS;
}

export interface HoverInfo {
  view: ViewName;
  voxel: Vec3;
  /** Intensity (grey) or [r, g, b]; null outside the volume. */
  value: number[] | null;
  label: number | null;
}

export interface SliceInfo {
  view: ViewName;
  axis: VoxelAxis;
  index: number;
  count: number;
  /**
   * False when the view cuts across the voxel grid (patient axes on an oblique volume): `index` is then only the
   * nearest slice at the view's centre, and painting there is refused.
   */
  aligned: boolean;
  /** The patient plane the view is closest to (its title); null for a 2D image. */
  looksLike: OrthoView | null;
}

export interface ViewerCallbacks {
  /**
   * A labeling gesture ended in `axis`'s slice stack: commit what the tools wrote. `written` bounds those writes
   * (null: none; undefined: unknown, diff everything).
   */
  onStroke: (volumeId: string, axis: VoxelAxis, shownIndex: number | null, written: VoxelBox | null | undefined) => void;
  onHover: (info: HoverInfo | null) => void;
  onSlice: (info: SliceInfo) => void;
  onWindow: (window: [number, number]) => void;
  /** A labeling gesture was refused (the view cuts across the voxel grid); `message` says how to paint. */
  onRefused: (message: string) => void;
}
