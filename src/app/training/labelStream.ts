import type { AppState, AppStore } from '../../store/appStore.ts';
import type { TrainingClient } from '../../train/TrainingClient.ts';
import { editBetween, gatherKSlices, kSlicesOf } from '../labelSync.ts';

/** Label edits reach the worker after this quiet time: one update per stroke, within a training step. */
const LABEL_SYNC_MS = 120;

/**
 * Streams the user's label edits to the running worker: after each stroke, the k-slices it changed (found from the
 * edit the store's history gained or gave back), or the whole volume when that cannot be told.
 */
export class LabelStream {
  private volumeIds: readonly string[] = [];
  /** k-slices of each volume changed since its labels were last sent ('all': not known, send the whole volume). */
  private readonly unsentSlices = new Map<string, Set<number> | 'all'>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private sentVersions = new Map<string, number>();

  constructor(
    private readonly store: AppStore,
    /** The running worker at the time a send is due; null once the run has ended. */
    private readonly client: () => TrainingClient | null,
  ) {}

  /** A run starts with these volumes, whose labels it was given at these versions. */
  begin(volumeIds: readonly string[], versions: Map<string, number>): void {
    this.volumeIds = volumeIds;
    this.sentVersions = new Map(versions);
    this.unsentSlices.clear();
  }

  /** The volumes changed from `prev` to `s`: note what changed, and send it once the user pauses. */
  onVolumesChanged(s: AppState, prev: AppState): void {
    this.noteChangedSlices(s, prev);
    this.queue();
  }

  /** Drops the pending sends (the run ended). */
  cancel(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Records which k-slices each label change touched, from the edit the store's history gained or gave back. */
  private noteChangedSlices(s: AppState, prev: AppState): void {
    for (const id of this.volumeIds) {
      const e = s.volumes[id];
      const p = prev.volumes[id];
      if (!e || e.labelsVersion === p?.labelsVersion) continue;
      const known = this.unsentSlices.get(id) ?? new Set<number>();
      const edit = p && e.committed === p.committed && e.labelsVersion === p.labelsVersion + 1 ? editBetween(prev.history[id], s.history[id]) : null;
      if (known === 'all' || !edit) {
        this.unsentSlices.set(id, 'all');
        continue;
      }
      for (const k of kSlicesOf(edit, e.labels.dims[0] * e.labels.dims[1])) known.add(k);
      this.unsentSlices.set(id, known);
    }
  }

  private queue(): void {
    const s = this.store.getState();
    for (const id of this.volumeIds) {
      const e = s.volumes[id];
      if (!e || this.sentVersions.get(id) === e.labelsVersion) continue;
      clearTimeout(this.timers.get(id));
      this.timers.set(
        id,
        setTimeout(() => this.send(id), LABEL_SYNC_MS),
      );
    }
  }

  private send(id: string): void {
    const now = this.store.getState().volumes[id];
    const client = this.client();
    if (!now || !client) return;
    this.sentVersions.set(id, now.labelsVersion);
    const slices: [Uint8Array, Uint8Array, Uint8Array] = [now.labels.slices[0].slice(), now.labels.slices[1].slice(), now.labels.slices[2].slice()];
    const changed = this.unsentSlices.get(id) ?? 'all';
    this.unsentSlices.delete(id);
    const per = now.labels.dims[0] * now.labels.dims[1];
    // A stroke changes a few slices: send those, not the volume (78 MB copied on this thread at 512²×300).
    if (changed !== 'all' && changed.size <= now.labels.dims[2] / 2) {
      const ks = [...changed].sort((a, b) => a - b);
      client.send({ type: 'labelSlices', volumeId: id, ks, values: gatherKSlices(now.committed, per, ks), slices });
    } else {
      client.send({ type: 'labels', volumeId: id, labels: now.committed.slice(), slices });
    }
  }
}
