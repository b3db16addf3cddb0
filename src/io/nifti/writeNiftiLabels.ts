import { gzipSync } from 'fflate';
import * as nifti from 'nifti-reader-js';
import type { ClassDef } from '../../volume/classes.ts';
import { flipRasLps, type Mat4 } from '../../volume/geometry.ts';
import type { NiftiGeometryHeader, Volume } from '../../volume/Volume.ts';
import { matrixToQuaternion } from './niftiGeometry.ts';

const NIFTI_INTENT_LABEL = 1002;
const UNITS_MM_SEC = 2 | 8;
const VOX_OFFSET = 352;

/** Geometry fields for a volume that did not come from NIfTI: both transforms from its exact affine. */
function derivedGeometry(volume: Volume): NiftiGeometryHeader {
  return niftiGeometryFromAffine(volume.geometry.ijkToLps);
}

/** Both NIfTI transforms (qform and sform, codes 1) from a voxel → LPS matrix. */
export function niftiGeometryFromAffine(ijkToLps: Mat4): NiftiGeometryHeader {
  const ras = flipRasLps(ijkToLps);
  const q = matrixToQuaternion(ras);
  return {
    version: 1,
    qformCode: 1,
    sformCode: 1,
    quaternB: q.quaternB,
    quaternC: q.quaternC,
    quaternD: q.quaternD,
    qoffset: q.qoffset,
    pixdim: [q.qfac, q.pixdim[0], q.pixdim[1], q.pixdim[2], 1, 1, 1, 1],
    srow: [ras.slice(0, 4), ras.slice(4, 8), ras.slice(8, 12)],
    xyztUnits: UNITS_MM_SEC,
    description: '',
  };
}

/**
 * A uint8 label map as `.nii.gz` bytes that overlay the source image exactly in 3D Slicer or ITK-SNAP: for a
 * NIfTI source both its transforms (codes, quaternion, offsets, pixdim, srow) and units are copied verbatim;
 * otherwise both are derived from the volume's voxel→world matrix. The header bytes come from
 * nifti-reader-js's own writer.
 */
export function writeNiftiLabels(labels: Uint8Array, volume: Volume): Uint8Array {
  const [nx, ny, nz] = volume.geometry.dims;
  if (labels.length !== nx * ny * nz) {
    throw new Error(`label buffer has ${labels.length} voxels, ${volume.name} has ${nx * ny * nz}`);
  }
  if (Math.max(nx, ny, nz) > 32767) throw new Error(`${volume.name} is too large for a NIfTI-1 label file`);
  const g = volume.source.format === 'nifti' ? volume.source.header : derivedGeometry(volume);
  const h = new nifti.NIFTI1();
  h.littleEndian = true;
  h.dim_info = 0;
  h.dims = [3, nx, ny, nz, 1, 1, 1, 1];
  h.intent_p1 = 0;
  h.intent_p2 = 0;
  h.intent_p3 = 0;
  h.intent_code = NIFTI_INTENT_LABEL;
  h.datatypeCode = nifti.NIFTI1.TYPE_UINT8;
  h.numBitsPerVoxel = 8;
  h.slice_start = 0;
  h.slice_end = 0;
  h.slice_code = 0;
  h.pixDims = Array.from({ length: 8 }, (_, n) => g.pixdim[n] ?? (n === 0 ? 1 : 1));
  h.vox_offset = VOX_OFFSET;
  h.scl_slope = 1;
  h.scl_inter = 0;
  h.xyzt_units = g.xyztUnits;
  let max = 0;
  for (const v of labels) if (v > max) max = v;
  h.cal_min = 0;
  h.cal_max = max;
  h.slice_duration = 0;
  h.toffset = 0;
  h.description = 'Pseudolab labels';
  h.aux_file = '';
  h.intent_name = 'labels';
  h.qform_code = g.qformCode;
  h.sform_code = g.sformCode;
  h.quatern_b = g.quaternB;
  h.quatern_c = g.quaternC;
  h.quatern_d = g.quaternD;
  h.qoffset_x = g.qoffset[0];
  h.qoffset_y = g.qoffset[1];
  h.qoffset_z = g.qoffset[2];
  // toArrayBuffer writes srow from the first three rows of `affine`.
  h.affine = [[...g.srow[0]], [...g.srow[1]], [...g.srow[2]], [0, 0, 0, 1]];
  h.magic = 'n+1';
  const header = new Uint8Array(h.toArrayBuffer(false));
  const file = new Uint8Array(VOX_OFFSET + labels.length);
  file.set(header.subarray(0, VOX_OFFSET), 0);
  file.set(labels, VOX_OFFSET);
  return gzipSync(file, { level: 6 });
}

/**
 * The class sidecar written beside label files: label value → name, display colour and the text fields (where
 * it lies, what it looks like) that text guidance uses, so labels stay meaningful outside Pseudolab.
 */
export function writeLabelSidecar(classes: readonly ClassDef[]): string {
  const labels: Record<string, { name: string; color: [number, number, number]; position: string; shape: string }> = {};
  for (const c of [...classes].sort((a, b) => a.value - b.value)) {
    labels[String(c.value)] = { name: c.name, color: [...c.color], position: c.position, shape: c.shape };
  }
  return JSON.stringify({ format: 'pseudolab-labels', version: 1, background: 0, labels }, null, 2);
}
