import { createLabelMap, markAllSlices, SliceProvenance } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import type { ArrivedLabels } from './types.ts';

/**
 * Labels that came with an image as a whole file: every slice of every axis counts as labeled (imported), so
 * training treats the file's zeros as background rather than as "not yet labeled".
 */
export function importedLabels(volume: Volume, values: Uint8Array, fileName: string): ArrivedLabels {
  const labels = createLabelMap(volume.geometry.dims, values);
  markAllSlices(labels, SliceProvenance.Imported);
  return { volumeId: volume.id, fileName, labels };
}
