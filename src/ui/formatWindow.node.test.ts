import { describe, expect, it } from 'vitest';
import { formatWindowLevel, windowWidthLevel } from './formatWindow.ts';

describe('window as width and level', () => {
  // Radiologists set and read windows as width/level (W 400 L 40 for soft tissue), not as a range.
  it('turns a range into width and centre', () => {
    expect(windowWidthLevel([-160, 240])).toEqual({ width: 400, level: 40 });
    expect(windowWidthLevel([-1225, 4762])).toEqual({ width: 5987, level: 1768.5 });
  });
  it('writes whole numbers for scan windows and keeps digits for narrow float windows', () => {
    expect(formatWindowLevel([-160, 240])).toBe('W 400 L 40');
    expect(formatWindowLevel([-1225, 4762])).toBe('W 5987 L 1769');
    expect(formatWindowLevel([0, 1])).toBe('W 1 L 0.5');
    expect(formatWindowLevel([0.1, 0.35])).toBe('W 0.25 L 0.225');
  });
});
