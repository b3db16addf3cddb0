import dcmjs, { type NaturalDataset } from 'dcmjs';
import type { Vec3 } from '../../volume/geometry.ts';
import { unpackBinaryFrame } from './binaryFrames.ts';
import { dicomLabToRgb } from './segColor.ts';
import { EXPLICIT_VR_LITTLE_ENDIAN, SEGMENTATION_SOP_CLASS } from './segConstants.ts';

export interface SegSegment {
  number: number;
  label: string;
  algorithmType: string;
  /** sRGB from the recommended CIELab value; null when the SEG recommends none. */
  color: [number, number, number] | null;
}

export interface SegFrame {
  segmentNumber: number;
  position: Vec3 | null;
  /** Row and column cosines for this frame. */
  orientation: number[] | null;
  sourceSopInstanceUID: string | null;
  sourceFrameNumber: number | null;
  /** One byte per pixel, 1 inside the segment. */
  pixels: Uint8Array;
}

export interface DicomSegContent {
  sopInstanceUID: string;
  seriesDescription: string;
  studyInstanceUID: string | null;
  /** The series the SEG segments: its Referenced Series, else the series of its frames' source images is unknown here. */
  referencedSeriesUID: string | null;
  frameOfReferenceUID: string | null;
  rows: number;
  columns: number;
  segments: SegSegment[];
  frames: SegFrame[];
}

const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';

/** dcmjs unwraps single values and keeps several as arrays; sequences are arrays of items. */
function list(x: unknown): unknown[] {
  if (x === undefined || x === null) return [];
  return Array.isArray(x) ? x : [x];
}
function item(x: unknown): NaturalDataset | undefined {
  return list(x)[0] as NaturalDataset | undefined;
}
function text(x: unknown): string {
  const v = list(x)[0];
  return v === undefined || v === null ? '' : String(v).trim();
}
function numbers(x: unknown): number[] | null {
  const v = list(x).map(Number);
  return v.length > 0 && v.every(Number.isFinite) ? v : null;
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * A DICOM Segmentation's segments and frames, each frame unpacked with its plane and its source image. Reads
 * BINARY segmentations, and FRACTIONAL ones thresholded at half their maximum, in the uncompressed transfer
 * syntaxes; throws an Error saying what is not supported otherwise.
 */
export function readDicomSeg(bytes: Uint8Array): DicomSegContent {
  const dict = dcmjs.data.DicomMessage.readFile(toArrayBuffer(bytes));
  const meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.meta);
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
  if (text(ds.SOPClassUID) !== SEGMENTATION_SOP_CLASS) throw new Error('is not a DICOM Segmentation (its SOP class is not Segmentation Storage)');
  const syntax = text(meta.TransferSyntaxUID);
  if (syntax && syntax !== EXPLICIT_VR_LITTLE_ENDIAN && syntax !== IMPLICIT_VR_LITTLE_ENDIAN) {
    throw new Error(`is a compressed DICOM SEG (transfer syntax ${syntax}); only uncompressed SEGs are read`);
  }
  const rows = Number(ds.Rows);
  const columns = Number(ds.Columns);
  const count = Number(ds.NumberOfFrames ?? 1);
  const type = text(ds.SegmentationType).toUpperCase();
  const bitsAllocated = Number(ds.BitsAllocated);
  if (!(rows > 0 && columns > 0 && count > 0)) throw new Error('has no frames (Rows, Columns or Number of Frames missing)');
  if (type !== 'BINARY' && type !== 'FRACTIONAL') throw new Error(`has segmentation type ${type || 'none'}; BINARY or FRACTIONAL expected`);
  if ((type === 'BINARY' && bitsAllocated !== 1) || (type === 'FRACTIONAL' && bitsAllocated !== 8)) {
    throw new Error(`is ${type} with ${bitsAllocated} bits allocated, which DICOM does not allow`);
  }
  const pixelData = list(ds.PixelData)[0];
  if (!(pixelData instanceof ArrayBuffer)) throw new Error('has no pixel data');
  const packed = new Uint8Array(pixelData);
  const per = rows * columns;
  const threshold = Math.max(1, Math.ceil(Number(ds.MaximumFractionalValue ?? 255) / 2));

  const segments: SegSegment[] = list(ds.SegmentSequence).map((raw) => {
    const s = raw as NaturalDataset;
    const lab = numbers(s.RecommendedDisplayCIELabValue);
    return {
      number: Number(s.SegmentNumber),
      label: text(s.SegmentLabel) || `Segment ${s.SegmentNumber}`,
      algorithmType: text(s.SegmentAlgorithmType).toUpperCase(),
      color: lab && lab.length === 3 ? dicomLabToRgb(lab as [number, number, number]) : null,
    };
  });
  if (segments.length === 0) throw new Error('has no segments');

  const shared = item(ds.SharedFunctionalGroupsSequence);
  const perFrame = list(ds.PerFrameFunctionalGroupsSequence) as NaturalDataset[];
  const frames: SegFrame[] = [];
  for (let f = 0; f < count; f++) {
    const groups = perFrame[f];
    const pick = (name: string): NaturalDataset | undefined => item(groups?.[name]) ?? item(shared?.[name]);
    const source = item(pick('DerivationImageSequence')?.SourceImageSequence);
    const segmentNumber = Number(pick('SegmentIdentificationSequence')?.ReferencedSegmentNumber ?? (segments.length === 1 ? segments[0]!.number : NaN));
    if (!Number.isFinite(segmentNumber)) throw new Error(`frame ${f + 1} names no segment`);
    let pixels: Uint8Array;
    if (type === 'BINARY') pixels = unpackBinaryFrame(packed, f, per);
    else {
      if ((f + 1) * per > packed.length) throw new Error(`pixel data ends before frame ${f + 1}`);
      pixels = packed.slice(f * per, (f + 1) * per).map((v) => (v >= threshold ? 1 : 0));
    }
    const position = numbers(pick('PlanePositionSequence')?.ImagePositionPatient);
    frames.push({
      segmentNumber,
      position: position && position.length === 3 ? (position as Vec3) : null,
      orientation: numbers(pick('PlaneOrientationSequence')?.ImageOrientationPatient),
      sourceSopInstanceUID: source ? text(source.ReferencedSOPInstanceUID) || null : null,
      sourceFrameNumber: source?.ReferencedFrameNumber !== undefined ? Number(list(source.ReferencedFrameNumber)[0]) : null,
      pixels,
    });
  }
  return {
    sopInstanceUID: text(ds.SOPInstanceUID),
    seriesDescription: text(ds.SeriesDescription),
    studyInstanceUID: text(ds.StudyInstanceUID) || null,
    referencedSeriesUID: text(item(ds.ReferencedSeriesSequence)?.SeriesInstanceUID) || null,
    frameOfReferenceUID: text(ds.FrameOfReferenceUID) || null,
    rows,
    columns,
    segments,
    frames,
  };
}
