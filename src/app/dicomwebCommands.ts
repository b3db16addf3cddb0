import { DicomwebError, type DicomwebServer } from '../io/dicomweb/dicomwebServer.ts';
import type { SeriesSummary } from '../io/dicomweb/qidoMapping.ts';
import { dicomSegUnavailableReason, writeDicomSeg } from '../io/dicomSeg/writeSeg.ts';
import type { AppStore } from '../store/appStore.ts';
import { activeEntry } from '../store/selectors.ts';
import { openFilesCommand } from './commands.ts';

/**
 * What the "Open from DICOMweb server" dialog does: load a series over WADO-RS into the same reader files from disk
 * go through, and store the active volume's labels back as a DICOM SEG over STOW-RS. Results and failures come back
 * as sentences for the dialog, and the important ones also as app messages, so they outlive the dialog.
 */

export type CommandOutcome = { ok: true; text: string } | { ok: false; text: string; detail?: string };

function failure(e: unknown): CommandOutcome {
  if (e instanceof DicomwebError) return { ok: false, text: e.message, detail: e.detail };
  return { ok: false, text: (e as Error).message ?? String(e) };
}

/** Fetches every instance of `series` (progress per instance), then opens them like a dropped DICOM folder. */
export async function openDicomwebSeriesCommand(
  store: AppStore,
  server: DicomwebServer,
  studyInstanceUID: string,
  series: SeriesSummary,
): Promise<CommandOutcome> {
  const label = `Loading ${series.description || series.modality || 'series'} from the server`;
  store.getState().setProgress({ label, done: 0, total: series.instanceCount ?? 0 });
  let files;
  try {
    files = await server.retrieveSeries(studyInstanceUID, series, (done, total) => store.getState().setProgress({ label, done, total }));
  } catch (e) {
    store.getState().setProgress(null);
    const f = failure(e);
    store.getState().pushMessage({ severity: 'error', subject: server.url, text: f.text });
    return f;
  }
  if (files.length === 0) {
    store.getState().setProgress(null);
    return { ok: false, text: 'The server lists no instances in this series.' };
  }
  const labelVersions = (): number => {
    const st = store.getState();
    return st.volumeOrder.reduce((sum, id) => sum + (st.volumes[id]?.labelsVersion ?? 0), 0);
  };
  const before = labelVersions();
  await openFilesCommand(store, files);
  const now = store.getState();
  // A SEG series is labels, not an image: success is labels placed on an open series, nothing less.
  if (series.modality === 'SEG') {
    return labelVersions() !== before
      ? { ok: true, text: `Placed ${series.description || 'the segmentation'} on its series.` }
      : { ok: false, text: 'The segmentation arrived but was not placed on any open series: open the series it segments first (the messages may say more).' };
  }
  // Counting volumes would not do: opening files may close the demo to make room.
  const opened = now.volumeOrder.some((id) => {
    const source = now.volumes[id]?.volume.source;
    return source?.format === 'dicom' && source.seriesInstanceUID === series.seriesInstanceUID;
  });
  return opened
    ? { ok: true, text: `Opened ${series.description || 'the series'} (${files.length} instances).` }
    : { ok: false, text: 'The series arrived but could not be opened as an image; the messages say why.' };
}

/** Why the active volume cannot be stored as a SEG right now, or null when it can. */
export function storeSegUnavailableReason(store: AppStore): string | null {
  const entry = activeEntry(store.getState());
  if (!entry) return 'Open a series and label it first.';
  const why = dicomSegUnavailableReason(entry.volume);
  if (why) return `Cannot store ${entry.volume.name} as DICOM SEG: ${why}.`;
  if (!entry.committed.some((v) => v !== 0)) return `${entry.volume.name} has no labels yet: paint a slice first.`;
  return null;
}

/** Writes the active volume's committed labels as a DICOM SEG and stores it on `server` (STOW-RS). */
export async function storeSegCommand(store: AppStore, server: DicomwebServer): Promise<CommandOutcome> {
  const why = storeSegUnavailableReason(store);
  const entry = activeEntry(store.getState());
  if (why || !entry) return { ok: false, text: why ?? 'Open a series first.' };
  let bytes: Uint8Array;
  try {
    bytes = writeDicomSeg(
      { volume: entry.volume, labels: { ...entry.labels, voxels: entry.committed }, classes: store.getState().classes },
      { seriesDescription: `Pseudolab labels of ${entry.volume.name}`.slice(0, 64) },
    );
  } catch (e) {
    return { ok: false, text: `The labels of ${entry.volume.name} could not be written as DICOM SEG: ${(e as Error).message}.` };
  }
  store.getState().setProgress({ label: 'Storing DICOM SEG on the server', done: 0, total: 1 });
  try {
    const result = await server.store([bytes]);
    if (result.failed > 0) {
      const text = `The server refused the DICOM SEG of ${entry.volume.name} (it listed it as failed).`;
      store.getState().pushMessage({ severity: 'error', subject: server.url, text });
      return { ok: false, text };
    }
    const text = `Stored the labels of ${entry.volume.name} on ${server.url} as a DICOM SEG series in the same study.`;
    store.getState().pushMessage({ severity: 'info', subject: server.url, text });
    return { ok: true, text };
  } catch (e) {
    const f = failure(e);
    store.getState().pushMessage({ severity: 'error', subject: server.url, text: f.text });
    return f;
  } finally {
    store.getState().setProgress(null);
  }
}
