import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { presetConfig } from './config.ts';

const arr = (name: string, shape: number[], start: number) => ({ name, shape, values: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, n) => start + n / 8) });

describe('checkpoint files', () => {
  const c: Checkpoint = {
    version: 1,
    config: presetConfig('mean-teacher'),
    classes: [{ value: 1, name: 'Anterior' }, { value: 2, name: 'Posterior' }],
    numClasses: 3,
    inChannels: 1,
    step: 120,
    savedAt: 1234,
    student: [arr('stem.w', [3, 3, 1, 4], 0), arr('head.b', [1, 1, 1, 3], 5)],
    teacher: [arr('stem.w', [3, 3, 1, 4], 1), arr('head.b', [1, 1, 1, 3], 6)],
    optimiser: { step: 120, m: [arr('stem.w', [3, 3, 1, 4], 2)], v: [arr('stem.w', [3, 3, 1, 4], 3)] },
  };

  it('round-trips every field and weight exactly', () => {
    const back = decodeCheckpoint(encodeCheckpoint(c));
    expect(back).toEqual(c);
  });

  it('refuses files that are not checkpoints or are cut short, with words', () => {
    const bytes = encodeCheckpoint(c);
    expect(() => decodeCheckpoint(new TextEncoder().encode('hello world'))).toThrow(/not a Pseudolab model file/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 20))).toThrow(/truncated/);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4))).toThrow(/weights are missing/);
  });

  it('keeps supervised runs without teacher or optimiser', () => {
    const back = decodeCheckpoint(encodeCheckpoint({ ...c, teacher: null, optimiser: null }));
    expect(back.teacher).toBeNull();
    expect(back.optimiser).toBeNull();
  });
});
