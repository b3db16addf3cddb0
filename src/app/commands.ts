import { importLabelFile, openInputs } from '../io/openInputs.ts';
import { describeOpenVolumes } from '../io/text/attachDescriptions.ts';
import type { InputFile } from '../io/types.ts';
import type { AppStore } from '../store/appStore.ts';
import { activeEntry } from '../store/selectors.ts';
import { makeClass } from '../volume/classes.ts';
import { SliceProvenance } from '../volume/labels.ts';
import { downloadBytes } from './download.ts';
import { baseName, labelFiles, sidecarFile, zipExport } from './labelExport.ts';
import { applyOpenedSegs, importDicomSegCommand } from './segCommands.ts';

/**
 * What the UI's buttons do: each command runs io, updates the store and reports problems as messages. A bad
 * file never stops the others, and never touches what the user already has.
 */
export async function openFilesCommand(store: AppStore, files: InputFile[]): Promise<void> {
  const s = store.getState();
  if (files.length === 0) return;
  // Marks for DevTools' performance panel and scripts/bench-foundation.mjs.
  performance.mark('pseudolab:open:start');
  s.setProgress({ label: 'Opening files', done: 0, total: files.length });
  try {
    const result = await openInputs(files, (done, total, what) => store.getState().setProgress({ label: `Opening ${what}`, done, total }));
    for (const p of result.problems) {
      store.getState().pushMessage({ severity: p.severity, subject: p.file, text: p.message });
    }
    store.getState().addOpened(result);
    const first = result.volumes[0];
    if (first) store.getState().setActiveVolume(first.id);
    if (result.segmentations) applyOpenedSegs(store, result.segmentations);
    // A CSV of descriptions opened on its own is for the images already open.
    if (result.descriptions) {
      const now = store.getState();
      const open = describeOpenVolumes(
        result.descriptions,
        now.volumeOrder.map((id) => now.volumes[id]!.volume),
      );
      for (const d of open.descriptions) now.setVolumeDescription(d.volumeId, d.description);
      for (const p of open.problems) now.pushMessage({ severity: p.severity, subject: p.file, text: p.message });
      for (const m of open.summaries) now.pushMessage({ severity: 'info', subject: m.file, text: m.text });
    }
    if (result.volumes.length === 0 && result.problems.length === 0 && !result.descriptions && !result.segmentations) {
      store.getState().pushMessage({ severity: 'warning', subject: null, text: 'No images found in what was opened.' });
    }
  } catch (e) {
    // openInputs reports per-file problems itself; reaching here is a bug, but the user still deserves words.
    store.getState().pushMessage({ severity: 'error', subject: null, text: `Opening failed: ${(e as Error).message}` });
  } finally {
    store.getState().setProgress(null);
  }
}

export async function importLabelsCommand(store: AppStore, file: InputFile): Promise<void> {
  const entry = activeEntry(store.getState());
  if (!entry) {
    store.getState().pushMessage({ severity: 'error', subject: file.name, text: 'Open a volume before importing labels onto it.' });
    return;
  }
  if (await importDicomSegCommand(store, file)) return;
  try {
    const { values, warnings } = await importLabelFile(file, entry.volume);
    store.getState().replaceLabels(entry.volume.id, values, SliceProvenance.Imported);
    const known = new Set(store.getState().classes.map((c) => c.value));
    const present = new Set<number>();
    for (const v of values) if (v !== 0) present.add(v);
    for (const v of [...present].sort((a, b) => a - b)) {
      if (!known.has(v)) store.setState((s) => ({ classes: [...s.classes, makeClass(v)] }));
    }
    for (const w of warnings) store.getState().pushMessage({ severity: 'warning', subject: file.name, text: w });
    store.getState().pushMessage({ severity: 'info', subject: file.name, text: `Labels imported onto ${entry.volume.name} (undo with Ctrl+Z).` });
  } catch (e) {
    store.getState().pushMessage({ severity: 'error', subject: file.name, text: (e as Error).message });
  }
}

export function exportActiveLabelsCommand(store: AppStore): void {
  const s = store.getState();
  const entry = activeEntry(s);
  if (!entry) return;
  try {
    const [file] = labelFiles([entry]);
    downloadBytes(file!.bytes, file!.name, 'application/gzip');
    const sidecar = sidecarFile(`${baseName(entry.volume.name)}_labels.json`, s.classes);
    downloadBytes(sidecar.bytes, sidecar.name, 'application/json');
  } catch (e) {
    s.pushMessage({ severity: 'error', subject: entry.volume.name, text: `Export failed: ${(e as Error).message}` });
  }
}

export async function exportAllLabelsCommand(store: AppStore): Promise<void> {
  const s = store.getState();
  const entries = s.volumeOrder.map((id) => s.volumes[id]).filter((e) => e !== undefined);
  if (entries.length === 0) return;
  try {
    const zip = await zipExport(entries, s.classes, (done, total) => store.getState().setProgress({ label: 'Exporting labels', done, total }));
    downloadBytes(zip, 'pseudolab-labels.zip', 'application/zip');
  } catch (e) {
    s.pushMessage({ severity: 'error', subject: null, text: `Export failed: ${(e as Error).message}` });
  } finally {
    store.getState().setProgress(null);
  }
}
