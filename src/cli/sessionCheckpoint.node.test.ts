import '@tensorflow/tfjs-backend-wasm';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNifti } from '../io/nifti/readNifti.ts';
import { makeNifti } from '../io/testing/niftiFixture.ts';
import { DIMS, harness, start } from '../train/testing/session3d.ts';
import { runPredict } from './predict.ts';

/*
 * A model file saved by the app's worker is what a user hands to `pseudolab predict`: the CLI must read a 3D
 * session's checkpoint and slide the window it trained in over NIfTI files, keeping the images' geometry.
 */
describe('a 3D session checkpoint on the command line', () => {
  it("predicts NIfTI files with the checkpoint's network and training window", async () => {
    const { until, send, stop } = harness();
    const first = start();
    send(first);
    await until('ready');
    await until('step', (m) => m.report.step >= 2);
    send({ type: 'pause' });
    const ckpt = await until('checkpoint');
    await stop();

    const root = mkdtempSync(join(tmpdir(), 'pseudolab-3d-'));
    const images = join(root, 'images');
    const out = join(root, 'pred');
    const model = join(root, 'model.pslb');
    writeFileSync(model, ckpt.bytes);
    const v = first.volumes[0]!;
    const f32 = Float32Array.from(v.voxels as ArrayLike<number>);
    mkdirSync(images);
    writeFileSync(
      join(images, 'case.nii'),
      makeNifti({ dims: [3, ...DIMS], datatype: 16, bitsPerVoxel: 32, data: new Uint8Array(f32.buffer), pixdim: [1, 1, 1, 2] }),
    );
    const lines: string[] = [];
    await runPredict({ command: 'predict', model, images, out, backend: 'wasm', kernels: true }, (l) => lines.push(l));
    expect(lines[0]).toMatch(/V-Net-3D width 4 depth 2, windows 8×16×16/);
    expect(readdirSync(out)).toEqual(['case.nii.gz']);
    const pred = readNifti(new Uint8Array(readFileSync(join(out, 'case.nii.gz'))), 'case.nii.gz').volume;
    expect(pred.geometry.dims).toEqual(DIMS);
    for (const x of new Set(pred.voxels)) expect([0, 1, 2, 3]).toContain(x);
  }, 300_000);
});
