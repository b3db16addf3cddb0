import { describe, expect, it } from 'vitest';
import { validationFingerprint } from './validationFingerprint.ts';

function volume(labels: number[], labeled: number[]) {
  // 2 × 2 slices, 3 of them.
  return { dims: [2, 2, 3] as [number, number, number], labels: Uint8Array.from(labels), labeled: Uint8Array.from(labeled) };
}

describe('validationFingerprint', () => {
  const labels = [0, 1, 1, 0, /* k=1 */ 2, 2, 0, 0, /* k=2 */ 1, 0, 0, 0];
  const labeled = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0];
  const base = validationFingerprint([volume(labels, labeled)], [{ volume: 0, k: 1 }]);

  it('changes when a held-out slice is relabeled, and only then', () => {
    expect(base).toMatch(/^[0-9a-f]{8}$/);
    const edited = [...labels];
    edited[5] = 1;
    expect(validationFingerprint([volume(edited, labeled)], [{ volume: 0, k: 1 }])).not.toBe(base);
    // An edit on a slice that is not held out leaves it as it was.
    const elsewhere = [...labels];
    elsewhere[1] = 2;
    expect(validationFingerprint([volume(elsewhere, labeled)], [{ volume: 0, k: 1 }])).toBe(base);
  });

  it('tells a cleared label from background, and depends on which slices are held out', () => {
    const unlabeled = [...labeled];
    unlabeled[6] = 0;
    expect(validationFingerprint([volume(labels, unlabeled)], [{ volume: 0, k: 1 }])).not.toBe(base);
    expect(validationFingerprint([volume(labels, labeled)], [{ volume: 0, k: 0 }])).not.toBe(base);
  });
});
