import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import * as nifti from 'nifti-reader-js';
import { describe, expect, it } from 'vitest';
import { flipRasLps, type Mat4 } from '../../volume/geometry.ts';
import { bytesOf, makeNifti } from '../testing/niftiFixture.ts';
import { differences } from '../testing/sameValues.ts';
import { readNifti, readNiftiLabelValues } from './readNifti.ts';

const HIPPO = join(process.cwd(), '..', 'shared', 'datasets', 'hippocampus');

function file(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(HIPPO, rel)));
}

/** The reference reader's view of a file, to check ours against. */
function reference(bytes: Uint8Array) {
  let ab = bytes.slice().buffer as ArrayBuffer;
  if (nifti.isCompressed(ab)) ab = nifti.decompress(ab) as ArrayBuffer;
  const header = nifti.readHeader(ab)!;
  return { header, data: nifti.readImage(header, ab) };
}

function expectMatClose(a: Mat4, b: Mat4, tol = 1e-5): void {
  a.forEach((v, n) => expect(Math.abs(v - b[n]!), `element ${n}: ${v} vs ${b[n]}`).toBeLessThan(tol));
}

describe.skipIf(!existsSync(HIPPO))('NIfTI reading of real files (skipped: needs ../shared/datasets/hippocampus)', () => {
  it('reads a float32 image with its dimensions, values and RAS→LPS geometry', () => {
    const bytes = file('imagesTr/hippocampus_003.nii.gz');
    const { volume, warnings, frames } = readNifti(bytes, 'hippocampus_003.nii.gz');
    const ref = reference(bytes);
    expect(warnings).toEqual([]);
    expect(frames).toBe(1);
    expect(volume.geometry.dims).toEqual([34, 52, 35]);
    expect(volume.channels).toBe(1);
    expect(volume.voxels).toBeInstanceOf(Float32Array);
    expect(differences(volume.voxels, new Float32Array(ref.data))).toBe(0);
    // LPS negates the first two rows of the file's RAS matrix.
    expectMatClose(volume.geometry.ijkToLps, flipRasLps(ref.header.affine.flat() as Mat4));
    expect(volume.geometry.spacing).toEqual([1, 1, 1]);
    expect(volume.source).toMatchObject({ format: 'nifti', fileName: 'hippocampus_003.nii.gz', header: { version: 1, qformCode: 1, sformCode: 1 } });
  });

  it('reads a uint8 image as Uint8Array, values untouched', () => {
    const bytes = file('imagesTr/hippocampus_001.nii.gz');
    const { volume } = readNifti(bytes, 'hippocampus_001.nii.gz');
    expect(volume.voxels).toBeInstanceOf(Uint8Array);
    expect(volume.geometry.dims).toEqual([35, 51, 35]);
    expect(differences(volume.voxels, new Uint8Array(reference(bytes).data))).toBe(0);
  });

  it('reads uint8 and float32 label files as the class values 0, 1, 2', () => {
    for (const name of ['hippocampus_001.nii.gz', 'hippocampus_003.nii.gz']) {
      const bytes = file(`labelsTr/${name}`);
      const l = readNiftiLabelValues(bytes, name);
      expect([...new Set(l.values)].sort()).toEqual([0, 1, 2]);
      const ref = reference(bytes);
      const stored = ref.header.datatypeCode === 16 ? new Float32Array(ref.data) : new Uint8Array(ref.data);
      expect(differences(l.values, stored)).toBe(0);
    }
    expect(reference(file('labelsTr/hippocampus_003.nii.gz')).header.datatypeCode).toBe(16);
  });
});

describe('NIfTI reading of every voxel type and geometry rule (fixtures)', () => {
  const rasSform: [number[], number[], number[]] = [
    [2, 0, 0, 10],
    [0, 2, 0, 20],
    [0, 0, 4, 30],
  ];

  it('reads NIfTI-2 with scaling and sform', () => {
    const bytes = makeNifti({
      version: 2,
      dims: [3, 3, 2, 2],
      datatype: 16,
      bitsPerVoxel: 32,
      data: bytesOf(new Float32Array(12).map((_, n) => n)),
      pixdim: [1, 2, 2, 4],
      sformCode: 1,
      srow: rasSform,
      sclSlope: 2,
      sclInter: 1,
    });
    const { volume } = readNifti(bytes, 'two.nii');
    expect(volume.geometry.dims).toEqual([3, 2, 2]);
    expect([...volume.voxels].slice(0, 4)).toEqual([1, 3, 5, 7]);
    expectMatClose(volume.geometry.ijkToLps, [-2, 0, 0, -10, 0, -2, 0, -20, 0, 0, 4, 30, 0, 0, 0, 1]);
    expect(volume.source.format === 'nifti' && volume.source.header.version).toBe(2);
  });

  it('keeps uint8, int16, uint16 and float32 as they are and turns the other types into Float32', () => {
    const values = [0, 1, 100, 7];
    const types: [number, number, ArrayBufferView, string][] = [
      [2, 8, new Uint8Array(values), 'Uint8Array'],
      [4, 16, new Int16Array(values), 'Int16Array'],
      [512, 16, new Uint16Array(values), 'Uint16Array'],
      [16, 32, new Float32Array(values), 'Float32Array'],
      [256, 8, new Int8Array(values), 'Float32Array'],
      [8, 32, new Int32Array(values), 'Float32Array'],
      [768, 32, new Uint32Array(values), 'Float32Array'],
      [64, 64, new Float64Array(values), 'Float32Array'],
    ];
    for (const [datatype, bits, data, type] of types) {
      const { volume } = readNifti(makeNifti({ dims: [3, 2, 2, 1], datatype, bitsPerVoxel: bits, data: bytesOf(data) }), `t${datatype}.nii`);
      expect(volume.voxels.constructor.name, `datatype ${datatype}`).toBe(type);
      expect([...volume.voxels], `datatype ${datatype}`).toEqual(values);
    }
  });

  it('applies scl_slope/scl_inter to integer data as Float32, and ignores slope 0', () => {
    const data = bytesOf(new Int16Array([10, -20]));
    const scaled = readNifti(makeNifti({ dims: [3, 2, 1, 1], datatype: 4, bitsPerVoxel: 16, data, sclSlope: 0.5, sclInter: -3 }), 's.nii').volume;
    expect(scaled.voxels).toEqual(new Float32Array([2, -13]));
    const unscaled = readNifti(makeNifti({ dims: [3, 2, 1, 1], datatype: 4, bitsPerVoxel: 16, data, sclSlope: 0, sclInter: 5 }), 'u.nii').volume;
    expect(unscaled.voxels).toEqual(new Int16Array([10, -20]));
  });

  it('reads big-endian files', () => {
    const bytes = makeNifti({ dims: [3, 3, 1, 1], datatype: 4, bitsPerVoxel: 16, data: bytesOf(new Int16Array([1, -2, 300])), littleEndian: false });
    expect(readNifti(bytes, 'be.nii').volume.voxels).toEqual(new Int16Array([1, -2, 300]));
  });

  it('reads RGB24 as three interleaved channels', () => {
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0]);
    const { volume } = readNifti(makeNifti({ dims: [3, 2, 1, 1], datatype: 128, bitsPerVoxel: 24, data: rgb }), 'rgb.nii');
    expect(volume.channels).toBe(3);
    expect(volume.voxels).toEqual(rgb);
  });

  it('opens the first volume of a 4D file and says so', () => {
    const data = bytesOf(new Int16Array([1, 2, 3, 4, 5, 6]));
    const read = readNifti(makeNifti({ dims: [4, 3, 1, 1, 2], datatype: 4, bitsPerVoxel: 16, data }), 'fmri.nii');
    expect(read.volume.geometry.dims).toEqual([3, 1, 1]);
    expect(read.volume.voxels).toEqual(new Int16Array([1, 2, 3]));
    expect(read.frames).toBe(2);
    expect(read.warnings).toEqual(['fmri.nii: holds 2 volumes (4D: time points or channels); only the first is opened']);
  });

  it('prefers sform, then qform (with qfac), then voxel sizes alone', () => {
    const data = new Uint8Array(8);
    const both = makeNifti({
      dims: [3, 2, 2, 2],
      datatype: 2,
      bitsPerVoxel: 8,
      data,
      qformCode: 1,
      sformCode: 2,
      srow: rasSform,
      qoffset: [1, 2, 3],
      pixdim: [1, 1, 1, 1],
    });
    expectMatClose(readNifti(both, 'b.nii').volume.geometry.ijkToLps, flipRasLps([2, 0, 0, 10, 0, 2, 0, 20, 0, 0, 4, 30, 0, 0, 0, 1]));

    // qform only: 90° about z (quaternion d = sin 45°), voxel sizes 1, 2, 3, qfac −1 flips k.
    const q = Math.SQRT1_2;
    const qform = makeNifti({
      dims: [3, 2, 2, 2],
      datatype: 2,
      bitsPerVoxel: 8,
      data,
      qformCode: 1,
      quatern: [0, 0, q],
      qoffset: [5, 6, 7],
      pixdim: [-1, 1, 2, 3],
    });
    const ras: Mat4 = [0, -2, 0, 5, 1, 0, 0, 6, 0, 0, -3, 7, 0, 0, 0, 1];
    expectMatClose(readNifti(qform, 'q.nii').volume.geometry.ijkToLps, flipRasLps(ras));
    // nifti-reader-js, an independent implementation of the same formula, agrees.
    expectMatClose(flipRasLps(reference(qform).header.affine.flat() as Mat4), flipRasLps(ras));

    const none = makeNifti({ dims: [3, 2, 2, 2], datatype: 2, bitsPerVoxel: 8, data, pixdim: [1, 0.5, 0.6, 0.7] });
    expectMatClose(readNifti(none, 'n.nii').volume.geometry.ijkToLps, [-0.5, 0, 0, 0, 0, -0.6, 0, 0, 0, 0, 0.7, 0, 0, 0, 0, 1]);
  });

  it('converts metres and microns to millimetres', () => {
    const data = new Uint8Array(1);
    const metres = makeNifti({
      dims: [3, 1, 1, 1],
      datatype: 2,
      bitsPerVoxel: 8,
      data,
      sformCode: 1,
      srow: [
        [0.001, 0, 0, 0.1],
        [0, 0.001, 0, 0],
        [0, 0, 0.002, 0],
      ],
      xyztUnits: 1,
    });
    expectMatClose(readNifti(metres, 'm.nii').volume.geometry.ijkToLps, [-1, 0, 0, -100, 0, -1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1]);
  });

  it('detects gzip by its magic number, not by the name', () => {
    const plain = makeNifti({ dims: [3, 2, 1, 1], datatype: 2, bitsPerVoxel: 8, data: new Uint8Array([4, 5]) });
    expect(readNifti(gzipSync(plain), 'no-extension').volume.voxels).toEqual(new Uint8Array([4, 5]));
  });
});

describe('NIfTI label values', () => {
  const labelFile = (values: number[]) =>
    makeNifti({ dims: [3, values.length, 1, 1], datatype: 16, bitsPerVoxel: 32, data: bytesOf(new Float32Array(values)) });

  it('rounds float labels that are whole numbers give or take rounding error', () => {
    expect(readNiftiLabelValues(labelFile([0, 1.0000001, 1.9999999, 255]), 'l.nii').values).toEqual(new Uint8Array([0, 1, 2, 255]));
  });

  it('refuses negative, too large and fractional values with a message naming the file', () => {
    expect(() => readNiftiLabelValues(labelFile([0, -1]), 'neg.nii')).toThrow(/^neg\.nii: label values must be whole numbers from 0 to 255, but it holds -1/);
    expect(() => readNiftiLabelValues(labelFile([0, 300]), 'big.nii')).toThrow(/^big\.nii: .* holds 300/);
    expect(() => readNiftiLabelValues(labelFile([0, 0.5]), 'frac.nii')).toThrow(/^frac\.nii: .* holds 0\.5 \(is it an image rather than a label file\?\)/);
  });
});

describe('damaged NIfTI files', () => {
  const whole = makeNifti({ dims: [3, 10, 10, 5], datatype: 2, bitsPerVoxel: 8, data: new Uint8Array(500) });

  it('names truncated voxel data with what the header promised', () => {
    expect(() => readNifti(whole.subarray(0, 352 + 400), 'cut.nii')).toThrow(
      'cut.nii: file is truncated — its header promises 500 voxels of uint8 (500 bytes), only 400 bytes are present',
    );
  });

  it('names a gzip stream that ends early', () => {
    const gz = gzipSync(whole);
    expect(() => readNifti(gz.subarray(0, gz.length - 12), 'cut.nii.gz')).toThrow(/^cut\.nii\.gz: file is truncated — its gzip stream ends early/);
  });

  it('says what a non-NIfTI file and a .hdr/.img header are', () => {
    expect(() => readNifti(new TextEncoder().encode('hello'), 'x.nii')).toThrow(/^x\.nii: not a NIfTI file — it holds only 5 bytes/);
    const pair = whole.slice(0, 348);
    pair.set([0x6e, 0x69, 0x31, 0], 344);
    expect(() => readNifti(pair, 'brain.hdr')).toThrow(/^brain\.hdr: is the header half of a NIfTI \.hdr\/\.img pair/);
  });
});
