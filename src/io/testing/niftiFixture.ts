import * as nifti from 'nifti-reader-js';

export interface NiftiFixture {
  version?: 1 | 2;
  /** dim[0..]: e.g. [3, nx, ny, nz] or [4, nx, ny, nz, nt]. */
  dims: number[];
  /** NIfTI datatype code (2 uint8, 4 int16, 16 float32, 64 float64, 128 RGB24, …). */
  datatype: number;
  bitsPerVoxel: number;
  /** Voxel bytes in little-endian order; swapped here for a big-endian file. */
  data: Uint8Array;
  pixdim?: number[];
  qformCode?: number;
  sformCode?: number;
  quatern?: [number, number, number];
  qoffset?: [number, number, number];
  /** sform rows (RAS). */
  srow?: [number[], number[], number[]];
  sclSlope?: number;
  sclInter?: number;
  xyztUnits?: number;
  littleEndian?: boolean;
}

/**
 * Bytes of a single-file NIfTI (.nii) for tests, header written by nifti-reader-js. Only tests use it: the
 * app writes NIfTI through writeNiftiLabels.
 */
export function makeNifti(f: NiftiFixture): Uint8Array {
  const v2 = f.version === 2;
  const h = v2 ? new nifti.NIFTI2() : new nifti.NIFTI1();
  const voxOffset = v2 ? 544 : 352;
  h.littleEndian = f.littleEndian ?? true;
  h.dims = Array.from({ length: 8 }, (_, n) => f.dims[n] ?? 1);
  h.datatypeCode = f.datatype;
  h.numBitsPerVoxel = f.bitsPerVoxel;
  h.pixDims = Array.from({ length: 8 }, (_, n) => f.pixdim?.[n] ?? 1);
  h.vox_offset = voxOffset;
  h.scl_slope = f.sclSlope ?? 1;
  h.scl_inter = f.sclInter ?? 0;
  h.xyzt_units = f.xyztUnits ?? 2;
  h.qform_code = f.qformCode ?? 0;
  h.sform_code = f.sformCode ?? 0;
  [h.quatern_b, h.quatern_c, h.quatern_d] = f.quatern ?? [0, 0, 0];
  [h.qoffset_x, h.qoffset_y, h.qoffset_z] = f.qoffset ?? [0, 0, 0];
  const srow = f.srow ?? [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
  ];
  h.affine = [[...srow[0]], [...srow[1]], [...srow[2]], [0, 0, 0, 1]];
  h.description = 'test fixture';
  h.magic = v2 ? 'n+2' : 'n+1';
  const header = new Uint8Array(h.toArrayBuffer());
  const out = new Uint8Array(voxOffset + f.data.length);
  out.set(header.subarray(0, Math.min(header.length, voxOffset)));
  out.set(f.data, voxOffset);
  const width = f.bitsPerVoxel / 8;
  if (!h.littleEndian && width > 1 && f.datatype !== 128) {
    for (let n = voxOffset; n < out.length; n += width) out.subarray(n, n + width).reverse();
  }
  return out;
}

export function bytesOf(values: ArrayBufferView): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
