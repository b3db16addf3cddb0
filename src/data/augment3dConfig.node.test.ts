import { describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENT } from './augment2d.ts';
import { augment3D, augment3DConfig, DEFAULT_AUGMENT_3D, type Patch3D } from './augment3d.ts';
import { Random } from './random.ts';

function patch(): Patch3D {
  const size: [number, number, number] = [4, 6, 6];
  const n = size[0] * size[1] * size[2];
  return {
    size,
    channels: 1,
    image: Float32Array.from({ length: n }, (_, i) => Math.sin(i)),
    labels: Uint8Array.from({ length: n }, (_, i) => i % 3),
    mask: new Uint8Array(n).fill(1),
    inside: new Uint8Array(n).fill(1),
  };
}

describe('3D augmentation follows the run config (augment.*)', () => {
  it('the default settings give the 3D defaults exactly', () => {
    expect(augment3DConfig(DEFAULT_AUGMENT)).toEqual(DEFAULT_AUGMENT_3D);
  });

  it('each setting reaches its 3D counterpart', () => {
    const c = augment3DConfig({ ...DEFAULT_AUGMENT, flipProb: 0.2, affineProb: 0.7, gain: 0.3, bias: 0.4, noiseProb: 0.9, noiseSd: 0.01 });
    expect(c).toMatchObject({ flipProb: [0.2, 0.2, 0.2], rot90Prob: 0.7, gain: 0.3, bias: 0.4, noiseProb: 0.9, noiseSd: 0.01 });
  });

  it('switched off, a patch comes back unchanged but for gamma, which has no 2D setting', () => {
    const off = { ...augment3DConfig({ ...DEFAULT_AUGMENT, flipProb: 0, affineProb: 0, gain: 0, bias: 0, noiseProb: 0 }), gammaProb: 0 };
    const p = patch();
    for (let seed = 0; seed < 5; seed++) {
      const a = augment3D(p, off, [1, 1, 1], new Random(seed));
      expect(Array.from(a.labels)).toEqual(Array.from(p.labels));
      expect(Array.from(a.image)).toEqual(Array.from(p.image));
    }
    // And with the defaults, some of these draws do change it.
    const changed = [0, 1, 2, 3, 4].some((seed) => augment3D(p, DEFAULT_AUGMENT_3D, [1, 1, 1], new Random(seed)).labels.some((l, i) => l !== p.labels[i]));
    expect(changed).toBe(true);
  });
});
