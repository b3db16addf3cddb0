import { zipSync } from 'fflate';
import { writeNiftiLabels } from '../io/nifti/writeNiftiLabels.ts';
import { deleteRun, readCheckpoint, readRunLayers, readRuns, writeRun, writeRunLayer, type Database, type RunRecord } from '../persist/database.ts';
import { findResumable, newestRun, runKey, sizeOfWidth, type RunSummary } from '../persist/runKey.ts';
import { packLabels, unpackLabels } from '../persist/runLayers.ts';
import type { ModelSize } from '../train/modelSize.ts';
import type { PredictionLayer } from '../store/trainingSlice.ts';
import type { AppState, AppStore } from '../store/appStore.ts';
import { BACKEND_ORDER } from '../train/backendNames.ts';
import { decodeCheckpoint, peekCheckpoint } from '../train/checkpoint.ts';
import { presetConfig, presetModelKind, PRESETS, usesText, type ModelKind, type PresetName } from '../train/config.ts';
import { describeRun3DChange } from '../train/describeMemory.ts';
import { explainEngineFailure } from '../train/engineFailure.ts';
import { modalityOfVolume } from '../text/classPrompts.ts';
import { withAnatomyDefaults } from '../text/anatomyDefaults.ts';
import { takPromptTexts, type TakPromptTexts } from '../text/takPrompts.ts';
import { sameTexts, workspaceTexts, type WorkspaceTexts } from '../text/workspaceTexts.ts';
import type { TextEncoderProvider } from '../text/encoders/TextEncoderProvider.ts';
import { promptBankEncoder } from '../text/encoders/promptBankEncoder.ts';
import { makePromptBank, parsePromptBank, serializePromptBank } from '../text/promptBank.ts';
import type { FixedTextVectors } from '../train/vlm/textStage.ts';
import type { FromWorker, WorkerVolume } from '../train/protocol.ts';
import { TrainingClient } from '../train/TrainingClient.ts';
import { SliceProvenance } from '../volume/labels.ts';
import { downloadBytes } from './download.ts';
import { baseName } from './labelExport.ts';
import { TrainingEventQueue, watchInput } from './trainingEventQueue.ts';
import { editBetween, gatherKSlices, kSlicesOf } from './labelSync.ts';

/**
 * Save a checkpoint this often while training runs (and always on pause and stop). It is also what a run resumes
 * from after the engine fails (a WebAssembly abort leaves nothing to save), so not much longer than a minute.
 */
const CHECKPOINT_EVERY_MS = 60_000;
/** …and every this many steps (the worker spaces them at least 10 s apart), so a crash on a fast GPU loses little. */
const CHECKPOINT_EVERY_STEPS = 25;
/**
 * Stop waits this long for the worker to say 'stopped' and send its last checkpoint. The worker answers between two
 * batches of work (a step, or a few sliding windows), seconds even on a CPU; past this it is stuck, and is ended.
 */
const STOP_GRACE_MS = 30_000;
const STOP_GRACE_STEPS = 4;
/** Label edits reach the worker after this quiet time: one update per stroke, within a training step. */
const LABEL_SYNC_MS = 120;

/**
 * The app's side of training: starts the worker with the workspace's volumes and classes, streams label edits
 * and the slice on screen to it, turns its events into store state, keeps checkpoints in IndexedDB, and runs
 * review actions (accept, reject, next uncertain slice), predict-all and model export/import.
 */
export class TrainingController {
  private client: TrainingClient | null = null;
  private readonly unsubscribe: () => void;
  /** The worker's events on their way to the store: progress and predictions in batches, between the user's inputs. */
  private readonly events = new TrainingEventQueue((m) => this.onEvent(m));
  private readonly stopWatchingInput: () => void;
  /** k-slices of each volume changed since its labels were last sent ('all': not known, send the whole volume). */
  private unsentSlices = new Map<string, Set<number> | 'all'>();
  private readonly labelTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private sentVersions = new Map<string, number>();
  private volumeIds: string[] = [];
  /** The texts the running model was given (text presets), to send only real changes. */
  private sentTexts: WorkspaceTexts | null = null;
  private textTimer: ReturnType<typeof setTimeout> | null = null;
  /** A text encoder other than the learned one (prompt bank, pretrained model); null = learn one in the worker. */
  private provider: TextEncoderProvider | null = null;
  /** TAK's position and shape prompts as the running model last got them (tak only). */
  private sentTak: TakPromptTexts | null = null;
  /** The network of the running model, for the checkpoint record. */
  private runNetwork: ModelKind = '2d';
  /** The size the running model trains at (the worker resolves 'auto'), for the checkpoint's key. */
  private runSize: ModelSize | null = null;
  /** Layer versions and Predict-all buffers already stored for the run, so a checkpoint stores only what changed. */
  private storedLayers = new Map<string, number>();
  private storedFull = new WeakSet<Uint8Array>();
  /** The run's newest checkpoint, stored or not: what Export model downloads. */
  private lastCheckpoint: { bytes: Uint8Array; step: number } | null = null;
  /** Why the last checkpoint did not reach storage (told once until it changes); null when it did. */
  private checkpointProblem: string | null = null;
  /** How long the run's last step took (segmentation or pre-training): Stop waits a few of them. */
  private lastStepMs = 0;

  constructor(
    private readonly store: AppStore,
    private db: Database | null,
  ) {
    this.unsubscribe = store.subscribe((s, prev) => {
      if (!this.client) return;
      if (s.volumes !== prev.volumes) {
        this.noteChangedSlices(s, prev);
        this.queueLabelSync();
      }
      if (s.training.focus !== prev.training.focus) this.sendWatch();
      if ((this.sentTexts || this.sentTak) && (s.classes !== prev.classes || s.volumes !== prev.volumes)) this.queueTextSync();
    });
    this.stopWatchingInput = typeof window === 'undefined' ? () => undefined : watchInput(window, () => this.events.noteInput());
  }

  get running(): boolean {
    return this.client !== null;
  }

  /**
   * This tab became the writer (the one that held storage closed): checkpoints are stored from now on, starting
   * with the model this tab holds in memory, if it has one; otherwise the stored one is offered for resume.
   */
  async useDatabase(db: Database): Promise<void> {
    this.db = db;
    const held = this.lastCheckpoint;
    if (held) await this.keepCheckpoint(held.step, held.bytes);
    else if (!this.running) await this.loadCheckpointInfo();
  }

  /**
   * Looks for stored runs so the panel can offer to resume, and shows the newest as the last session left it: its
   * loss and validation history, its pseudo-labels and predictions, its step, method, network and size.
   */
  async loadCheckpointInfo(): Promise<void> {
    if (!this.db) return;
    try {
      const runs = await readRuns(this.db);
      const s = this.store.getState();
      const c = newestRun(runs);
      s.setTrainingPatch({ savedRuns: runs.map(summaryOf), checkpoint: c ? { step: c.step, savedAt: c.savedAt, preset: c.preset, classValues: c.classValues, network: c.network, size: c.size, stored: true } : null });
      if (!c || this.running) return;
      // The saved model's method, network and size become the panel's choice, so Start resumes it.
      if ((PRESETS as readonly string[]).includes(c.preset)) s.setPreset(c.preset as PresetName);
      s.setNetwork(c.network);
      s.setModelSize(c.size);
      const layers = await this.readLayers(c.key);
      if (this.running) return;
      s.setTrainingPatch({ restored: true, step: c.step, epoch: c.epoch ?? 0, elapsedMs: c.elapsedMs ?? 0, losses: c.losses, validation: c.validation, trainedClasses: c.classes, ...layers });
    } catch {
      // A damaged checkpoint store only means training starts afresh.
    }
  }

  /** The stored pseudo-labels and Predict-all results of a run, for volumes still in the workspace with the same size. */
  private async readLayers(key: string): Promise<{ predictions: Record<string, PredictionLayer>; fullPredictions: Record<string, Uint8Array> }> {
    const predictions: Record<string, PredictionLayer> = {};
    const fullPredictions: Record<string, Uint8Array> = {};
    const uncertainty = new Map<string, Uint8Array>();
    if (!this.db) return { predictions, fullPredictions };
    const volumes = this.store.getState().volumes;
    for (const r of await readRunLayers(this.db, key)) {
      const entry = volumes[r.volumeId];
      if (!entry || entry.labels.dims.some((d, n) => d !== r.dims[n])) continue;
      const labels = unpackLabels(r);
      if (!labels) continue;
      if (r.kind === 'full') fullPredictions[r.volumeId] = labels;
      else if (r.kind === 'uncertainty') uncertainty.set(r.volumeId, labels);
      else predictions[r.volumeId] = { labels, uncertainty: new Uint8Array(labels.length), sliceStep: r.sliceStep ?? new Int32Array(r.dims[2]).fill(-1), version: 1, rejected: [], text: null };
    }
    // Without its uncertainty a restored pseudo-label would pass any confidence threshold and show its doubtful voxels.
    for (const [id, u] of uncertainty) {
      const layer = predictions[id];
      if (layer && u.length === layer.labels.length) layer.uncertainty = u;
    }
    return { predictions, fullPredictions };
  }

  /** Stores the run's pseudo-labels and Predict-all results that changed since the last store (argmax labels only). */
  private async storeLayers(key: string): Promise<void> {
    const db = this.db;
    if (!db) return;
    const t = this.store.getState().training;
    try {
      for (const [volumeId, layer] of Object.entries(t.predictions)) {
        const id = `${key}|${volumeId}`;
        if (this.storedLayers.get(id) === layer.version) continue;
        const dims = this.store.getState().volumes[volumeId]?.labels.dims;
        if (!dims) continue;
        this.storedLayers.set(id, layer.version);
        const sliceStep = layer.sliceStep.slice();
        const pieces = await packLabels(layer.labels, dims);
        const uncertain = await packLabels(layer.uncertainty, dims, layer.labels);
        await writeRunLayer(db, { run: key, volumeId, kind: 'pseudo', dims: [dims[0], dims[1], dims[2]], sliceStep, pieces });
        await writeRunLayer(db, { run: key, volumeId, kind: 'uncertainty', dims: [dims[0], dims[1], dims[2]], sliceStep: null, pieces: uncertain });
      }
      for (const [volumeId, labels] of Object.entries(t.fullPredictions)) {
        const dims = this.store.getState().volumes[volumeId]?.labels.dims;
        if (!dims || this.storedFull.has(labels)) continue;
        this.storedFull.add(labels);
        await writeRunLayer(db, { run: key, volumeId, kind: 'full', dims: [dims[0], dims[1], dims[2]], sliceStep: null, pieces: await packLabels(labels, dims) });
      }
    } catch {
      // Layers are a convenience for the next visit; the checkpoint itself was stored (or its problem told).
    }
  }

  /** Re-reads the stored runs' summaries after a change, for the panel's Start label and the method-change dialog. */
  private async refreshRuns(): Promise<void> {
    if (!this.db) return;
    const runs = await readRuns(this.db).catch(() => null);
    if (runs) this.store.getState().setTrainingPatch({ savedRuns: runs.map(summaryOf) });
  }

  /** Starts or resumes a run; `discard`: a stored run (its key) the user chose to delete rather than keep. */
  async start(opts: { discard?: string } = {}): Promise<void> {
    if (this.client) return;
    if (opts.discard && this.db) {
      await deleteRun(this.db, opts.discard).catch(() => undefined);
      await this.refreshRuns();
      const shown = this.store.getState().training.checkpoint;
      if (shown && shown.size && runKey(shown.preset, shown.network, shown.size) === opts.discard) this.store.getState().setTrainingPatch({ checkpoint: null });
    }
    const s = this.store.getState();
    const say = s.pushMessage;
    const classes = s.classes.map((c) => ({ value: c.value, name: c.name }));
    if (classes.length === 0) {
      say({ severity: 'error', subject: 'Training', text: 'Add a class before training: the model needs to know what to segment.' });
      return;
    }
    const active = s.activeVolumeId ? s.volumes[s.activeVolumeId] : undefined;
    const channels = active?.volume.channels ?? 1;
    const entries = s.volumeOrder.map((id) => s.volumes[id]!).filter((e) => e.volume.channels === channels);
    if (entries.length < s.volumeOrder.length) {
      say({ severity: 'warning', subject: 'Training', text: `${s.volumeOrder.length - entries.length} volume(s) of another kind (grey vs colour) are left out of this run.` });
    }
    const labeledSlices = entries.reduce((n, e) => n + e.labels.slices[2].filter((p) => p !== 0).length + e.labels.slices[0].filter((p) => p !== 0).length + e.labels.slices[1].filter((p) => p !== 0).length, 0);
    if (labeledSlices === 0) {
      say({ severity: 'error', subject: 'Training', text: 'Label at least one slice first: paint a structure, or mark a slice as labeled.' });
      return;
    }
    // The worker gets its own copies (transferred): the viewer keeps painting into ours.
    const volumes: WorkerVolume[] = entries.map((e) => ({
      id: e.volume.id,
      validation: e.validation.filter((k) => e.labels.slices[2][k] !== 0),
      dims: [...e.volume.geometry.dims],
      spacing: [...e.volume.geometry.spacing],
      channels: e.volume.channels,
      voxels: e.volume.voxels.slice(),
      labels: e.committed.slice(),
      slices: [e.labels.slices[0].slice(), e.labels.slices[1].slice(), e.labels.slices[2].slice()],
    }));
    this.volumeIds = volumes.map((v) => v.id);
    this.sentVersions = new Map(entries.map((e) => [e.volume.id, e.labelsVersion]));
    this.unsentSlices.clear();
    let checkpoint: Uint8Array | null = null;
    const preset = s.training.preset;
    const network = presetModelKind(preset) ?? s.training.network;
    // Each method, network and size keeps its own checkpoint (the panel asked before leaving another behind).
    let resumed: RunRecord | null = null;
    if (this.db) {
      const runs = await readRuns(this.db).catch(() => [] as RunRecord[]);
      const match = findResumable(runs, { preset, network, size: s.training.modelSize, classValues: classes.map((c) => c.value) });
      const saved = match ? await readCheckpoint(this.db, match.key).catch(() => null) : null;
      if (match && saved) {
        checkpoint = saved.bytes;
        resumed = runs.find((r) => r.key === match.key) ?? null;
      }
    }
    // A resumed run continues its history and its pseudo-labels; the panel already shows them when it was restored.
    const shown = s.training.checkpoint;
    const continued =
      resumed && shown?.size && runKey(shown.preset, shown.network, shown.size) === resumed.key && s.training.restored
        ? { predictions: s.training.predictions, fullPredictions: s.training.fullPredictions }
        : resumed
          ? await this.readLayers(resumed.key).catch(() => ({ predictions: {}, fullPredictions: {} }))
          : null;
    // The worker sizes the network once it knows the backend (see train/modelSize.ts).
    const config = presetConfig(preset, { seed: 1, model: { kind: network }, validation: { everySteps: 20 } });
    this.runNetwork = network;
    const preference = s.training.backendPreference;
    s.resetTrainingRun();
    this.runSize = null;
    this.storedLayers = new Map();
    if (resumed && continued) {
      const upTo = resumed.step;
      s.setTrainingPatch({ losses: resumed.losses.filter((l) => l.step <= upTo), validation: resumed.validation.filter((v) => v.step <= upTo), ...continued });
    }
    this.lastStepMs = 0;
    s.setTrainingPatch({ status: 'starting', trainedClasses: classes, error: null, errorDetails: null, engineFailure: null });
    this.client = new TrainingClient(
      (m) => this.events.receive(m),
      (message) => this.onCrash(message),
    );
    // TAK reads each class's position and shape prompt; its learned text tower also sees the workspace texts.
    const tak = preset === 'tak' ? this.currentTakTexts() : null;
    const texts = usesText(preset) || tak ? this.currentTexts() : null;
    let textVectors: FixedTextVectors | null = null;
    const takVectors = tak ? await this.takVectorsFor(tak) : null;
    if (texts && !tak && this.provider) {
      try {
        textVectors = await this.vectorsFor(texts);
      } catch (e) {
        s.pushMessage({ severity: 'error', subject: 'Text encoder', text: (e as Error).message });
        s.setTrainingPatch({ status: 'idle' });
        this.endRun();
        return;
      }
    }
    this.sentTexts = tak ? null : texts;
    this.sentTak = tak;
    this.client.send({
      type: 'start',
      texts,
      textVectors,
      tak,
      takVectors,
      config,
      classes,
      volumes,
      backendOrder: preference === 'auto' ? [...BACKEND_ORDER] : [preference, ...BACKEND_ORDER.filter((b) => b !== preference)],
      skipSoftware: preference === 'auto',
      customKernels: s.training.customKernels,
      modelSize: s.training.modelSize,
      wasmPaths: new URL('tfjs-wasm/', document.baseURI).href,
      checkpoint,
      checkpointEveryMs: CHECKPOINT_EVERY_MS,
      checkpointEverySteps: CHECKPOINT_EVERY_STEPS,
    });
    this.sendWatch();
  }

  pause(): void {
    this.client?.send({ type: 'pause' });
  }

  /** Ends vision–language pre-training early; segmentation training starts with the model as it is. */
  skipPretraining(): void {
    this.client?.send({ type: 'skipPretraining' });
  }

  resume(): void {
    this.client?.send({ type: 'resume' });
  }

  stop(): void {
    this.events.flush();
    const client = this.client;
    if (!client || this.store.getState().training.stopping) return;
    this.store.getState().setTrainingPatch({ stopping: true });
    client.send({ type: 'stop' });
    // The worker says 'stopped' at its next batch of work, then sends a last checkpoint, and goes (keepCheckpoint).
    // If it has not gone by then, it is ended here: Stop must stop, whatever the worker is stuck in. On a CPU backend
    // a step cannot be interrupted, so the wait grows with the steps (a software GPU's can take minutes).
    const graceMs = Math.max(STOP_GRACE_MS, STOP_GRACE_STEPS * this.lastStepMs);
    setTimeout(() => {
      if (this.client !== client) return;
      const s = this.store.getState();
      if (s.training.status !== 'stopped') {
        const saved = s.training.checkpoint;
        s.pushMessage({
          severity: 'warning',
          subject: 'Training',
          text: `The training worker did not answer Stop within ${Math.round(graceMs / 1000)} s, so it was ended. ${saved ? `The model ${saved.stored ? 'saved' : 'held in this tab'} at step ${saved.step} is kept${saved.stored ? '' : ' (export it to keep it)'}; later steps are lost.` : 'No model had been saved yet.'} Your labels are safe.`,
        });
        s.setTrainingPatch({ status: 'stopped', stopping: false });
      }
      this.endRun();
    }, graceMs);
  }

  predictAll(): void {
    if (!this.client) {
      this.store.getState().pushMessage({ severity: 'error', subject: 'Predict all', text: 'Start training (or resume a saved model) first: predictions come from the running model.' });
      return;
    }
    this.store.getState().setTrainingPatch({ predictAll: { running: true, done: 0, total: 1 }, fullPredictions: {} });
    this.client.send({ type: 'predictAll' });
  }

  cancelPredictAll(): void {
    this.client?.send({ type: 'cancelPredictAll' });
  }

  /** Accepts the model's labels for the slice on screen (or one class of them) as labels, undoably. */
  acceptSlice(onlyClass?: number): boolean {
    this.events.flush();
    const s = this.store.getState();
    const focus = s.training.focus;
    if (!focus) return false;
    const layer = s.training.predictions[focus.volumeId];
    const entry = s.volumes[focus.volumeId];
    if (!layer || !entry || layer.sliceStep[focus.k]! < 0 || layer.rejected.includes(focus.k)) {
      s.pushMessage({ severity: 'warning', subject: 'Review', text: 'There is no pseudo-label for this slice yet; it appears once the model has predicted it.' });
      return false;
    }
    const per = entry.labels.dims[0] * entry.labels.dims[1];
    s.setSliceLabels(focus.volumeId, focus.k, layer.labels.slice(focus.k * per, (focus.k + 1) * per), SliceProvenance.AcceptedPseudoLabel, onlyClass);
    return true;
  }

  rejectSlice(): void {
    this.events.flush();
    const focus = this.store.getState().training.focus;
    if (focus) this.store.getState().rejectPseudoSlice(focus.volumeId, focus.k);
  }

  /** The unlabeled, unrejected slice of the active volume where teacher and student disagree most. */
  nextUncertainSlice(): number | null {
    this.events.flush();
    const s = this.store.getState();
    const id = s.activeVolumeId;
    if (!id) return null;
    const scores = s.training.sliceScores[id]?.scores;
    const entry = s.volumes[id];
    if (!scores || !entry) {
      s.pushMessage({ severity: 'info', subject: 'Review', text: 'Slice uncertainty is measured every 50 training steps on the volume on screen; it is not ready yet.' });
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

  exportPredictions(): void {
    const s = this.store.getState();
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
    downloadBytes(zipSync(tree, { level: 0 }), 'pseudolab-predictions.zip', 'application/zip');
  }

  /**
   * Downloads the latest model (weights, optimiser state, step) as a file: the run's newest checkpoint from memory
   * when there is one (it may never have reached storage: a read-only tab, a full disk), else the stored one.
   */
  async exportModel(): Promise<void> {
    const s = this.store.getState();
    const shown = s.training.checkpoint;
    const key = shown?.size ? runKey(shown.preset, shown.network, shown.size) : null;
    const stored = this.db && key ? await readCheckpoint(this.db, key).catch(() => null) : null;
    const latest = this.lastCheckpoint && (!stored || this.lastCheckpoint.step >= stored.step) ? this.lastCheckpoint : stored;
    if (!latest) {
      s.pushMessage({ severity: 'info', subject: 'Export model', text: 'There is no model yet: train for a little while (it is kept on pause, on stop and every minute or 25 steps).' });
      return;
    }
    downloadBytes(latest.bytes, `pseudolab-model-step${latest.step}.pslb`, 'application/octet-stream');
  }

  /** Reads a model file; a valid one becomes the checkpoint the next run resumes from. */
  async importModel(bytes: Uint8Array, fileName: string): Promise<void> {
    const s = this.store.getState();
    try {
      const c = decodeCheckpoint(bytes);
      const values = c.classes.map((x) => x.value);
      const known = s.classes.map((x) => x.value);
      if (values.length !== known.length || values.some((v, n) => v !== known[n])) {
        throw new Error(`it predicts ${c.classes.map((x) => x.name).join(', ')}; this workspace's classes are ${s.classes.map((x) => x.name).join(', ') || 'none'}`);
      }
      if (!this.db) throw new Error('browser storage is unavailable, so the model cannot be kept');
      const network = c.config.model.kind;
      const size = sizeOfWidth(c.config.model.width);
      const savedAt = Date.now();
      const key = runKey(c.config.preset, network, size);
      await writeRun(
        this.db,
        { bytes, step: c.step, preset: c.config.preset, classValues: values, savedAt, network, size },
        { key, preset: c.config.preset, network, size, step: c.step, savedAt, classValues: values, classes: c.classes, losses: [], validation: [] },
      );
      await this.loadCheckpointInfo();
      s.pushMessage({ severity: 'info', subject: fileName, text: `Model imported (step ${c.step}); press Start to continue training from it.` });
    } catch (e) {
      s.pushMessage({ severity: 'error', subject: fileName, text: `This model cannot be used: ${(e as Error).message}.` });
    }
  }

  /** Deletes the model the panel shows (its checkpoint, history and stored layers); other methods' models stay. */
  async forgetModel(): Promise<void> {
    const shown = this.store.getState().training.checkpoint;
    if (this.db && shown?.size) await deleteRun(this.db, runKey(shown.preset, shown.network, shown.size));
    this.store.getState().setTrainingPatch({ checkpoint: null, restored: false });
    await this.refreshRuns();
  }

  dispose(): void {
    this.unsubscribe();
    this.stopWatchingInput();
    this.endRun();
  }

  // ——— internals ———

  private onEvent(m: FromWorker): void {
    const s = this.store.getState();
    if (m.type === 'step' || m.type === 'vlmStep') this.lastStepMs = m.report.ms;
    s.applyTrainingEvent(m);
    if (m.type === 'ready') this.runSize = m.modelSize;
    if (m.type === 'checkpoint') void this.keepCheckpoint(m.step, m.bytes);
    if (m.type === 'predictAllDone' && this.runSize) void this.storeLayers(runKey(s.training.preset, this.runNetwork, this.runSize));
    if (m.type === 'promptBank') {
      const bank = makePromptBank({ provider: 'pseudolab', name: m.name }, m.dim, m.entries);
      downloadBytes(new TextEncoder().encode(serializePromptBank(bank)), 'pseudolab-prompt-bank.json', 'application/json');
    }
    if (m.type === 'error') s.pushMessage({ severity: 'error', subject: 'Training', text: m.message, ...(m.details ? { details: m.details } : {}) });
    if (m.type === 'notice') s.pushMessage({ severity: 'info', subject: 'Training', text: m.message });
    if (m.type === 'memory' && m.reason) {
      const changes = m.used ? describeRun3DChange(m.requested, m.used) : [];
      s.pushMessage({
        severity: 'warning',
        // On the CPU backends this is a heap, not GPU memory: the budget source names which.
        subject: 'Memory',
        text: m.used
          ? `The 3D network as set up does not fit ${m.budgetSource}: ${m.reason}. It trains smaller instead: ${changes.join(', ') || 'no change was possible'}.`
          : `The 3D network does not fit ${m.budgetSource} even at its smallest: ${m.reason}.`,
      });
    }
    if (m.type === 'memory2d' && m.reason) {
      const changes = m.used ? describeRun3DChange(m.requested, m.used) : [];
      s.pushMessage({
        severity: m.used ? 'info' : 'warning',
        subject: 'Memory',
        text: m.used
          ? `The network as set up does not fit ${m.budgetSource}: ${m.reason}. It trains smaller instead: ${changes.join(', ') || 'no change was possible'}.`
          : `The network does not fit ${m.budgetSource} even at its smallest: ${m.reason}.`,
      });
    }
    // The worker's engine is unusable after a failure (a WebAssembly abort leaves its module dead): it is ended, and
    // Resume starts a fresh one from the last checkpoint.
    if (m.type === 'state' && m.state === 'error') this.endRun();
  }

  /** The worker itself failed (an uncaught error, or it could not start): said in plain words where it is the engine's. */
  private onCrash(message: string): void {
    const s = this.store.getState();
    const explained = explainEngineFailure(message, s.training.backend?.name ?? null, s.training.checkpoint?.step ?? null);
    const text = explained.engine ? explained.message : `The training worker stopped: ${message}. Your labels are safe.`;
    s.setTrainingPatch({ status: 'error', stopping: false, error: text, errorDetails: message, engineFailure: explained.engine ?? 'memory' });
    s.pushMessage({ severity: 'error', subject: 'Training', text, details: message });
    this.endRun();
  }

  private async keepCheckpoint(step: number, bytes: Uint8Array): Promise<void> {
    const s = this.store.getState();
    const classValues = s.training.trainedClasses.map((c) => c.value);
    const size = this.runSize ?? sizeOfWidth(peekCheckpoint(bytes)?.config.model.width ?? 16);
    const record = { bytes, step, preset: s.training.preset, classValues, savedAt: Date.now(), network: this.runNetwork, size };
    const key = runKey(record.preset, record.network, size);
    // Kept in memory first: Export model works whether or not storage takes it.
    this.lastCheckpoint = { bytes, step };
    let problem: string | undefined;
    if (!this.db) {
      problem = 'this tab cannot write to the browser\'s storage';
    } else {
      try {
        const t = s.training;
        const run: RunRecord = {
          key,
          preset: record.preset,
          network: record.network,
          size,
          step,
          savedAt: record.savedAt,
          classValues,
          classes: t.trainedClasses,
          losses: t.losses.filter((l) => l.step <= step),
          validation: t.validation.filter((v) => v.step <= step),
          epoch: t.epoch,
          elapsedMs: t.elapsedMs,
        };
        await writeRun(this.db, record, run);
      } catch (e) {
        problem = (e as Error).message;
      }
    }
    if (!problem) {
      void this.refreshRuns();
      void this.storeLayers(key);
    }
    // "Saved" only for what the storage committed; otherwise the model is in this tab only, and the user is told
    // once per kind of problem how to keep it.
    if (problem && problem !== this.checkpointProblem) {
      s.pushMessage({ severity: 'warning', subject: 'Training', text: `The model at step ${step} is kept in this tab only (${problem}): use Export model to keep it in a file.` });
    }
    this.checkpointProblem = problem ?? null;
    s.setTrainingPatch({ checkpoint: { step, savedAt: record.savedAt, preset: record.preset, classValues, network: record.network, size, stored: !problem, ...(problem ? { problem } : {}) } });
    if (this.store.getState().training.status === 'stopped') this.endRun();
  }

  private endRun(): void {
    this.events.flush();
    for (const t of this.labelTimers.values()) clearTimeout(t);
    this.labelTimers.clear();
    this.client?.dispose();
    this.client = null;
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

  private queueLabelSync(): void {
    const s = this.store.getState();
    for (const id of this.volumeIds) {
      const e = s.volumes[id];
      if (!e || this.sentVersions.get(id) === e.labelsVersion) continue;
      clearTimeout(this.labelTimers.get(id));
      this.labelTimers.set(
        id,
        setTimeout(() => {
          const now = this.store.getState().volumes[id];
          if (!now || !this.client) return;
          this.sentVersions.set(id, now.labelsVersion);
          const slices: [Uint8Array, Uint8Array, Uint8Array] = [now.labels.slices[0].slice(), now.labels.slices[1].slice(), now.labels.slices[2].slice()];
          const changed = this.unsentSlices.get(id) ?? 'all';
          this.unsentSlices.delete(id);
          const per = now.labels.dims[0] * now.labels.dims[1];
          // A stroke changes a few slices: send those, not the volume (78 MB copied on this thread at 512²×300).
          if (changed !== 'all' && changed.size <= now.labels.dims[2] / 2) {
            const ks = [...changed].sort((a, b) => a - b);
            this.client.send({ type: 'labelSlices', volumeId: id, ks, values: gatherKSlices(now.committed, per, ks), slices });
          } else {
            this.client.send({ type: 'labels', volumeId: id, labels: now.committed.slice(), slices });
          }
        }, LABEL_SYNC_MS),
      );
    }
  }

  /** Class prompts and descriptions of the volumes in the run, in the run's order. */
  private currentTexts(): WorkspaceTexts {
    const s = this.store.getState();
    const first = this.volumeIds.length ? s.volumes[this.volumeIds[0]!]?.volume : undefined;
    return workspaceTexts(s.classes, this.volumeIds.map((id) => s.volumes[id]?.volume.description), first ? modalityOfVolume(first) : undefined);
  }

  /**
   * TAK's prompts for the run's classes: the user's position and shape texts, else the built-in anatomy defaults
   * (matched by class name, and by the run's volume names for datasets like MSD's hippocampus).
   */
  private currentTakTexts(): TakPromptTexts {
    const s = this.store.getState();
    const ids = this.volumeIds.length ? this.volumeIds : s.volumeOrder;
    const first = ids.length ? s.volumes[ids[0]!]?.volume : undefined;
    const datasetName = ids.map((id) => s.volumes[id]?.volume.name ?? '').join(' ');
    return takPromptTexts(s.classes.map((c) => withAnatomyDefaults(c, datasetName)), first ? modalityOfVolume(first) : undefined);
  }

  /**
   * TAK's prompts through the chosen provider. A prompt bank made for another preset may lack them: then the worker's
   * learned text tower encodes them, and the user is told why.
   */
  private async takVectorsFor(tak: TakPromptTexts): Promise<FixedTextVectors | null> {
    if (!this.provider) return null;
    try {
      return await this.vectorsOf([...new Set([...tak.position, ...tak.shape])]);
    } catch (e) {
      this.store.getState().pushMessage({ severity: 'info', subject: 'Text encoder', text: `TAK's prompts are encoded by the learned text transformer instead: ${(e as Error).message}` });
      return null;
    }
  }

  /** Re-encode after typing stops: a new description updates the text mask (or TAK's prompts) without restarting training. */
  private queueTextSync(): void {
    if (this.textTimer) clearTimeout(this.textTimer);
    this.textTimer = setTimeout(() => {
      this.textTimer = null;
      if (this.client && this.sentTak) {
        this.syncTakTexts(this.client, this.sentTak);
        return;
      }
      if (!this.client || !this.sentTexts) return;
      const next = this.currentTexts();
      if (next.classes.length !== this.sentTexts.classes.length || sameTexts(next, this.sentTexts)) return;
      const client = this.client;
      void (async () => {
        let vectors: FixedTextVectors | null = null;
        if (this.provider) {
          try {
            vectors = await this.vectorsFor(next);
          } catch (e) {
            this.store.getState().pushMessage({ severity: 'warning', subject: 'Text encoder', text: `The new description is not used yet: ${(e as Error).message}` });
            return;
          }
        }
        this.sentTexts = next;
        client.send({ type: 'texts', texts: next, vectors });
      })();
    }, 600);
  }

  private syncTakTexts(client: TrainingClient, sent: TakPromptTexts): void {
    const next = this.currentTakTexts();
    // A class added or removed mid-run changes the head's outputs: that waits for the next run, as in 2D.
    if (next.position.length !== sent.position.length) return;
    if (next.position.every((t, n) => t === sent.position[n]) && next.shape.every((t, n) => t === sent.shape[n])) return;
    void (async () => {
      const vectors = await this.takVectorsFor(next);
      this.sentTak = next;
      client.send({ type: 'takTexts', texts: next, vectors });
    })();
  }

  /** Vectors of every workspace text from the chosen (non-learned) provider. */
  private async vectorsFor(texts: WorkspaceTexts): Promise<FixedTextVectors> {
    return this.vectorsOf([...new Set([texts.background, ...texts.classes, ...texts.descriptions].filter((t) => t.trim()))]);
  }

  private async vectorsOf(all: string[]): Promise<FixedTextVectors> {
    const p = this.provider!;
    const vectors = await p.encode(all);
    return { provider: p.kind === 'pretrained' ? 'pretrained' : 'import', name: p.name, dim: p.dim, entries: all.map((text, n) => ({ text, vector: vectors[n]! })) };
  }

  /** Learn the text encoder in the worker (the default; works offline). */
  useLearnedText(): void {
    this.provider?.dispose();
    this.provider = null;
    this.store.getState().setTrainingPatch({ textProvider: { kind: 'learned', name: 'learned here (offline)', dim: null } });
  }

  /** The import provider: a prompt bank file made elsewhere. */
  async loadPromptBank(fileText: string, fileName: string): Promise<void> {
    const s = this.store.getState();
    try {
      const bank = parsePromptBank(fileText, fileName);
      this.setProvider(promptBankEncoder(bank, fileName));
      s.pushMessage({ severity: 'info', subject: fileName, text: `Prompt bank loaded: ${bank.entries.length} texts, ${bank.dim}-d, from ${bank.encoder.name}. The next text-guided run uses it.` });
    } catch (e) {
      s.pushMessage({ severity: 'error', subject: fileName, text: (e as Error).message });
    }
  }

  /** The pretrained provider: a CLIP-family text model folder the user picked, run by transformers.js in this page. */
  async loadPretrainedFolder(files: File[]): Promise<void> {
    const s = this.store.getState();
    const folder = files[0]?.webkitRelativePath.split('/')[0] || 'model folder';
    try {
      const { loadPretrainedTextEncoder } = await import('../text/encoders/pretrainedTextEncoder.ts');
      const map = new Map<string, Blob>(files.map((f) => [f.webkitRelativePath || f.name, f]));
      const encoder = await loadPretrainedTextEncoder({ kind: 'files', files: map }, { name: folder, onnxWasmUrl: new URL('ort-wasm/ort-wasm-simd-threaded.asyncify.wasm', document.baseURI).href });
      this.setProvider(encoder);
      s.pushMessage({ severity: 'info', subject: folder, text: `Pretrained text encoder loaded (${encoder.dim}-d). The next text-guided run uses it.` });
    } catch (e) {
      s.pushMessage({ severity: 'error', subject: folder, text: (e as Error).message });
    }
  }

  private setProvider(p: TextEncoderProvider): void {
    this.provider?.dispose();
    this.provider = p;
    this.store.getState().setTrainingPatch({ textProvider: { kind: p.kind, name: p.name, dim: p.dim } });
  }

  /** Downloads the current texts' vectors as a prompt bank: from the chosen provider, or from the running learned encoder. */
  async exportPromptBank(): Promise<void> {
    const s = this.store.getState();
    if (this.provider) {
      try {
        const v = await this.vectorsFor(this.sentTexts ?? this.textsForAllVolumes());
        const bank = makePromptBank({ provider: v.provider, name: v.name }, v.dim, v.entries);
        downloadBytes(new TextEncoder().encode(serializePromptBank(bank)), 'pseudolab-prompt-bank.json', 'application/json');
      } catch (e) {
        s.pushMessage({ severity: 'error', subject: 'Export prompt bank', text: (e as Error).message });
      }
      return;
    }
    if (!this.client || !this.sentTexts) {
      s.pushMessage({ severity: 'info', subject: 'Export prompt bank', text: 'The learned text encoder lives in a running PromptSSL or DuSSS run: start one, then export.' });
      return;
    }
    this.client.send({ type: 'exportPromptBank' });
  }

  private textsForAllVolumes(): WorkspaceTexts {
    const s = this.store.getState();
    const first = s.volumeOrder.length ? s.volumes[s.volumeOrder[0]!]?.volume : undefined;
    return workspaceTexts(s.classes, s.volumeOrder.map((id) => s.volumes[id]?.volume.description), first ? modalityOfVolume(first) : undefined);
  }

  private sendWatch(): void {
    const s = this.store.getState();
    const f = s.training.focus;
    if (!this.client || !f || !this.volumeIds.includes(f.volumeId)) return;
    const nk = s.volumes[f.volumeId]?.labels.dims[2] ?? 1;
    const ks = [f.k, f.k - 1, f.k + 1].filter((k) => k >= 0 && k < nk);
    this.client.send({ type: 'watch', volumeId: f.volumeId, ks });
  }
}

function summaryOf(r: RunSummary): RunSummary {
  return { key: r.key, preset: r.preset, network: r.network, size: r.size, step: r.step, savedAt: r.savedAt, classValues: r.classValues };
}

let instance: TrainingController | null = null;

export function initTrainingController(store: AppStore, db: Database | null): TrainingController {
  instance?.dispose();
  instance = new TrainingController(store, db);
  void instance.loadCheckpointInfo();
  return instance;
}

export function trainingController(): TrainingController | null {
  return instance;
}
