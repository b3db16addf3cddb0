import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxPredictor, type OnnxImage } from './onnxPredictor.ts';
import { createOnnxRunner, type OnnxRunner } from './onnxRunner.ts';
import { parseSidecar, type OnnxSidecar } from './sidecar.ts';

/** The tiny models' class scores at a normalised intensity x (testing/tiny_onnx.py): s_c = W_c·x + B_c. */
const W = [-4, 4, 8];
const B = [2, 0, -6];
function reference(x: number): number[] {
  const s = W.map((w, c) => w * x + B[c]!);
  const m = Math.max(...s);
  const e = s.map((v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function hasOnnxPython(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const sidecar = (over: Record<string, unknown>): OnnxSidecar =>
  parseSidecar(
    JSON.stringify({
      dimensions: 2,
      patch: [8, 8],
      classes: [
        { value: 1, name: 'a' },
        { value: 2, name: 'b' },
      ],
      normalisation: { kind: 'range', min: 0, max: 100 },
      ...over,
    }),
    'model.json',
  );

/** A non-square image whose intensity varies along i and j differently, so swapped axes give other classes. */
function ramp(dims: [number, number, number], spacing: [number, number, number] = [1, 1, 1]): OnnxImage {
  const [ni, nj, nk] = dims;
  const voxels = new Float32Array(ni * nj * nk);
  for (let k = 0; k < nk; k++) for (let j = 0; j < nj; j++) for (let i = 0; i < ni; i++) voxels[(k * nj + j) * ni + i] = (200 * i) / ni + (20 * j) / nj + 3 * k;
  return { dims, spacing, channels: 1, voxels };
}

describe.skipIf(!hasOnnxPython())('an imported ONNX model predicts as its sidecar says (skipped: needs /usr/bin/python3 with python3-onnx)', () => {
  let dir = '';
  const runners: OnnxRunner[] = [];
  const load = async (file: string): Promise<OnnxRunner> => {
    const r = await createOnnxRunner(new Uint8Array(readFileSync(join(dir, file))));
    runners.push(r);
    return r;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pseudolab-onnx-'));
    execFileSync('/usr/bin/python3', [join(__dirname, 'testing/tiny_onnx.py'), dir]);
  });
  afterAll(async () => {
    for (const r of runners) await r.dispose();
  });

  it('2D: every pixel of every slice, through overlapping windows and a padded border, equals the reference (1e-5)', async () => {
    const image = ramp([21, 13, 3]);
    const p = new OnnxPredictor(await load('tiny2d.onnx'), sidecar({}), image);
    const [ni, nj] = image.dims;
    for (const { k, probs } of await p.predictSlices([0, 2])) {
      expect(probs.length).toBe(ni * nj * 3);
      let worst = 0;
      for (let j = 0; j < nj; j++) {
        for (let i = 0; i < ni; i++) {
          const want = reference((image.voxels[(k * nj + j) * ni + i] as number) / 100);
          for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(probs[(j * ni + i) * 3 + c]! - want[c]!));
        }
      }
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('a model that ends in softmax ("output": "probabilities") gives the same probabilities', async () => {
    const image = ramp([10, 9, 1]);
    const a = await new OnnxPredictor(await load('tiny2d.onnx'), sidecar({}), image).predictSlices([0]);
    const b = await new OnnxPredictor(await load('tiny2d_softmax.onnx'), sidecar({ output: 'probabilities' }), image).predictSlices([0]);
    const diff = a[0]!.probs.reduce((m, v, n) => Math.max(m, Math.abs(v - b[0]!.probs[n]!)), 0);
    expect(diff).toBeLessThan(1e-5);
  });

  it('3D: windows smaller than the volume on every axis give the per-voxel reference', async () => {
    const image = ramp([11, 9, 7]);
    const p = new OnnxPredictor(await load('tiny3d.onnx'), sidecar({ dimensions: 3, patch: [4, 4, 4] }), image);
    const probs = await p.predictVolumeProbs();
    let worst = 0;
    for (let v = 0; v < image.voxels.length; v++) {
      const want = reference((image.voxels[v] as number) / 100);
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(probs[v * 3 + c]! - want[c]!));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it('a model trained at another spacing: labels at the image grid still follow the intensities (≥ 98 % agree)', async () => {
    // 0.5 mm pixels, a model at 1.25 mm: the image is shrunk for the model and the probabilities brought back.
    const image = ramp([40, 30, 1], [0.5, 0.5, 1]);
    const p = new OnnxPredictor(await load('tiny2d.onnx'), sidecar({ spacing: [1.25, 1.25, 1] }), image);
    const { probs } = (await p.predictSlices([0]))[0]!;
    let agree = 0;
    for (let v = 0; v < 40 * 30; v++) {
      const want = reference((image.voxels[v] as number) / 100);
      const got = [0, 1, 2].map((c) => probs[v * 3 + c]!);
      if (got.indexOf(Math.max(...got)) === want.indexOf(Math.max(...want))) agree++;
    }
    expect(agree / 1200).toBeGreaterThan(0.98);
  });

  it('per-image zscore and a wrong channel count', async () => {
    const image = ramp([8, 8, 2]);
    const p = new OnnxPredictor(await load('tiny2d.onnx'), sidecar({ normalisation: { kind: 'zscore-per-image' } }), image);
    const values = Array.from(image.voxels as Float32Array);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    const { probs } = (await p.predictSlices([1]))[0]!;
    const want = reference(((image.voxels[64 + 9] as number) - mean) / std);
    expect(probs[9 * 3 + 2]).toBeCloseTo(want[2]!, 5);
    expect(() => new OnnxPredictor(runners[0]!, sidecar({}), { ...image, channels: 3 })).toThrow(/grey \(1-channel\)/);
  });

  it('a sidecar with more classes than the model outputs is refused with both shapes named', async () => {
    const s = sidecar({ classes: [1, 2, 3].map((value) => ({ value })) });
    await expect(new OnnxPredictor(await load('tiny2d.onnx'), s, ramp([8, 8, 1])).predictSlices([0])).rejects.toThrow(/answered 1×3×8×8.*3 classes/);
  });

  it('bytes that are not ONNX get a clear message', async () => {
    await expect(createOnnxRunner(new TextEncoder().encode('not a model'))).rejects.toThrow(/could not load the model/);
  });
});
