import * as nifti from 'nifti-reader-js';
import { geometryFromAffine, type Mat4, type Vec3 } from '../../volume/geometry.ts';
import type { NiftiGeometryHeader, Volume, VoxelData } from '../../volume/Volume.ts';
import { exactBuffer, gunzip, isGzip } from '../gzip.ts';
import { fileError } from '../problems.ts';
import { niftiToLps } from './niftiGeometry.ts';
import { checkScaledValues, validateNiftiHeader } from './validateNiftiHeader.ts';

type Header = nifti.NIFTI1 | nifti.NIFTI2;

/** NIfTI datatype codes (nifti1.h) we read, with the names a message can use. */
const SUPPORTED_TYPES: Record<number, string> = {
  2: 'uint8',
  4: 'int16',
  8: 'int32',
  16: 'float32',
  64: 'float64',
  128: 'RGB24',
  256: 'int8',
  512: 'uint16',
  768: 'uint32',
  // nibabel writes these from numpy int64 arrays (label maps, often); values become float like int32's.
  1024: 'int64',
  1280: 'uint64',
};
const UNSUPPORTED_TYPES: Record<number, string> = {
  1: 'binary',
  32: 'complex64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA32',
};
const RGB24 = 128;

interface Parsed {
  header: Header;
  geometryHeader: NiftiGeometryHeader;
  dims: Vec3;
  frames: number;
  /**
   * Voxel bytes of the first frame, aligned for their type and owned by the volume: a view on the inflated
   * buffer when that is safe, else a copy.
   */
  frameBytes: Uint8Array;
}

/**
 * The header's geometry fields. srow is read from the header bytes at its fixed offset because
 * nifti-reader-js folds sform and qform into one `affine`, and an exact export needs both as written.
 */
function geometryHeader(h: Header, raw: ArrayBuffer): NiftiGeometryHeader {
  const v2 = h instanceof nifti.NIFTI2;
  const view = new DataView(raw);
  const srow: [number[], number[], number[]] = [[], [], []];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      const n = r * 4 + c;
      srow[r]!.push(v2 ? view.getFloat64(400 + n * 8, h.littleEndian) : view.getFloat32(280 + n * 4, h.littleEndian));
    }
  }
  return {
    version: v2 ? 2 : 1,
    qformCode: h.qform_code,
    sformCode: h.sform_code,
    quaternB: h.quatern_b,
    quaternC: h.quatern_c,
    quaternD: h.quatern_d,
    qoffset: [h.qoffset_x, h.qoffset_y, h.qoffset_z],
    pixdim: Array.from({ length: 8 }, (_, n) => h.pixDims[n] ?? 0),
    srow,
    xyztUnits: h.xyzt_units,
    description: h.description ?? '',
  };
}

function parse(bytes: Uint8Array, fileName: string): Parsed {
  let raw: ArrayBuffer;
  const inflated = isGzip(bytes);
  try {
    raw = exactBuffer(inflated ? gunzip(bytes) : bytes);
  } catch (e) {
    throw fileError(fileName, (e as Error).message);
  }
  if (nifti.isNIFTI(raw, true) && !nifti.isNIFTI(raw, false)) {
    throw fileError(fileName, 'is the header half of a NIfTI .hdr/.img pair; save the image as a single .nii or .nii.gz file');
  }
  if (!nifti.isNIFTI(raw)) {
    const why = raw.byteLength < 348 ? `it holds only ${raw.byteLength} bytes, less than a NIfTI header` : 'the NIfTI magic number is missing from its header';
    throw fileError(fileName, `not a NIfTI file — ${why}`);
  }
  let header: Header;
  try {
    header = nifti.readHeader(raw) as Header;
  } catch (e) {
    throw fileError(fileName, `its NIfTI header cannot be read (${(e as Error).message})`);
  }
  const nd = header.dims[0] ?? 0;
  if (nd < 1 || nd > 7) throw fileError(fileName, `its header declares ${nd} dimensions; NIfTI allows 1 to 7 (is the file damaged?)`);
  for (let n = 1; n <= nd; n++) {
    if ((header.dims[n] ?? 0) < 1) throw fileError(fileName, `its header gives size ${header.dims[n]} along dimension ${n}; sizes must be at least 1`);
  }
  // Dimensions beyond those declared are 1 (nifti1.h); everything past the third is frames.
  const dim = (n: number): number => (n <= nd ? header.dims[n]! : 1);
  const dims: Vec3 = [dim(1), dim(2), dim(3)];
  let frames = 1;
  for (let n = 4; n <= nd; n++) frames *= dim(n);

  const code = header.datatypeCode;
  const typeName = SUPPORTED_TYPES[code];
  if (!typeName) {
    const name = UNSUPPORTED_TYPES[code] ?? `code ${code}`;
    throw fileError(
      fileName,
      `its voxel type ${name} is not supported (use uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64 or RGB24; nibabel or fslmaths can convert it)`,
    );
  }
  const bytesPerVoxel = header.numBitsPerVoxel / 8;
  const voxelsPerFrame = dims[0] * dims[1] * dims[2];
  const frameLength = voxelsPerFrame * bytesPerVoxel;
  // A single-file NIfTI keeps its voxels after the header (352 bytes for NIfTI-1, 544 for NIfTI-2).
  const minimumOffset = header instanceof nifti.NIFTI2 ? 544 : 352;
  const offset = Math.max(Number(header.vox_offset), minimumOffset);
  const available = Math.max(0, raw.byteLength - offset);
  if (available < frameLength) {
    throw fileError(
      fileName,
      `file is truncated — its header promises ${voxelsPerFrame} voxels of ${typeName} (${frameLength} bytes), only ${available} bytes are present`,
    );
  }
  return {
    header,
    geometryHeader: geometryHeader(header, raw),
    dims,
    frames,
    frameBytes: viewIsSafe(inflated, frames, offset, bytesPerVoxel)
      ? new Uint8Array(raw, offset, frameLength)
      : new Uint8Array(raw.slice(offset, offset + frameLength)),
  };
}

/**
 * Whether the volume may view the file's buffer instead of copying its voxels, which would hold the volume twice
 * at the peak of opening. Only a buffer we inflated ourselves is ours to keep (and to byte-swap in place); an
 * uncompressed file's bytes belong to the caller. A 4D file is copied so its other frames can be freed, and a
 * typed array needs its offset aligned to the element size (the usual vox_offset 352 is, for every type).
 */
function viewIsSafe(inflated: boolean, frames: number, offset: number, bytesPerVoxel: number): boolean {
  const element = bytesPerVoxel === 3 ? 1 : bytesPerVoxel;
  return inflated && frames === 1 && offset % element === 0;
}

type StoredValues = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** Voxel values of the first frame in the file's own type, byte order fixed up for big-endian files. */
function storedValues(p: Parsed): StoredValues {
  const code = p.header.datatypeCode;
  const width = p.header.numBitsPerVoxel / 8;
  if (!p.header.littleEndian && width > 1 && code !== RGB24) {
    const b = p.frameBytes;
    for (let n = 0; n < b.length; n += width) b.subarray(n, n + width).reverse();
  }
  const buf = p.frameBytes.buffer as ArrayBuffer;
  const at = p.frameBytes.byteOffset;
  const n = p.frameBytes.byteLength / width;
  switch (code) {
    case 4:
      return new Int16Array(buf, at, n);
    case 8:
      return new Int32Array(buf, at, n);
    case 16:
      return new Float32Array(buf, at, n);
    case 64:
      return new Float64Array(buf, at, n);
    case 256:
      return new Int8Array(buf, at, n);
    case 512:
      return new Uint16Array(buf, at, n);
    case 768:
      return new Uint32Array(buf, at, n);
    case 1024:
      return new BigInt64Array(buf, at, n);
    case 1280:
      return new BigUint64Array(buf, at, n);
    default: // uint8 and RGB24
      return p.frameBytes;
  }
}

/** scl_slope/scl_inter, unless they say "no scaling": slope 0 (nifti1.h) or the identity (1, 0). */
function scaling(h: Header): { slope: number; inter: number } | null {
  const slope = h.scl_slope;
  const inter = Number.isFinite(h.scl_inter) ? h.scl_inter : 0;
  if (!Number.isFinite(slope) || slope === 0 || (slope === 1 && inter === 0)) return null;
  return { slope, inter };
}

function physicalValues(stored: StoredValues, scale: { slope: number; inter: number } | null): VoxelData {
  // 64-bit integers are numbers from here on (exact up to 2⁵³, then as float32 keeps them).
  const values = stored instanceof BigInt64Array || stored instanceof BigUint64Array ? Float64Array.from(stored, (v) => Number(v)) : stored;
  if (scale) {
    const out = new Float32Array(values.length);
    for (let n = 0; n < values.length; n++) out[n] = (values[n] as number) * scale.slope + scale.inter;
    return out;
  }
  // Types the viewer shows directly stay as they are; the rest become float (exact for int8, int32 up to 2²⁴).
  if (values instanceof Uint8Array || values instanceof Int16Array || values instanceof Uint16Array || values instanceof Float32Array) {
    return values;
  }
  return Float32Array.from(values as ArrayLike<number>);
}

export interface NiftiRead {
  volume: Volume;
  /** Volumes in the file (time points or channels); only the first was read. */
  frames: number;
  /** Messages that start with the file name, e.g. that only the first of several volumes was opened. */
  warnings: string[];
}

/**
 * A NIfTI-1 or NIfTI-2 file (.nii or .nii.gz; gzip is recognised by its magic, not its name) as a Volume
 * with physical values and LPS geometry. The header's geometry fields travel along in `source.header` so a
 * label export can write them back exactly. Throws an Error naming the file when it cannot be read.
 */
export function readNifti(bytes: Uint8Array, fileName: string): NiftiRead {
  // Header fields against each other and the file before anything the size of the volume is inflated or read.
  validateNiftiHeader(bytes, fileName);
  const p = parse(bytes, fileName);
  const warnings: string[] = [];
  if (p.frames > 1) {
    warnings.push(`${fileName}: holds ${p.frames} volumes (4D: time points or channels); only the first is opened`);
  }
  const rgb = p.header.datatypeCode === RGB24;
  const stored = storedValues(p);
  const scale = rgb ? null : scaling(p.header);
  const voxels = physicalValues(stored, scale);
  if (scale) checkScaledValues(stored, voxels, fileName, scale.slope, scale.inter);
  const ijkToLps: Mat4 = niftiToLps(p.geometryHeader);
  return {
    volume: {
      id: crypto.randomUUID(),
      name: fileName,
      geometry: geometryFromAffine(p.dims, ijkToLps),
      channels: rgb ? 3 : 1,
      voxels,
      source: { format: 'nifti', fileName, header: p.geometryHeader },
    },
    frames: p.frames,
    warnings,
  };
}

export interface NiftiLabels {
  dims: Vec3;
  ijkToLps: Mat4;
  values: Uint8Array;
}

/**
 * Whole class values 0–255 from any stored type. Label files are often float32 (resampled or written by
 * Python tools), so values within 1e-3 of an integer count as that integer; anything else is refused rather
 * than silently rounded, because it means the file is not a label map.
 */
export function toLabelValues(voxels: ArrayLike<number>, fileName: string): Uint8Array {
  if (voxels instanceof Uint8Array) return voxels;
  const out = new Uint8Array(voxels.length);
  for (let n = 0; n < voxels.length; n++) {
    const v = voxels[n] as number;
    const r = Math.round(v);
    if (!(Math.abs(v - r) < 1e-3) || r < 0 || r > 255) {
      throw fileError(fileName, `label values must be whole numbers from 0 to 255, but it holds ${v} (is it an image rather than a label file?)`);
    }
    out[n] = r;
  }
  return out;
}

/** A NIfTI label file: its size, geometry and class values. Throws an Error naming the file. */
export function readNiftiLabelValues(bytes: Uint8Array, fileName: string): NiftiLabels {
  const { volume, frames } = readNifti(bytes, fileName);
  if (frames > 1) {
    // Which of the frames is the label map cannot be guessed; taking the first silently once labeled the wrong one.
    throw fileError(
      fileName,
      `holds ${frames} label maps (4D, dim[4] and beyond); a label file holds one 3D label map — save the one you mean as its own file`,
    );
  }
  if (volume.channels !== 1) throw fileError(fileName, 'is an RGB image; a label file holds one class value per voxel');
  return { dims: volume.geometry.dims, ijkToLps: volume.geometry.ijkToLps, values: toLabelValues(volume.voxels, fileName) };
}
