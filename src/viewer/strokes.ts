import type { ToolName } from '../store/types.ts';
import type { Vec3, VolumeGeometry, VoxelAxis } from '../volume/geometry.ts';
import { sliceAxisOf, slicesCrossed, viewSlice } from './gridViews.ts';
import type { ViewMode } from './viewTypes.ts';

/**
 * Labeling gestures and the voxel slices they belong to: which presses start one, when a press is refused, which
 * slice stack a finished stroke is committed to, and which slices it actually wrote. On an oblique volume a view in
 * the patient axes cuts across several k-slices, so a stroke there would label fragments of each; these rules keep
 * a stroke in the slice on screen or say why not.
 */

/** The tools whose primary-button drag writes labels. */
export const LABELING_TOOLS: ReadonlySet<ToolName> = new Set(['brush', 'eraser', 'threshold', 'fill']);

/** A press starts a labeling gesture: the primary button without Shift (Shift+drag is window/level). */
export function isLabelingPress(tool: ToolName | undefined, button: number, shiftKey: boolean): boolean {
  return tool !== undefined && LABELING_TOOLS.has(tool) && button === 0 && !shiftKey;
}

/** The message shown when a stroke is refused in a view that cuts across the voxel grid. */
export function refusalMessage(sliceCount: number): string {
  return (
    `This view cuts across ${Math.max(2, Math.ceil(sliceCount))} slices of the volume's grid, so a stroke here would ` +
    'label fragments of several slices. Switch "Views" to "acquisition grid" (key G) to paint.'
  );
}

/**
 * Why a labeling gesture in a view with this camera must not start, or null when it may. A 2D image has one
 * slice, so nothing is refused there; a view without a camera yet is left to cornerstone.
 */
export function labelingRefusal(g: VolumeGeometry, mode: ViewMode, focalPoint: Vec3 | undefined, viewPlaneNormal: Vec3 | undefined): string | null {
  if (mode !== '3d' || !viewPlaneNormal) return null;
  const s = viewSlice(g, focalPoint ?? [0, 0, 0], viewPlaneNormal);
  return s.aligned ? null : refusalMessage(slicesCrossed(g, viewPlaneNormal, s.axis));
}

/**
 * The slice stack a finished stroke is committed to (a 2D image's is k), and the slice the view showed when it
 * ended, so the caller can check the stroke stayed in it (null when the view showed another axis).
 */
export function strokeTarget(
  g: VolumeGeometry,
  mode: ViewMode,
  viewPlaneNormal: Vec3 | undefined,
  shown: { axis: VoxelAxis; index: number } | null,
): { axis: VoxelAxis; shownIndex: number | null } {
  const axis: VoxelAxis = mode === '2d' ? 2 : sliceAxisOf(g, viewPlaneNormal ?? [0, 0, 1]);
  return { axis, shownIndex: shown && shown.axis === axis ? shown.index : null };
}

/** Where a stroke's changed voxels (linear indices) lie along `axis`, and whether all are in slice `expected`. */
export function strokeSlices(dims: Vec3, indices: ArrayLike<number>, axis: VoxelAxis, expected: number): { slices: number[]; inExpected: boolean } {
  const seen = new Set<number>();
  const [ni, nj] = dims;
  for (let m = 0; m < indices.length; m++) {
    const n = indices[m]!;
    seen.add(axis === 0 ? n % ni : axis === 1 ? Math.floor(n / ni) % nj : Math.floor(n / (ni * nj)));
  }
  const slices = [...seen].sort((a, b) => a - b);
  return { slices, inExpected: slices.every((s) => s === expected) };
}

/**
 * The warning for a stroke that left the slice on screen (null when it stayed): strokes are refused where they
 * could spread, so this is the last line, said plainly rather than letting fragments mark other slices labeled.
 * Slices are numbered from 1, as the views show them.
 */
export function strayStrokeWarning(writtenSlices: readonly number[], shownIndex: number): string | null {
  const others = writtenSlices.filter((n) => n !== shownIndex);
  if (others.length === 0) return null;
  return (
    `That stroke also changed slices ${others.map((n) => n + 1).join(', ')}, not only slice ${shownIndex + 1}, ` +
    'and they are now marked labeled. Undo it (Ctrl+Z) if that was not meant.'
  );
}
