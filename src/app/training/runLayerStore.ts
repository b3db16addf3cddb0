import { readRunLayers, writeRunLayer, type Database } from '../../persist/database.ts';
import { packLabels, unpackLabels } from '../../persist/runLayers.ts';
import type { AppStore } from '../../store/appStore.ts';
import type { PredictionLayer } from '../../store/trainingSlice.ts';

/** A run's layers as the panel shows them: pseudo-labels (with uncertainty) and the results of Predict all. */
export interface RunLayers {
  predictions: Record<string, PredictionLayer>;
  fullPredictions: Record<string, Uint8Array>;
}

/**
 * A run's pseudo-labels and Predict-all results, stored beside its checkpoint so a reload shows the run as it stood.
 * Only what changed since the last store is written (by layer version, and by buffer for Predict all).
 */
export class RunLayerStore {
  private stored = new Map<string, number>();
  private readonly storedFull = new WeakSet<Uint8Array>();

  constructor(private readonly store: AppStore) {}

  /** A new run: every pseudo-label it makes is new to storage. */
  reset(): void {
    this.stored = new Map();
  }

  /** The stored layers of a run, for volumes still in the workspace with the same size. */
  async read(db: Database | null, key: string): Promise<RunLayers> {
    const predictions: Record<string, PredictionLayer> = {};
    const fullPredictions: Record<string, Uint8Array> = {};
    const uncertainty = new Map<string, Uint8Array>();
    if (!db) return { predictions, fullPredictions };
    const volumes = this.store.getState().volumes;
    for (const r of await readRunLayers(db, key)) {
      const entry = volumes[r.volumeId];
      if (!entry || entry.labels.dims.some((d, n) => d !== r.dims[n])) continue;
      const labels = unpackLabels(r);
      if (!labels) continue;
      if (r.kind === 'full') fullPredictions[r.volumeId] = labels;
      else if (r.kind === 'uncertainty') uncertainty.set(r.volumeId, labels);
      else
        predictions[r.volumeId] = {
          labels,
          uncertainty: new Uint8Array(labels.length),
          sliceStep: r.sliceStep ?? new Int32Array(r.dims[2]).fill(-1),
          version: 1,
          rejected: [],
          text: null,
        };
    }
    // Without its uncertainty a restored pseudo-label would pass any confidence threshold and show its doubtful voxels.
    for (const [id, u] of uncertainty) {
      const layer = predictions[id];
      if (layer && u.length === layer.labels.length) layer.uncertainty = u;
    }
    return { predictions, fullPredictions };
  }

  /** Stores the run's pseudo-labels and Predict-all results that changed since the last store (argmax labels only). */
  async write(db: Database | null, key: string): Promise<void> {
    if (!db) return;
    const t = this.store.getState().training;
    try {
      for (const [volumeId, layer] of Object.entries(t.predictions)) {
        const id = `${key}|${volumeId}`;
        // An imported layer is no answer of this run: it is stored on its own, as it changes (importedLayers.ts).
        if (layer.imported || this.stored.get(id) === layer.version) continue;
        const dims = this.store.getState().volumes[volumeId]?.labels.dims;
        if (!dims) continue;
        this.stored.set(id, layer.version);
        const sliceStep = layer.sliceStep.slice();
        // Deflated in slices of a few milliseconds (packLabels), so storing a layer never holds the page for long.
        const pieces = await packLabels(layer.labels, dims);
        const uncertain = await packLabels(layer.uncertainty, dims, layer.labels);
        await writeRunLayer(db, { run: key, volumeId, kind: 'pseudo', dims: [dims[0], dims[1], dims[2]], sliceStep, pieces });
        await writeRunLayer(db, { run: key, volumeId, kind: 'uncertainty', dims: [dims[0], dims[1], dims[2]], sliceStep: null, pieces: uncertain });
      }
      for (const [volumeId, labels] of Object.entries(t.fullPredictions)) {
        const dims = this.store.getState().volumes[volumeId]?.labels.dims;
        if (!dims || this.storedFull.has(labels)) continue;
        this.storedFull.add(labels);
        await writeRunLayer(db, {
          run: key,
          volumeId,
          kind: 'full',
          dims: [dims[0], dims[1], dims[2]],
          sliceStep: null,
          pieces: await packLabels(labels, dims),
        });
      }
    } catch {
      // Layers are a convenience for the next visit; the checkpoint itself was stored (or its problem told).
    }
  }
}
