import { api } from 'dicomweb-client';
import type { InputFile } from '../types.ts';
import { dicomwebFailure } from './dicomwebErrors.ts';
import {
  type InstanceSummary,
  instancesFromQido,
  SERIES_FIELDS,
  type SeriesSummary,
  seriesFromQido,
  STUDY_FIELDS,
  type StudySummary,
  studiesFromQido,
} from './qidoMapping.ts';

/**
 * One DICOMweb server, spoken to through dicomweb-client (the client OHIF uses): QIDO-RS to list, WADO-RS to fetch
 * a series' instances as Part-10 files for the existing DICOM reader, STOW-RS to store objects back. Every failure
 * is rethrown as a DicomwebError whose message is a sentence (dicomwebErrors.ts). Requests go only to `url`.
 */

export class DicomwebError extends Error {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
    this.name = 'DicomwebError';
  }
}

export interface StoreResult {
  stored: number;
  failed: number;
}

export interface DicomwebServer {
  readonly url: string;
  listStudies(): Promise<StudySummary[]>;
  listSeries(studyInstanceUID: string): Promise<SeriesSummary[]>;
  /** Each instance as a file the DICOM reader opens; `onProgress` after each one arrives. */
  retrieveSeries(
    studyInstanceUID: string,
    series: Pick<SeriesSummary, 'seriesInstanceUID' | 'description'>,
    onProgress?: (done: number, total: number) => void,
  ): Promise<InputFile[]>;
  store(datasets: Uint8Array[]): Promise<StoreResult>;
}

/** At most this many instances are in flight at once: enough to hide latency, few enough not to swamp a PACS. */
const PARALLEL_RETRIEVES = 4;

async function guarded<T>(url: string, action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof DicomwebError) throw e;
    const f = dicomwebFailure(e, url, action);
    throw new DicomwebError(f.message, f.detail);
  }
}

/**
 * PS3.18 lets `includefield` list several tags separated by commas. dicomweb-client escapes the comma (%2C), which
 * Orthanc then reads as one unknown tag, returning none of the fields asked for (no study descriptions). So QIDO
 * requests go through an XMLHttpRequest that sends the comma as written; UIDs and tags never contain one.
 */
function literalCommaRequest(): { instance: XMLHttpRequest } {
  const xhr = new XMLHttpRequest();
  const open = xhr.open.bind(xhr) as (method: string, url: string, async: boolean) => void;
  (xhr as { open: unknown }).open = (method: string, url: string) => open(method, url.replace(/%2C/gi, ','), true);
  return { instance: xhr };
}

/** The number of STOW-RS failures in its answer (FailedSOPSequence), which arrives as JSON text or parsed. */
function failedInStowAnswer(answer: unknown): number {
  let json: unknown = answer;
  if (typeof answer === 'string') {
    try {
      json = JSON.parse(answer);
    } catch {
      return 0;
    }
  }
  const failed = (json as Record<string, { Value?: unknown[] } | undefined> | null)?.['00081198']?.Value;
  return Array.isArray(failed) ? failed.length : 0;
}

function fileName(series: Pick<SeriesSummary, 'seriesInstanceUID' | 'description'>, i: InstanceSummary): string {
  const folder = (series.description || series.seriesInstanceUID).replace(/[^\w.-]+/g, '_');
  return `${folder}/${i.sopInstanceUID}.dcm`;
}

export function connectDicomweb(url: string): DicomwebServer {
  const client = new api.DICOMwebClient({ url, singlepart: false, verbose: false });
  return {
    url,
    listStudies: () =>
      guarded(url, 'list its studies', async () =>
        studiesFromQido(
          await client.searchForStudies({
            queryParams: { includefield: STUDY_FIELDS.join(',') },
            request: literalCommaRequest(),
          } as Parameters<typeof client.searchForStudies>[0]),
        ),
      ),
    listSeries: (studyInstanceUID) =>
      guarded(url, 'list the series of a study', async () =>
        seriesFromQido(
          await client.searchForSeries({
            studyInstanceUID,
            queryParams: { includefield: SERIES_FIELDS.join(',') },
            request: literalCommaRequest(),
          } as Parameters<typeof client.searchForSeries>[0]),
        ),
      ),
    retrieveSeries: (studyInstanceUID, series, onProgress) =>
      guarded(url, 'load the series', async () => {
        const { seriesInstanceUID } = series;
        const instances = instancesFromQido(
          await client.searchForInstances({ studyInstanceUID, seriesInstanceUID, queryParams: { includefield: '00200013' } }),
        );
        const files: InputFile[] = new Array(instances.length);
        let done = 0;
        onProgress?.(0, instances.length);
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < instances.length) {
            const index = next++;
            const inst = instances[index]!;
            // No media types: the server sends the instance as stored (the reader decodes every common transfer
            // syntax itself). The declared type marks both options required; the implementation defaults them.
            const buffer = await client.retrieveInstance({
              studyInstanceUID,
              seriesInstanceUID,
              sopInstanceUID: inst.sopInstanceUID,
            } as Parameters<typeof client.retrieveInstance>[0]);
            const bytes = new Uint8Array(buffer);
            const name = fileName(series, inst);
            files[index] = { path: name, name: name.slice(name.lastIndexOf('/') + 1), size: bytes.byteLength, read: async () => bytes };
            onProgress?.(++done, instances.length);
          }
        };
        await Promise.all(Array.from({ length: Math.min(PARALLEL_RETRIEVES, instances.length) }, worker));
        return files;
      }),
    store: (datasets) =>
      guarded(url, 'store to it', async () => {
        const buffers = datasets.map((d) => d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength) as ArrayBuffer);
        const answer: unknown = await client.storeInstances({ datasets: buffers });
        const failed = failedInStowAnswer(answer);
        return { stored: datasets.length - failed, failed };
      }),
  };
}
