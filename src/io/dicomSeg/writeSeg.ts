import dcmjs, { type NaturalDataset } from 'dcmjs';
import type { ClassDef } from '../../volume/classes.ts';
import type { DicomInstanceRef, DicomSeriesReference } from '../../volume/dicomReference.ts';
import { axisStep, normalize, transformPoint, type Vec3 } from '../../volume/geometry.ts';
import { PROVENANCE_NAMES, type LabelMap } from '../../volume/labels.ts';
import type { Volume } from '../../volume/Volume.ts';
import { packBinaryFrames } from './binaryFrames.ts';
import { decimalString, dicomDate, dicomTime, newUid } from './dicomValues.ts';
import { planSegments, type PlannedSegment } from './planSegments.ts';
import { ALGORITHM_NAME, provenanceOf } from './segmentAlgorithm.ts';
import {
  DERIVATION_SEGMENTATION,
  EXPLICIT_VR_LITTLE_ENDIAN,
  GENERIC_CATEGORY,
  GENERIC_TYPE,
  PURPOSE_SOURCE_IMAGE,
  SEGMENTATION_SOP_CLASS,
  TAG_IMAGE_POSITION_PATIENT,
  TAG_PLANE_POSITION_SEQUENCE,
  TAG_REFERENCED_SEGMENT_NUMBER,
  TAG_SEGMENT_IDENTIFICATION_SEQUENCE,
} from './segConstants.ts';
import { rgbToDicomLab } from './segColor.ts';

export interface DicomSegInput {
  /** A volume opened from a DICOM series (its source keeps the per-slice references). */
  volume: Volume;
  /** Committed labels of that volume. */
  labels: LabelMap;
  classes: readonly ClassDef[];
}

export interface DicomSegOptions {
  seriesDescription?: string;
  seriesNumber?: number;
  /** Content Creator's Name (PN); empty when not given. */
  creator?: string;
  softwareVersion?: string;
  /** The instant written as content and series date/time; now when not given. */
  now?: Date;
  /** UID source; tests pass a fixed one. */
  uid?: () => string;
}

/** Why a volume cannot become a DICOM SEG, in words for a tooltip; null when it can. */
export function dicomSegUnavailableReason(volume: Volume): string | null {
  if (volume.source.format !== 'dicom') return 'DICOM SEG needs a volume opened from a DICOM series; this one is not DICOM';
  const ref = volume.source.reference;
  if (!ref) return 'this series was opened before Pseudolab kept its DICOM references; open the series again to export DICOM SEG';
  if (ref.instances.length !== volume.geometry.dims[2] || ref.instances.some((i) => !i.sopInstanceUID || !i.sopClassUID)) {
    return 'some slices of this series have no SOP Instance UID, which a DICOM SEG must reference';
  }
  if (volume.channels !== 1) return 'DICOM SEG is written for grey-level series only';
  return null;
}

function requireReference(volume: Volume): DicomSeriesReference & { seriesUID: string; studyUID: string; frameOfReferenceUID?: string } {
  const why = dicomSegUnavailableReason(volume);
  if (why || volume.source.format !== 'dicom' || !volume.source.reference) throw new Error(why ?? 'not a DICOM volume');
  const { reference, seriesInstanceUID, studyInstanceUID, frameOfReferenceUID } = volume.source;
  if (!studyInstanceUID) throw new Error('the series has no Study Instance UID, which a DICOM SEG must share');
  return { ...reference, seriesUID: seriesInstanceUID, studyUID: studyInstanceUID, frameOfReferenceUID };
}

function segmentItem(s: PlannedSegment): NaturalDataset {
  const item: NaturalDataset = {
    SegmentNumber: s.number,
    SegmentLabel: s.name.slice(0, 64),
    SegmentDescription: PROVENANCE_NAMES[provenanceOf(s.algorithmType)],
    SegmentAlgorithmType: s.algorithmType,
    SegmentedPropertyCategoryCodeSequence: [{ ...GENERIC_CATEGORY }],
    SegmentedPropertyTypeCodeSequence: [{ ...GENERIC_TYPE }],
    RecommendedDisplayCIELabValue: rgbToDicomLab(s.color),
  };
  if (s.algorithmType !== 'MANUAL') item.SegmentAlgorithmName = ALGORITHM_NAME[s.algorithmType];
  return item;
}

function sourceImageItem(ref: DicomInstanceRef): NaturalDataset {
  return {
    ReferencedSOPClassUID: ref.sopClassUID,
    ReferencedSOPInstanceUID: ref.sopInstanceUID,
    ...(ref.frameNumber !== undefined ? { ReferencedFrameNumber: ref.frameNumber } : {}),
    PurposeOfReferenceCodeSequence: [{ ...PURPOSE_SOURCE_IMAGE }],
  };
}

/**
 * A DICOM Segmentation (PS3.3 A.51, BINARY) of a volume's labels, as Part 10 bytes. It files into the source
 * study, shares its frame of reference, and each frame repeats its source slice's plane (orientation and
 * position as the source files wrote them) and points at that slice's SOP instance, so geometry is exact for
 * oblique series too. Only slices where a segment has voxels become frames. Throws when the volume is not a
 * DICOM series with its references, or has no labels.
 */
export function writeDicomSeg(input: DicomSegInput, options: DicomSegOptions = {}): Uint8Array {
  const { volume, labels, classes } = input;
  const ref = requireReference(volume);
  const [columns, rows, slices] = volume.geometry.dims;
  if (labels.dims.some((d, n) => d !== volume.geometry.dims[n])) throw new Error('labels and volume differ in size');
  const { segments, frames } = planSegments(labels, classes);
  if (frames.length === 0) throw new Error(`${volume.name} has no labeled voxels to write`);
  const uid = options.uid ?? newUid;
  const now = options.now ?? new Date();
  const m = volume.geometry.ijkToLps;

  // The plane as the source wrote it; derived from the matrix only where the files did not say.
  const orientation = ref.orientation ?? [...normalize(axisStep(m, 0)), ...normalize(axisStep(m, 1))];
  const pixelSpacing = ref.pixelSpacing ?? [volume.geometry.spacing[1], volume.geometry.spacing[0]];
  const positionOf = (k: number): Vec3 => ref.instances[k]?.position ?? transformPoint(m, [0, 0, k]);
  const sopInstanceUID = uid();
  const dimensionOrganizationUID = uid();
  const uniqueInstances = [...new Map(ref.instances.map((i) => [i.sopInstanceUID, i])).values()];

  const dataset: NaturalDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    ImageType: ['DERIVED', 'PRIMARY'],
    SOPClassUID: SEGMENTATION_SOP_CLASS,
    SOPInstanceUID: sopInstanceUID,
    StudyDate: ref.study.StudyDate ?? '',
    SeriesDate: dicomDate(now),
    ContentDate: dicomDate(now),
    StudyTime: ref.study.StudyTime ?? '',
    SeriesTime: dicomTime(now),
    ContentTime: dicomTime(now),
    AccessionNumber: ref.study.AccessionNumber ?? '',
    Modality: 'SEG',
    Manufacturer: 'Pseudolab',
    ReferringPhysicianName: ref.study.ReferringPhysicianName ?? '',
    StudyDescription: ref.study.StudyDescription,
    SeriesDescription: (options.seriesDescription ?? 'Pseudolab labels').slice(0, 64),
    ManufacturerModelName: 'Pseudolab',
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: ref.seriesUID,
        ReferencedInstanceSequence: uniqueInstances.map((i) => ({ ReferencedSOPClassUID: i.sopClassUID, ReferencedSOPInstanceUID: i.sopInstanceUID })),
      },
    ],
    PatientName: ref.study.PatientName ?? '',
    PatientID: ref.study.PatientID ?? '',
    PatientBirthDate: ref.study.PatientBirthDate ?? '',
    PatientSex: ref.study.PatientSex ?? '',
    DeviceSerialNumber: '0',
    SoftwareVersions: options.softwareVersion ?? 'pseudolab',
    StudyInstanceUID: ref.studyUID,
    SeriesInstanceUID: uid(),
    StudyID: ref.study.StudyID ?? '',
    SeriesNumber: options.seriesNumber ?? 300,
    InstanceNumber: 1,
    FrameOfReferenceUID: ref.frameOfReferenceUID ?? uid(),
    PositionReferenceIndicator: '',
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUID }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUID,
        DimensionIndexPointer: TAG_REFERENCED_SEGMENT_NUMBER,
        FunctionalGroupPointer: TAG_SEGMENT_IDENTIFICATION_SEQUENCE,
        DimensionDescriptionLabel: 'Segment Number',
      },
      {
        DimensionOrganizationUID: dimensionOrganizationUID,
        DimensionIndexPointer: TAG_IMAGE_POSITION_PATIENT,
        FunctionalGroupPointer: TAG_PLANE_POSITION_SEQUENCE,
        DimensionDescriptionLabel: 'Image Position Patient',
      },
    ],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    NumberOfFrames: frames.length,
    Rows: rows,
    Columns: columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    ContentLabel: 'PSEUDOLAB',
    ContentDescription: 'Labels drawn and reviewed in Pseudolab',
    ContentCreatorName: options.creator ?? '',
    SegmentSequence: segments.map(segmentItem),
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [
          {
            PixelSpacing: pixelSpacing.map(decimalString),
            SliceThickness: decimalString(ref.sliceThickness ?? volume.geometry.spacing[2]),
            ...(slices > 1 ? { SpacingBetweenSlices: decimalString(volume.geometry.spacing[2]) } : {}),
          },
        ],
        PlaneOrientationSequence: [{ ImageOrientationPatient: orientation.map(decimalString) }],
      },
    ],
    PerFrameFunctionalGroupsSequence: frames.map((f) => ({
      DerivationImageSequence: [
        {
          SourceImageSequence: [sourceImageItem(ref.instances[f.k]!)],
          DerivationCodeSequence: [{ ...DERIVATION_SEGMENTATION }],
        },
      ],
      FrameContentSequence: [{ DimensionIndexValues: [f.segmentNumber, f.k + 1] }],
      PlanePositionSequence: [{ ImagePositionPatient: positionOf(f.k).map(decimalString) }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: f.segmentNumber }],
    })),
    PixelData: [
      packBinaryFrames(
        frames.map((f) => f.mask),
        rows * columns,
      ).buffer,
    ],
    _vrMap: { PixelData: 'OB' },
  };
  if (dataset.StudyDescription === undefined) delete dataset.StudyDescription;

  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const version = new Uint8Array([0, 1]);
  const meta = DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: version.buffer,
    MediaStorageSOPClassUID: SEGMENTATION_SOP_CLASS,
    MediaStorageSOPInstanceUID: sopInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: '2.25.262951386618340786591003530386474839412',
    ImplementationVersionName: 'PSEUDOLAB',
  });
  const dict = new DicomDict(meta);
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
