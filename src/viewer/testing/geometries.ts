import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDicomFile } from '../../io/dicom/parseDicomFile.ts';
import {
  affineFromParts,
  cross,
  dot,
  geometryFromAffine,
  linearIndex,
  normalize,
  worldToVoxel,
  type Vec3,
  type VolumeGeometry,
} from '../../volume/geometry.ts';
import type { ViewPlane } from '../gridViews.ts';

/** Geometries and a brush footprint shared by the viewer's geometry tests. */

/** The shared oblique MR series (22 slices tilted about 15° about left–right), read by relative path. */
export const MR_SERIES = join(process.cwd(), '..', 'shared', 'datasets', 'dicom', 'mr-brain-t1post');
export const HAVE_MR_SERIES = existsSync(MR_SERIES);

export const add = (a: Vec3, b: Vec3, s = 1): Vec3 => [a[0] + b[0] * s, a[1] + b[1] * s, a[2] + b[2] * s];

/**
 * The shared oblique MR series' geometry, built from its files' ImageOrientationPatient, ImagePositionPatient and
 * PixelSpacing as the repo's DICOM reader parses them.
 */
export function mrSeriesGeometry(): VolumeGeometry {
  const infos = readdirSync(MR_SERIES)
    .filter((f) => f.endsWith('.dcm'))
    .map((f) => parseDicomFile(new Uint8Array(readFileSync(join(MR_SERIES, f))), f));
  const first = infos[0]!;
  const iop = first.orientation!;
  const row: Vec3 = [iop[0], iop[1], iop[2]];
  const col: Vec3 = [iop[3], iop[4], iop[5]];
  const normal = normalize(cross(row, col));
  const positions = infos.map((i) => i.framePositions[0]!).sort((a, b) => dot(a, normal) - dot(b, normal));
  const lo = positions[0]!;
  const hi = positions[positions.length - 1]!;
  const kStep: Vec3 = [(hi[0] - lo[0]) / (positions.length - 1), (hi[1] - lo[1]) / (positions.length - 1), (hi[2] - lo[2]) / (positions.length - 1)];
  const [rowSpacing, colSpacing] = first.pixelSpacing!;
  const m = affineFromParts([row, col, normalize(kStep)], [colSpacing, rowSpacing, Math.hypot(...kStep)], lo);
  return geometryFromAffine([first.columns, first.rows, positions.length], m);
}

/** A 15° tilt about the patient's left–right axis, like the shared series, so the suite runs without the data. */
export function syntheticOblique(): VolumeGeometry {
  const t = (15 * Math.PI) / 180;
  const row: Vec3 = [1, 0, 0];
  const col: Vec3 = [0, Math.cos(t), -Math.sin(t)];
  return geometryFromAffine([512, 512, 22], affineFromParts([row, col, cross(row, col)], [0.43, 0.43, 6.5], [-110, -186, -43]));
}

/**
 * Voxels a brush disk would write when painted in a view: points on the plane through `centre`, each rounded to
 * the voxel it falls in, as a stroke's footprint does.
 */
export function paintDisk(g: VolumeGeometry, plane: ViewPlane, centre: Vec3, radiusMm: number): number[] {
  const up = normalize(plane.viewUp);
  const right = normalize(cross(up, plane.viewPlaneNormal));
  const out = new Set<number>();
  for (let u = -radiusMm; u <= radiusMm; u += 0.2) {
    for (let v = -radiusMm; v <= radiusMm; v += 0.2) {
      if (u * u + v * v > radiusMm * radiusMm) continue;
      const p = worldToVoxel(g, add(add(centre, right, u), up, v)).map(Math.round) as Vec3;
      if (p.every((c, n) => c >= 0 && c < g.dims[n]!)) out.add(linearIndex(g.dims, p[0], p[1], p[2]));
    }
  }
  return [...out];
}
