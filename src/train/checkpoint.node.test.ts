import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { presetConfig } from './config.ts';

const arr = (name: string, shape: number[], start: number) => ({
  name,
  shape,
  values: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, n) => start + n / 8),
});

describe('checkpoint files', () => {
  const c: Checkpoint = {
    version: 1,
    config: presetConfig('mean-teacher'),
    classes: [
      { value: 1, name: 'Anterior' },
      { value: 2, name: 'Posterior' },
    ],
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
    expect(back).toEqual({ ...c, text: null, tak: null });
  });

  it("carries a 3D TAK run's network kind and prompt vectors, so resume and prediction see the same class texts", () => {
    const K = 3;
    const dim = 4;
    const tak: NonNullable<Checkpoint['tak']> = {
      dim,
      position: Float32Array.from({ length: K * dim }, (_, n) => n / 10),
      shape: Float32Array.from({ length: K * dim }, (_, n) => -n / 7),
      encoder: 'learned text transformer (seeded, not pre-trained)',
      provider: 'learned',
      texts: { position: ['bg here', 'a lies left', 'b lies right'], shape: ['bg shape', 'a is round', 'b is long'] },
    };
    const threeD = { ...c, config: presetConfig('tak', { patch3d: [16, 32, 32] }), tak };
    const back = decodeCheckpoint(encodeCheckpoint(threeD));
    expect(back.config.model.kind).toBe('3d');
    expect(back.config.patch3d).toEqual([16, 32, 32]);
    expect(back.tak).toEqual(tak);
    // The weights after the TAK vectors are untouched by them.
    expect(back.student).toEqual(c.student);
  });

  it("carries the text presets' vision–language model, tokenizer and decoder", () => {
    const text: NonNullable<Checkpoint['text']> = {
      model: {
        vit: { inChannels: 1, patchSize: 8, imageSize: [32, 32], dim: 16, depth: 1, heads: 1, mlpRatio: 4 },
        text: { vocabSize: 50, maxLength: 8, dim: 16, depth: 1, heads: 1, mlpRatio: 4 },
        embedDim: 16,
        initialTau: 0.07,
      },
      tokenizer: { format: 'pseudolab-wordpiece', version: 1, normalization: 1, maxWordChars: 64, vocab: ['[PAD]', '[CLS]', 'liver'] },
      pretrainSteps: 40,
      texts: { background: 'bg', classes: ['a', 'b'], descriptions: ['', 'x'] },
      image: [arr('patch.w', [64, 16], 7)],
      text: [arr('tok', [50, 16], 8)],
      shared: [arr('logTau', [1], 9)],
      decoder: [arr('head.w', [1, 1, 32, 16], 10)],
      vectors: null,
    };
    expect(decodeCheckpoint(encodeCheckpoint({ ...c, text })).text).toEqual(text);
    expect(decodeCheckpoint(encodeCheckpoint({ ...c, text: { ...text, decoder: null } })).text!.decoder).toBeNull();
    // A fixed provider's run keeps its vectors instead of a tokenizer.
    const fixed = {
      ...text,
      tokenizer: null,
      vectors: {
        provider: 'import' as const,
        name: 'bank.json',
        dim: 3,
        entries: [
          { text: 'a', vector: Float32Array.from([1, 0, 0]) },
          { text: 'b', vector: Float32Array.from([0, 0.6, 0.8]) },
        ],
      },
    };
    expect(decodeCheckpoint(encodeCheckpoint({ ...c, text: fixed })).text).toEqual(fixed);
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
