import { sameGeometry } from '../volume/geometry.ts';
import type { Volume } from '../volume/Volume.ts';
import { detectFormat } from './detectFormat.ts';
import { readMaskImage, readMaskImage2D } from './image2d/readMaskImage.ts';
import { readNiftiLabelValues } from './nifti/readNifti.ts';
import { fileError, sizeText } from './problems.ts';
import type { InputFile } from './types.ts';

export interface ImportedValues {
  values: Uint8Array;
  /** Messages that start with the label file's name. */
  warnings: string[];
}

/**
 * Class values of a label file (NIfTI label map or PNG mask) for `volume`. Sizes must match exactly or it
 * throws an Error naming the file and both sizes, ending with `consequence`; a voxel→world matrix that
 * differs by more than 0.001 mm is allowed, since labels are per voxel, but reported.
 */
export async function labelValuesFor(file: InputFile, volume: Volume, consequence: string): Promise<ImportedValues> {
  let bytes: Uint8Array;
  try {
    bytes = await file.read();
  } catch (e) {
    throw fileError(file.name, `cannot be read (${(e as Error).message})`);
  }
  if (bytes.length === 0) throw fileError(file.name, 'is empty (0 bytes)');
  const format = detectFormat(file.path, bytes);
  const dims = volume.geometry.dims;
  if (format === 'nifti') {
    const l = readNiftiLabelValues(bytes, file.name);
    if (l.dims.some((d, n) => d !== dims[n])) {
      throw fileError(file.name, `label size ${sizeText(l.dims)} does not match ${volume.name} (${sizeText(dims)}); ${consequence}`);
    }
    const warnings: string[] = [];
    if (!sameGeometry({ dims: l.dims, spacing: [1, 1, 1], ijkToLps: l.ijkToLps }, volume.geometry)) {
      warnings.push(`${file.name}: its voxel-to-world matrix differs from ${volume.name}'s by more than 0.001 mm; labels were placed voxel by voxel`);
    }
    return { values: l.values, warnings };
  }
  if (format === 'png' || format === 'tiff') {
    const m = format === 'png' ? readMaskImage(bytes, file.name) : await readMaskImage2D(bytes, file.name, format);
    if (dims[2] !== 1 || m.width !== dims[0] || m.height !== dims[1]) {
      throw fileError(file.name, `mask size ${m.width}×${m.height} does not match ${volume.name} (${sizeText(dims)}); ${consequence}`);
    }
    return { values: m.values, warnings: [] };
  }
  throw fileError(file.name, 'is not a label file — use a NIfTI label map (.nii, .nii.gz) or a PNG or TIFF mask');
}

/** A label file the user imports onto an open volume; throws (naming the file) when it does not fit. */
export function importLabelFile(file: InputFile, volume: Volume): Promise<ImportedValues> {
  return labelValuesFor(file, volume, 'nothing was imported');
}
