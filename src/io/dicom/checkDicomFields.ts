import type dicomParser from 'dicom-parser';

type DataSet = dicomParser.DataSet;

/**
 * Field checks for one DICOM file, before any pixel buffer is allocated. Values that only shape the display
 * (spacing, thickness, orientation) are dropped with a note when they cannot be true, so the series still opens
 * with a stated assumption; values that decide how many bytes are read (frames, bits, pixel data length) are
 * errors, because a wrong one turns pixels into sheared garbage or asks for gigabytes.
 */

/** A value a pixel may not exceed, in mm: no scanner images with metre-sized pixels; 1e308 is damage. */
const MAX_SPACING_MM = 1000;
/** Frames one file may hold: beyond this a count is damage (1e9 frames ran out of memory before this check). */
export const MAX_FRAMES = 100_000;

/** The numbers of a DS/IS element as written ("0.5\0.5"); NaN where a value is not a number. */
export function rawNumbers(ds: DataSet | undefined, tag: string): number[] | null {
  const text = ds?.string(tag);
  if (text === undefined || text.trim() === '') return null;
  return text.split('\\').map((v) => (v.trim() === '' ? NaN : Number(v.trim())));
}

const shown = (values: number[]): string => values.map((v) => String(v)).join('\\');

export interface SpacingCheck {
  spacing: [number, number] | null;
  note?: string;
}

/** PixelSpacing (0028,0030): two positive finite millimetre values; one value is taken for both (as dcm2niix does). */
export function checkPixelSpacing(values: number[] | null): SpacingCheck {
  if (!values) return { spacing: null };
  const ok = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0 && v <= MAX_SPACING_MM;
  if (values.length === 1 && ok(values[0])) {
    return { spacing: [values[0], values[0]], note: `its PixelSpacing (0028,0030) holds one value (${values[0]}); it was used for rows and columns alike` };
  }
  if (values.length >= 2 && ok(values[0]) && ok(values[1])) return { spacing: [values[0], values[1]] };
  return {
    spacing: null,
    note: `its PixelSpacing (0028,0030) is ${shown(values)}, which is not a pixel size (two positive millimetre values up to ${MAX_SPACING_MM}); 1 mm pixels were assumed`,
  };
}

/** SliceThickness / SpacingBetweenSlices: a positive finite mm value, or nothing (with a note when it was written). */
export function checkSliceMeasure(values: number[] | null, field: string): { value: number | null; note?: string } {
  if (!values) return { value: null };
  const v = values[0]!;
  if (values.length === 1 && Number.isFinite(v) && v > 0 && v <= MAX_SPACING_MM) return { value: v };
  return { value: null, note: `its ${field} is ${shown(values)}, which is not a distance in mm; it was ignored` };
}

export type Orientation = [number, number, number, number, number, number];

/**
 * ImageOrientationPatient (0020,0037): two unit-length, perpendicular direction cosines. A zero, parallel or
 * non-finite pair cannot place the image; it is dropped with a note (the image is shown as axial).
 */
export function checkOrientation(values: number[] | null): { orientation: Orientation | null; note?: string } {
  if (!values) return { orientation: null };
  const bad = (why: string): { orientation: null; note: string } => ({
    orientation: null,
    note: `its ImageOrientationPatient (0020,0037) is ${shown(values)}: ${why}; it was ignored and the image is shown as axial`,
  });
  if (values.length < 6 || values.slice(0, 6).some((v) => !Number.isFinite(v))) return bad('it needs six finite numbers');
  const [a, b, c, d, e, f] = values as Orientation;
  const r = Math.hypot(a, b, c);
  const s = Math.hypot(d, e, f);
  if (r < 0.5 || r > 1.5 || s < 0.5 || s > 1.5) return bad('its row and column directions are not unit vectors');
  if (Math.abs((a * d + b * e + c * f) / (r * s)) > 0.01) return bad('its row and column directions are not perpendicular');
  return { orientation: [a, b, c, d, e, f] };
}

/** NumberOfFrames (0028,0008): a whole number from 1 to MAX_FRAMES; absent means 1. Throws the sentence otherwise. */
export function checkNumberOfFrames(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return 1;
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < 1 || n > MAX_FRAMES) {
    throw new Error(`its NumberOfFrames (0028,0008) is "${text.trim()}", not a whole number from 1 to ${MAX_FRAMES}`);
  }
  return n;
}

export interface PixelLayout {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  photometricInterpretation: string;
  numberOfFrames: number;
}

/** Bytes one native (uncompressed) frame takes: YBR_FULL_422 stores two samples per pixel, not three. */
export function nativeFrameBytes(p: PixelLayout): number {
  const samples = p.photometricInterpretation === 'YBR_FULL_422' ? 2 : p.samplesPerPixel;
  return Math.ceil((p.rows * p.columns * samples * p.bitsAllocated) / 8);
}

/** Throws a sentence naming the field when the pixel description cannot be true. */
export function checkPixelLayout(p: PixelLayout): void {
  if (p.samplesPerPixel !== 1 && p.samplesPerPixel !== 3) {
    throw new Error(`its SamplesPerPixel (0028,0002) is ${p.samplesPerPixel}; images have 1 (grey) or 3 (colour)`);
  }
  if (![1, 8, 16, 32].includes(p.bitsAllocated)) {
    throw new Error(`its BitsAllocated (0028,0100) is ${p.bitsAllocated}; pixel data is stored in 1, 8, 16 or 32 bits`);
  }
  if (p.bitsStored < 1 || p.bitsStored > p.bitsAllocated) {
    throw new Error(`its BitsStored (0028,0101) is ${p.bitsStored}, which does not fit its BitsAllocated (0028,0100) of ${p.bitsAllocated}`);
  }
}

/**
 * Native pixel data must hold exactly Rows × Columns × samples × BitsAllocated/8 × NumberOfFrames bytes (plus one
 * pad byte to make it even). Too short is a truncated file; any other length means one of those fields is wrong —
 * swapped Rows/Columns or BitsAllocated 8 on 16-bit data read as sheared garbage. Throws the sentence.
 */
export function checkNativePixelLength(p: PixelLayout, length: number, present: number): void {
  const frame = nativeFrameBytes(p);
  const needed = frame * p.numberOfFrames;
  const formula = `Rows × Columns × ${p.photometricInterpretation === 'YBR_FULL_422' ? '2 (YBR_FULL_422)' : 'SamplesPerPixel'} × BitsAllocated/8 × NumberOfFrames = ${p.rows} × ${p.columns} × ${p.photometricInterpretation === 'YBR_FULL_422' ? 2 : p.samplesPerPixel} × ${p.bitsAllocated}/8 × ${p.numberOfFrames} = ${needed} bytes`;
  if (present < Math.min(length, needed)) {
    throw new Error(
      `file is truncated — its PixelData (7FE0,0010) should hold ${needed} bytes (${p.numberOfFrames} frame${p.numberOfFrames > 1 ? 's' : ''} of ${p.columns}×${p.rows}), only ${present} are present`,
    );
  }
  if (length === needed || length === needed + 1) return;
  if (length < needed)
    throw new Error(`its PixelData (7FE0,0010) holds ${length} bytes, fewer than ${formula}; the file is truncated or one of those fields is wrong`);
  throw new Error(`its PixelData (7FE0,0010) holds ${length} bytes, but ${formula}; one of those fields is wrong, so its pixels cannot be placed`);
}
