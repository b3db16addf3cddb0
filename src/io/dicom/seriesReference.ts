import type { DicomSeriesReference, DicomStudyFields } from '../../volume/dicomReference.ts';
import type { DicomFileInfo } from './parseDicomFile.ts';

const STUDY_TAGS: Record<keyof DicomStudyFields, string> = {
  PatientName: 'x00100010',
  PatientID: 'x00100020',
  PatientBirthDate: 'x00100030',
  PatientSex: 'x00100040',
  StudyDate: 'x00080020',
  StudyTime: 'x00080030',
  ReferringPhysicianName: 'x00080090',
  StudyID: 'x00200010',
  AccessionNumber: 'x00080050',
  StudyDescription: 'x00081030',
};

const SOP_CLASS = 'x00080016';
const SOP_INSTANCE = 'x00080018';

/**
 * The reference a derived object needs, from the slices in volume order. Positions are the files' own (a
 * multi-frame file's frames without positions get null, not the stacked guess), so a SEG never restates a guess
 * as if the scanner had written it.
 */
export function seriesReference(slices: { info: DicomFileInfo; frame: number }[], ref: DicomFileInfo): DicomSeriesReference {
  const study: DicomStudyFields = {};
  for (const [keyword, tag] of Object.entries(STUDY_TAGS) as [keyof DicomStudyFields, string][]) {
    const value = ref.dataSet.string(tag);
    if (value !== undefined && value !== '') study[keyword] = value;
  }
  return {
    instances: slices.map(({ info, frame }) => ({
      sopClassUID: info.dataSet.string(SOP_CLASS) ?? '',
      sopInstanceUID: info.dataSet.string(SOP_INSTANCE) ?? '',
      ...(info.numberOfFrames > 1 ? { frameNumber: frame + 1 } : {}),
      position: info.framePositions[frame] ?? null,
    })),
    orientation: ref.orientation,
    pixelSpacing: ref.pixelSpacing,
    sliceThickness: ref.sliceThickness,
    study,
  };
}
