import { describe, expect, it } from 'vitest';
import { describeSidecar, parseSidecar } from './sidecar.ts';

const good = {
  dimensions: 3,
  patch: [64, 128, 128],
  spacing: [0.8, 0.8, 2.5],
  classes: [{ value: 1, name: 'liver' }, { value: 2 }],
  normalisation: { kind: 'zscore', mean: 90, std: 40, clip: [-200, 300] },
};
const parse = (o: unknown) => parseSidecar(JSON.stringify(o), 'liver.json');

describe('the ONNX sidecar', () => {
  it('reads a complete nnU-Net-like sidecar, with defaults for what it leaves out', () => {
    const s = parse(good);
    expect(s).toEqual({
      dimensions: 3,
      patch: [64, 128, 128],
      spacing: [0.8, 0.8, 2.5],
      channels: 1,
      normalisation: { kind: 'zscore', mean: 90, std: 40, clip: [-200, 300] },
      classes: [
        { value: 1, name: 'liver' },
        { value: 2, name: 'class 2' },
      ],
      output: 'logits',
      overlap: 0.5,
      inputName: null,
    });
    expect(describeSidecar(s)).toBe('3D model, windows 64×128×128 at 0.8×0.8×2.5 mm, 2 classes (liver, class 2)');
  });

  it.each([
    ['not JSON', '{', /is not JSON/],
    ['no dimensions', { ...good, dimensions: 4 }, /"dimensions" must be 2/],
    ['a 2D patch for a 3D model', { ...good, patch: [128, 128] }, /"patch" must be 3 positive/],
    ['a negative spacing', { ...good, spacing: [1, -1, 1] }, /"spacing" must be/],
    ['no classes', { ...good, classes: [] }, /at least one foreground class/],
    ['a class value twice', { ...good, classes: [{ value: 1 }, { value: 1 }] }, /classes\[1\]\.value 1 appears twice/],
    ['class 0', { ...good, classes: [{ value: 0 }] }, /classes\[0\]\.value must be a whole number 1–255/],
    ['a zero std', { ...good, normalisation: { kind: 'zscore', mean: 0, std: 0 } }, /positive "std"/],
    ['an upside-down clip', { ...good, normalisation: { kind: 'zscore', mean: 0, std: 1, clip: [5, 1] } }, /clip/],
    ['an unknown normalisation', { ...good, normalisation: { kind: 'minmax' } }, /"normalisation.kind" must be/],
    ['overlap 1', { ...good, overlap: 1 }, /"overlap"/],
    ['4 channels', { ...good, channels: 4 }, /"channels" must be 1/],
  ])('refuses %s and names the field', (_what, input, message) => {
    expect(() => parseSidecar(typeof input === 'string' ? input : JSON.stringify(input), 'liver.json')).toThrow(message);
    expect(() => parseSidecar(typeof input === 'string' ? input : JSON.stringify(input), 'liver.json')).toThrow(/^liver\.json: .*docs\/onnx-models\.md/);
  });
});
