import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import * as nifti from 'nifti-reader-js';
import { describe, expect, it } from 'vitest';
import { affineFromParts, flipRasLps, type Mat4, type Vec3 } from '../../volume/geometry.ts';
import type { Volume } from '../../volume/Volume.ts';
import { qformMatrix } from './niftiGeometry.ts';
import { readNifti, readNiftiLabelValues } from './readNifti.ts';
import { writeLabelSidecar, writeNiftiLabels } from './writeNiftiLabels.ts';

const HIPPO = join(process.cwd(), '..', 'shared', 'datasets', 'hippocampus');
const hasHippo = existsSync(HIPPO);

function file(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(HIPPO, rel)));
}

/** The reference reader's view of a file, to check ours and our writer against. */
function reference(bytes: Uint8Array) {
  let ab = bytes.slice().buffer as ArrayBuffer;
  if (nifti.isCompressed(ab)) ab = nifti.decompress(ab) as ArrayBuffer;
  const header = nifti.readHeader(ab);
  return { header, data: nifti.readImage(header, ab) };
}

function expectMatClose(a: Mat4, b: Mat4, tol = 1e-5): void {
  a.forEach((v, n) => expect(Math.abs(v - b[n]!), `element ${n}: ${v} vs ${b[n]}`).toBeLessThan(tol));
}

describe.skipIf(!hasHippo)('NIfTI reading (needs ../shared/datasets/hippocampus)', () => {
  it('reads a float32 image with its dimensions, values and RAS→LPS geometry', () => {
    const bytes = file('imagesTr/hippocampus_003.nii.gz');
    const { volume, warnings } = readNifti(bytes, 'hippocampus_003.nii.gz');
    const ref = reference(bytes);
    expect(warnings).toEqual([]);
    expect(volume.geometry.dims).toEqual([34, 52, 35]);
    expect(volume.voxels).toBeInstanceOf(Float32Array);
    const refValues = new Float32Array(ref.data);
    expect(volume.voxels.length).toBe(refValues.length);
    expect([volume.voxels[0], volume.voxels[1000], volume.voxels[30000]]).toEqual([refValues[0], refValues[1000], refValues[30000]]);
    // The file's affine is RAS with origin (1,1,1): LPS negates x and y.
    const ras = ref.header.affine.flat() as Mat4;
    expectMatClose(volume.geometry.ijkToLps, flipRasLps(ras));
    expect(volume.geometry.spacing).toEqual([1, 1, 1]);
    expect(volume.source.format === 'nifti' && volume.source.header.qformCode).toBe(1);
  });

  it('reads uint8 images as Uint8Array and float or uint8 label files as class values', () => {
    const { volume } = readNifti(file('imagesTr/hippocampus_001.nii.gz'), 'hippocampus_001.nii.gz');
    expect(volume.voxels).toBeInstanceOf(Uint8Array);
    expect(volume.geometry.dims).toEqual([35, 51, 35]);
    for (const name of ['hippocampus_001.nii.gz', 'hippocampus_003.nii.gz']) {
      const l = readNiftiLabelValues(file(`labelsTr/${name}`), name);
      const present = new Set(l.values);
      expect([...present].sort()).toEqual([0, 1, 2]);
    }
  });

  it('exports labels whose header matches the source exactly, and re-reads them voxel for voxel', () => {
    const bytes = file('imagesTr/hippocampus_003.nii.gz');
    const { volume } = readNifti(bytes, 'hippocampus_003.nii.gz');
    const labels = new Uint8Array(volume.voxels.length);
    labels[5] = 1;
    labels[12345] = 2;
    const out = writeNiftiLabels(labels, volume);
    const src = reference(bytes).header;
    const got = reference(out);
    expect(got.header.dims.slice(0, 4)).toEqual(src.dims.slice(0, 4));
    expect(got.header.datatypeCode).toBe(nifti.NIFTI1.TYPE_UINT8);
    expect(got.header.intent_code).toBe(1002);
    for (const k of ['qform_code', 'sform_code', 'quatern_b', 'quatern_c', 'quatern_d', 'qoffset_x', 'qoffset_y', 'qoffset_z', 'xyzt_units'] as const) {
      expect(got.header[k], k).toBe(src[k]);
    }
    expect(got.header.pixDims.slice(0, 4)).toEqual(src.pixDims.slice(0, 4));
    expect(got.header.affine).toEqual(src.affine);
    expect(new Uint8Array(got.data)).toEqual(labels);
    const again = readNifti(out, 'x.nii.gz').volume;
    expectMatClose(again.geometry.ijkToLps, volume.geometry.ijkToLps);
  });
});

function syntheticVolume(ijkToLps: Mat4, dims: Vec3): Volume {
  return {
    id: 'v',
    name: 'oblique',
    geometry: { dims, spacing: [0, 0, 0], ijkToLps },
    channels: 1,
    voxels: new Int16Array(dims[0] * dims[1] * dims[2]),
    source: { format: 'dicom', fileNames: [], seriesInstanceUID: '1.2.3' },
  };
}

describe('NIfTI writing for non-NIfTI sources', () => {
  it('derives qform and sform that reproduce an oblique, left-handed DICOM geometry', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    // Rotated about z, k pointing down (left-handed), anisotropic voxels.
    const ijkToLps = affineFromParts([[c, s, 0], [-s, c, 0], [0, 0, -1]], [0.7, 0.8, 3], [-100, 50, 20]);
    const vol = syntheticVolume(ijkToLps, [6, 5, 4]);
    const out = writeNiftiLabels(new Uint8Array(120), vol);
    const back = readNifti(out, 'x.nii.gz').volume;
    expectMatClose(back.geometry.ijkToLps, ijkToLps, 1e-4);
    // The qform alone (what ITK-based viewers prefer) must say the same as the sform.
    expect(back.source.format).toBe('nifti');
    if (back.source.format !== 'nifti') return;
    expect(back.source.header.qformCode).toBe(1);
    expect(back.source.header.pixdim[0]).toBe(-1);
    expectMatClose(qformMatrix(back.source.header), flipRasLps(ijkToLps), 1e-4);
  });

  it('round-trips rotations near 180° (the quaternion formula\'s delicate branches), either handedness', () => {
    const rotations: [Vec3, Vec3, Vec3][] = [
      [[1, 0, 0], [0, -1, 0], [0, 0, -1]], // 180° about x
      [[-1, 0, 0], [0, 1, 0], [0, 0, -1]], // 180° about y
      [[-1, 0, 0], [0, -1, 0], [0, 0, 1]], // 180° about z (LPS ↔ RAS)
      [[0, 1, 0], [1, 0, 0], [0, 0, -1]], // swap + flip
    ];
    for (const [n, r] of rotations.entries()) {
      for (const flip of [1, -1]) {
        const dirs: [Vec3, Vec3, Vec3] = [r[0], r[1], [r[2][0] * flip, r[2][1] * flip, r[2][2] * flip]];
        const ijkToLps = affineFromParts(dirs, [1.1, 0.9, 2.5], [5, -7, 9]);
        const back = readNifti(writeNiftiLabels(new Uint8Array(24), syntheticVolume(ijkToLps, [2, 3, 4])), `r${n}.nii.gz`).volume;
        if (back.source.format !== 'nifti') throw new Error('expected NIfTI');
        expectMatClose(qformMatrix(back.source.header), flipRasLps(ijkToLps), 1e-4);
      }
    }
  });

  it('refuses a label buffer of the wrong size', () => {
    const vol = syntheticVolume(affineFromParts([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [1, 1, 1], [0, 0, 0]), [2, 2, 2]);
    expect(() => writeNiftiLabels(new Uint8Array(7), vol)).toThrow(/7 voxels/);
  });

  it('writes class names and descriptions to the sidecar', () => {
    const text = writeLabelSidecar([{ value: 2, name: 'Posterior', color: [1, 2, 3], position: 'behind', shape: 'tail' }]);
    expect(JSON.parse(text).labels).toEqual([{ value: 2, name: 'Posterior', color: [1, 2, 3], position: 'behind', shape: 'tail' }]);
  });
});

describe('NIfTI-2 and damaged files', () => {
  function nifti2File(): Uint8Array {
    const h = new nifti.NIFTI2();
    h.littleEndian = true;
    h.dims = [3, 3, 2, 2, 1, 1, 1, 1];
    h.datatypeCode = 16;
    h.numBitsPerVoxel = 32;
    h.pixDims = [1, 2, 2, 4, 1, 1, 1, 1];
    h.vox_offset = 544;
    h.scl_slope = 2;
    h.scl_inter = 1;
    h.qform_code = 0;
    h.sform_code = 1;
    h.affine = [[2, 0, 0, 10], [0, 2, 0, 20], [0, 0, 4, 30], [0, 0, 0, 1]];
    h.xyzt_units = 2;
    h.magic = 'n+2';
    const header = new Uint8Array(h.toArrayBuffer());
    const data = new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const out = new Uint8Array(544 + data.byteLength);
    out.set(header.subarray(0, 544));
    out.set(new Uint8Array(data.buffer), 544);
    return out;
  }

  it('reads NIfTI-2 with scaling and sform', () => {
    const { volume } = readNifti(nifti2File(), 'two.nii');
    expect(volume.geometry.dims).toEqual([3, 2, 2]);
    expect([...volume.voxels].slice(0, 4)).toEqual([1, 3, 5, 7]);
    expectMatClose(volume.geometry.ijkToLps, [-2, 0, 0, -10, 0, -2, 0, -20, 0, 0, 4, 30, 0, 0, 0, 1]);
    expect(volume.source.format === 'nifti' && volume.source.header.version).toBe(2);
  });

  it('names truncation in gzip streams and in voxel data', () => {
    const whole = nifti2File();
    expect(() => readNifti(whole.subarray(0, 560), 'two.nii')).toThrow(/truncated — the header promises 12 voxels of float32 \(48 bytes\), only 16 bytes/);
    const gz = gzipSync(whole);
    expect(() => readNifti(gz.subarray(0, gz.length - 20), 'two.nii.gz')).toThrow(/truncated|corrupt/);
    expect(() => readNifti(new TextEncoder().encode('hello'), 'x.nii')).toThrow(/not a NIfTI file/);
  });
});
