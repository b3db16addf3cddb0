import { gunzipPrefix, isGzip } from './gzip.ts';

export type FileFormat = 'nifti' | 'nifti-pair' | 'dicom' | 'png' | 'jpeg' | 'tiff' | 'msd-json' | 'gzip-other' | 'zip' | 'unknown' | 'ignored';

/** The last path segment. Paths in io always use '/', whatever the platform. */
export function fileNameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The folder part of a path, '' at the root. */
export function folderOf(path: string): string {
  const n = path.lastIndexOf('/');
  return n < 0 ? '' : path.slice(0, n);
}

/**
 * Files a folder drop brings along that are not images: hidden files and macOS resource forks (`._x.nii.gz`,
 * which the MSD archives are full of), Windows thumbnails, and DICOMDIR (an index of the files that are here
 * anyway). Skipped without a word.
 */
export function isIgnoredFile(path: string): boolean {
  const name = fileNameOf(path);
  return name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini' || name.toUpperCase() === 'DICOMDIR';
}

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  if (bytes.length < at + signature.length) return false;
  return signature.every((b, n) => bytes[at + n] === b);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SOI = [0xff, 0xd8, 0xff];
// Byte order then 42 (classic TIFF) or 43 (BigTIFF, which whole-slide scanners write).
const TIFF_SIGNATURES = [
  [0x49, 0x49, 0x2a, 0x00],
  [0x4d, 0x4d, 0x00, 0x2a],
  [0x49, 0x49, 0x2b, 0x00],
  [0x4d, 0x4d, 0x00, 0x2b],
] as const;
const DICM = [0x44, 0x49, 0x43, 0x4d];
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const NIFTI1_SINGLE = [0x6e, 0x2b, 0x31, 0x00]; // "n+1\0" at 344
const NIFTI1_PAIR = [0x6e, 0x69, 0x31, 0x00]; // "ni1\0" at 344: header of a .hdr/.img pair
const NIFTI2_SINGLE = [0x6e, 0x2b, 0x32, 0x00]; // "n+2\0" at 4
const NIFTI2_PAIR = [0x6e, 0x69, 0x32, 0x00]; // "ni2\0" at 4

function niftiKind(bytes: Uint8Array): 'nifti' | 'nifti-pair' | null {
  if (startsWith(bytes, NIFTI1_SINGLE, 344) || startsWith(bytes, NIFTI2_SINGLE, 4)) return 'nifti';
  if (startsWith(bytes, NIFTI1_PAIR, 344) || startsWith(bytes, NIFTI2_PAIR, 4)) return 'nifti-pair';
  return null;
}

/** Group 0002 (file meta) or 0008 (identification) little-endian at byte 0: a DICOM file written without its preamble. */
export function looksLikeBareDicom(bytes: Uint8Array): boolean {
  if (bytes.length < 12 || bytes[1] !== 0x00 || (bytes[0] !== 0x02 && bytes[0] !== 0x08)) return false;
  const vr = String.fromCharCode(bytes[4]!, bytes[5]!);
  if (/^[A-Z]{2}$/.test(vr)) return true;
  // Implicit VR: a 32-bit length that fits in the file after an element number of group 0008's first few.
  const length = bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24);
  return bytes[0] === 0x08 && bytes[3] === 0x00 && length >= 0 && length < 256 && 8 + length <= bytes.length;
}

/** Enough decompressed bytes to see a NIfTI-1 magic at 344 and a DICOM preamble's 'DICM' at 128. */
const PEEK_BYTES = 352;

/**
 * Decides a file's format from its content first (names lie: DICOM files often have no extension, and a
 * renamed .nii.gz is still gzip) and its name second. Gzip is looked into, decompressing only its beginning.
 */
export function detectFormat(path: string, bytes: Uint8Array): FileFormat {
  if (isIgnoredFile(path)) return 'ignored';
  const lower = fileNameOf(path).toLowerCase();
  if (lower === 'dataset.json') return 'msd-json';
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, JPEG_SOI)) return 'jpeg';
  // DICOM first: its 128-byte preamble is free-form and may itself begin like a TIFF (dual-personality files).
  if (startsWith(bytes, DICM, 128)) return 'dicom';
  if (TIFF_SIGNATURES.some((sig) => startsWith(bytes, sig))) return 'tiff';
  const nifti = niftiKind(bytes);
  if (nifti) return nifti;
  if (startsWith(bytes, ZIP)) return 'zip';
  if (isGzip(bytes)) {
    let inner: Uint8Array;
    try {
      inner = gunzipPrefix(bytes, PEEK_BYTES);
    } catch {
      // Too damaged to look inside: let the reader the name suggests explain what is wrong.
      return lower.endsWith('.nii.gz') ? 'nifti' : 'gzip-other';
    }
    const kind = niftiKind(inner);
    if (kind) return kind;
    // A short stream cut before the magic: the name is the best evidence left.
    if (inner.length < PEEK_BYTES && lower.endsWith('.nii.gz')) return 'nifti';
    return 'gzip-other';
  }
  if (looksLikeBareDicom(bytes)) return 'dicom';
  // Without a magic number, the extension decides which reader explains the problem.
  if (lower.endsWith('.nii')) return 'nifti';
  if (lower.endsWith('.hdr') || lower.endsWith('.img')) return 'nifti-pair';
  if (lower.endsWith('.dcm') || lower.endsWith('.dicom') || lower.endsWith('.ima')) return 'dicom';
  if (lower.endsWith('.tif') || lower.endsWith('.tiff')) return 'tiff';
  return 'unknown';
}
