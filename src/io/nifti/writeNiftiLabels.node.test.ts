import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'fflate';
import * as nifti from 'nifti-reader-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { affineFromParts, flipRasLps, type Mat4, type Vec3 } from '../../volume/geometry.ts';
import type { Volume } from '../../volume/Volume.ts';
import { openInputs } from '../openInputs.ts';
import { configureNodeCodecs } from '../testing/nodeCodecs.ts';
import { nodeFile } from '../testing/nodeFiles.ts';
import { differences } from '../testing/sameValues.ts';
import { qformMatrix } from './niftiGeometry.ts';
import { readNifti } from './readNifti.ts';
import { writeLabelSidecar, writeNiftiLabels } from './writeNiftiLabels.ts';

const DATA = join(process.cwd(), '..', 'shared', 'datasets');
const HIPPO = join(DATA, 'hippocampus');
const MR_SERIES = join(DATA, 'dicom', 'mr-brain-t1post');

beforeAll(() => {
  configureNodeCodecs();
});

/** The written file as nifti-reader-js (the independent reader) sees it; `qformOnly` hides the sform first. */
function reread(gz: Uint8Array, qformOnly = false) {
  const raw = gunzipSync(gz).slice();
  if (qformOnly) new DataView(raw.buffer).setInt16(254, 0, true);
  const header = nifti.readHeader(raw.buffer as ArrayBuffer) as nifti.NIFTI1;
  return { header, data: new Uint8Array(nifti.readImage(header, raw.buffer as ArrayBuffer)) };
}

function expectMatClose(a: Mat4, b: Mat4, tol: number): void {
  a.forEach((v, n) => expect(Math.abs(v - b[n]!), `element ${n}: ${v} vs ${b[n]}`).toBeLessThan(tol));
}

/** Some labels with structure, so a transposed or shifted write would show. */
function someLabels(n: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i % 7 === 0 ? 1 : i % 11 === 0 ? 2 : 0));
}

/** The label file's fixed header fields, whatever the source. */
function expectLabelHeader(h: nifti.NIFTI1, dims: Vec3): void {
  expect(h.dims.slice(0, 5)).toEqual([3, ...dims, 1]);
  expect(h.datatypeCode).toBe(nifti.NIFTI1.TYPE_UINT8);
  expect(h.numBitsPerVoxel).toBe(8);
  expect(h.scl_slope).toBe(1);
  expect(h.scl_inter).toBe(0);
  expect(h.intent_code).toBe(1002);
  expect(h.description).toBe('Pseudolab labels');
  expect(h.vox_offset).toBe(352);
}

describe.skipIf(!existsSync(HIPPO))('label export for a NIfTI source (skipped: needs ../shared/datasets/hippocampus)', () => {
  it('copies the source geometry verbatim and round-trips every voxel', () => {
    const bytes = new Uint8Array(readFileSync(join(HIPPO, 'imagesTr/hippocampus_003.nii.gz')));
    const { volume } = readNifti(bytes, 'hippocampus_003.nii.gz');
    const labels = someLabels(volume.voxels.length);
    const out = reread(writeNiftiLabels(labels, volume));
    const src = nifti.readHeader(gunzipSync(bytes).slice().buffer as ArrayBuffer) as nifti.NIFTI1;
    expectLabelHeader(out.header, volume.geometry.dims);
    for (const k of ['qform_code', 'sform_code', 'quatern_b', 'quatern_c', 'quatern_d', 'qoffset_x', 'qoffset_y', 'qoffset_z', 'xyzt_units'] as const) {
      expect(out.header[k], k).toBe(src[k]);
    }
    expect(out.header.pixDims).toEqual(src.pixDims);
    expect(out.header.affine).toEqual(src.affine);
    expect(differences(out.data, labels)).toBe(0);
    // And our own reader puts the labels exactly where the image is.
    expectMatClose(readNifti(writeNiftiLabels(labels, volume), 'l.nii.gz').volume.geometry.ijkToLps, volume.geometry.ijkToLps, 1e-6);
  });
});

describe.skipIf(!existsSync(MR_SERIES))('label export for a DICOM source (skipped: needs ../shared/datasets/dicom)', () => {
  it("writes sform and qform that both reproduce the series' voxel→LPS matrix", async () => {
    const files = readdirSync(MR_SERIES).map((f) => nodeFile(join(MR_SERIES, f), DATA));
    const { volumes } = await openInputs(files);
    const volume = volumes[0]!;
    expect(volume.source.format).toBe('dicom');
    const labels = someLabels(volume.voxels.length);
    const gz = writeNiftiLabels(labels, volume);
    const sform = reread(gz);
    expectLabelHeader(sform.header, volume.geometry.dims);
    expect([sform.header.qform_code, sform.header.sform_code]).toEqual([1, 1]);
    expectMatClose(flipRasLps(sform.header.affine.flat() as Mat4), volume.geometry.ijkToLps, 1e-5);
    expectMatClose(flipRasLps(reread(gz, true).header.affine.flat() as Mat4), volume.geometry.ijkToLps, 1e-5);
    expect(differences(sform.data, labels)).toBe(0);
  });
});

function syntheticVolume(ijkToLps: Mat4, dims: Vec3): Volume {
  return {
    id: 'v',
    name: 'synthetic',
    geometry: { dims, spacing: [1, 1, 1], ijkToLps },
    channels: 1,
    voxels: new Int16Array(dims[0] * dims[1] * dims[2]),
    source: { format: 'dicom', fileNames: [], seriesInstanceUID: '1.2.3' },
  };
}

describe('label export for volumes that did not come from NIfTI', () => {
  it('derives sform and qform (qfac −1) that reproduce an oblique, left-handed grid', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    // Rotated about z, k pointing down (left-handed), anisotropic voxels.
    const ijkToLps = affineFromParts(
      [
        [c, s, 0],
        [-s, c, 0],
        [0, 0, -1],
      ],
      [0.7, 0.8, 3],
      [-100, 50, 20],
    );
    const volume = syntheticVolume(ijkToLps, [6, 5, 4]);
    const labels = someLabels(120);
    const gz = writeNiftiLabels(labels, volume);
    const sform = reread(gz);
    expectLabelHeader(sform.header, [6, 5, 4]);
    expect(sform.header.pixDims[0]).toBe(-1);
    expectMatClose(flipRasLps(sform.header.affine.flat() as Mat4), ijkToLps, 1e-5);
    expectMatClose(flipRasLps(reread(gz, true).header.affine.flat() as Mat4), ijkToLps, 1e-5);
    expect(differences(sform.data, labels)).toBe(0);
  });

  it("round-trips rotations near 180° (the quaternion formula's delicate branches), either handedness", () => {
    const rotations: [Vec3, Vec3, Vec3][] = [
      [
        [1, 0, 0],
        [0, -1, 0],
        [0, 0, -1],
      ], // 180° about x
      [
        [-1, 0, 0],
        [0, 1, 0],
        [0, 0, -1],
      ], // 180° about y
      [
        [-1, 0, 0],
        [0, -1, 0],
        [0, 0, 1],
      ], // 180° about z (LPS ↔ RAS)
      [
        [0, 1, 0],
        [1, 0, 0],
        [0, 0, -1],
      ], // axes swapped
      [
        [0, 0, 1],
        [1, 0, 0],
        [0, 1, 0],
      ], // sagittal acquisition
    ];
    for (const [n, r] of rotations.entries()) {
      for (const flip of [1, -1]) {
        const dirs: [Vec3, Vec3, Vec3] = [r[0], r[1], [r[2][0] * flip, r[2][1] * flip, r[2][2] * flip]];
        const ijkToLps = affineFromParts(dirs, [1.1, 0.9, 2.5], [5, -7, 9]);
        const gz = writeNiftiLabels(new Uint8Array(24), syntheticVolume(ijkToLps, [2, 3, 4]));
        const back = readNifti(gz, `r${n}.nii.gz`).volume.source;
        if (back.format !== 'nifti') throw new Error('expected a NIfTI source');
        expectMatClose(flipRasLps(qformMatrix(back.header)), ijkToLps, 1e-5);
        // nifti-reader-js skips nifti1.h's rule that a quaternion with a ≈ 0 is renormalised, so for a 180°
        // turn about an axis like (1, −1, 0)/√2 its qform is off by float32 rounding amplified to ~1e-3.
        expectMatClose(flipRasLps(reread(gz, true).header.affine.flat() as Mat4), ijkToLps, 1e-3);
      }
    }
  });

  it('refuses a label buffer of the wrong size', () => {
    const volume = syntheticVolume(
      affineFromParts(
        [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        [1, 1, 1],
        [0, 0, 0],
      ),
      [2, 2, 2],
    );
    expect(() => writeNiftiLabels(new Uint8Array(7), volume)).toThrow('label buffer has 7 voxels, synthetic has 8');
  });
});

describe('label sidecar', () => {
  it('maps each value to its name, colour, position and shape', () => {
    const text = writeLabelSidecar([
      { value: 2, name: 'Posterior', color: [1, 2, 3], position: 'behind the anterior part', shape: 'tail' },
      { value: 1, name: 'Anterior', color: [4, 5, 6], position: '', shape: 'head' },
    ]);
    const json = JSON.parse(text);
    expect(json.labels).toEqual({
      '1': { name: 'Anterior', color: [4, 5, 6], position: '', shape: 'head' },
      '2': { name: 'Posterior', color: [1, 2, 3], position: 'behind the anterior part', shape: 'tail' },
    });
    expect(json.background).toBe(0);
  });
});
