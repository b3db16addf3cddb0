import { describe, expect, it } from 'vitest';
import { presetConfig } from '../config.ts';
import { StepRates } from './stepRates.ts';

describe('StepRates', () => {
  it('counts unlabeled slices only where the method learns from them, and epochs over the labeled slices', () => {
    let now = 0;
    const rates = new StepRates(() => now);
    const cfg = presetConfig('mean-teacher', { batchLabeled: 2, batchUnlabeled: 3 });
    now = 2000;
    expect(rates.count(1, cfg, 4)).toEqual({ epoch: 0.5, slicesPerSecond: 2.5, stepsPerSecond: 0.5, elapsedMs: 2000 });
    const supervised = presetConfig('supervised', { batchLabeled: 2, batchUnlabeled: 3 });
    now = 4000;
    expect(rates.count(2, supervised, 4)).toMatchObject({ epoch: 1, slicesPerSecond: 7 / 4, stepsPerSecond: 0.5 });
  });

  // Stage 1 of the text presets can take minutes: its time must not make segmentation look slow.
  it('restart() leaves out what came before', () => {
    let now = 0;
    const rates = new StepRates(() => now);
    const cfg = presetConfig('mean-teacher', { batchLabeled: 1, batchUnlabeled: 1 });
    now = 60_000;
    rates.restart();
    now = 61_000;
    expect(rates.count(1, cfg, 1)).toMatchObject({ slicesPerSecond: 2, stepsPerSecond: 1, elapsedMs: 1000 });
  });
});
