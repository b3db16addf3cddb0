import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, presetConfig } from '../config.ts';
import { consistencyRampLength, emaAlphaAt } from './schedules.ts';

describe('consistency ramp length', () => {
  it('is rampUpSteps by default, whatever the run length', () => {
    expect(consistencyRampLength(presetConfig('mean-teacher', { optimiser: { totalSteps: 1500 } }))).toBe(DEFAULT_CONFIG.consistency.rampUpSteps);
  });
  it('is the given share of a run of known length', () => {
    expect(consistencyRampLength(presetConfig('mean-teacher', { optimiser: { totalSteps: 1500 }, consistency: { rampUpFraction: 0.4 } }))).toBe(600);
    expect(consistencyRampLength(presetConfig('mean-teacher', { optimiser: { totalSteps: 300 }, consistency: { rampUpFraction: 1 } }))).toBe(300);
  });
  it('falls back to rampUpSteps when the run is open-ended', () => {
    expect(consistencyRampLength(presetConfig('mean-teacher', { optimiser: { totalSteps: 0 }, consistency: { rampUpFraction: 0.4, rampUpSteps: 77 } }))).toBe(
      77,
    );
  });
});

describe('EMA α schedule', () => {
  it('is α at every step by default', () => {
    for (const s of [0, 10, 1000]) expect(emaAlphaAt(s, DEFAULT_CONFIG.ema)).toBe(0.99);
  });
  it('rises linearly from alphaStart to α over alphaRampSteps, then stays', () => {
    const ema = { ...DEFAULT_CONFIG.ema, alphaStart: 0.95, alphaRampSteps: 100 };
    expect(emaAlphaAt(0, ema)).toBeCloseTo(0.95, 12);
    expect(emaAlphaAt(50, ema)).toBeCloseTo(0.97, 12);
    expect(emaAlphaAt(100, ema)).toBeCloseTo(0.99, 12);
    expect(emaAlphaAt(5000, ema)).toBeCloseTo(0.99, 12);
  });
});
