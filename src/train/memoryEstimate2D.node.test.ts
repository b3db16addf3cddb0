import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../data/random.ts';
import type { TrainingVolume } from '../data/trainingVolume.ts';
import { createResUNet2D } from '../model/resunet2d.ts';
import { presetConfig } from './config.ts';
import { fitRun2D } from './fitRun2D.ts';
import { checkFit2D, estimateRun2DMemory, largestFitting2D, resUNet2DParamCount, type Run2DShape } from './memoryEstimate2D.ts';
import { Trainer } from './Trainer.ts';

const GiB = 2 ** 30;
const wasm = { maxBindingBytes: 2 * GiB, budgetBytes: 2 * GiB };
/** What 'auto' picks for a 512² scan on WebAssembly: the small size, one level deeper for large slices. */
const small512: Run2DShape = {
  model: { inChannels: 1, numClasses: 2, width: 8, depth: 4 },
  patch: [256, 256],
  batchLabeled: 4,
  batchUnlabeled: 4,
  teacher: true,
  inferenceBatch: 8,
};

function slices(n: number, k: number, channels: 1 | 3 = 1): TrainingVolume {
  const rng = new Random(1);
  const count = n * n * k;
  const image = new Float32Array(count * channels).map(() => rng.normal());
  const labels = new Uint8Array(count);
  const labeled = new Uint8Array(count);
  for (let p = 0; p < n * n; p++) {
    labeled[p] = 1;
    labels[p] = p % n > n / 2 ? 1 : 0;
  }
  return { id: `v${n}`, dims: [n, n, k], spacing: [1, 1, 1], channels, image, labels, labeled };
}

describe('memory estimate of a 2D run', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it('counts the parameters the ResUNet really has', () => {
    for (const model of [small512.model, { inChannels: 3, numClasses: 4, width: 4, depth: 3 }]) {
      const p = createResUNet2D(model, new Random(0));
      expect(resUNet2DParamCount(model)).toBe(p.count());
      p.dispose();
    }
  });

  it('grows linearly with the pixels and the batch; a teacher and an unlabeled batch cost more', () => {
    const e = estimateRun2DMemory(small512);
    const quarter = estimateRun2DMemory({ ...small512, patch: [128, 128] });
    expect(e.stepBytes / quarter.stepBytes).toBeCloseTo(4, 5);
    const half = estimateRun2DMemory({ ...small512, batchLabeled: 2, batchUnlabeled: 2 });
    expect(e.stepBytes / half.stepBytes).toBeCloseTo(2, 5);
    // Supervised keeps one student forward: about half. The teacher's forward is freed before the student's, so
    // it adds only its outputs (and never more than the student's two forwards).
    expect(estimateRun2DMemory({ ...small512, teacher: false, batchUnlabeled: 0 }).totalBytes).toBeLessThan(0.55 * e.totalBytes);
    expect(estimateRun2DMemory({ ...small512, teacher: false }).stepBytes).toBeLessThan(e.stepBytes);
    expect(e.totalBytes).toBeGreaterThan(e.weightBytes + e.stepBytes);
  });

  it('finds the default 512² run far over the WebAssembly heap, and the largest one that fits: batch first, then patch', () => {
    const verdict = checkFit2D(small512, wasm);
    expect(verdict.fits).toBe(false);
    expect(verdict.reason).toMatch(/over the 2048 MiB available/);
    const fit = largestFitting2D(small512, wasm, { keepInferenceBatch: true })!;
    expect(checkFit2D(fit, wasm).fits).toBe(true);
    // The width is kept; 256² does not fit even at 1 + 1, so the patch halves and the batch comes back to 4 + 4.
    expect(fit.model.width).toBe(8);
    expect(fit.patch).toEqual([128, 128]);
    expect([fit.batchLabeled, fit.batchUnlabeled]).toEqual([4, 4]);
    expect(fit.inferenceBatch).toBe(8);
    // A roomy budget takes the run as asked; a few MiB fit nothing.
    expect(largestFitting2D(small512, { maxBindingBytes: 2 * GiB, budgetBytes: 64 * GiB })).toEqual(small512);
    expect(largestFitting2D(small512, { maxBindingBytes: 2 * GiB, budgetBytes: 2 ** 20 })).toBeNull();
    // A resumed model keeps its width even where a narrower one would be the only fit.
    const tight = { maxBindingBytes: 2 * GiB, budgetBytes: 100 * 2 ** 20 };
    expect(largestFitting2D(small512, tight)?.model.width).toBe(4);
    expect(largestFitting2D(small512, tight, { keepWidth: true })).toBeNull();
  });

  it('writes the fitted shape into the config, for 512² grey slices and 1000² RGB tiles alike', () => {
    const config = presetConfig('mean-teacher', { model: { kind: '2d', width: 8, depth: 4 }, batchLabeled: 4, batchUnlabeled: 4 });
    for (const v of [slices(512, 2), slices(1000, 1, 3)]) {
      const fit = fitRun2D(config, [v], 2, wasm, 'the WebAssembly heap', { keepWidth: false });
      expect(fit.event.requested.patch).toEqual([256, 256]);
      expect(fit.event.reason).toMatch(/MiB/);
      expect(fit.event.used).not.toBeNull();
      expect(fit.config.patch).toEqual(fit.event.used!.patch);
      expect(fit.config.batchLabeled).toBe(fit.event.used!.batchLabeled);
      expect(fit.event.estimateBytes).toBeLessThanOrEqual(fit.event.budgetBytes);
    }
  });

  // The estimate against what the WebAssembly engine really takes: its heap only grows, so after a step and a
  // prediction batch its size is the peak (plus the allocator's slack). Shapes in increasing size, one process.
  it('is within 25 % of the measured peak of the WebAssembly heap', async () => {
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
    const shapes: Run2DShape[] = [
      { model: { inChannels: 1, numClasses: 2, width: 4, depth: 2 }, patch: [64, 64], batchLabeled: 2, batchUnlabeled: 2, teacher: true, inferenceBatch: 2 },
      { model: { inChannels: 1, numClasses: 2, width: 8, depth: 3 }, patch: [96, 96], batchLabeled: 2, batchUnlabeled: 2, teacher: true, inferenceBatch: 2 },
    ];
    for (const s of shapes) {
      const cfg = presetConfig('mean-teacher', {
        seed: 1,
        model: { kind: '2d', width: s.model.width, depth: s.model.depth },
        patch: s.patch,
        batchLabeled: s.batchLabeled,
        batchUnlabeled: s.batchUnlabeled,
        validation: { fraction: 0, minLabeledSlices: 1e9 },
      });
      const t = new Trainer([slices(s.patch[0], 3)], 2, cfg);
      await t.trainStep();
      await t.predictSlices(0, [0, 1], 'predictor', s.inferenceBatch);
      const measured = heap();
      const estimate = estimateRun2DMemory(s).totalBytes;
      t.dispose();
      expect(estimate / measured, `${s.model.width}/${s.model.depth} at ${s.patch.join('×')}: estimate ${estimate}, heap ${measured}`).toBeGreaterThan(0.75);
      expect(estimate / measured).toBeLessThan(1.25);
    }
  }, 120_000);
});
