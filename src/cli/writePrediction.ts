import { encode as encodePng } from 'fast-png';
import { writeNiftiLabels } from '../io/nifti/writeNiftiLabels.ts';
import type { Volume } from '../volume/Volume.ts';
import { caseId } from './dataset.ts';

/**
 * Grey values of a predicted 2D mask. A model of one class writes black/white (0/255): that is what MoNuSeg's
 * tools, image viewers and most segmentation scripts expect of a binary mask, and pseudolab reads 0/255 back as
 * that one class. A model of several classes writes its class values (0, 1, 2, …), as trained.
 */
export function maskGreyValues(labels: Uint8Array, classValues: readonly number[]): Uint8Array {
  if (classValues.length !== 1) return labels;
  return labels.map((v) => (v === 0 ? 0 : 255));
}

/**
 * The file a prediction of `imageName` is written as, and its bytes: a NIfTI label map with the image's
 * geometry for a NIfTI image (`.nii.gz`), an 8-bit grey PNG mask of the image's size for a PNG, JPEG or TIFF
 * (`<name>.png`: lossless, one value per pixel, read by every tool — unlike JPEG, and unlike TIFF in browsers).
 */
export function encodePrediction(imageName: string, volume: Volume, labels: Uint8Array, classValues: readonly number[]): { name: string; bytes: Uint8Array } {
  if (volume.source.format !== 'image') {
    return { name: imageName.endsWith('.gz') ? imageName : `${imageName}.gz`, bytes: writeNiftiLabels(labels, volume) };
  }
  const [width, height] = volume.geometry.dims;
  const bytes = encodePng({ width, height, data: maskGreyValues(labels, classValues), depth: 8, channels: 1 });
  return { name: `${caseId(imageName)}.png`, bytes };
}
