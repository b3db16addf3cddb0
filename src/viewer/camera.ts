import { invert, normalize, transformPoint, type Vec3, type VolumeGeometry } from '../volume/geometry.ts';
import { shiftToSlice, sliceAxisOf, SNAP_TOLERANCE_SLICES, viewSlice } from './gridViews.ts';

/**
 * Camera moves as plain maths: where a view's focal point and eye go when it steps to a slice, passes through a
 * point, or snaps onto a slice centre. The controller reads cornerstone's camera, asks here, and sets the answer;
 * keeping the eye's offset from the focal point keeps the zoom and the in-plane position.
 */

/** The part of a cornerstone camera these moves read. */
export interface CameraPose {
  focalPoint: Vec3;
  position: Vec3;
  viewPlaneNormal: Vec3;
}

/** The pose of a camera as cornerstone reports it, or null until it has all three vectors. */
export function poseOf(cam: { focalPoint?: Vec3; position?: Vec3; viewPlaneNormal?: Vec3 } | undefined): CameraPose | null {
  if (!cam?.focalPoint || !cam.position || !cam.viewPlaneNormal) return null;
  return { focalPoint: cam.focalPoint, position: cam.position, viewPlaneNormal: cam.viewPlaneNormal };
}

/** Where a move puts the camera. */
export interface CameraMove {
  focalPoint: Vec3;
  position: Vec3;
}

/** Focal point and eye moved by `along` millimetres along the unit normal `n`. */
export function shiftAlong(cam: CameraPose, n: Vec3, along: number): CameraMove {
  const f = cam.focalPoint;
  const p = cam.position;
  return {
    focalPoint: [f[0] + n[0] * along, f[1] + n[1] * along, f[2] + n[2] * along],
    position: [p[0] + n[0] * along, p[1] + n[1] * along, p[2] + n[2] * along],
  };
}

/**
 * The camera on slice `index` (clamped to the volume) of the voxel axis the view slices along, moved along its
 * normal so the picture does not jump sideways.
 */
export function cameraOnSlice(g: VolumeGeometry, cam: CameraPose, index: number): CameraMove {
  const n = normalize(cam.viewPlaneNormal);
  const axis = sliceAxisOf(g, n);
  const target = Math.max(0, Math.min(g.dims[axis] - 1, index));
  return shiftAlong(cam, n, shiftToSlice(g, cam.focalPoint, n, axis, target));
}

/** The camera moved along its normal until its plane passes through `world`. */
export function cameraThrough(cam: CameraPose, world: Vec3): CameraMove {
  const n = normalize(cam.viewPlaneNormal);
  const f = cam.focalPoint;
  const along = n[0] * (world[0] - f[0]) + n[1] * (world[1] - f[1]) + n[2] * (world[2] - f[2]);
  return shiftAlong(cam, n, along);
}

/**
 * The slice a grid-aligned view should be moved onto, or null when it already sits on a slice centre or cuts
 * across the grid. A view between two slices (a camera reset puts it at the volume's centre, 10.5 of 22;
 * crosshairs put it wherever the click was) would paint into both or neither.
 */
export function sliceToSnapTo(g: VolumeGeometry, focalPoint: Vec3, viewPlaneNormal: Vec3): number | null {
  const s = viewSlice(g, focalPoint, viewPlaneNormal);
  return s.aligned && Math.abs(s.position - s.index) > SNAP_TOLERANCE_SLICES ? s.index : null;
}

/** The voxel (rounded) a world point falls in; it may lie outside the volume. */
export function voxelOf(g: VolumeGeometry, world: Vec3): Vec3 {
  const v = transformPoint(invert(g.ijkToLps), world);
  return [Math.round(v[0]), Math.round(v[1]), Math.round(v[2])];
}
