import type { Database } from '../../persist/database.ts';
import { runKey } from '../../persist/runKey.ts';
import type { AppStore } from '../../store/appStore.ts';
import { presetConfig, presetModelKind, type ModelKind } from '../../train/config.ts';
import { explainEngineFailure } from '../../train/engineFailure.ts';
import type { ModelSize } from '../../train/modelSize.ts';
import type { FromWorker } from '../../train/protocol.ts';
import { TrainingClient } from '../../train/TrainingClient.ts';
import { importedModel } from '../importedModel.ts';
import { TrainingEventQueue, watchInput } from '../trainingEventQueue.ts';
import { exportPredictions } from './exportPredictions.ts';
import { LabelStream } from './labelStream.ts';
import { exportModel, importModel } from './modelFiles.ts';
import { acceptFocusedSlice, nextUncertainSlice, rejectFocusedSlice } from './review.ts';
import { backendOrderOf, gatherRunInputs } from './runInputs.ts';
import { SavedRuns } from './savedRuns.ts';
import { downloadLearnedBank, TextEncoders } from './textEncoders.ts';
import { textsOfVolumes, TextSync, type RunTexts } from './textSync.ts';
import { noticeOf } from './workerNotices.ts';

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

/**
 * The app's side of training, as the panels call it: the run's lifecycle (start, pause, resume, stop, the worker's
 * end) and its events into the store. The parts live beside it, one concern each: the run's inputs (runInputs),
 * label edits to the worker (labelStream), texts and text encoders (textSync, textEncoders), stored runs and their
 * layers (savedRuns, runLayerStore), model files (modelFiles), review actions (review) and prediction export.
 */
export class TrainingController {
  private client: TrainingClient | null = null;
  private readonly unsubscribe: () => void;
  /** The worker's events on their way to the store: progress and predictions in batches, between the user's inputs. */
  private readonly events = new TrainingEventQueue((m) => this.onEvent(m));
  private readonly stopWatchingInput: () => void;
  /** When the worker was last told of the user's input. */
  private inputToldAt = -Infinity;
  /** Starts waiting for the stopped run's worker to go (see start). */
  private readonly onRunEnd: (() => void)[] = [];
  private volumeIds: string[] = [];
  private readonly labels: LabelStream;
  private readonly encoders: TextEncoders;
  private readonly texts: TextSync;
  private readonly runs: SavedRuns;
  /** The network of the running model, for the checkpoint record. */
  private runNetwork: ModelKind = '2d';
  /** The size the running model trains at (the worker resolves 'auto'), for the checkpoint's key. */
  private runSize: ModelSize | null = null;
  /** How long the run's last step took (segmentation or pre-training): Stop waits a few of them. */
  private lastStepMs = 0;

  constructor(
    private readonly store: AppStore,
    db: Database | null,
  ) {
    this.runs = new SavedRuns(store, db);
    this.labels = new LabelStream(store, () => this.client);
    this.encoders = new TextEncoders(store);
    this.texts = new TextSync(
      store,
      this.encoders,
      () => this.client,
      () => this.volumeIds,
    );
    this.unsubscribe = store.subscribe((s, prev) => {
      if (!this.client) return;
      if (s.volumes !== prev.volumes) this.labels.onVolumesChanged(s, prev);
      if (s.training.focus !== prev.training.focus) this.sendWatch();
      if (this.texts.watching && (s.classes !== prev.classes || s.volumes !== prev.volumes)) this.texts.queue();
    });
    const onInput = (): void => {
      this.events.noteInput();
      this.tellWorkerOfInput();
    };
    this.stopWatchingInput = typeof window === 'undefined' ? () => undefined : watchInput(window, onInput);
  }

  get running(): boolean {
    return this.client !== null;
  }

  /**
   * This tab became the writer (the one that held storage closed): checkpoints are stored from now on, starting
   * with the model this tab holds in memory, if it has one; otherwise the stored one is offered for resume.
   */
  async useDatabase(db: Database): Promise<void> {
    this.runs.db = db;
    // Imported layers shown in this tab are stored from now on too.
    void this.runs.imported.sync();
    const held = this.runs.held;
    if (held) await this.keepCheckpoint(held.step, held.bytes);
    else if (!this.running) await this.loadCheckpointInfo();
  }

  /** Looks for stored runs so the panel can offer to resume, and shows the newest as the last session left it. */
  loadCheckpointInfo(): Promise<void> {
    return this.runs.showNewest(() => this.running);
  }

  /** Starts or resumes a run; `discard`: a stored run (its key) the user chose to delete rather than keep. */
  async start(opts: { discard?: string } = {}): Promise<void> {
    if (this.client) {
      // After Stop the old worker still sends its last checkpoint before it goes (keepCheckpoint, or Stop's grace
      // timer, ends it). A Start pressed meanwhile waits for that instead of being ignored.
      if (this.store.getState().training.status !== 'stopped') return;
      await new Promise<void>((resolve) => this.onRunEnd.push(resolve));
      if (this.client) return;
    }
    if (opts.discard) await this.runs.discard(opts.discard);
    const s = this.store.getState();
    const { inputs, notices } = gatherRunInputs(s);
    for (const n of notices) s.pushMessage(n);
    if (!inputs) return;
    // A training run takes the layers over from an imported model (their pseudo-labels stay until it replaces them).
    importedModel()?.close();
    const { classes, volumes } = inputs;
    this.volumeIds = volumes.map((v) => v.id);
    this.labels.begin(this.volumeIds, inputs.versions);
    const preset = s.training.preset;
    const network = presetModelKind(preset) ?? s.training.network;
    // Each method, network and size keeps its own checkpoint (the panel asked before leaving another behind).
    const found = await this.runs.resumable({ preset, network, size: s.training.modelSize, classValues: classes.map((c) => c.value) });
    const resumed = found?.run ?? null;
    // A resumed run continues its history and its pseudo-labels; the panel already shows them when it was restored.
    const shown = s.training.checkpoint;
    const continued =
      resumed && shown?.size && runKey(shown.preset, shown.network, shown.size) === resumed.key && s.training.restored
        ? { predictions: s.training.predictions, fullPredictions: s.training.fullPredictions }
        : resumed
          ? await this.runs.layersOf(resumed.key).catch(() => ({ predictions: {}, fullPredictions: {} }))
          : null;
    // The worker sizes the network once it knows the backend (see train/modelSize.ts).
    const config = presetConfig(preset, { seed: 1, model: { kind: network }, validation: { everySteps: 20 } });
    this.runNetwork = network;
    const preference = s.training.backendPreference;
    s.resetTrainingRun();
    this.runSize = null;
    this.runs.beginRun();
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
    let texts: RunTexts;
    try {
      texts = await this.texts.forRun(preset);
    } catch (e) {
      s.pushMessage({ severity: 'error', subject: 'Text encoder', text: (e as Error).message });
      s.setTrainingPatch({ status: 'idle' });
      this.endRun();
      return;
    }
    this.client.send({
      type: 'start',
      ...texts,
      config,
      classes,
      volumes,
      backendOrder: backendOrderOf(preference),
      skipSoftware: preference === 'auto',
      customKernels: s.training.customKernels,
      modelSize: s.training.modelSize,
      wasmPaths: new URL('tfjs-wasm/', document.baseURI).href,
      checkpoint: found?.bytes ?? null,
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
      this.store.getState().pushMessage({
        severity: 'error',
        subject: 'Predict all',
        text: 'Start training (or resume a saved model) first: predictions come from the running model.',
      });
      return;
    }
    this.store.getState().setTrainingPatch({ predictAll: { running: true, done: 0, total: 1 }, fullPredictions: {} });
    this.client.send({ type: 'predictAll' });
  }

  cancelPredictAll(): void {
    this.client?.send({ type: 'cancelPredictAll' });
  }

  // Review acts on what the user sees: the worker's queued events land first.

  /** Accepts the model's labels for the slice on screen (or one class of them) as labels, undoably. */
  acceptSlice(onlyClass?: number): boolean {
    this.events.flush();
    return acceptFocusedSlice(this.store, onlyClass);
  }

  rejectSlice(): void {
    this.events.flush();
    rejectFocusedSlice(this.store);
  }

  /** The unlabeled, unrejected slice of the active volume where teacher and student disagree most. */
  nextUncertainSlice(): number | null {
    this.events.flush();
    return nextUncertainSlice(this.store.getState());
  }

  exportPredictions(): void {
    exportPredictions(this.store.getState());
  }

  exportModel(): Promise<void> {
    return exportModel(this.store, this.runs);
  }

  /** Reads a model file; a valid one becomes the checkpoint the next run resumes from. */
  importModel(bytes: Uint8Array, fileName: string): Promise<void> {
    return importModel(this.store, this.runs, () => this.running, bytes, fileName);
  }

  /** Deletes the model the panel shows (its checkpoint, history and stored layers); other methods' models stay. */
  forgetModel(): Promise<void> {
    return this.runs.forgetShown();
  }

  /** Learn the text encoder in the worker (the default; works offline). */
  useLearnedText(): void {
    this.encoders.useLearned();
  }

  /** The import provider: a prompt bank file made elsewhere. */
  loadPromptBank(fileText: string, fileName: string): Promise<void> {
    return this.encoders.loadPromptBank(fileText, fileName);
  }

  /** The pretrained provider: a CLIP-family text model folder the user picked, run by transformers.js in this page. */
  loadPretrainedFolder(files: File[]): Promise<void> {
    return this.encoders.loadPretrainedFolder(files);
  }

  /** Downloads the current texts' vectors as a prompt bank: from the chosen provider, or from the running learned encoder. */
  async exportPromptBank(): Promise<void> {
    const s = this.store.getState();
    if (this.encoders.chosen) {
      await this.encoders.exportBank(this.texts.runningTexts ?? textsOfVolumes(s, s.volumeOrder));
      return;
    }
    if (!this.client || !this.texts.runningTexts) {
      s.pushMessage({
        severity: 'info',
        subject: 'Export prompt bank',
        text: 'The learned text encoder lives in a running PromptSSL or DuSSS run: start one, then export.',
      });
      return;
    }
    this.client.send({ type: 'exportPromptBank' });
  }

  dispose(): void {
    this.unsubscribe();
    this.stopWatchingInput();
    this.runs.dispose();
    this.endRun();
  }

  private onEvent(m: FromWorker): void {
    const s = this.store.getState();
    if (m.type === 'step' || m.type === 'vlmStep') this.lastStepMs = m.report.ms;
    s.applyTrainingEvent(m);
    if (m.type === 'ready') this.runSize = m.modelSize;
    if (m.type === 'checkpoint') void this.keepCheckpoint(m.step, m.bytes);
    if (m.type === 'predictAllDone' && this.runSize) void this.runs.storeLayers(runKey(s.training.preset, this.runNetwork, this.runSize));
    if (m.type === 'promptBank') downloadLearnedBank(m.name, m.dim, m.entries);
    const notice = noticeOf(m);
    if (notice) s.pushMessage(notice);
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

  /** A checkpoint arrived: kept, and after Stop's last one the worker goes. */
  private async keepCheckpoint(step: number, bytes: Uint8Array): Promise<void> {
    await this.runs.keep(step, bytes, { network: this.runNetwork, size: this.runSize });
    if (this.store.getState().training.status === 'stopped') this.endRun();
  }

  private endRun(): void {
    this.events.flush();
    this.labels.cancel();
    this.client?.dispose();
    this.client = null;
    for (const resolve of this.onRunEnd.splice(0)) resolve();
  }

  /** The worker starts its next step when the user pauses (train/session/userActivity.ts); told at most every 150 ms. */
  private tellWorkerOfInput(): void {
    const now = performance.now();
    if (!this.client || now - this.inputToldAt < 150) return;
    this.inputToldAt = now;
    this.client.send({ type: 'userActive' });
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
