import { flipRasLps, type Mat4 } from '../../volume/geometry.ts';
import type { NiftiGeometryHeader } from '../../volume/Volume.ts';

/**
 * NIfTI's two voxel→RAS transforms, as the standard (nifti1.h) defines them. These are formulas, not parsing:
 * nifti-reader-js reads the header fields; this turns them into one matrix, and back for export.
 */

/** Scale from the header's spatial unit to millimetres (unknown is taken as mm, as every viewer does). */
export function unitToMm(xyztUnits: number): number {
  switch (xyztUnits & 7) {
    case 1:
      return 1000; // metres
    case 3:
      return 0.001; // microns
    default:
      return 1;
  }
}

/** Method 2 of nifti1.h: rotation from the quaternion (b, c, d), voxel sizes, qfac for left-handed grids. */
export function qformMatrix(h: NiftiGeometryHeader): Mat4 {
  const [b, c, d] = [h.quaternB, h.quaternC, h.quaternD];
  let a = 1 - (b * b + c * c + d * d);
  // Rounding can make a slightly negative; the standard then renormalises (b, c, d) and sets a = 0.
  let [qb, qc, qd] = [b, c, d];
  if (a < 1e-7) {
    const s = 1 / Math.sqrt(b * b + c * c + d * d);
    [qb, qc, qd] = [b * s, c * s, d * s];
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  // As nibabel reads them: a negative voxel size is taken as its magnitude (its header check fixes it so), zero
  // as 1. qfac follows nifti1.h: any negative pixdim[0] flips k.
  const size = (v: number | undefined): number => (v !== undefined && Number.isFinite(v) && v !== 0 ? Math.abs(v) : 1);
  const [dx, dy] = [size(h.pixdim[1]), size(h.pixdim[2])];
  const qfac = (h.pixdim[0] ?? 1) < 0 ? -1 : 1;
  const dz = size(h.pixdim[3]) * qfac;
  const R = [
    [a * a + qb * qb - qc * qc - qd * qd, 2 * (qb * qc - a * qd), 2 * (qb * qd + a * qc)],
    [2 * (qb * qc + a * qd), a * a + qc * qc - qb * qb - qd * qd, 2 * (qc * qd - a * qb)],
    [2 * (qb * qd - a * qc), 2 * (qc * qd + a * qb), a * a + qd * qd - qc * qc - qb * qb],
  ] as const;
  return [
    R[0][0] * dx,
    R[0][1] * dy,
    R[0][2] * dz,
    h.qoffset[0],
    R[1][0] * dx,
    R[1][1] * dy,
    R[1][2] * dz,
    h.qoffset[1],
    R[2][0] * dx,
    R[2][1] * dy,
    R[2][2] * dz,
    h.qoffset[2],
    0,
    0,
    0,
    1,
  ];
}

export function sformMatrix(h: NiftiGeometryHeader): Mat4 {
  const [x, y, z] = h.srow;
  return [x[0]!, x[1]!, x[2]!, x[3]!, y[0]!, y[1]!, y[2]!, y[3]!, z[0]!, z[1]!, z[2]!, z[3]!, 0, 0, 0, 1];
}

/**
 * The voxel→LPS matrix we display with: sform when present (nibabel's rule), else qform, else voxel sizes
 * alone (method 1). An exported label file carries both transforms verbatim, so whichever one a viewer
 * prefers, the labels land on the image.
 */
export function niftiToLps(h: NiftiGeometryHeader): Mat4 {
  let ras: Mat4;
  if (h.sformCode > 0) ras = sformMatrix(h);
  else if (h.qformCode > 0) ras = qformMatrix(h);
  else {
    const s = (v: number | undefined): number => (v !== undefined && v !== 0 ? Math.abs(v) : 1);
    ras = [s(h.pixdim[1]), 0, 0, 0, 0, s(h.pixdim[2]), 0, 0, 0, 0, s(h.pixdim[3]), 0, 0, 0, 0, 1];
  }
  const k = unitToMm(h.xyztUnits);
  if (k !== 1) ras = ras.map((v, n) => (n < 12 ? v * k : v)) as Mat4;
  return flipRasLps(ras);
}

/**
 * Inverse of method 2: the quaternion, voxel sizes and qfac of a voxel→RAS matrix (nifti_mat44_to_quatern).
 * Used when a label file is written for a volume that did not come from NIfTI (DICOM, images).
 */
export function matrixToQuaternion(ras: Mat4): {
  quaternB: number;
  quaternC: number;
  quaternD: number;
  qoffset: [number, number, number];
  pixdim: [number, number, number];
  qfac: 1 | -1;
} {
  const col = (c: number): [number, number, number] => [ras[c]!, ras[4 + c]!, ras[8 + c]!];
  const len = (v: [number, number, number]): number => Math.hypot(...v) || 1;
  const c0 = col(0);
  const c1 = col(1);
  const c2 = col(2);
  const [dx, dy, dz] = [len(c0), len(c1), len(c2)];
  const r = [c0.map((v) => v / dx), c1.map((v) => v / dy), c2.map((v) => v / dz)]; // columns
  // Rotation as rows R[i][j] = column j, component i.
  const R = [0, 1, 2].map((i) => [r[0]![i]!, r[1]![i]!, r[2]![i]!]);
  const det =
    R[0]![0]! * (R[1]![1]! * R[2]![2]! - R[1]![2]! * R[2]![1]!) -
    R[0]![1]! * (R[1]![0]! * R[2]![2]! - R[1]![2]! * R[2]![0]!) +
    R[0]![2]! * (R[1]![0]! * R[2]![1]! - R[1]![1]! * R[2]![0]!);
  const qfac: 1 | -1 = det < 0 ? -1 : 1;
  if (qfac < 0) for (const row of R) row[2] = -row[2]!;
  const [r11, r12, r13] = R[0]!;
  const [r21, r22, r23] = R[1]!;
  const [r31, r32, r33] = R[2]!;
  let a = r11! + r22! + r33! + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32! - r23!)) / a;
    c = (0.25 * (r13! - r31!)) / a;
    d = (0.25 * (r21! - r12!)) / a;
  } else {
    const xd = 1 + r11! - (r22! + r33!);
    const yd = 1 + r22! - (r11! + r33!);
    const zd = 1 + r33! - (r11! + r22!);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12! + r21!)) / b;
      d = (0.25 * (r13! + r31!)) / b;
      a = (0.25 * (r32! - r23!)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12! + r21!)) / c;
      d = (0.25 * (r23! + r32!)) / c;
      a = (0.25 * (r13! - r31!)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13! + r31!)) / d;
      c = (0.25 * (r23! + r32!)) / d;
      a = (0.25 * (r21! - r12!)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { quaternB: b, quaternC: c, quaternD: d, qoffset: [ras[3]!, ras[7]!, ras[11]!], pixdim: [dx, dy, dz], qfac };
}
