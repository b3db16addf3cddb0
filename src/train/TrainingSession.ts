import { UserActivity } from './session/userActivity.ts';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend, type BackendChoice } from './backend.ts';
import { explainEngineFailure } from './engineFailure.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { Checkpoints } from './session/checkpoints.ts';
import { LabelUpdates } from './session/labelUpdates.ts';
import { LiveLayers } from './session/liveLayers.ts';
import { predictAllVolumes } from './session/predictAll.ts';
import { prepareRun, readyEvent, type PreparedRun, type StartMessage } from './session/runPreparation.ts';
import { ServiceShare, SLOW_STEP_MS } from './session/serviceShare.ts';
import { scoreSlices } from './session/sliceScores.ts';
import { StepRates } from './session/stepRates.ts';
import { TextStages } from './session/textStages.ts';
import type { SegmentationRun } from './session/trainerOps.ts';
import { yieldToMessages } from './yieldToMessages.ts';

export { CHECKPOINT_MIN_GAP_MS, checkpointDue } from './session/checkpoints.ts';
export { activationBytes } from './session/liveLayers.ts';
export { classValuesOf, writeKSlices } from './session/workerVolumes.ts';

/** Steps between teacher–student disagreement scans of the watched volume. */
const SCORE_EVERY_STEPS = 50;

type State = 'idle' | 'starting' | 'running' | 'paused' | 'stopped' | 'error';

/**
 * A training run driven by messages: the same code in the browser's worker and in Node tests. Messages only set
 * what is wanted; the loop trains between them and, between two steps, runs the services in session/: label
 * updates, live layers, predict-all, checkpoints, validation, slice scores, and the text and TAK stages.
 */
export class TrainingSession {
  backend: BackendChoice | null = null;
  private run: PreparedRun | null = null;
  private state: State = 'idle';
  private wake: (() => void) | null = null;
  private readonly labels = new LabelUpdates();
  private readonly live = new LiveLayers();
  private readonly user = new UserActivity();
  private readonly checkpoints = new Checkpoints();
  private readonly share = new ServiceShare();
  private predictAll = { requested: false, cancelled: false };
  private readonly texts: TextStages;
  /** Duration of the last step: when steps are slow (software GPU), predict only the slice on screen. */
  private lastStepMs = 0;

  constructor(private readonly emit: (m: FromWorker) => void) {
    this.texts = new TextStages(emit);
  }

  /** The run's network and volumes, for the services and for tests that look inside. */
  get trainer(): SegmentationRun | null {
    return this.run?.trainer ?? null;
  }

  get trainingVolumes(): PreparedRun['trainingVolumes'] {
    return this.run?.trainingVolumes ?? [];
  }

  handle(m: ToWorker): void {
    switch (m.type) {
      case 'start':
        // The loop runs once start() has returned, so the start message, with its raw voxels (157 MB for a 512²×300
        // CT), can be collected while training runs.
        void this.start(m)
          .then((started) => (started ? this.loop() : undefined))
          .catch((e: unknown) => this.fail(e));
        return;
      case 'pause':
        if (this.state === 'running') {
          this.setState('paused');
          this.checkpoints.requested = true;
        }
        break;
      case 'resume':
        if (this.state === 'paused') this.setState('running');
        break;
      case 'stop':
        if (this.state === 'running' || this.state === 'paused' || this.state === 'starting') {
          this.checkpoints.requested = true;
          this.setState('stopped');
        }
        break;
      case 'labels':
        this.labels.replace(m.volumeId, { labels: m.labels, slices: m.slices });
        break;
      case 'labelSlices':
        this.labels.patch(this.run, m);
        break;
      case 'userActive':
        this.user.note();
        return;
      case 'watch':
        this.live.setWatch(m.volumeId, m.ks);
        break;
      case 'predictAll':
        this.predictAll = { requested: true, cancelled: false };
        break;
      case 'cancelPredictAll':
        this.predictAll.cancelled = true;
        break;
      case 'requestCheckpoint':
        this.checkpoints.requested = true;
        break;
      case 'texts':
        this.texts.retext({ texts: m.texts, vectors: m.vectors });
        break;
      case 'takTexts':
        this.texts.retak({ texts: m.texts, vectors: m.vectors });
        break;
      case 'skipPretraining':
        this.texts.skipPretraining();
        break;
      case 'exportPromptBank':
        this.texts.exportPromptBank();
        break;
    }
    this.wake?.();
  }

  private setState(s: Exclude<State, 'idle'>): void {
    this.state = s;
    this.emit({ type: 'state', state: s });
  }

  /** Stop was pressed (or the run failed): long passes end early, and what they leave half done is not shown. */
  private get ending(): boolean {
    return this.state === 'stopped' || this.state === 'error';
  }

  /**
   * A run that threw ends here. An engine failure (the WebAssembly heap spent, the GPU lost) is said in plain words
   * with what to try, the engine's own text as details; after one the engine cannot go on in this worker (a
   * WebAssembly abort leaves its module dead), so the app starts a fresh worker to resume from the last checkpoint.
   */
  private fail(e: unknown): void {
    const raw = e instanceof Error ? e.message : String(e);
    const explained = explainEngineFailure(raw, this.backend?.name ?? null, this.checkpoints.savedStep);
    this.emit(
      explained.engine ? { type: 'error', message: explained.message, details: explained.details, engine: explained.engine } : { type: 'error', message: raw },
    );
    this.setState('error');
  }

  /** Sets the run up (session/runPreparation.ts, then the TAK or text stage); true when it is ready for the loop. */
  private async start(m: StartMessage): Promise<boolean> {
    this.setState('starting');
    this.backend = await chooseBackend(m.backendOrder, { wasmPaths: m.wasmPaths, skipSoftware: m.skipSoftware, customKernels: m.customKernels });
    this.emit({ type: 'backend', choice: this.backend });
    this.checkpoints.configure(m.checkpointEveryMs, m.checkpointEverySteps);
    const run = prepareRun(m, this.backend, this.emit, () => this.ending);
    this.run = run;
    this.checkpoints.savedStep = run.resumedAt;
    this.emit(readyEvent(run));
    await this.texts.start(run, m, () => this.state === 'stopped');
    if (this.state === 'stopped') return false;
    this.checkpoints.restartClock();
    this.setState('running');
    return true;
  }

  /** Requests that arrived while the loop was busy: it must not sleep on them. */
  private hasWork(): boolean {
    return this.predictAll.requested || this.checkpoints.requested || this.labels.size > 0 || this.live.watch?.fresh === true;
  }

  private async loop(): Promise<void> {
    const run = this.run!;
    const t = run.trainer;
    const share = this.share;
    const rates = new StepRates();
    while (!this.ending) {
      this.labels.apply(run);
      if (this.live.watch?.fresh)
        await share.doing('predicting the slices on screen', () => this.live.serve(run, { sweep: false, slow: this.slow }, this.emit));
      if (this.predictAll.requested) {
        this.predictAll.requested = false;
        await share.doing('predicting all volumes', () =>
          predictAllVolumes(run, { stop: () => this.predictAll.cancelled || this.ending, cancelled: () => this.predictAll.cancelled, emit: this.emit }),
        );
      }
      if (this.checkpoints.requested || (this.state === 'running' && this.checkpoints.due(t.step)))
        await share.doing('saving a checkpoint', () => this.saveCheckpoint());
      if (this.state !== 'running') {
        share.activity = 'waiting';
        if (this.state === 'paused' && !this.hasWork()) await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
        continue;
      }
      if (!t.canTrain) {
        this.emit({ type: 'error', message: 'No labeled slices to learn from: label at least one slice, then start again.' });
        this.setState('stopped');
        break;
      }
      if (this.texts.phase === 'pretraining') {
        await this.user.hold(() => this.ending || this.state !== 'running');
        const finished = await share.doing('pre-training step', () => this.texts.pretrainStep(run, rates.startedAt));
        if (finished) rates.restart();
        share.activity = 'between steps';
        await yieldToMessages();
        continue;
      }
      await this.texts.applyPending(run);
      // A step takes the CPU for its whole length: start it when the user pauses (at most a short hold).
      await this.user.hold(() => this.ending || this.state !== 'running');
      const report = await share.doing(`training step ${t.step + 1}`, () => t.trainStep());
      this.lastStepMs = report.ms;
      this.emit({ type: 'step', report, ...rates.count(report.step, t.cfg, t.pools.labeled.length) });
      await this.user.hold(() => this.ending || this.state !== 'running');
      await this.between(run, report.step);
      share.activity = 'between steps';
      await yieldToMessages();
    }
    if (this.checkpoints.requested) await share.doing('saving the last checkpoint', () => this.saveCheckpoint());
    share.activity = 'done';
  }

  private get slow(): boolean {
    return this.lastStepMs > SLOW_STEP_MS;
  }

  /** The services after a step, each while it keeps to its share of the time: live layers, validation, slice scores. */
  private async between(run: PreparedRun, step: number): Promise<void> {
    const share = this.share;
    const t = run.trainer;
    const affordable = (s: 'refresh' | 'validate' | 'score') => share.affordable(s, t.kind === '3d', this.lastStepMs);
    if (this.live.due(step) && affordable('refresh')) await share.timed('refresh', () => this.live.serve(run, { sweep: true, slow: this.slow }, this.emit));
    if (step % t.cfg.validation.everySteps === 0 && t.pools.validation.length > 0 && affordable('validate')) {
      const validation = await share.timed('validate', () => t.validate());
      // A pass cut short by Stop scored only some held-out slices: not a figure to show.
      if (!this.ending) this.emit({ type: 'validation', report: validation });
    }
    const w = this.live.watch;
    const index = w ? run.volumes.findIndex((v) => v.id === w.volumeId) : -1;
    if (w && index >= 0 && step % SCORE_EVERY_STEPS === 0 && affordable('score')) {
      const scores = await share.timed('score', () => scoreSlices(run, index, () => this.ending));
      if (scores) this.emit({ type: 'sliceScores', volumeId: w.volumeId, step: t.step, scores });
    }
  }

  private saveCheckpoint(): Promise<void> {
    return this.checkpoints.save(this.run, this.texts, this.emit);
  }

  /** Where the run is, for diagnosis (see ServiceShare): state, phase, step, the await it is in, service timings. */
  debugState(): { state: string; phase: string; step: number; activity: string; services: Record<string, { at: number; ms: number }> } {
    return { state: this.state, phase: this.texts.phase, step: this.trainer?.step ?? 0, activity: this.share.activity, services: this.share.snapshot() };
  }

  dispose(): void {
    this.state = 'stopped';
    this.wake?.();
    this.run?.trainer.dispose();
    this.run = null;
    this.texts.dispose();
    tf.disposeVariables();
  }
}
