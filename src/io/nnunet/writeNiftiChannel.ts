import { Gzip } from 'fflate';
import * as nifti from 'nifti-reader-js';
import type { NiftiGeometryHeader, Volume, VoxelData } from '../../volume/Volume.ts';
import { niftiGeometryFromAffine } from '../nifti/writeNiftiLabels.ts';

const VOX_OFFSET = 352;

/**
 * The geometry fields every file of one nnU-Net case carries: the source's own header verbatim for a NIfTI volume
 * (as the label export does, so image and label agree field for field whichever transform a reader prefers),
 * otherwise both transforms derived from the voxel → LPS matrix.
 */
export function caseGeometry(volume: Volume): NiftiGeometryHeader {
  return volume.source.format === 'nifti' ? volume.source.header : niftiGeometryFromAffine(volume.geometry.ijkToLps);
}

function datatypeOf(values: VoxelData): { code: number; bits: number } {
  if (values instanceof Uint8Array) return { code: nifti.NIFTI1.TYPE_UINT8, bits: 8 };
  if (values instanceof Int16Array) return { code: nifti.NIFTI1.TYPE_INT16, bits: 16 };
  if (values instanceof Uint16Array) return { code: nifti.NIFTI1.TYPE_UINT16, bits: 16 };
  return { code: nifti.NIFTI1.TYPE_FLOAT32, bits: 32 };
}

/** One channel of a volume: a copy of every `channels`-th voxel starting at `channel`, in the source's type. */
export function channelValues(volume: Volume, channel: number): VoxelData {
  const v = volume.voxels;
  if (volume.channels === 1) return v;
  const n = v.length / volume.channels;
  const out = new (v.constructor as new (length: number) => VoxelData)(n);
  for (let m = 0; m < n; m++) out[m] = v[m * volume.channels + channel] as number;
  return out;
}

/** Bytes compressed between two yields: small enough that a page between them stays responsive. */
const PIECE_BYTES = 4 << 20;

/**
 * The 352 bytes before the voxels of one image channel: physical values (scaling already applied by io, so slope
 * 1), little-endian as every platform the app runs on is.
 */
export function niftiChannelHeader(values: VoxelData, volume: Volume, g: NiftiGeometryHeader): Uint8Array {
  const [nx, ny, nz] = volume.geometry.dims;
  if (values.length !== nx * ny * nz) throw new Error(`${volume.name}: ${values.length} voxels for a ${nx}×${ny}×${nz} grid`);
  if (Math.max(nx, ny, nz) > 32767) throw new Error(`${volume.name} is too large for a NIfTI-1 file`);
  const type = datatypeOf(values);
  const h = new nifti.NIFTI1();
  h.littleEndian = true;
  h.dims = [3, nx, ny, nz, 1, 1, 1, 1];
  h.datatypeCode = type.code;
  h.numBitsPerVoxel = type.bits;
  h.intent_code = 0;
  h.pixDims = Array.from({ length: 8 }, (_, n) => g.pixdim[n] ?? 1);
  h.vox_offset = VOX_OFFSET;
  h.scl_slope = 1;
  h.scl_inter = 0;
  h.xyzt_units = g.xyztUnits;
  h.description = 'Pseudolab image';
  h.qform_code = g.qformCode;
  h.sform_code = g.sformCode;
  h.quatern_b = g.quaternB;
  h.quatern_c = g.quaternC;
  h.quatern_d = g.quaternD;
  [h.qoffset_x, h.qoffset_y, h.qoffset_z] = g.qoffset;
  // toArrayBuffer writes srow from the first three rows of `affine`.
  h.affine = [[...g.srow[0]], [...g.srow[1]], [...g.srow[2]], [0, 0, 0, 1]];
  h.magic = 'n+1';
  return new Uint8Array(h.toArrayBuffer(false)).slice(0, VOX_OFFSET);
}

/**
 * One image channel as `.nii.gz`, compressed a piece at a time: the generator yields the voxel bytes compressed
 * so far after each piece, so a page can draw its progress bar in between (a 512×512×600 CT is seconds of deflate),
 * and returns the file. The voxels are read in place, never copied whole.
 */
export function* niftiChannelSteps(values: VoxelData, volume: Volume, g: NiftiGeometryHeader): Generator<number, Uint8Array, void> {
  const chunks: Uint8Array[] = [];
  // Level 1: images are large and noisy; a higher level costs seconds for a few per cent.
  const gzip = new Gzip({ level: 1 }, (chunk) => chunks.push(chunk));
  gzip.push(niftiChannelHeader(values, volume, g));
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  for (let at = 0; at < bytes.length || at === 0; at += PIECE_BYTES) {
    const end = Math.min(bytes.length, at + PIECE_BYTES);
    gzip.push(bytes.subarray(at, end), end === bytes.length);
    yield end;
    if (end === bytes.length) break;
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Runs a stepwise writer to its end, for callers that need not yield (the CLI, tests). */
export function runSteps<T>(steps: Generator<number, T, void>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** One image channel as `.nii.gz` in one go. */
export function writeNiftiChannel(values: VoxelData, volume: Volume, g: NiftiGeometryHeader): Uint8Array {
  return runSteps(niftiChannelSteps(values, volume, g));
}
