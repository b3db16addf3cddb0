import { deleteRun, readCheckpoint, readRuns, writeRun, type Database, type RunRecord } from '../../persist/database.ts';
import { findResumable, runKey, sizeOfWidth, type RunSummary } from '../../persist/runKey.ts';
import type { AppStore } from '../../store/appStore.ts';
import { peekCheckpoint } from '../../train/checkpoint.ts';
import { PRESETS, type ModelKind, type PresetName } from '../../train/config.ts';
import type { ModelSize, ModelSizeChoice } from '../../train/modelSize.ts';
import { ImportedLayers, type StoredImports } from './importedLayers.ts';
import { preferredRun } from './methodComparison.ts';
import { RunLayerStore, type RunLayers } from './runLayerStore.ts';

/** What the panel needs of a stored run: no loss history; the validation history for the methods' comparison. */
function summaryOf(r: RunSummary): RunSummary {
  const { key, preset, network, size, step, savedAt, classValues, validationSlices, validationLabels, classes, validation } = r;
  const held = { ...(validationSlices ? { validationSlices } : {}), ...(validationLabels ? { validationLabels } : {}) };
  return { key, preset, network, size, step, savedAt, classValues, ...held, classes, validation };
}

/**
 * The training runs kept in IndexedDB, one per method, network and size: each run's checkpoint, its loss and
 * validation history and its layers. Only the tab that writes has a database; another tab holds its model in memory
 * (what Export model downloads) until it becomes the writer.
 */
export class SavedRuns {
  /** The run's newest checkpoint, stored or not: what Export model downloads. */
  private lastCheckpoint: { bytes: Uint8Array; step: number } | null = null;
  /** Why the last checkpoint did not reach storage (told once until it changes); null when it did. */
  private checkpointProblem: string | null = null;
  private readonly layers: RunLayerStore;
  /** Imported predictions' layers, stored as they change rather than at checkpoints. */
  readonly imported: ImportedLayers;
  private readonly stopWatchingImports: () => void;

  constructor(
    private readonly store: AppStore,
    public db: Database | null,
  ) {
    this.layers = new RunLayerStore(store);
    this.imported = new ImportedLayers(store, () => this.db);
    this.stopWatchingImports = this.imported.watch();
  }

  /** Stops storing imported layers (the controller is replaced). */
  dispose(): void {
    this.stopWatchingImports();
  }

  /** The newest checkpoint this tab holds in memory, stored or not. */
  get held(): { bytes: Uint8Array; step: number } | null {
    return this.lastCheckpoint;
  }

  /**
   * Shows a stored run as the last session left it: its loss and validation history, its pseudo-labels and
   * predictions, its step, method, network and size; and lists every stored run so the panel can offer to resume.
   * The run shown is the one winning on the shared validation slices, else the newest (methodComparison.ts).
   * `running` is asked again after each read: a run started meanwhile owns the panel.
   */
  async showNewest(running: () => boolean): Promise<void> {
    if (!this.db) return;
    const presetBefore = this.store.getState().training.preset;
    try {
      const runs = await readRuns(this.db);
      const s = this.store.getState();
      const c = preferredRun(runs);
      s.setTrainingPatch({
        savedRuns: runs.map(summaryOf),
        checkpoint: c
          ? { step: c.step, savedAt: c.savedAt, preset: c.preset, classValues: c.classValues, network: c.network, size: c.size, stored: true }
          : null,
      });
      // A method the user chose while the runs were read is theirs: the stored run does not override it.
      if (!c || running() || s.training.preset !== presetBefore) {
        if (!running()) this.showImported(await this.imported.read({}, null), running);
        return;
      }
      // The saved model's method, network and size become the panel's choice, so Start resumes it.
      if ((PRESETS as readonly string[]).includes(c.preset)) s.setPreset(c.preset as PresetName);
      s.setNetwork(c.network);
      s.setModelSize(c.size);
      const layers = await this.layersOf(c.key);
      const imported = await this.imported.read(layers.predictions, c.savedAt);
      if (running()) return;
      s.setTrainingPatch({
        restored: true,
        step: c.step,
        epoch: c.epoch ?? 0,
        elapsedMs: c.elapsedMs ?? 0,
        losses: c.losses,
        validation: c.validation,
        trainedClasses: c.classes,
        ...layers,
      });
      this.showImported(imported, running);
    } catch {
      // A damaged checkpoint store only means training starts afresh.
    }
  }

  /**
   * Imported layers as the last session left them, beside the restored run's (importedLayers.ts decides which win
   * where both exist); a layer shown meanwhile (an import during load) is kept. Then storage follows the screen.
   */
  private showImported(read: StoredImports, running: () => boolean): void {
    if (running()) return;
    const shown = this.store.getState().training.predictions;
    const predictions = { ...shown };
    for (const [id, layer] of Object.entries(read.layers)) if (!shown[id]?.imported) predictions[id] = layer;
    this.store.getState().setTrainingPatch({ predictions });
    void this.imported.adopt(read);
  }

  /** Re-reads the stored runs' summaries after a change, for the panel's Start label and the method-change dialog. */
  async refresh(): Promise<void> {
    if (!this.db) return;
    const runs = await readRuns(this.db).catch(() => null);
    if (runs) this.store.getState().setTrainingPatch({ savedRuns: runs.map(summaryOf) });
  }

  /** Deletes a stored run the user chose to discard; the panel stops showing it if it did. */
  async discard(key: string): Promise<void> {
    if (!this.db) return;
    await deleteRun(this.db, key).catch(() => undefined);
    await this.refresh();
    const shown = this.store.getState().training.checkpoint;
    if (shown?.size && runKey(shown.preset, shown.network, shown.size) === key) this.store.getState().setTrainingPatch({ checkpoint: null });
  }

  /** The stored run a Start with these choices continues, with its checkpoint; null when there is none. */
  async resumable(want: {
    preset: string;
    network: ModelKind;
    size: ModelSizeChoice;
    classValues: readonly number[];
  }): Promise<{ bytes: Uint8Array; run: RunRecord | null } | null> {
    if (!this.db) return null;
    const runs = await readRuns(this.db).catch(() => [] as RunRecord[]);
    const match = findResumable(runs, want);
    const saved = match ? await readCheckpoint(this.db, match.key).catch(() => null) : null;
    if (!match || !saved) return null;
    return { bytes: saved.bytes, run: runs.find((r) => r.key === match.key) ?? null };
  }

  /** A stored run's pseudo-labels and Predict-all results. */
  layersOf(key: string): Promise<RunLayers> {
    return this.layers.read(this.db, key);
  }

  /** Stores the layers of the run under `key` that changed since its last store. */
  storeLayers(key: string): Promise<void> {
    return this.layers.write(this.db, key);
  }

  /** A new run begins: its layers are all new to storage. */
  beginRun(): void {
    this.layers.reset();
  }

  /**
   * Keeps a checkpoint of the running model: in memory first (Export model works whether or not storage takes it),
   * then in storage with the run's history. The panel says "saved" only for what storage committed.
   */
  async keep(step: number, bytes: Uint8Array, run: { network: ModelKind; size: ModelSize | null }): Promise<void> {
    const s = this.store.getState();
    const classValues = s.training.trainedClasses.map((c) => c.value);
    const validationSlices = s.training.info?.validationSet;
    const validationLabels = s.training.info?.validationLabels;
    const size = run.size ?? sizeOfWidth(peekCheckpoint(bytes)?.config.model.width ?? 16);
    const record = { bytes, step, preset: s.training.preset, classValues, savedAt: Date.now(), network: run.network, size };
    const key = runKey(record.preset, record.network, size);
    this.lastCheckpoint = { bytes, step };
    let problem: string | undefined;
    if (!this.db) {
      problem = "this tab cannot write to the browser's storage";
    } else {
      try {
        const t = s.training;
        const stored: RunRecord = {
          key,
          preset: record.preset,
          network: record.network,
          size,
          step,
          savedAt: record.savedAt,
          classValues,
          ...(validationSlices ? { validationSlices } : {}),
          ...(validationLabels ? { validationLabels } : {}),
          classes: t.trainedClasses,
          losses: t.losses.filter((l) => l.step <= step),
          validation: t.validation.filter((v) => v.step <= step),
          epoch: t.epoch,
          elapsedMs: t.elapsedMs,
        };
        await writeRun(this.db, record, stored);
      } catch (e) {
        problem = (e as Error).message;
      }
    }
    if (!problem) {
      void this.refresh();
      void this.storeLayers(key);
    }
    // Otherwise the model is in this tab only, and the user is told once per kind of problem how to keep it.
    if (problem && problem !== this.checkpointProblem) {
      s.pushMessage({
        severity: 'warning',
        subject: 'Training',
        text: `The model at step ${step} is kept in this tab only (${problem}): use Export model to keep it in a file.`,
      });
    }
    this.checkpointProblem = problem ?? null;
    s.setTrainingPatch({
      checkpoint: {
        step,
        savedAt: record.savedAt,
        preset: record.preset,
        classValues,
        network: record.network,
        size,
        stored: !problem,
        ...(problem ? { problem } : {}),
      },
    });
  }

  /** Deletes the model the panel shows (its checkpoint, history and stored layers); other methods' models stay. */
  async forgetShown(): Promise<void> {
    const shown = this.store.getState().training.checkpoint;
    if (this.db && shown?.size) await deleteRun(this.db, runKey(shown.preset, shown.network, shown.size));
    this.store.getState().setTrainingPatch({ checkpoint: null, restored: false });
    await this.refresh();
  }
}
