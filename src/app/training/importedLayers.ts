import { deleteRunLayer, readRunLayers, writeRunLayer, type Database, type RunLayerRecord } from '../../persist/database.ts';
import { packLabels, unpackLabels } from '../../persist/runLayers.ts';
import type { AppState, AppStore } from '../../store/appStore.ts';
import type { PredictionLayer } from '../../store/trainingSlice.ts';

/**
 * The run key imported layers are stored under. No training run has it (run keys are method/network/size,
 * persist/runKey.ts), so a run's checkpoint never overwrites them and discarding a run never deletes them.
 */
export const IMPORTED_RUN = 'imported';

/** The layer a stored imported record holds, for a volume still open at the same size; null otherwise. */
export function layerOfRecord(r: RunLayerRecord, volumes: AppState['volumes']): PredictionLayer | null {
  const entry = volumes[r.volumeId];
  if (r.kind !== 'pseudo' || !r.imported || !entry || entry.labels.dims.some((d, n) => d !== r.dims[n])) return null;
  const labels = unpackLabels(r);
  if (!labels) return null;
  return {
    labels,
    // As on import: no uncertainty came with it, so the confidence threshold hides none of it.
    uncertainty: new Uint8Array(labels.length),
    sliceStep: r.sliceStep ?? new Int32Array(r.dims[2]).fill(0),
    version: 1,
    rejected: [...(r.rejected ?? [])],
    text: null,
    imported: r.imported,
  };
}

/**
 * Which stored imported layers come back beside a restored run's layers. When both exist for a volume the newer
 * wins: an import after the run's checkpoint replaced the model's answer on screen, and a run checkpointed after
 * the import had replaced it in turn (the record would have been deleted then, unless the page closed first).
 * A record without `savedAt` loses to any run layer.
 */
export function importedToRestore(
  records: readonly RunLayerRecord[],
  volumes: AppState['volumes'],
  runLayers: Readonly<Record<string, PredictionLayer>>,
  runSavedAt: number | null,
): Record<string, PredictionLayer> {
  const out: Record<string, PredictionLayer> = {};
  for (const r of records) {
    if (runLayers[r.volumeId] && (r.savedAt ?? -Infinity) <= (runSavedAt ?? Infinity)) continue;
    const layer = layerOfRecord(r, volumes);
    if (layer) out[r.volumeId] = layer;
  }
  return out;
}

/**
 * Imported predictions' layers (app/importPredictions.ts) kept in IndexedDB as they are shown and reviewed, so a
 * reload or a crash loses neither the unreviewed slices nor the rejections. A training run's layers are stored
 * only at its checkpoints (runLayerStore.ts); an imported layer has no run, so it is stored on every change of its
 * version (import, reject), under IMPORTED_RUN. Once a volume's layer is no longer imported (the model's answer,
 * a new training run, a removed volume) its record is deleted. Only the writing tab has a database.
 */
export class ImportedLayers {
  /** Volume id → the version of its imported layer in storage. */
  private readonly stored = new Map<string, number>();
  /** Volumes with an imported record in storage (stored or read back here). */
  private readonly held = new Set<string>();
  /** Writes in order, one at a time: a later version never lands before an earlier one. */
  private queue: Promise<void> = Promise.resolve();
  /** Why the last write failed (told once until it changes); null when it succeeded. */
  private problem: string | null = null;

  constructor(
    private readonly store: AppStore,
    private readonly db: () => Database | null,
  ) {}

  /** Stores what changed whenever the layers or the volumes change; returns the unsubscribe. */
  watch(): () => void {
    return this.store.subscribe((s, prev) => {
      if (s.training.predictions !== prev.training.predictions || s.volumes !== prev.volumes) void this.sync();
    });
  }

  /** Brings storage up to the layers on screen; resolves once it is (tests and the journey wait on it). */
  sync(): Promise<void> {
    this.queue = this.queue.then(() => this.syncNow());
    return this.queue;
  }

  /**
   * The top bar says "saved" only for what storage holds: while a layer is written it says saving, and a write that
   * fails is told (once per reason) and retried at the layer's next change. The autosaver owns the save state; it
   * is touched only while it says saved, and given back only if nothing changed it meanwhile.
   */
  private async syncNow(): Promise<void> {
    const db = this.db();
    const st = this.store.getState();
    // Most calls come from the model's own predictions arriving: nothing imported changed, and nothing is said.
    if (!db || !this.pending(st)) return;
    const before = st.save;
    const saving = { kind: 'saving' as const };
    if (before.kind === 'saved') st.setSaveState(saving);
    try {
      await this.write(db);
      this.problem = null;
      if (this.store.getState().save === saving) st.setSaveState({ kind: 'saved', at: Date.now() });
    } catch (e) {
      const message = (e as Error).message;
      const text = `The imported prediction layer could not be stored (${message}): it is kept in this tab only until storing it succeeds; accepted slices are labels and are saved.`;
      if (this.store.getState().save === saving)
        st.setSaveState({
          kind: 'error',
          at: Date.now(),
          message: text,
          lastSavedAt: before.kind === 'saved' ? before.at : null,
          reason: 'imported layer not stored',
        });
      if (message !== this.problem) st.pushMessage({ severity: 'warning', subject: 'Import predictions', text });
      this.problem = message;
    }
  }

  /** Whether storage lags the screen: an imported layer changed, or a stored one no longer shows. */
  private pending(s: AppState): boolean {
    for (const [volumeId, layer] of Object.entries(s.training.predictions))
      if (layer.imported && s.volumes[volumeId] && this.stored.get(volumeId) !== layer.version) return true;
    for (const volumeId of this.held) if (!s.training.predictions[volumeId]?.imported || !s.volumes[volumeId]) return true;
    return false;
  }

  private async write(db: Database): Promise<void> {
    const s = this.store.getState();
    for (const [volumeId, layer] of Object.entries(s.training.predictions)) {
      const dims = s.volumes[volumeId]?.labels.dims;
      if (!layer.imported || !dims || this.stored.get(volumeId) === layer.version) continue;
      // Copied before the first await: a reject meanwhile bumps the version, and the next sync stores that.
      const rejected = [...layer.rejected];
      const sliceStep = layer.sliceStep.slice();
      const pieces = await packLabels(layer.labels, dims);
      await writeRunLayer(db, {
        run: IMPORTED_RUN,
        volumeId,
        kind: 'pseudo',
        dims: [dims[0], dims[1], dims[2]],
        sliceStep,
        pieces,
        imported: layer.imported,
        rejected,
        savedAt: Date.now(),
      });
      this.stored.set(volumeId, layer.version);
      this.held.add(volumeId);
    }
    const now = this.store.getState();
    for (const volumeId of [...this.held]) {
      if (now.training.predictions[volumeId]?.imported && now.volumes[volumeId]) continue;
      await deleteRunLayer(db, IMPORTED_RUN, volumeId, 'pseudo');
      this.held.delete(volumeId);
      this.stored.delete(volumeId);
    }
  }

  /** The stored imported layers to show beside a restored run's (importedToRestore says which win), and every stored volume. */
  async read(runLayers: Readonly<Record<string, PredictionLayer>>, runSavedAt: number | null): Promise<StoredImports> {
    const db = this.db();
    if (!db) return { layers: {}, volumeIds: [] };
    const records = await readRunLayers(db, IMPORTED_RUN);
    return { layers: importedToRestore(records, this.store.getState().volumes, runLayers, runSavedAt), volumeIds: records.map((r) => r.volumeId) };
  }

  /**
   * The layers read are on screen now: their records are this tab's to keep up to date, and those not shown (a
   * newer run layer won, the volume is gone) are deleted. Called only once the store shows them, so no sync in
   * between deletes a record whose layer is about to appear.
   */
  adopt(read: StoredImports): Promise<void> {
    for (const id of read.volumeIds) this.held.add(id);
    const shown = this.store.getState().training.predictions;
    // A layer imported while storage was read replaced the stored one: that one is written, not taken as stored.
    for (const [volumeId, layer] of Object.entries(read.layers)) if (shown[volumeId] === layer) this.stored.set(volumeId, layer.version);
    return this.sync();
  }
}

/** What storage held of imported layers at load: the layers to show and every volume with a record. */
export interface StoredImports {
  layers: Record<string, PredictionLayer>;
  volumeIds: string[];
}
