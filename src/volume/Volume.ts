import type { DicomSeriesReference } from './dicomReference.ts';
import type { VolumeGeometry } from './geometry.ts';

/** Voxel storage types the viewer can show without conversion. Anything else becomes Float32Array. */
export type VoxelData = Uint8Array | Int16Array | Uint16Array | Float32Array;

/**
 * The NIfTI header fields that define geometry, kept verbatim from the source file so an exported label
 * overlays the image exactly in 3D Slicer or ITK-SNAP (they read qform and sform with their codes).
 */
export interface NiftiGeometryHeader {
  version: 1 | 2;
  qformCode: number;
  sformCode: number;
  quaternB: number;
  quaternC: number;
  quaternD: number;
  qoffset: [number, number, number];
  /** pixdim[0..7]; pixdim[0] is qfac. */
  pixdim: number[];
  /** srow_x, srow_y, srow_z: the sform rows (RAS). */
  srow: [number[], number[], number[]];
  xyztUnits: number;
  description: string;
}

export type VolumeSource =
  | { format: 'nifti'; fileName: string; header: NiftiGeometryHeader }
  | {
      format: 'dicom';
      fileNames: string[];
      seriesInstanceUID: string;
      studyInstanceUID?: string;
      frameOfReferenceUID?: string;
      modality?: string;
      seriesDescription?: string;
      /** Per-slice SOP instances and study fields for a DICOM SEG; absent in workspaces saved before it was kept. */
      reference?: DicomSeriesReference;
    }
  | { format: 'image'; fileName: string; mimeType: string }
  /** `generator` versions the phantom code: a stored demo volume regenerates only with the same version. */
  | { format: 'demo'; seed: number; index: number; generator: number };

export interface Volume {
  id: string;
  /** What the user sees in the dataset list: a file name or a series description. */
  name: string;
  geometry: VolumeGeometry;
  /** 1 for grey, 3 for RGB (interleaved; 8-bit, or 16-bit where the file stores deeper colour). */
  channels: 1 | 3;
  /** Physical values (NIfTI scl_slope/inter and DICOM rescale applied), i fastest, then j, then k. */
  voxels: VoxelData;
  source: VolumeSource;
  /** Optional free-text description of the image, used by text guidance later. */
  description?: string;
}

export function isSingleSlice(v: Volume): boolean {
  return v.geometry.dims[2] === 1;
}

/** Min and max over all voxels (all channels); used for the initial window. */
export function intensityRange(voxels: VoxelData): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let n = 0; n < voxels.length; n++) {
    const v = voxels[n] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return voxels.length === 0 ? [0, 0] : [lo, hi];
}

/**
 * A robust initial window (1st–99th percentile) so one bright artefact does not wash out an MR. Sampled on at
 * most ~200k voxels so it stays fast on large series.
 */
export function percentileWindow(voxels: VoxelData, low = 0.01, high = 0.99): [number, number] {
  if (voxels.length === 0) return [0, 1];
  const stride = Math.max(1, Math.floor(voxels.length / 200_000));
  const sample = new Float32Array(Math.ceil(voxels.length / stride));
  let n = 0;
  for (let i = 0; i < voxels.length; i += stride) sample[n++] = voxels[i] as number;
  const sorted = sample.subarray(0, n).sort();
  const lo = sorted[Math.floor(low * (n - 1))] as number;
  const hi = sorted[Math.ceil(high * (n - 1))] as number;
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}
