import * as nifti from 'nifti-reader-js';
import { DEFAULT_MAX_INFLATED_BYTES, exactBuffer, gunzipPrefix, isGzip } from '../gzip.ts';
import { fileError } from '../problems.ts';

type Header = nifti.NIFTI1 | nifti.NIFTI2;

/** Bits per voxel each datatype code implies (nifti1.h); bitpix must agree, since it decides how bytes are cut. */
const BITS_OF_TYPE: Record<number, number> = {
  1: 1,
  2: 8,
  4: 16,
  8: 32,
  16: 32,
  32: 64,
  64: 64,
  128: 24,
  256: 8,
  512: 16,
  768: 32,
  1024: 64,
  1280: 64,
  1536: 128,
  1792: 128,
  2048: 256,
  2304: 32,
};

/** The largest voxel size (mm) a scanner can mean, and the smallest: beyond these a value is damage. */
const MAX_VOXEL_MM = 1e5;
const MIN_VOXEL_MM = 1e-6;

const gib = (n: number): string => `${(n / 1024 ** 3).toFixed(1)} GiB`;

/**
 * The header of a NIfTI file (gzipped or not) as nifti-reader-js reads it, decompressing only its first bytes;
 * null when it is not a NIfTI file at all (readNifti then says what it is).
 */
function peekHeader(bytes: Uint8Array): { h: Header; srow: number[][] } | null {
  const head = isGzip(bytes) ? gunzipPrefix(bytes, 544) : bytes.subarray(0, 544);
  const buffer = exactBuffer(head);
  if (!nifti.isNIFTI(buffer)) return null;
  let h: Header;
  try {
    h = nifti.readHeader(buffer) as Header;
  } catch {
    return null;
  }
  // nifti-reader-js folds sform and qform into one `affine`; the sform rows are read where the header keeps them.
  const v2 = h instanceof nifti.NIFTI2;
  if (buffer.byteLength < (v2 ? 496 : 328)) return null;
  const view = new DataView(buffer);
  const srow = [0, 1, 2].map((r) =>
    [0, 1, 2, 3].map((c) => (v2 ? view.getFloat64(400 + (r * 4 + c) * 8, h.littleEndian) : view.getFloat32(280 + (r * 4 + c) * 4, h.littleEndian))),
  );
  return { h, srow };
}

/**
 * Checks a NIfTI header's fields against each other and the file before anything the size of the volume is
 * allocated or inflated: bitpix against datatype, vox_offset, the product of the dimensions against the memory
 * one image may take, and the transform that will place the voxels (finite, non-singular, of a plausible size).
 * Throws an Error naming the file and the field. Returns the byte size the whole file should inflate to.
 */
export function validateNiftiHeader(bytes: Uint8Array, fileName: string, maxBytes = DEFAULT_MAX_INFLATED_BYTES): number | null {
  let peeked: ReturnType<typeof peekHeader>;
  try {
    peeked = peekHeader(bytes);
  } catch {
    return null; // a damaged gzip stream: the reader names it when it inflates
  }
  if (!peeked) return null;
  const { h, srow } = peeked;
  const fail = (reason: string): never => {
    throw fileError(fileName, reason);
  };
  const nd = h.dims[0] ?? 0;
  if (nd < 1 || nd > 7) fail(`its dim[0] is ${nd}; NIfTI allows 1 to 7 dimensions (is the file damaged?)`);
  let voxels = 1;
  for (let n = 1; n <= nd; n++) {
    const d = h.dims[n] ?? 0;
    if (d < 1) fail(`its dim[${n}] is ${d}; sizes must be at least 1`);
    voxels *= d;
  }
  const code = h.datatypeCode;
  const bits = BITS_OF_TYPE[code];
  if (bits !== undefined && h.numBitsPerVoxel !== bits) {
    fail(`its bitpix (${h.numBitsPerVoxel}) disagrees with its datatype (code ${code}, ${bits} bits per voxel); the header is damaged`);
  }
  const voxelBytes = (voxels * (bits ?? h.numBitsPerVoxel)) / 8;
  if (voxelBytes > maxBytes) {
    const shown = h.dims.slice(1, nd + 1).join('×');
    fail(`its dim fields declare ${shown} voxels (${gib(voxelBytes)}), more than the ${gib(maxBytes)} one image may take here`);
  }
  const offset = Number(h.vox_offset);
  if (!Number.isFinite(offset) || offset < 0 || !Number.isInteger(offset)) {
    fail(`its vox_offset is ${offset}; it must be the whole byte offset at which the voxels start (352 or more)`);
  }
  const start = Math.max(offset, h instanceof nifti.NIFTI2 ? 544 : 352);
  if (!isGzip(bytes) && start > bytes.length) {
    fail(`its vox_offset (${offset}) points past the end of the file (${bytes.length} bytes)`);
  }

  // The transform that will be used: sform when coded (nibabel's rule), else qform, else pixdim alone.
  const pixdim = (n: number): number => h.pixDims[n] ?? 0;
  for (let n = 1; n <= 3; n++) {
    const v = pixdim(n);
    if (!Number.isFinite(v) || Math.abs(v) > MAX_VOXEL_MM) fail(`its pixdim[${n}] is ${v}, which is not a voxel size`);
  }
  if (h.sform_code > 0) {
    const rows = srow;
    const names = ['srow_x', 'srow_y', 'srow_z'];
    rows.forEach((r, i) => {
      if (r.slice(0, 4).some((v) => !Number.isFinite(v))) fail(`its ${names[i]} (sform) holds ${r.slice(0, 4).join(', ')}, which are not all finite numbers`);
    });
    const col = (c: number): number[] => [rows[0]![c]!, rows[1]![c]!, rows[2]![c]!];
    checkAxes([col(0), col(1), col(2)], 'sform (srow_x/y/z)', fail);
  } else if (h.qform_code > 0) {
    const q = [h.quatern_b, h.quatern_c, h.quatern_d];
    if (q.some((v) => !Number.isFinite(v))) fail(`its quatern_b/c/d (qform) are ${q.join(', ')}, which are not all finite numbers`);
    if (q.reduce((s, v) => s + v * v, 0) > 1.0001) fail(`its quatern_b/c/d (qform) are ${q.join(', ')}; they are not a rotation (b²+c²+d² > 1)`);
    const o = [h.qoffset_x, h.qoffset_y, h.qoffset_z];
    if (o.some((v) => !Number.isFinite(v))) fail(`its qoffset_x/y/z (qform) are ${o.join(', ')}, which are not all finite numbers`);
  }
  for (let n = 1; n <= 3; n++) {
    const v = Math.abs(pixdim(n));
    if (v !== 0 && v < MIN_VOXEL_MM && h.sform_code <= 0) fail(`its pixdim[${n}] is ${pixdim(n)}, which is not a voxel size`);
  }

  const slope = h.scl_slope;
  if (Number.isFinite(slope) && slope !== 0 && !Number.isFinite(h.scl_inter)) {
    fail(`its scl_slope is ${slope} but its scl_inter is ${h.scl_inter}; values cannot be scaled`);
  }
  return start + voxelBytes;
}

/** Columns of a voxel→world matrix: each a plausible voxel size, together not flat (non-singular). */
function checkAxes(cols: number[][], field: string, fail: (reason: string) => never): void {
  const norms = cols.map((c) => Math.hypot(...c));
  norms.forEach((n, i) => {
    if (n < MIN_VOXEL_MM || n > MAX_VOXEL_MM) fail(`its ${field} gives axis ${'ijk'[i]} a voxel size of ${n} mm, which cannot be true`);
  });
  const [a, b, c] = cols as [number[], number[], number[]];
  const det = a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) - b[0]! * (a[1]! * c[2]! - a[2]! * c[1]!) + c[0]! * (a[1]! * b[2]! - a[2]! * b[1]!);
  if (Math.abs(det) < 1e-6 * norms[0]! * norms[1]! * norms[2]!) fail(`its ${field} is singular: its voxel axes lie in one plane, so voxels cannot be placed`);
}

/**
 * scl_slope × stored + scl_inter must stay finite: a huge slope on finite values gives Inf voxels that look like an
 * image. Throws naming the field.
 */
export function checkScaledValues(stored: ArrayLike<number | bigint>, scaled: ArrayLike<number>, fileName: string, slope: number, inter: number): void {
  for (let n = 0; n < scaled.length; n++) {
    if (!Number.isFinite(scaled[n]!) && Number.isFinite(Number(stored[n]!))) {
      throw fileError(
        fileName,
        `its scl_slope (${slope}) and scl_inter (${inter}) turn the stored value ${stored[n]} into ${scaled[n]}; the scaling is damaged`,
      );
    }
  }
}
