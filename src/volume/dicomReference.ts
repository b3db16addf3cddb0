import type { Vec3 } from './geometry.ts';

/**
 * What a DICOM object derived from a series (a Segmentation) must repeat or point at: each slice's SOP
 * instance, the series' plane exactly as its files state it, and the patient and study it files under.
 * Volumes keep the orientation and positions as written, not as recomputed from the voxel→world matrix, so a
 * SEG's frames carry the very numbers of its source slices.
 */
export interface DicomInstanceRef {
  sopClassUID: string;
  sopInstanceUID: string;
  /** 1-based frame of a multi-frame source instance; absent for a single-frame one. */
  frameNumber?: number;
  /** ImagePositionPatient (or the frame's PlanePosition) as written; null where the file has none. */
  position: Vec3 | null;
}

/** Patient and General Study fields, by DICOM keyword, as the source files wrote them. */
export interface DicomStudyFields {
  PatientName?: string;
  PatientID?: string;
  PatientBirthDate?: string;
  PatientSex?: string;
  StudyDate?: string;
  StudyTime?: string;
  ReferringPhysicianName?: string;
  StudyID?: string;
  AccessionNumber?: string;
  StudyDescription?: string;
}

export interface DicomSeriesReference {
  /** One per k-slice, in the volume's slice order. */
  instances: DicomInstanceRef[];
  /** ImageOrientationPatient as written: row cosines then column cosines. */
  orientation: [number, number, number, number, number, number] | null;
  /** PixelSpacing as written: [between rows, between columns] in mm. */
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  study: DicomStudyFields;
}
