import { axisStep, normalize, transformPoint, type Vec3, type VolumeGeometry } from '../volume/geometry.ts';

/** DICOM image-plane attributes of one k-slice, as cornerstone3D's metadata modules expect them. */
export interface SlicePlane {
  /** World (LPS) position of the slice's first voxel (i = 0, j = 0). */
  imagePositionPatient: Vec3;
  /** Row cosine (direction of increasing i) then column cosine (increasing j). */
  imageOrientationPatient: [number, number, number, number, number, number];
  /** DICOM order: [row spacing (between rows, along j), column spacing (along i)]. */
  pixelSpacing: [number, number];
  sliceThickness: number;
}

/**
 * Each k-slice of a volume becomes one cornerstone image with its own exact position; cornerstone then builds
 * its volume from those images, sorting them along the slice normal. Because images (not volume indices)
 * carry the correspondence, a left-handed voxel grid or an oblique one displays correctly.
 */
export function slicePlanes(g: VolumeGeometry): SlicePlane[] {
  const row = normalize(axisStep(g.ijkToLps, 0));
  const col = normalize(axisStep(g.ijkToLps, 1));
  const planes: SlicePlane[] = [];
  for (let k = 0; k < g.dims[2]; k++) {
    planes.push({
      imagePositionPatient: transformPoint(g.ijkToLps, [0, 0, k]),
      imageOrientationPatient: [row[0], row[1], row[2], col[0], col[1], col[2]],
      pixelSpacing: [g.spacing[1], g.spacing[0]],
      sliceThickness: g.spacing[2],
    });
  }
  return planes;
}
