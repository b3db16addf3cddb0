import * as nifti from 'nifti-reader-js';
import { geometryFromAffine, type Mat4, type Vec3 } from '../../volume/geometry.ts';
import type { NiftiGeometryHeader, Volume, VoxelData } from '../../volume/Volume.ts';
import { exactBuffer, gunzip, isGzip } from '../gzip.ts';
import { niftiToLps } from './niftiGeometry.ts';

type Header = nifti.NIFTI1 | nifti.NIFTI2;

const DATATYPE_NAMES: Record<number, string> = {
  1: 'binary',
  2: 'uint8',
  4: 'int16',
  8: 'int32',
  16: 'float32',
  32: 'complex64',
  64: 'float64',
  128: 'RGB24',
  256: 'int8',
  512: 'uint16',
  768: 'uint32',
  1024: 'int64',
  1280: 'uint64',
  1792: 'complex128',
};

interface Parsed {
  header: Header;
  geometryHeader: NiftiGeometryHeader;
  dims: Vec3;
  frames: number;
  /** Voxel bytes of the first frame, copied so typed arrays are aligned and owned. */
  frameBytes: Uint8Array;
  bytesPerVoxel: number;
  littleEndian: boolean;
}

/**
 * The header's geometry fields. srow is read from the header bytes at its fixed offset because
 * nifti-reader-js folds sform and qform into one matrix, and an exact export needs both as written.
 */
function geometryHeader(h: Header, raw: ArrayBuffer): NiftiGeometryHeader {
  const v2 = h instanceof nifti.NIFTI2;
  const view = new DataView(raw);
  const srow: [number[], number[], number[]] = [[], [], []];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      srow[r]!.push(v2 ? view.getFloat64(400 + (r * 4 + c) * 8, h.littleEndian) : view.getFloat32(280 + (r * 4 + c) * 4, h.littleEndian));
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
    pixdim: [...h.pixDims].slice(0, 8),
    srow,
    xyztUnits: h.xyzt_units,
    description: h.description ?? '',
  };
}

function parse(bytes: Uint8Array): Parsed {
  const raw = exactBuffer(isGzip(bytes) ? gunzip(bytes) : bytes);
  if (raw.byteLength < 348 || !nifti.isNIFTI(raw)) {
    throw new Error('not a NIfTI file — the NIfTI magic number is missing from its header');
  }
  let header: Header;
  try {
    header = nifti.readHeader(raw);
  } catch (e) {
    throw new Error(`its NIfTI header cannot be read (${(e as Error).message})`);
  }
  const nd = header.dims[0] ?? 0;
  if (nd < 1 || nd > 7) throw new Error(`its header declares ${nd} dimensions; NIfTI allows 1 to 7`);
  const dim = (n: number): number => (nd >= n ? Math.max(1, header.dims[n] ?? 1) : 1);
  const dims: Vec3 = [dim(1), dim(2), dim(3)];
  let frames = 1;
  for (let n = 4; n <= nd; n++) frames *= dim(n);
  const code = header.datatypeCode;
  const name = DATATYPE_NAMES[code] ?? `code ${code}`;
  if (![2, 4, 8, 16, 64, 128, 256, 512, 768].includes(code)) {
    throw new Error(`its voxel type ${name} is not supported (use uint8, int8, int16, uint16, int32, uint32, float32, float64 or RGB24)`);
  }
  const bytesPerVoxel = header.numBitsPerVoxel / 8;
  const voxelsPerFrame = dims[0] * dims[1] * dims[2];
  const frameLength = voxelsPerFrame * bytesPerVoxel;
  const offset = Math.max(Number(header.vox_offset), 352);
  const available = raw.byteLength - offset;
  if (available < frameLength) {
    throw new Error(
      `file is truncated — the header promises ${voxelsPerFrame} voxels of ${name} (${frameLength} bytes), only ${Math.max(0, available)} bytes are present`,
    );
  }
  return {
    header,
    geometryHeader: geometryHeader(header, raw),
    dims,
    frames,
    frameBytes: new Uint8Array(raw.slice(offset, offset + frameLength)),
    bytesPerVoxel,
    littleEndian: header.littleEndian,
  };
}

/** Typed voxel values of the first frame in the file's own type (byte order fixed up). */
function typedValues(p: Parsed): Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array {
  const buf = p.frameBytes.buffer as ArrayBuffer;
  if (!p.littleEndian && p.bytesPerVoxel > 1 && p.header.datatypeCode !== 128) {
    const b = p.frameBytes;
    const w = p.bytesPerVoxel;
    for (let n = 0; n < b.length; n += w) b.subarray(n, n + w).reverse();
  }
  switch (p.header.datatypeCode) {
    case 2:
    case 128:
      return new Uint8Array(buf);
    case 256:
      return new Int8Array(buf);
    case 4:
      return new Int16Array(buf);
    case 512:
      return new Uint16Array(buf);
    case 8:
      return new Int32Array(buf);
    case 768:
      return new Uint32Array(buf);
    case 16:
      return new Float32Array(buf);
    case 64:
      return new Float64Array(buf);
    default:
      throw new Error(`voxel type code ${p.header.datatypeCode} is not supported`);
  }
}

function scaling(h: Header): { slope: number; inter: number } | null {
  const slope = h.scl_slope;
  const inter = Number.isFinite(h.scl_inter) ? h.scl_inter : 0;
  if (!Number.isFinite(slope) || slope === 0 || (slope === 1 && inter === 0)) return null;
  return { slope, inter };
}

export interface NiftiRead {
  volume: Volume;
  warnings: string[];
}

/** A NIfTI-1 or NIfTI-2 file (.nii or .nii.gz) as a Volume with physical values and exact geometry. */
export function readNifti(bytes: Uint8Array, fileName: string): NiftiRead {
  const p = parse(bytes);
  const warnings: string[] = [];
  if (p.frames > 1) warnings.push(`has ${p.frames} volumes (4D); only the first is opened`);
  const values = typedValues(p);
  const rgb = p.header.datatypeCode === 128;
  const scale = rgb ? null : scaling(p.header);
  let voxels: VoxelData;
  if (scale) {
    voxels = new Float32Array(values.length);
    for (let n = 0; n < values.length; n++) voxels[n] = (values[n] as number) * scale.slope + scale.inter;
  } else if (values instanceof Uint8Array || values instanceof Int16Array || values instanceof Uint16Array || values instanceof Float32Array) {
    voxels = values;
  } else {
    voxels = Float32Array.from(values as ArrayLike<number>);
  }
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
    warnings,
  };
}

export interface NiftiLabels {
  dims: Vec3;
  ijkToLps: Mat4;
  values: Uint8Array;
}

/** A label file: whole class values 0–255 of any stored type (uint8, float32 …). */
export function readNiftiLabelValues(bytes: Uint8Array, fileName: string): NiftiLabels {
  const { volume } = readNifti(bytes, fileName);
  if (volume.channels !== 1) throw new Error(`${fileName}: an RGB file cannot hold labels`);
  return { dims: volume.geometry.dims, ijkToLps: volume.geometry.ijkToLps, values: toLabelValues(volume.voxels, fileName) };
}

export function toLabelValues(voxels: VoxelData | ArrayLike<number>, fileName: string): Uint8Array {
  if (voxels instanceof Uint8Array) return voxels;
  const out = new Uint8Array(voxels.length);
  for (let n = 0; n < voxels.length; n++) {
    const v = voxels[n] as number;
    const r = Math.round(v);
    if (!(Math.abs(v - r) < 1e-3) || r < 0 || r > 255) {
      throw new Error(`${fileName}: label values must be whole numbers from 0 to 255, found ${v}`);
    }
    out[n] = r;
  }
  return out;
}
