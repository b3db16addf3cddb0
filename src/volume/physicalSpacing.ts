import type { Volume } from './Volume.ts';

/**
 * Whether a volume's voxel size is a physical length. A photograph or slide opened as PNG, JPEG or TIFF has no
 * patient frame: io gives it 1 mm pixels only so the geometry stays uniform, and a "mm" shown for it would be
 * invented. Synthetic volumes reuse the 'image' source with their own non-image MIME type and real spacing.
 */
export function hasPhysicalSpacing(volume: Pick<Volume, 'source'>): boolean {
  const s = volume.source;
  return !(s.format === 'image' && s.mimeType.startsWith('image/'));
}

/** The unit lengths are shown in: millimetres, or pixels where there is no physical spacing (1 px = 1 world unit). */
export function lengthUnit(volume: Pick<Volume, 'source'>): 'mm' | 'px' {
  return hasPhysicalSpacing(volume) ? 'mm' : 'px';
}
