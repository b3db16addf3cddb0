import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FromOnnxWorker } from './onnxProtocol.ts';
import { OnnxService } from './OnnxService.ts';
import { parseSidecar } from './sidecar.ts';

function hasOnnxPython(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Events until `done` says the awaited one has come (or 10 s pass). */
async function until(events: FromOnnxWorker[], done: (e: FromOnnxWorker[]) => boolean): Promise<void> {
  const t0 = Date.now();
  while (!done(events) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 10));
}

describe.skipIf(!hasOnnxPython())('the imported-model worker service (skipped: needs /usr/bin/python3 with python3-onnx)', () => {
  it('answers watched slices with class values and uncertainty, once each, then predicts every volume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pseudolab-onnx-service-'));
    execFileSync('/usr/bin/python3', [join(__dirname, 'testing/tiny_onnx.py'), dir]);
    const events: FromOnnxWorker[] = [];
    const service = new OnnxService((m) => events.push(m));
    const sidecar = parseSidecar(
      JSON.stringify({
        dimensions: 2,
        patch: [8, 8],
        classes: [
          { value: 4, name: 'mid' },
          { value: 9, name: 'high' },
        ],
        normalisation: { kind: 'range', min: 0, max: 100 },
      }),
      'm.json',
    );
    service.handle({ type: 'load', model: new Uint8Array(readFileSync(join(dir, 'tiny2d.onnx'))), sidecar, name: 'tiny2d.onnx', wasmUrl: '' });
    await until(events, (e) => e.some((m) => m.type === 'loaded' || m.type === 'error'));
    expect(events[0]).toMatchObject({ type: 'loaded', name: 'tiny2d.onnx', inputs: ['image'] });
    // Slice k holds 20 (background), 100 (class value 4) and 180 (class value 9) in thirds along i.
    const dims: [number, number, number] = [12, 5, 4];
    const voxels = new Int16Array(12 * 5 * 4).map((_, n) => [20, 100, 180][Math.floor((n % 12) / 4)]!);
    service.handle({ type: 'volume', volumeId: 'a', dims, spacing: [1, 1, 1], channels: 1, voxels });
    service.handle({ type: 'watch', volumeId: 'a', ks: [2, 1] });
    await until(events, (e) => e.filter((m) => m.type === 'prediction').length === 2);
    const preds = events.filter((m) => m.type === 'prediction');
    expect(preds.map((m) => m.k)).toEqual([2, 1]);
    expect(Array.from(preds[0]!.labels.subarray(0, 12))).toEqual([0, 0, 0, 0, 4, 4, 4, 4, 9, 9, 9, 9]);
    expect(preds[0]!.uncertainty.length).toBe(60);
    // Watching the same slices again sends nothing new.
    service.handle({ type: 'watch', volumeId: 'a', ks: [1, 2] });
    service.handle({ type: 'predictAll' });
    await until(events, (e) => e.some((m) => m.type === 'predictAllDone'));
    expect(events.filter((m) => m.type === 'prediction')).toHaveLength(2);
    const full = events.find((m) => m.type === 'predictAllVolume');
    expect(full?.type === 'predictAllVolume' && full.labels.length).toBe(240);
    expect(full?.type === 'predictAllVolume' && Array.from(full.labels.subarray(180, 192))).toEqual([0, 0, 0, 0, 4, 4, 4, 4, 9, 9, 9, 9]);
    const scores = events.find((m) => m.type === 'sliceScores');
    expect(scores?.type === 'sliceScores' && Array.from(scores.scores).every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(events.filter((m) => m.type === 'predictAllProgress').at(-1)).toEqual({ type: 'predictAllProgress', done: 4, total: 4 });
    expect(events.at(-1)).toEqual({ type: 'predictAllDone', cancelled: false });
  });

  it('a model that does not load is an error event naming the file', async () => {
    const events: FromOnnxWorker[] = [];
    const service = new OnnxService((m) => events.push(m));
    const sidecar = parseSidecar(JSON.stringify({ dimensions: 2, patch: [8, 8], classes: [{ value: 1 }] }), 'm.json');
    service.handle({ type: 'load', model: new TextEncoder().encode('no'), sidecar, name: 'broken.onnx', wasmUrl: '' });
    await until(events, (e) => e.length > 0);
    expect(events[0]).toMatchObject({ type: 'error' });
    expect(events[0]?.type === 'error' && events[0].message).toMatch(/^broken\.onnx: ONNX Runtime could not load the model/);
  });
});
