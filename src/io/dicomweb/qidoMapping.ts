/**
 * QIDO-RS answers (DICOM JSON, PS3.18 Annex F) → the study, series and instance lists the dialog shows. Pure: a
 * server's JSON in, plain records out, so what a PACS sends is tested without a server. Servers differ in which
 * optional attributes they return (Orthanc omits ModalitiesInStudy unless asked, some send PN without Alphabetic),
 * so every field but the UIDs is optional and a record without its UID is dropped rather than shown unopenable.
 */

export interface StudySummary {
  studyInstanceUID: string;
  patientName: string;
  patientId: string;
  /** ISO date (YYYY-MM-DD) when the server sent a valid DA, else the raw text or ''. */
  date: string;
  description: string;
  accessionNumber: string;
  /** ModalitiesInStudy, de-duplicated, in the order the server gave them. */
  modalities: string[];
  seriesCount: number | null;
  instanceCount: number | null;
}

export interface SeriesSummary {
  seriesInstanceUID: string;
  modality: string;
  description: string;
  seriesNumber: number | null;
  instanceCount: number | null;
}

export interface InstanceSummary {
  sopInstanceUID: string;
  sopClassUID: string;
  instanceNumber: number | null;
}

/** Tags as DICOM JSON keys them: eight upper-case hex digits. */
const TAG = {
  studyDate: '00080020',
  accessionNumber: '00080050',
  modalitiesInStudy: '00080061',
  modality: '00080060',
  studyDescription: '00081030',
  seriesDescription: '0008103E',
  sopClassUID: '00080016',
  sopInstanceUID: '00080018',
  patientName: '00100010',
  patientId: '00100020',
  studyInstanceUID: '0020000D',
  seriesInstanceUID: '0020000E',
  seriesNumber: '00200011',
  instanceNumber: '00200013',
  numberOfStudyRelatedSeries: '00201206',
  numberOfStudyRelatedInstances: '00201208',
  numberOfSeriesRelatedInstances: '00201209',
} as const;

type DicomJsonObject = Record<string, { vr?: string; Value?: unknown[] } | undefined>;

/** The values of one attribute; a key in lower-case hex is accepted too (some servers write it so). */
function values(obj: DicomJsonObject, tag: string): unknown[] {
  const el = obj[tag] ?? obj[tag.toLowerCase()];
  return Array.isArray(el?.Value) ? el.Value : [];
}

/** A PN value is an object of component groups; the alphabetic one is what a person reads. */
function personName(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const pn = v as { Alphabetic?: unknown; Ideographic?: unknown };
    const text = typeof pn.Alphabetic === 'string' ? pn.Alphabetic : typeof pn.Ideographic === 'string' ? pn.Ideographic : '';
    // DICOM separates family^given^middle^prefix^suffix; trailing empty components carry no meaning.
    return text
      .split('^')
      .filter((p) => p.trim() !== '')
      .join(', ');
  }
  return '';
}

function text(obj: DicomJsonObject, tag: string): string {
  const first = values(obj, tag)[0];
  if (typeof first === 'string') return first.trim();
  if (typeof first === 'number') return String(first);
  return '';
}

function integer(obj: DicomJsonObject, tag: string): number | null {
  const first = values(obj, tag)[0];
  const n = typeof first === 'number' ? first : typeof first === 'string' ? Number(first) : Number.NaN;
  return Number.isFinite(n) ? Math.round(n) : null;
}

/** DA is YYYYMMDD; anything else is shown as sent rather than guessed at. */
export function formatDicomDate(da: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : da;
}

function objects(json: unknown): DicomJsonObject[] {
  if (!Array.isArray(json)) return [];
  return json.filter((o): o is DicomJsonObject => o !== null && typeof o === 'object' && !Array.isArray(o));
}

/** Newest first, as a worklist reads; studies without a date go last, then by patient. */
export function studiesFromQido(json: unknown): StudySummary[] {
  const out: StudySummary[] = [];
  for (const o of objects(json)) {
    const studyInstanceUID = text(o, TAG.studyInstanceUID);
    if (!studyInstanceUID) continue;
    const modalities = [...new Set(values(o, TAG.modalitiesInStudy).filter((m): m is string => typeof m === 'string' && m !== ''))];
    out.push({
      studyInstanceUID,
      patientName: personName(values(o, TAG.patientName)[0]),
      patientId: text(o, TAG.patientId),
      date: formatDicomDate(text(o, TAG.studyDate)),
      description: text(o, TAG.studyDescription),
      accessionNumber: text(o, TAG.accessionNumber),
      modalities,
      seriesCount: integer(o, TAG.numberOfStudyRelatedSeries),
      instanceCount: integer(o, TAG.numberOfStudyRelatedInstances),
    });
  }
  return out.sort((a, b) => (b.date || '').localeCompare(a.date || '') || a.patientName.localeCompare(b.patientName));
}

/** In series-number order, the order a scanner console lists them. */
export function seriesFromQido(json: unknown): SeriesSummary[] {
  const out: SeriesSummary[] = [];
  for (const o of objects(json)) {
    const seriesInstanceUID = text(o, TAG.seriesInstanceUID);
    if (!seriesInstanceUID) continue;
    out.push({
      seriesInstanceUID,
      modality: text(o, TAG.modality),
      description: text(o, TAG.seriesDescription),
      seriesNumber: integer(o, TAG.seriesNumber),
      instanceCount: integer(o, TAG.numberOfSeriesRelatedInstances),
    });
  }
  return out.sort((a, b) => (a.seriesNumber ?? Number.MAX_SAFE_INTEGER) - (b.seriesNumber ?? Number.MAX_SAFE_INTEGER));
}

/** In instance-number order; the DICOM reader orders slices by position anyway, this only makes progress readable. */
export function instancesFromQido(json: unknown): InstanceSummary[] {
  const out: InstanceSummary[] = [];
  for (const o of objects(json)) {
    const sopInstanceUID = text(o, TAG.sopInstanceUID);
    if (!sopInstanceUID) continue;
    out.push({ sopInstanceUID, sopClassUID: text(o, TAG.sopClassUID), instanceNumber: integer(o, TAG.instanceNumber) });
  }
  return out.sort((a, b) => (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0));
}

/** The study-level fields a QIDO search asks for, since servers return only required ones by default. */
export const STUDY_FIELDS = ['00080061', '00081030', '00201206', '00201208', '00080050'] as const;
/** Series-level fields likewise. */
export const SERIES_FIELDS = ['0008103E', '00200011', '00201209'] as const;
