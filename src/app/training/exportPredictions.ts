import { zipSync } from 'fflate';
import { writeNiftiLabels } from '../../io/nifti/writeNiftiLabels.ts';
import type { AppState } from '../../store/appStore.ts';
import { downloadBytes } from '../download.ts';
import { baseName } from '../labelExport.ts';

/** Downloads the results of Predict all as one NIfTI label file per volume, with each image's geometry, in a zip. */
export function exportPredictions(s: AppState): void {
  const ids = Object.keys(s.training.fullPredictions);
  if (ids.length === 0) {
    s.pushMessage({ severity: 'info', subject: 'Export predictions', text: 'Run "Predict all" first.' });
    return;
  }
  const tree: Record<string, Uint8Array> = {};
  for (const id of ids) {
    const e = s.volumes[id];
    if (e) tree[`predictions/${baseName(e.volume.name)}_pred.nii.gz`] = writeNiftiLabels(s.training.fullPredictions[id]!, e.volume);
  }
  // Stored, not deflated: the NIfTI files are gzipped already.
  downloadBytes(zipSync(tree, { level: 0 }), 'pseudolab-predictions.zip', 'application/zip');
}
