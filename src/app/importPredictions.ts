import { detectFormat } from '../io/detectFormat.ts';
import { labelsFromSeg, seriesUIDOf } from '../io/dicomSeg/labelsFromSeg.ts';
import { readDicomSeg } from '../io/dicomSeg/readSeg.ts';
import { readNiftiLabelValues } from '../io/nifti/readNifti.ts';
import { matchPrediction, predictionValueMap } from '../io/nnunet/matchPrediction.ts';
import { messageAbout } from '../io/problems.ts';
import type { InputFile } from '../io/types.ts';
import type { AppStore } from '../store/appStore.ts';
import type { PredictionLayer } from '../store/trainingSlice.ts';
import { makeClass } from '../volume/classes.ts';

/**
 * Predictions made elsewhere (nnU-Net's output folder, another tool's NIfTI label maps, a DICOM SEG) become the
 * pseudo-label layer of their volume, so they are reviewed exactly as the model's own: shown over the image,
 * accepted or rejected per slice, edited after accepting. An accepted slice's provenance is "imported". A
 * prediction replaces what the layer showed; a running model's next prediction for that volume replaces it in turn.
 */
export interface ImportedPrediction {
  volumeId: string;
  labels: Uint8Array;
  fileName: string;
}

/** Puts an imported label map in place of the volume's pseudo-label layer: every slice predicted, none rejected. */
export function showImportedPrediction(store: AppStore, p: ImportedPrediction): void {
  const entry = store.getState().volumes[p.volumeId];
  if (!entry) return;
  const old = store.getState().training.predictions[p.volumeId];
  const layer: PredictionLayer = {
    labels: p.labels,
    // No uncertainty came with it: every voxel is drawn whatever the confidence threshold.
    uncertainty: new Uint8Array(p.labels.length),
    sliceStep: new Int32Array(entry.labels.dims[2]).fill(0),
    version: (old?.version ?? 0) + 1,
    rejected: [],
    text: null,
    imported: p.fileName,
  };
  store.setState((s) => ({ training: { ...s.training, predictions: { ...s.training.predictions, [p.volumeId]: layer } } }));
}

/** Classes for label values no class owns yet, so every imported voxel is visible and can be accepted. */
function ensureClasses(store: AppStore, labels: Uint8Array, named: { value: number; name: string }[]): void {
  const known = new Set(store.getState().classes.map((c) => c.value));
  const present = new Set<number>();
  for (const v of labels) if (v !== 0) present.add(v);
  const added = [...present]
    .filter((v) => !known.has(v))
    .sort((a, b) => a - b)
    .map((v) => makeClass(v, named.find((n) => n.value === v)?.name));
  if (added.length) store.setState((s) => ({ classes: [...s.classes, ...added], activeClassValue: s.activeClassValue ?? added[0]!.value }));
}

async function readDatasetJson(files: InputFile[]): Promise<unknown> {
  const file = files.find((f) => f.name === 'dataset.json');
  if (!file) return null;
  try {
    return JSON.parse(new TextDecoder().decode(await file.read()));
  } catch {
    return null;
  }
}

/** A DICOM SEG onto the open series it references, through the SEG reader in io/dicomSeg. */
function segPrediction(store: AppStore, file: InputFile, bytes: Uint8Array): ImportedPrediction {
  const seg = readDicomSeg(bytes);
  const s = store.getState();
  const entry = s.volumeOrder.map((id) => s.volumes[id]!).find((e) => seg.referencedSeriesUID !== null && seriesUIDOf(e.volume) === seg.referencedSeriesUID);
  if (!entry) throw new Error(`segments series ${seg.referencedSeriesUID ?? '(none named)'}, which is not open; open that DICOM series first`);
  const byName = new Map(s.classes.map((c) => [c.name.toLowerCase(), c.value]));
  const named: { value: number; name: string }[] = [];
  const { labels } = labelsFromSeg(seg, entry.volume, (segment) => {
    const known = byName.get(segment.label.toLowerCase());
    if (known !== undefined) return known;
    named.push({ value: segment.number, name: segment.label });
    return segment.number;
  });
  ensureClasses(store, labels.voxels, named);
  return { volumeId: entry.volume.id, labels: labels.voxels, fileName: file.name };
}

/**
 * Import predictions… : each NIfTI label map (or DICOM SEG) is matched to an open volume by case name and grid and
 * becomes its pseudo-label layer. A dataset.json among the files (nnU-Net copies it into its output folder) maps
 * nnU-Net's label values back to our classes. Files that match nothing are refused one by one, with the reason.
 */
export async function importPredictionsCommand(store: AppStore, files: InputFile[]): Promise<void> {
  const datasetJson = await readDatasetJson(files);
  const imported: string[] = [];
  for (const file of files) {
    // nnU-Net's output folder also holds dataset.json, plans.json, predict_from_raw_data_args.json and, with
    // --save_probabilities, .npz and .pkl files: none of them is a label map.
    if (/\.(json|npz|pkl)$/i.test(file.name)) continue;
    try {
      const bytes = await file.read();
      const format = detectFormat(file.path, bytes);
      let prediction: ImportedPrediction;
      if (format === 'nifti') {
        const l = readNiftiLabelValues(bytes, file.name);
        const s = store.getState();
        const match = matchPrediction(
          file.name,
          l.dims,
          l.ijkToLps,
          s.volumeOrder.map((id) => s.volumes[id]!.volume),
        );
        if (!match.ok) throw new Error(match.message);
        const { map, unnamed } = predictionValueMap(datasetJson, s.classes);
        const labels = l.values.map((v) => map[v]!);
        ensureClasses(store, labels, unnamed);
        prediction = { volumeId: match.volumeId, labels, fileName: file.name };
      } else if (format === 'dicom') {
        prediction = segPrediction(store, file, bytes);
      } else {
        throw new Error('is not a NIfTI label map or a DICOM SEG');
      }
      showImportedPrediction(store, prediction);
      imported.push(`${file.name} → ${store.getState().volumes[prediction.volumeId]!.volume.name}`);
    } catch (e) {
      store.getState().pushMessage({ severity: 'error', subject: file.name, text: messageAbout(file.name, e) });
    }
  }
  if (imported.length) {
    store.getState().pushMessage({
      severity: 'info',
      subject: 'Import predictions',
      text: `Shown as the pseudo-label layer: ${imported.join('; ')}. Review them slice by slice: accept (A) keeps a slice as labels marked imported, reject (X) hides it.`,
    });
  }
}
