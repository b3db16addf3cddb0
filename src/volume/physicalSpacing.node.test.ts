import { describe, expect, it } from 'vitest';
import { hasPhysicalSpacing, lengthUnit } from './physicalSpacing.ts';

describe('physical spacing', () => {
  // A brush "in mm" on a slide scan would be a made-up unit: the user must see pixels there.
  it('has none for PNG, JPEG and TIFF images', () => {
    for (const mimeType of ['image/png', 'image/jpeg', 'image/tiff']) {
      expect(hasPhysicalSpacing({ source: { format: 'image', fileName: 'a', mimeType } })).toBe(false);
      expect(lengthUnit({ source: { format: 'image', fileName: 'a', mimeType } })).toBe('px');
    }
  });
  it('has it for scans and for synthetic volumes with their own spacing', () => {
    expect(lengthUnit({ source: { format: 'demo', seed: 1, index: 0, generator: 1 } })).toBe('mm');
    expect(lengthUnit({ source: { format: 'dicom', fileNames: [], seriesInstanceUID: '1' } })).toBe('mm');
    expect(lengthUnit({ source: { format: 'image', fileName: 'ct', mimeType: 'application/x-synthetic-ct' } })).toBe('mm');
  });
});
