import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readNifti } from '../io/nifti/readNifti.ts';
import { bytesOf, makeNifti } from '../io/testing/niftiFixture.ts';
import { main } from './main.ts';

function hasOnnxPython(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasOnnxPython())('pseudolab predict --onnx (skipped: needs /usr/bin/python3 with python3-onnx)', () => {
  it('writes a label map per NIfTI with its geometry and the sidecar class values; eval scores it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pseudolab-predict-onnx-'));
    execFileSync('/usr/bin/python3', [join(__dirname, '../train/onnx/testing/tiny_onnx.py'), dir]);
    // Sidecar: class values 3 and 7 (not 1 and 2), intensities 0..100 → 0..1, a model at 2 mm on a 1×1×3 mm image.
    writeFileSync(
      join(dir, 'tiny3d.json'),
      JSON.stringify({
        dimensions: 3,
        patch: [4, 8, 8],
        spacing: [2, 2, 3],
        classes: [
          { value: 3, name: 'mid' },
          { value: 7, name: 'high' },
        ],
        normalisation: { kind: 'range', min: 0, max: 100 },
      }),
    );
    const [nx, ny, nz] = [20, 14, 6];
    const image = new Float32Array(nx * ny * nz);
    const truth = new Uint8Array(nx * ny * nz);
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const v = (z * ny + y) * nx + x;
          // Three blocks along x: intensity 20 (class 0), 100 (class "mid", 3) and 180 (class "high", 7).
          image[v] = x < 7 ? 20 : x < 14 ? 100 : 180;
          truth[v] = x < 7 ? 0 : x < 14 ? 3 : 7;
        }
    const srow: [number[], number[], number[]] = [
      [-1, 0, 0, 30],
      [0, 1, 0, -12],
      [0, 0, 3, 5],
    ];
    mkdirSync(join(dir, 'images'));
    mkdirSync(join(dir, 'labels'));
    writeFileSync(
      join(dir, 'images', 'case_a.nii'),
      makeNifti({ dims: [3, nx, ny, nz], datatype: 16, bitsPerVoxel: 32, data: bytesOf(image), pixdim: [1, 1, 1, 3], sformCode: 1, srow }),
    );
    writeFileSync(
      join(dir, 'labels', 'case_a.nii'),
      makeNifti({ dims: [3, nx, ny, nz], datatype: 2, bitsPerVoxel: 8, data: truth, pixdim: [1, 1, 1, 3], sformCode: 1, srow }),
    );

    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await main(['predict', '--onnx', join(dir, 'tiny3d.onnx'), '--images', join(dir, 'images'), '--out', join(dir, 'pred')])).toBe(0);
      const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
      expect(printed).toContain('3D model, windows 4×8×8 at 2×2×3 mm, 2 classes (mid, high)');
      const pred = readNifti(new Uint8Array(readFileSync(join(dir, 'pred', 'case_a.nii.gz'))), 'case_a.nii.gz').volume;
      const img = readNifti(new Uint8Array(readFileSync(join(dir, 'images', 'case_a.nii'))), 'case_a.nii').volume;
      expect(pred.geometry.dims).toEqual(img.geometry.dims);
      expect(pred.geometry.ijkToLps.map((v) => +v.toFixed(6))).toEqual(img.geometry.ijkToLps.map((v) => +v.toFixed(6)));
      // Away from the block edges (where 2 mm resampling blends neighbours) every voxel is its block's class.
      for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
          for (const x of [1, 2, 3, 10, 17, 18]) {
            expect(pred.voxels[(z * ny + y) * nx + x]).toBe(truth[(z * ny + y) * nx + x]);
          }
      expect(await main(['eval', '--pred', join(dir, 'pred'), '--labels', join(dir, 'labels'), '--json', join(dir, 'scores.json')])).toBe(0);
      const scores = JSON.parse(readFileSync(join(dir, 'scores.json'), 'utf8')) as { mean: { dice: number } };
      expect(scores.mean.dice).toBeGreaterThan(0.9);
    } finally {
      log.mockRestore();
    }
  });

  it('refuses a missing sidecar, both --model and --onnx, and a stray --sidecar', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const dir = mkdtempSync(join(tmpdir(), 'pseudolab-predict-onnx-'));
      writeFileSync(join(dir, 'm.onnx'), 'x');
      expect(await main(['predict', '--onnx', join(dir, 'm.onnx'), '--images', dir, '--out', join(dir, 'o')])).toBe(1);
      expect(String(err.mock.calls.at(-1)?.[0])).toMatch(/no sidecar at .*m\.json/);
      expect(await main(['predict', '--onnx', 'a.onnx', '--model', 'run', '--images', dir, '--out', dir])).toBe(2);
      expect(await main(['predict', '--model', 'run', '--sidecar', 'a.json', '--images', dir, '--out', dir])).toBe(2);
    } finally {
      err.mockRestore();
    }
  });
});
