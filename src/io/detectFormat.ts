import { gunzip, isGzip } from './gzip.ts';

export type FileFormat = 'nifti' | 'dicom' | 'png' | 'jpeg' | 'msd-json' | 'json' | 'unknown' | 'ignored';

/** OS litter a folder drop brings along; skipped without a word. */
export function isIgnoredFile(path: string): boolean {
  const name = path.split('/').pop() ?? path;
  return name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini' || name.startsWith('._');
}

function startsWith(bytes: Uint8Array, sig: number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  return sig.every((b, n) => bytes[at + n] === b);
}

function niftiMagic(bytes: Uint8Array): boolean {
  // NIfTI-1: "n+1\0" (single file) or "ni1\0" at 344; NIfTI-2: "n+2\0" at 4.
  return (
    startsWith(bytes, [0x6e, 0x2b, 0x31, 0x00], 344) ||
    startsWith(bytes, [0x6e, 0x69, 0x31, 0x00], 344) ||
    startsWith(bytes, [0x6e, 0x2b, 0x32, 0x00], 4)
  );
}

/**
 * Decides a file's format from its content first (names lie: DICOM files often have no extension) and its
 * name second. Gzip is opened to see what it holds, but only its beginning is needed.
 */
export function detectFormat(path: string, bytes: Uint8Array): FileFormat {
  if (isIgnoredFile(path)) return 'ignored';
  const lower = path.toLowerCase();
  const name = lower.split('/').pop() ?? lower;
  if (name === 'dataset.json') return 'msd-json';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x44, 0x49, 0x43, 0x4d], 128)) return 'dicom';
  if (niftiMagic(bytes)) return 'nifti';
  if (isGzip(bytes)) {
    // A .nii.gz that fails to decompress is still reported as NIfTI, so the user hears what is wrong with it.
    if (lower.endsWith('.nii.gz')) return 'nifti';
    try {
      return niftiMagic(gunzip(bytes)) ? 'nifti' : 'unknown';
    } catch {
      return 'unknown';
    }
  }
  if (lower.endsWith('.nii')) return 'nifti';
  if (lower.endsWith('.dcm')) return 'dicom';
  if (name.endsWith('.json')) return 'json';
  return 'unknown';
}
