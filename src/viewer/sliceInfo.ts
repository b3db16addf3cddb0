import type { Vec3, VolumeGeometry } from '../volume/geometry.ts';
import { gridViews, viewSlice, type ViewFrame } from './gridViews.ts';
import type { SliceInfo, ViewMode, ViewName } from './viewTypes.ts';

/**
 * What a view reports about itself from its camera: the voxel axis it slices along, the slice at its centre,
 * whether it shows that slice exactly, and the title it goes by. A grid view takes the name of the patient plane
 * it looks like (a sagittal acquisition's k-slices read "Sagittal" in the axial slot); a patient-axis view, or a
 * grid view that no longer lies on the grid, keeps its slot's name.
 */
export function sliceInfoOf(g: VolumeGeometry, view: ViewName, mode: ViewMode, frame: ViewFrame, focalPoint: Vec3, viewPlaneNormal: Vec3): SliceInfo {
  const s = viewSlice(g, focalPoint, viewPlaneNormal);
  const slot = mode === '3d' && view !== 'single' ? view : null;
  const looksLike = slot ? (frame === 'grid' && s.aligned ? gridViews(g)[slot].looksLike : slot) : null;
  return { view, axis: s.axis, index: s.index, count: s.count, aligned: s.aligned, looksLike };
}
