import { Gzip } from 'fflate';
import * as nifti from 'nifti-reader-js';
import type { Mat4, Vec3 } from '../../volume/geometry.ts';
import { niftiGeometryFromAffine } from './writeNiftiLabels.ts';

const VOX_OFFSET = 352;
const NIFTI_INTENT_LABEL = 1002;

export interface NiftiImageHeader {
  dims: Vec3;
  ijkToLps: Mat4;
  datatype: 'int16' | 'uint8';
  /** Marks a label map (intent code NIFTI_INTENT_LABEL), as writeNiftiLabels does. */
  labels?: boolean;
  description?: string;
}

/** The 352 bytes before the voxels of a single-file NIfTI-1 (header, extension flag), little-endian. */
export function niftiImageHeaderBytes(h: NiftiImageHeader): Uint8Array {
  const [nx, ny, nz] = h.dims;
  if (Math.max(nx, ny, nz) > 32767) throw new Error(`${nx}×${ny}×${nz} is too large for a NIfTI-1 file`);
  const g = niftiGeometryFromAffine(h.ijkToLps);
  const out = new nifti.NIFTI1();
  out.littleEndian = true;
  out.dims = [3, nx, ny, nz, 1, 1, 1, 1];
  out.datatypeCode = h.datatype === 'int16' ? nifti.NIFTI1.TYPE_INT16 : nifti.NIFTI1.TYPE_UINT8;
  out.numBitsPerVoxel = h.datatype === 'int16' ? 16 : 8;
  out.intent_code = h.labels ? NIFTI_INTENT_LABEL : 0;
  out.pixDims = [...g.pixdim];
  out.vox_offset = VOX_OFFSET;
  out.scl_slope = 1;
  out.scl_inter = 0;
  out.xyzt_units = g.xyztUnits;
  out.description = h.description ?? '';
  out.qform_code = g.qformCode;
  out.sform_code = g.sformCode;
  out.quatern_b = g.quaternB;
  out.quatern_c = g.quaternC;
  out.quatern_d = g.quaternD;
  [out.qoffset_x, out.qoffset_y, out.qoffset_z] = g.qoffset;
  // toArrayBuffer writes srow from the first three rows of `affine`.
  out.affine = [[...g.srow[0]], [...g.srow[1]], [...g.srow[2]], [0, 0, 0, 1]];
  out.magic = 'n+1';
  const bytes = new Uint8Array(VOX_OFFSET);
  bytes.set(new Uint8Array(out.toArrayBuffer(false)).subarray(0, VOX_OFFSET));
  return bytes;
}

/**
 * Writes a `.nii.gz` a piece at a time: the header now, then voxels in whatever pieces the caller has (a slice,
 * a slab), compressed as they come and handed to `sink`. Memory stays at one piece plus the compressor's window,
 * so a 300 MB volume is written without ever holding it (or its compressed copy) whole. Voxels are written in
 * the host's byte order, which the header declares little-endian: every platform the app runs on is.
 */
export class NiftiGzipWriter {
  private readonly gzip: Gzip;
  private readonly expectedBytes: number;
  private written = 0;
  private ended = false;

  constructor(
    private readonly header: NiftiImageHeader,
    sink: (chunk: Uint8Array, final: boolean) => void,
    /** Deflate level: 1 is several times faster than 6 and barely larger on noisy CT. */
    level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 1,
  ) {
    this.gzip = new Gzip({ level }, (chunk, final) => sink(chunk, final));
    const [nx, ny, nz] = header.dims;
    this.expectedBytes = nx * ny * nz * (header.datatype === 'int16' ? 2 : 1);
    this.gzip.push(niftiImageHeaderBytes(header));
  }

  push(values: Int16Array | Uint8Array): void {
    if (this.ended) throw new Error('NiftiGzipWriter: push after end');
    const want = this.header.datatype === 'int16' ? Int16Array : Uint8Array;
    if (!(values instanceof want)) throw new Error(`NiftiGzipWriter: this file holds ${this.header.datatype} voxels`);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    if (this.written + bytes.length > this.expectedBytes) throw new Error('NiftiGzipWriter: more voxels than the header declares');
    // fflate may keep the array it is given until the next push; the caller reuses its buffer, so hand over a copy.
    this.gzip.push(bytes.slice());
    this.written += bytes.length;
  }

  end(): void {
    if (this.written !== this.expectedBytes) {
      throw new Error(`NiftiGzipWriter: ${this.written} voxel bytes written, the header declares ${this.expectedBytes}`);
    }
    this.ended = true;
    this.gzip.push(new Uint8Array(0), true);
  }
}
