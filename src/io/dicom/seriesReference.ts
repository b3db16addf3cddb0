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
const SPECIFIC_CHARACTER_SET = 'x00080005';

/** DICOM's single-byte and Unicode character sets (PS3.3 C.12.1.1.2) as the Encoding Standard names them. */
const DECODER_LABELS: Record<string, string> = {
  'ISO_IR 192': 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
  'ISO_IR 100': 'windows-1252',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 166': 'windows-874',
};

/**
 * A text element decoded in the file's character set. The SEG is written in UTF-8, so a name must be decoded
 * rather than taken byte for byte (which would turn a UTF-8 "Müller" into "MÃ¼ller"). Sets not listed (ISO 2022
 * code extensions) fall back to Latin-1, the default repertoire's superset.
 */
function decodedText(ds: DicomFileInfo['dataSet'], tag: string, decoder: TextDecoder): string | undefined {
  const element = ds.elements[tag];
  if (!element || element.length === 0) return undefined;
  const bytes = ds.byteArray.subarray(element.dataOffset, element.dataOffset + element.length);
  return decoder.decode(bytes).replace(/\0+$/, '').trim();
}

/**
 * The reference a derived object needs, from the slices in volume order. Positions are the files' own (a
 * multi-frame file's frames without positions get null, not the stacked guess), so a SEG never restates a guess
 * as if the scanner had written it.
 */
export function seriesReference(slices: { info: DicomFileInfo; frame: number }[], ref: DicomFileInfo): DicomSeriesReference {
  const study: DicomStudyFields = {};
  // One character set is decoded as such; with code extensions (several values) the first named one is used.
  const charset =
    (ref.dataSet.string(SPECIFIC_CHARACTER_SET) ?? '')
      .split('\\')
      .map((v) => v.trim())
      .find((v) => v !== '') ?? '';
  const decoder = new TextDecoder(DECODER_LABELS[charset] ?? 'windows-1252');
  for (const [keyword, tag] of Object.entries(STUDY_TAGS) as [keyof DicomStudyFields, string][]) {
    const value = decodedText(ref.dataSet, tag, decoder);
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
