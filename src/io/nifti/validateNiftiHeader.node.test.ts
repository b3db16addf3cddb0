import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { openInputs } from '../openInputs.ts';
import { bytesOf, makeNifti, type NiftiFixture } from '../testing/niftiFixture.ts';
import { memoryFile } from '../testing/nodeFiles.ts';
import { readNifti, readNiftiLabelValues } from './readNifti.ts';

const base = (extra: Partial<NiftiFixture> = {}): Uint8Array =>
  makeNifti({ dims: [3, 2, 2, 2], datatype: 16, bitsPerVoxel: 32, data: bytesOf(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8])), pixdim: [1, 2, 3, 4], ...extra });
const setF32 = (b: Uint8Array, offset: number, v: number): Uint8Array => {
  const out = b.slice();
  new DataView(out.buffer).setFloat32(offset, v, true);
  return out;
};
const setI16 = (b: Uint8Array, offset: number, v: number): Uint8Array => {
  const out = b.slice();
  new DataView(out.buffer).setInt16(offset, v, true);
  return out;
};

describe('NIfTI headers are checked field by field before voxels are read', () => {
  it('refuses bitpix that disagrees with datatype', () => {
    expect(() => readNifti(setI16(base(), 72, 16), 'b.nii')).toThrow(/^b\.nii: its bitpix \(16\) disagrees with its datatype \(code 16, 32 bits per voxel\)/);
  });

  it('refuses vox_offset NaN instead of opening an empty volume', () => {
    expect(() => readNifti(setF32(base(), 108, NaN), 'v.nii')).toThrow(/^v\.nii: its vox_offset is NaN/);
    expect(() => readNifti(setF32(base(), 108, 1e9), 'w.nii')).toThrow(/^w\.nii: its vox_offset \(1000000000\) points past the end/);
  });

  it('refuses non-finite or singular geometry, naming the field', () => {
    expect(() => readNifti(setF32(base(), 80, Infinity), 'p.nii')).toThrow(/its pixdim\[1\] is Infinity/);
    const singular = base({
      sformCode: 1,
      srow: [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [1, 1, 0, 0],
      ],
    });
    expect(() => readNifti(singular, 's.nii')).toThrow(/its sform \(srow_x\/y\/z\) gives axis k a voxel size of 0 mm/);
    const flat = base({
      sformCode: 1,
      srow: [
        [1, 0, 1, 0],
        [0, 1, 1, 0],
        [0, 0, 0, 0],
      ],
    });
    expect(() => readNifti(flat, 'f.nii')).toThrow(/its sform \(srow_x\/y\/z\) is singular/);
    const nanRow = setF32(base({ sformCode: 1 }), 280 + 4, NaN);
    expect(() => readNifti(nanRow, 'n.nii')).toThrow(/its srow_x \(sform\) holds 1, NaN, 0, 0/);
    const quat = base({ qformCode: 1, quatern: [0.9, 0.9, 0] });
    expect(() => readNifti(quat, 'q.nii')).toThrow(/quatern_b\/c\/d \(qform\) .* not a rotation/);
  });

  it('refuses a scl_slope that turns finite voxels into Inf', () => {
    expect(() => readNifti(base({ sclSlope: 3e38 }), 'o.nii')).toThrow(/^o\.nii: its scl_slope \(3\.0000000054977558e\+38\) .* into Infinity/);
  });

  it('refuses a volume larger than one image may be before inflating it (a 4 GiB size field that wraps)', () => {
    const big = makeNifti({ dims: [3, 2048, 2048, 1024], datatype: 2, bitsPerVoxel: 8, data: new Uint8Array(1024) });
    const t = performance.now();
    expect(() => readNifti(gzipSync(big), 'big.nii.gz')).toThrow(
      /^big\.nii\.gz: its dim fields declare 2048×2048×1024 voxels \(4\.0 GiB\), more than the 2\.0 GiB/,
    );
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('uses |pixdim| for a qform with negative voxel sizes, as nibabel does', () => {
    const v = readNifti(base({ qformCode: 1, pixdim: [1, -2, 3, -4] }), 'neg.nii').volume;
    expect(v.geometry.spacing.map((s) => +s.toFixed(6))).toEqual([2, 3, 4]);
  });

  it('reads int64 and uint64 voxels (nibabel writes them from int64 arrays)', () => {
    const i64 = makeNifti({ dims: [3, 2, 1, 1], datatype: 1024, bitsPerVoxel: 64, data: bytesOf(new BigInt64Array([-3n, 70000n])) });
    expect([...readNifti(i64, 'i.nii').volume.voxels]).toEqual([-3, 70000]);
    const u64 = makeNifti({ dims: [3, 2, 1, 1], datatype: 1280, bitsPerVoxel: 64, data: bytesOf(new BigUint64Array([2n, 1n])) });
    expect([...readNiftiLabelValues(u64, 'u.nii').values]).toEqual([2, 1]);
  });

  it('refuses a 4D label file instead of importing its first frame', () => {
    const l = makeNifti({ dims: [4, 2, 1, 1, 2], datatype: 2, bitsPerVoxel: 8, data: new Uint8Array([0, 1, 1, 0]) });
    expect(() => readNiftiLabelValues(l, 'l.nii')).toThrow(/^l\.nii: holds 2 label maps \(4D/);
  });
});

describe('NIfTI .hdr/.img pairs', () => {
  const single = base({ qformCode: 1, quatern: [0, 0, 1], qoffset: [5, 6, 7] });
  const pair = (magic: string): [Uint8Array, Uint8Array] => {
    const hdr = single.slice(0, 348);
    hdr.set(new TextEncoder().encode(magic), 344);
    new DataView(hdr.buffer).setFloat32(108, 0, true);
    return [hdr, single.slice(352)];
  };

  it('opens a pair (one half gzipped) as the same volume as the single file', async () => {
    const [hdr, img] = pair('ni1\0');
    const r = await openInputs([memoryFile('s/brain.hdr', hdr), memoryFile('s/brain.img.gz', gzipSync(img))]);
    expect(r.problems).toEqual([]);
    const ref = readNifti(single, 'x.nii').volume;
    expect([...r.volumes[0]!.voxels]).toEqual([...ref.voxels]);
    expect(r.volumes[0]!.geometry.ijkToLps).toEqual(ref.geometry.ijkToLps);
  });

  it('refuses an Analyze 7.5 pair with the command that converts it', async () => {
    const [hdr, img] = pair('\0\0\0\0');
    const r = await openInputs([memoryFile('old.hdr', hdr), memoryFile('old.img', img)]);
    expect(r.volumes).toEqual([]);
    expect(r.problems[0]!.message).toMatch(/^old\.hdr: is an Analyze 7\.5 .* convert it to one \.nii\.gz first, e\.g\. with nibabel/);
  });
});
