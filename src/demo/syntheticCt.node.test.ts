import { describe, expect, it } from 'vitest';
import { differences } from '../io/testing/sameValues.ts';
import { NiftiGzipWriter } from '../io/nifti/writeNiftiImage.ts';
import { readNifti } from '../io/nifti/readNifti.ts';
import { makeSyntheticCt, planSyntheticCt, renderSyntheticCtSlice, syntheticCtAffine, SYNTHETIC_CT_CLASSES } from './syntheticCt.ts';

describe('synthetic CT', () => {
  it('is deterministic per seed, CT-like in HU, and its labels sit on the organs', () => {
    const a = makeSyntheticCt({ dims: [64, 48, 20], seed: 3 });
    const b = makeSyntheticCt({ dims: [64, 48, 20], seed: 3 });
    const c = makeSyntheticCt({ dims: [64, 48, 20], seed: 4 });
    expect(a.volume.voxels).toEqual(b.volume.voxels);
    expect(a.labels).toEqual(b.labels);
    expect(a.volume.voxels).not.toEqual(c.volume.voxels);
    const v = a.volume.voxels as Int16Array;
    expect(v).toBeInstanceOf(Int16Array);
    // A corner voxel is air; the mean HU inside each labeled structure is its HU within the noise.
    expect(v[0]!).toBeLessThan(-900);
    for (const cls of SYNTHETIC_CT_CLASSES) {
      let sum = 0;
      let n = 0;
      for (let m = 0; m < v.length; m++) if (a.labels[m] === cls.value) (sum += v[m]!), n++;
      expect(n, cls.name).toBeGreaterThan(20);
      expect(Math.abs(sum / n - cls.hu), cls.name).toBeLessThan(5);
    }
  });

  it('draws any one slice exactly as the whole volume has it, so a generator can stream', () => {
    const whole = makeSyntheticCt({ dims: [40, 30, 12], seed: 9 });
    const plan = planSyntheticCt({ dims: [40, 30, 12], seed: 9 });
    const image = new Int16Array(40 * 30);
    const labels = new Uint8Array(40 * 30);
    renderSyntheticCtSlice(plan, 7, image, labels);
    expect(image).toEqual((whole.volume.voxels as Int16Array).subarray(7 * 1200, 8 * 1200));
    expect(labels).toEqual(whole.labels.subarray(7 * 1200, 8 * 1200));
  });

  it('streams to a .nii.gz that the app reads back with the same voxels and geometry', () => {
    const dims: [number, number, number] = [33, 21, 9];
    const plan = planSyntheticCt({ dims, seed: 2, spacing: [0.7, 0.9, 2.5] });
    const pieces: Uint8Array[] = [];
    const writer = new NiftiGzipWriter({ dims, ijkToLps: syntheticCtAffine(plan), datatype: 'int16' }, (chunk) => pieces.push(chunk));
    const image = new Int16Array(33 * 21);
    const labels = new Uint8Array(33 * 21);
    const expected = new Int16Array(33 * 21 * 9);
    for (let k = 0; k < 9; k++) {
      renderSyntheticCtSlice(plan, k, image, labels);
      writer.push(image);
      expected.set(image, k * image.length);
    }
    expect(() => writer.push(new Uint8Array(3))).toThrow(/int16/);
    writer.end();
    // More than one piece came out: the writer compresses as voxels arrive rather than at the end.
    expect(pieces.length).toBeGreaterThan(1);
    const bytes = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    pieces.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
    const { volume } = readNifti(bytes, 'synthetic.nii.gz');
    expect(volume.geometry.dims).toEqual(dims);
    expect(volume.voxels).toBeInstanceOf(Int16Array);
    expect(differences(volume.voxels, expected)).toBe(0);
    const m = syntheticCtAffine(plan);
    volume.geometry.ijkToLps.forEach((x, n) => expect(x).toBeCloseTo(m[n]!, 4));
  });

  it('refuses a stream that ends short of the declared size', () => {
    const writer = new NiftiGzipWriter({ dims: [4, 4, 2], ijkToLps: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], datatype: 'uint8' }, () => undefined);
    writer.push(new Uint8Array(16));
    expect(() => writer.end()).toThrow(/16 voxel bytes written, the header declares 32/);
  });
});
