import type { AppState, AppStore } from '../../store/appStore.ts';
import { SliceProvenance } from '../../volume/labels.ts';

/*
 * Review actions on the slice on screen. The caller first flushes the worker's queued events, so the pseudo-label
 * acted on is the one the user sees.
 */

/** Accepts the model's labels for the slice on screen (or one class of them) as labels, undoably. */
export function acceptFocusedSlice(store: AppStore, onlyClass?: number): boolean {
  const s = store.getState();
  const focus = s.training.focus;
  if (!focus) return false;
  const layer = s.training.predictions[focus.volumeId];
  const entry = s.volumes[focus.volumeId];
  if (!layer || !entry || layer.sliceStep[focus.k]! < 0 || layer.rejected.includes(focus.k)) {
    s.pushMessage({ severity: 'warning', subject: 'Review', text: 'There is no pseudo-label for this slice yet; it appears once the model has predicted it.' });
    return false;
  }
  const per = entry.labels.dims[0] * entry.labels.dims[1];
  // Predictions imported from elsewhere (app/importPredictions.ts) keep their provenance once accepted.
  const provenance = layer.imported ? SliceProvenance.Imported : SliceProvenance.AcceptedPseudoLabel;
  s.setSliceLabels(focus.volumeId, focus.k, layer.labels.slice(focus.k * per, (focus.k + 1) * per), provenance, onlyClass);
  return true;
}

/** Hides the pseudo-label of the slice on screen until the model changes its mind. */
export function rejectFocusedSlice(store: AppStore): void {
  const focus = store.getState().training.focus;
  if (focus) store.getState().rejectPseudoSlice(focus.volumeId, focus.k);
}

/** The unlabeled, unrejected slice of the active volume where teacher and student disagree most. */
export function nextUncertainSlice(s: AppState): number | null {
  const id = s.activeVolumeId;
  if (!id) return null;
  const scores = s.training.sliceScores[id]?.scores;
  const entry = s.volumes[id];
  if (!scores || !entry) {
    s.pushMessage({
      severity: 'info',
      subject: 'Review',
      text: 'Slice uncertainty is measured every 50 training steps on the volume on screen; it is not ready yet.',
    });
    return null;
  }
  const rejected = new Set(s.training.predictions[id]?.rejected ?? []);
  let best: number | null = null;
  for (let k = 0; k < scores.length; k++) {
    if (entry.labels.slices[2][k] !== 0 || rejected.has(k)) continue;
    if (best === null || scores[k]! > scores[best]!) best = k;
  }
  return best;
}
