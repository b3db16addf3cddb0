import { describe, expect, it } from 'vitest';
import { vNet3DActivationFloats, vNet3DParamCount } from '../model/vnet3d.ts';
import { checkFit, estimateRun3DMemory, largestFitting, type Run3DShape } from './memoryEstimate.ts';

const run: Run3DShape = {
  model: { inChannels: 1, numClasses: 3, width: 16, depth: 3 },
  patch: [64, 64, 64],
  batchLabeled: 2,
  batchUnlabeled: 2,
  teacher: true,
};

describe('GPU memory estimate of a 3D run', () => {
  it('counts five copies of the weights with a teacher, and kept activations twice per student batch', () => {
    const e = estimateRun3DMemory(run);
    expect(e.weightBytes).toBe(4 * 5 * vNet3DParamCount(run.model));
    expect(e.activationBytes).toBe(4 * 2 * 2 * vNet3DActivationFloats(run.model, run.patch, 2));
    expect(e.largestTensorBytes).toBe(4 * 2 * 64 ** 3 * 32);
    expect(e.totalBytes).toBeGreaterThan(e.weightBytes + e.activationBytes);
    // Without a teacher or unlabeled batch (supervised) it is smaller.
    expect(estimateRun3DMemory({ ...run, teacher: false, batchUnlabeled: 0 }).totalBytes).toBeLessThan(e.totalBytes / 1.8);
  });

  it('grows with the patch volume, about linearly', () => {
    const small = estimateRun3DMemory({ ...run, patch: [32, 32, 32] }).activationBytes;
    const big = estimateRun3DMemory(run).activationBytes;
    expect(big / small).toBeGreaterThan(7);
    expect(big / small).toBeLessThan(8.5);
  });

  it('says why a configuration does not fit, and offers the largest that does', () => {
    const tight = { maxBindingBytes: 128 * 2 ** 20, budgetBytes: 512 * 2 ** 20 };
    const verdict = checkFit(run, tight);
    expect(verdict.fits).toBe(false);
    expect(verdict.reason).toMatch(/MiB/);
    const offer = largestFitting(run, tight)!;
    expect(offer).not.toBeNull();
    expect(checkFit(offer, tight).fits).toBe(true);
    // Batch goes first, then the patch; the width is kept when a smaller patch suffices.
    expect(offer.batchLabeled).toBe(1);
    expect(offer.model.width).toBe(16);
    expect(offer.patch.every((s) => s % 8 === 0)).toBe(true);
    // A roomy GPU takes the configuration as it is.
    expect(largestFitting(run, { maxBindingBytes: 2 ** 31, budgetBytes: 2 ** 36 })).toEqual(run);
    // Nothing fits in a few MiB.
    expect(largestFitting(run, { maxBindingBytes: 2 ** 20, budgetBytes: 2 ** 21 })).toBeNull();
  });
});
