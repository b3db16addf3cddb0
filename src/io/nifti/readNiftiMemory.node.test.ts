import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { voxelBytes } from '../../persist/records.ts';
import { bytesOf, makeNifti } from '../testing/niftiFixture.ts';
import { readNifti } from './readNifti.ts';

// Opening a 512×512×600 CT held the inflated file and a copy of its voxels at once: twice the volume at the peak.
// The voxels view the inflated buffer where that buffer is ours alone; these tests pin where that holds.
describe('NIfTI voxels without a second copy', () => {
  const values = Int16Array.from({ length: 4 * 3 * 5 }, (_, n) => ((n * 37) % 2000) - 1000);
  const dims = [3, 4, 3, 5];

  it('views the inflated buffer of a .nii.gz: no copy, values exact, the header the only extra bytes', () => {
    const { volume } = readNifti(gzipSync(makeNifti({ dims, datatype: 4, bitsPerVoxel: 16, data: bytesOf(values) })), 'ct.nii.gz');
    expect(volume.voxels).toBeInstanceOf(Int16Array);
    expect([...volume.voxels]).toEqual([...values]);
    expect(volume.voxels.byteOffset).toBe(352);
    expect(volume.voxels.buffer.byteLength).toBe(352 + values.byteLength);
    // Autosave reads the voxels through their offset, not the whole buffer.
    expect(voxelBytes(volume.voxels)).toEqual(bytesOf(values));
  });

  it('byte-swaps a big-endian .nii.gz in place and still reads it right', () => {
    const { volume } = readNifti(gzipSync(makeNifti({ dims, datatype: 4, bitsPerVoxel: 16, data: bytesOf(values), littleEndian: false })), 'be.nii.gz');
    expect(volume.voxels.byteOffset).toBe(352);
    expect([...volume.voxels]).toEqual([...values]);
  });

  it('copies the first frame of a 4D file, so the other frames can be freed', () => {
    const two = new Int16Array([...values, ...values]);
    const { volume } = readNifti(gzipSync(makeNifti({ dims: [4, 3, 4, 5, 2], datatype: 4, bitsPerVoxel: 16, data: bytesOf(two) })), 'fmri.nii.gz');
    expect(volume.voxels.buffer.byteLength).toBe(values.byteLength);
    expect([...volume.voxels]).toEqual([...values]);
  });

  it("copies from an uncompressed file, whose bytes stay the caller's", () => {
    const bytes = makeNifti({ dims, datatype: 4, bitsPerVoxel: 16, data: bytesOf(values) });
    const { volume } = readNifti(bytes, 'ct.nii');
    bytes.fill(0, 352);
    expect([...volume.voxels]).toEqual([...values]);
  });
});
