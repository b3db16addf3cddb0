import { describe, expect, it } from 'vitest';
import { sliceAtBarPoint, sliceBarOffset } from './sliceBar.ts';

describe('slice bar', () => {
  it('a click on a tick goes to that tick’s slice, for every slice of short and long stacks', () => {
    for (const count of [2, 22, 35, 300]) {
      const height = 634;
      for (let index = 0; index < count; index++) {
        const fromBottom = Number.parseFloat(sliceBarOffset(index, count)) / 100;
        expect(sliceAtBarPoint((1 - fromBottom) * height, height, count)).toBe(index);
      }
    }
  });

  it('puts slice 1 at the bottom and the last slice at the top, clamping outside the bar', () => {
    expect(sliceAtBarPoint(500, 500, 22)).toBe(0);
    expect(sliceAtBarPoint(0, 500, 22)).toBe(21);
    expect(sliceAtBarPoint(-40, 500, 22)).toBe(21);
    expect(sliceAtBarPoint(560, 500, 22)).toBe(0);
    expect(sliceBarOffset(0, 4)).toBe('12.5%');
    expect(sliceBarOffset(3, 4)).toBe('87.5%');
  });
});
