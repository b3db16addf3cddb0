import type { DicomFileInfo } from './parseDicomFile.ts';

/** Orientations equal to three decimals are one plane: scanners write the same cosines with differing noise. */
function orientationKey(i: DicomFileInfo): string {
  return i.orientation ? i.orientation.map((v) => v.toFixed(3)).join(',') : 'none';
}

/**
 * A series' files split by ImageOrientationPatient, the largest group first (ties keep the order first seen).
 * A three-plane localizer is one series with axial, coronal and sagittal slices: stacking them as one volume
 * is meaningless, and keeping only the majority plane hid the others, so each plane becomes its own volume.
 */
export function splitByOrientation(files: DicomFileInfo[]): DicomFileInfo[][] {
  const groups = new Map<string, DicomFileInfo[]>();
  for (const f of files) {
    const key = orientationKey(f);
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  // Array.prototype.sort is stable, so equal-sized planes stay in the order their first file came.
  return [...groups.values()].sort((a, b) => b.length - a.length);
}
