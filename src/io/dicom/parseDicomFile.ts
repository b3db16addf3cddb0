import dicomParser from 'dicom-parser';
import { inflateSync } from 'fflate';
import type { Vec3 } from '../../volume/geometry.ts';
import { fileNameOf, looksLikeBareDicom } from '../detectFormat.ts';
import { fileError } from '../problems.ts';
import {
  checkNativePixelLength,
  checkNumberOfFrames,
  checkOrientation,
  checkPixelLayout,
  checkPixelSpacing,
  checkSliceMeasure,
  rawNumbers,
} from './checkDicomFields.ts';

type DataSet = dicomParser.DataSet;

/** What one DICOM file says about its place in a series and how to read its pixels. */
export interface DicomFileInfo {
  /** As the user opened it, folders included. */
  path: string;
  /** The last segment of `path`, for messages. */
  fileName: string;
  dataSet: DataSet;
  transferSyntax: string;
  seriesInstanceUID: string;
  studyInstanceUID?: string;
  frameOfReferenceUID?: string;
  modality?: string;
  seriesDescription?: string;
  seriesNumber?: number;
  instanceNumber: number | null;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  planarConfiguration: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  /** DICOM order: [between rows, between columns] in mm. */
  pixelSpacing: [number, number] | null;
  orientation: [number, number, number, number, number, number] | null;
  sliceThickness: number | null;
  spacingBetweenSlices: number | null;
  numberOfFrames: number;
  /** Position of each frame's first pixel (one entry for single-frame files); null where unknown. */
  framePositions: (Vec3 | null)[];
  rescaleSlope: number;
  rescaleIntercept: number;
  /** Sentences (without the file name) about fields that were ignored or read with an assumption. */
  notes: string[];
}

const TAG = {
  transferSyntax: 'x00020010',
  studyUID: 'x0020000d',
  seriesUID: 'x0020000e',
  frameOfReferenceUID: 'x00200052',
  modality: 'x00080060',
  seriesDescription: 'x0008103e',
  seriesNumber: 'x00200011',
  instanceNumber: 'x00200013',
  rows: 'x00280010',
  columns: 'x00280011',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  planarConfiguration: 'x00280006',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  pixelRepresentation: 'x00280103',
  pixelSpacing: 'x00280030',
  orientation: 'x00200037',
  position: 'x00200032',
  sliceThickness: 'x00180050',
  spacingBetweenSlices: 'x00180088',
  numberOfFrames: 'x00280008',
  rescaleSlope: 'x00281053',
  rescaleIntercept: 'x00281052',
  pixelData: 'x7fe00010',
  sharedGroups: 'x52009229',
  perFrameGroups: 'x52009230',
  planePosition: 'x00209113',
  planeOrientation: 'x00209116',
  pixelMeasures: 'x00289110',
  pixelValueTransform: 'x00289145',
  imageType: 'x00080008',
  mosaicImages: 'x0019100a',
  gridFrameOffsets: 'x3004000c',
  doseGridScaling: 'x3004000e',
} as const;

function numbers(ds: DataSet | undefined, tag: string, count: number): number[] | null {
  if (!ds?.elements[tag]) return null;
  const out: number[] = [];
  for (let n = 0; n < count; n++) {
    const v = ds.floatString(tag, n);
    if (v === undefined || !Number.isFinite(v)) return null;
    out.push(v);
  }
  return out;
}

function firstItem(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

/** Deflated transfer syntax: dicom-parser hands us the compressed remainder to inflate. */
function inflater(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateSync(bytes.subarray(position));
  const full = new Uint8Array(position + inflated.length);
  full.set(bytes.subarray(0, position), 0);
  full.set(inflated, position);
  return full;
}

/**
 * dicom-parser wants the 128-byte preamble and "DICM". A file without them (written by older tools, and read by
 * pydicom and dcm2niix) gets them in front when it starts with its file meta group; a bare data set is parsed
 * with the transfer syntax its first element implies (explicit VR letters, else implicit little endian).
 */
function parseWithOrWithoutPreamble(bytes: Uint8Array): DataSet {
  const options = { inflater } as dicomParser.ParseDicomOptions;
  const hasPreamble = bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
  if (hasPreamble || !looksLikeBareDicom(bytes)) return dicomParser.parseDicom(bytes, options);
  if (bytes[0] === 0x02) {
    const full = new Uint8Array(132 + bytes.length);
    full.set([0x44, 0x49, 0x43, 0x4d], 128);
    full.set(bytes, 132);
    return dicomParser.parseDicom(full, options);
  }
  const explicit = /^[A-Z]{2}$/.test(String.fromCharCode(bytes[4]!, bytes[5]!));
  return dicomParser.parseDicom(bytes, {
    ...options,
    TransferSyntaxUID: explicit ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2',
  } as dicomParser.ParseDicomOptions);
}

/**
 * Frame positions of a multi-frame RT dose grid from GridFrameOffsetVector (3004,000C). Its offsets run along
 * the normal from the first frame, either relative (the first is 0) or as coordinates whose first equals the
 * first frame's (axial grids); subtracting the first offset serves both. Without usable offsets, null, and a
 * note says the frames were stacked.
 */
function gridFramePositions(ds: DataSet, first: Vec3, orientation: number[] | null, frames: number, notes: string[]): (Vec3 | null)[] | null {
  if (!ds.elements[TAG.gridFrameOffsets]) return null;
  const offsets = rawNumbers(ds, TAG.gridFrameOffsets);
  if (!offsets || offsets.length < frames || !offsets.slice(0, frames).every(Number.isFinite)) {
    notes.push(`its GridFrameOffsetVector (3004,000C) holds ${offsets?.length ?? 0} usable values for ${frames} frames; it was ignored`);
    return null;
  }
  const [r0, r1, r2, c0, c1, c2] = orientation ?? [1, 0, 0, 0, 1, 0];
  const n: Vec3 = [r1! * c2! - r2! * c1!, r2! * c0! - r0! * c2!, r0! * c1! - r1! * c0!];
  const length = Math.hypot(...n) || 1;
  return offsets.slice(0, frames).map((o) => {
    const d = (o - offsets[0]!) / length;
    return [first[0] + n[0] * d, first[1] + n[1] * d, first[2] + n[2] * d];
  });
}

/** Modalities that are DICOM objects without pixels of their own, named so the message says what they are. */
const NON_IMAGE_MODALITIES: Record<string, string> = {
  SEG: 'a DICOM segmentation (SEG); importing those is not supported yet',
  RTSTRUCT: 'an RT structure set (contours), not an image',
  SR: 'a structured report, not an image',
  PR: 'a presentation state, not an image',
  KO: 'a key-object selection, not an image',
  DOC: 'an encapsulated document, not an image',
};

/** dicom-parser throws strings or objects as well as Errors. */
function parserMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  const exception = (e as { exception?: unknown } | null)?.exception;
  return typeof exception === 'string' ? exception : String(e);
}

/**
 * Reads one DICOM file's header (not its pixels; those are decoded per frame later). Throws an Error naming
 * the file, in words a user can act on.
 */
export function parseDicomFile(bytes: Uint8Array, path: string): DicomFileInfo {
  const fileName = fileNameOf(path);
  let ds: DataSet;
  try {
    ds = parseWithOrWithoutPreamble(bytes);
  } catch (e) {
    const msg = parserMessage(e);
    const truncated = /buffer overread|overrun|beyond|truncat|end of/i.test(msg);
    throw fileError(fileName, truncated ? `file is truncated — the DICOM data ends early (${msg})` : `not a readable DICOM file (${msg})`);
  }
  const rows = ds.uint16(TAG.rows);
  const columns = ds.uint16(TAG.columns);
  if (ds.elements[TAG.pixelData] && (!rows || !columns)) {
    throw fileError(
      fileName,
      `its ${!rows ? 'Rows (0028,0010)' : 'Columns (0028,0011)'} is ${(!rows ? rows : columns) ?? 'missing'}; an image needs at least one row and one column`,
    );
  }
  if (!ds.elements[TAG.pixelData] || !rows || !columns) {
    const modality = ds.string(TAG.modality)?.trim() ?? '';
    const what = NON_IMAGE_MODALITIES[modality] ?? 'a DICOM object without pixel data (a report or index?), not an image';
    throw fileError(fileName, `is ${what}`);
  }
  // A Siemens mosaic tiles a whole volume's slices into one frame; taking the tiles as one huge slice would be
  // wrong data, and their positions need Siemens' private header, which dcm2niix reads.
  const imageType = (ds.string(TAG.imageType) ?? '').toUpperCase().split('\\');
  if (imageType.includes('MOSAIC') || ds.elements[TAG.mosaicImages]) {
    const count = ds.elements[TAG.mosaicImages] ? ds.uint16(TAG.mosaicImages) : undefined;
    const tiles = count ? `${count} slices tiled into one image` : 'slices tiled into one image';
    throw fileError(
      fileName,
      `is a Siemens mosaic (${tiles}), which is not unpacked here; convert its series to NIfTI with dcm2niix (dcm2niix -z y -o OUT_FOLDER SERIES_FOLDER) and open the .nii.gz`,
    );
  }
  const seriesInstanceUID = ds.string(TAG.seriesUID) ?? 'unknown-series';
  const shared = ds.elements[TAG.sharedGroups]?.items?.[0]?.dataSet;
  const perFrame = ds.elements[TAG.perFrameGroups]?.items ?? [];
  const notes: string[] = [];
  const failed = (e: unknown): never => {
    throw fileError(fileName, (e as Error).message);
  };
  let numberOfFrames = 1;
  try {
    numberOfFrames = checkNumberOfFrames(ds.string(TAG.numberOfFrames));
  } catch (e) {
    failed(e);
  }
  const photometricInterpretation = (ds.string(TAG.photometric) ?? 'MONOCHROME2').trim();
  const samplesPerPixel = ds.uint16(TAG.samplesPerPixel) ?? 1;
  const bitsAllocated = ds.uint16(TAG.bitsAllocated) ?? 16;
  const bitsStored = ds.uint16(TAG.bitsStored) ?? bitsAllocated;
  const layout = { rows, columns, samplesPerPixel, bitsAllocated, bitsStored, photometricInterpretation, numberOfFrames };
  try {
    checkPixelLayout(layout);
    const el = ds.elements[TAG.pixelData]!;
    if (el.encapsulatedPixelData) {
      // A fragment never holds more than one frame, so more frames than fragments cannot be true.
      const fragments = el.fragments?.length ?? 0;
      if (numberOfFrames > Math.max(1, fragments)) {
        throw new Error(
          `its NumberOfFrames (0028,0008) is ${numberOfFrames}, but its compressed PixelData (7FE0,0010) holds only ${fragments} fragment${fragments === 1 ? '' : 's'}`,
        );
      }
    } else if (bitsAllocated !== 1) {
      checkNativePixelLength(layout, el.length, Math.max(0, ds.byteArray.length - el.dataOffset));
    }
  } catch (e) {
    failed(e);
  }

  // Enhanced (multi-frame) objects keep geometry in functional groups; classic ones at the top level.
  const measures = firstItem(shared, TAG.pixelMeasures) ?? firstItem(perFrame[0]?.dataSet, TAG.pixelMeasures);
  const orientationSource = firstItem(shared, TAG.planeOrientation) ?? firstItem(perFrame[0]?.dataSet, TAG.planeOrientation);
  const spacingCheck = checkPixelSpacing(rawNumbers(ds, TAG.pixelSpacing) ?? rawNumbers(measures, TAG.pixelSpacing));
  const orientationCheck = checkOrientation(rawNumbers(ds, TAG.orientation) ?? rawNumbers(orientationSource, TAG.orientation));
  const thicknessCheck = checkSliceMeasure(rawNumbers(ds, TAG.sliceThickness) ?? rawNumbers(measures, TAG.sliceThickness), 'SliceThickness (0018,0050)');
  const betweenCheck = checkSliceMeasure(
    rawNumbers(ds, TAG.spacingBetweenSlices) ?? rawNumbers(measures, TAG.spacingBetweenSlices),
    'SpacingBetweenSlices (0018,0088)',
  );
  for (const c of [spacingCheck, orientationCheck, thicknessCheck, betweenCheck]) if (c.note) notes.push(c.note);
  const spacing = spacingCheck.spacing;
  const orientation = orientationCheck.orientation;
  const thickness = thicknessCheck.value;
  const between = betweenCheck.value;
  const transform = firstItem(shared, TAG.pixelValueTransform) ?? firstItem(perFrame[0]?.dataSet, TAG.pixelValueTransform);
  // RT dose stores integers scaled to Gy by DoseGridScaling where other modalities use RescaleSlope.
  const slope = ds.floatString(TAG.rescaleSlope) ?? transform?.floatString(TAG.rescaleSlope) ?? ds.floatString(TAG.doseGridScaling) ?? 1;
  const intercept = ds.floatString(TAG.rescaleIntercept) ?? transform?.floatString(TAG.rescaleIntercept) ?? 0;
  if (!Number.isFinite(slope) || slope === 0) notes.push(`its RescaleSlope (0028,1053) is ${slope}; 1 was used`);
  if (!Number.isFinite(intercept)) notes.push(`its RescaleIntercept (0028,1052) is ${intercept}; 0 was used`);

  let framePositions: (Vec3 | null)[];
  if (perFrame.length >= numberOfFrames && numberOfFrames > 1) {
    framePositions = perFrame.slice(0, numberOfFrames).map((item) => numbers(firstItem(item.dataSet, TAG.planePosition), TAG.position, 3) as Vec3 | null);
  } else {
    const p = numbers(ds, TAG.position, 3) as Vec3 | null;
    framePositions = numberOfFrames === 1 ? [p] : Array.from({ length: numberOfFrames }, () => null);
    if (numberOfFrames > 1 && p) framePositions[0] = p;
    const offsets = numberOfFrames > 1 && p ? gridFramePositions(ds, p, orientation, numberOfFrames, notes) : null;
    if (offsets) framePositions = offsets;
  }
  return {
    path,
    fileName,
    dataSet: ds,
    transferSyntax: ds.string(TAG.transferSyntax) ?? '1.2.840.10008.1.2',
    seriesInstanceUID,
    studyInstanceUID: ds.string(TAG.studyUID) ?? undefined,
    frameOfReferenceUID: ds.string(TAG.frameOfReferenceUID) ?? undefined,
    modality: ds.string(TAG.modality) ?? undefined,
    seriesDescription: ds.string(TAG.seriesDescription)?.trim() || undefined,
    seriesNumber: ds.intString(TAG.seriesNumber) ?? undefined,
    instanceNumber: ds.intString(TAG.instanceNumber) ?? null,
    rows,
    columns,
    samplesPerPixel,
    photometricInterpretation,
    planarConfiguration: ds.uint16(TAG.planarConfiguration) ?? 0,
    bitsAllocated,
    bitsStored,
    pixelRepresentation: ds.uint16(TAG.pixelRepresentation) ?? 0,
    pixelSpacing: spacing,
    orientation,
    sliceThickness: thickness,
    spacingBetweenSlices: between,
    numberOfFrames,
    framePositions,
    rescaleSlope: Number.isFinite(slope) && slope !== 0 ? slope : 1,
    rescaleIntercept: Number.isFinite(intercept) ? intercept : 0,
    notes,
  };
}
