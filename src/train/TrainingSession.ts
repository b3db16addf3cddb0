import * as tf from '@tensorflow/tfjs';
import { toTrainingVolume, type TrainingVolume } from '../data/trainingVolume.ts';
import type { LabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { chooseBackend, type BackendChoice } from './backend.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import { argmaxClasses, predictSlices, predictVolumeClasses } from './inference.ts';
import type { ClassInfo, FromWorker, ToWorker, WorkerVolume } from './protocol.ts';
import { resolveModelSize } from './modelSize.ts';
import { Trainer } from './Trainer.ts';
import { usesText } from './config.ts';
import { createTextGuidance, createVlmPretrainer, textCheckpoint, type FixedTextVectors, type WorkspaceTexts } from './vlm/textStage.ts';
import type { VlmPretrainer } from './vlm/VlmPretrainer.ts';

/** The slices on screen get a fresh prediction every few steps, and at least this often while steps are slow. */
const REFRESH_EVERY_STEPS = 5;
const REFRESH_EVERY_MS = 2_000;
/** Slices of the watched volume predicted per refresh beyond those on screen, so other views fill in. */
const SWEEP_SLICES = 4;
/** Steps between teacher–student disagreement scans of the watched volume. */
const SCORE_EVERY_STEPS = 50;
/** Pre-training steps between held-out retrieval measurements (the alignment figure). */
const RETRIEVAL_EVERY_STEPS = 25;

function asVolume(w: WorkerVolume): Volume {
  return {
    id: w.id,
    name: w.id,
    geometry: { dims: w.dims, spacing: w.spacing, ijkToLps: [w.spacing[0], 0, 0, 0, 0, w.spacing[1], 0, 0, 0, 0, w.spacing[2], 0, 0, 0, 0, 1] },
    channels: w.channels,
    voxels: w.voxels,
    source: { format: 'image', fileName: w.id, mimeType: '' },
  };
}

function asLabelMap(w: Pick<WorkerVolume, 'dims' | 'labels' | 'slices'>): LabelMap {
  return { dims: w.dims, voxels: w.labels, slices: w.slices };
}

/** Normalised entropy of a class distribution per pixel, as 0..255: 0 = certain, 255 = uniform. */
export function uncertaintyBytes(probs: Float32Array, K: number): Uint8Array {
  const n = probs.length / K;
  const out = new Uint8Array(n);
  const norm = 1 / Math.log(K);
  for (let p = 0; p < n; p++) {
    let h = 0;
    for (let c = 0; c < K; c++) {
      const q = probs[p * K + c]!;
      if (q > 1e-12) h -= q * Math.log(q);
    }
    out[p] = Math.min(255, Math.round(255 * h * norm));
  }
  return out;
}

/** Each foreground class's text activation (0..1) × 255, class-major: K − 1 planes of pixels. */
export function activationBytes(mask: Float32Array, K: number): Uint8Array {
  const n = mask.length / K;
  const out = new Uint8Array(n * (K - 1));
  for (let c = 1; c < K; c++) for (let p = 0; p < n; p++) out[(c - 1) * n + p] = Math.max(0, Math.min(255, Math.round(255 * mask[p * K + c]!)));
  return out;
}

/**
 * A training run driven by messages: the same code in the browser's worker and in Node tests. It trains
 * between messages, serves predictions for the slices on screen as soon as a step ends, validates, scores
 * slices for active learning, predicts whole volumes, and checkpoints.
 */
export class TrainingSession {
  private trainer: Trainer | null = null;
  private volumes: WorkerVolume[] = [];
  private classes: ClassInfo[] = [];
  private state: 'idle' | 'starting' | 'running' | 'paused' | 'stopped' | 'error' = 'idle';
  private watch: { volumeId: string; ks: number[]; fresh: boolean } | null = null;
  private sweepCursor = 0;
  private predictAllRequested = false;
  private cancelPredictAll = false;
  private checkpointRequested = false;
  private checkpointEveryMs = 120_000;
  private lastCheckpointAt = 0;
  private pendingLabels = new Map<string, { labels: Uint8Array; slices: [Uint8Array, Uint8Array, Uint8Array] }>();
  private wake: (() => void) | null = null;
  private startedAt = 0;
  private lastRefreshAt = 0;
  /** Duration of the last step: when steps are slow (software GPU), predict only the slice on screen. */
  private lastStepMs = 0;
  private labeledSlices = 0;
  /** Stage 1 of the text presets, while it runs and afterwards (the text mask borrows its encoders). */
  private pretrainer: VlmPretrainer | null = null;
  private phase: 'pretraining' | 'training' = 'training';
  private texts: WorkspaceTexts | null = null;
  private pendingTexts: { texts: WorkspaceTexts; vectors: FixedTextVectors | null } | null = null;
  private skipPretraining = false;
  private resetRates = false;
  backend: BackendChoice | null = null;

  constructor(private readonly emit: (m: FromWorker) => void) {}

  handle(m: ToWorker): void {
    switch (m.type) {
      case 'start':
        void this.start(m).catch((e: unknown) => this.fail(e));
        return;
      case 'pause':
        if (this.state === 'running') {
          this.setState('paused');
          this.checkpointRequested = true;
        }
        break;
      case 'resume':
        if (this.state === 'paused') this.setState('running');
        break;
      case 'stop':
        if (this.state === 'running' || this.state === 'paused' || this.state === 'starting') {
          this.checkpointRequested = true;
          this.setState('stopped');
        }
        break;
      case 'labels':
        this.pendingLabels.set(m.volumeId, { labels: m.labels, slices: m.slices });
        break;
      case 'watch':
        this.watch = { volumeId: m.volumeId, ks: m.ks, fresh: true };
        break;
      case 'predictAll':
        this.predictAllRequested = true;
        this.cancelPredictAll = false;
        break;
      case 'cancelPredictAll':
        this.cancelPredictAll = true;
        break;
      case 'requestCheckpoint':
        this.checkpointRequested = true;
        break;
      case 'texts':
        this.pendingTexts = { texts: m.texts, vectors: m.vectors };
        break;
      case 'skipPretraining':
        this.skipPretraining = true;
        break;
      case 'exportPromptBank':
        void this.exportPromptBank().catch((e: unknown) => this.emit({ type: 'error', message: `The prompt bank could not be made: ${(e as Error).message}` }));
        break;
    }
    this.wake?.();
  }

  private setState(s: 'starting' | 'running' | 'paused' | 'stopped' | 'error'): void {
    this.state = s;
    this.emit({ type: 'state', state: s });
  }

  private fail(e: unknown): void {
    const raw = e instanceof Error ? e.message : String(e);
    const message = /device (was )?lost|GPUDevice|destroyed/i.test(raw)
      ? `The GPU stopped responding (${raw}). Training stopped; your labels are safe. Start again to continue from the last checkpoint.`
      : raw;
    this.emit({ type: 'error', message });
    this.setState('error');
  }

  private async start(m: Extract<ToWorker, { type: 'start' }>): Promise<void> {
    this.setState('starting');
    this.backend = await chooseBackend(m.backendOrder, { wasmPaths: m.wasmPaths, skipSoftware: m.skipSoftware });
    this.emit({ type: 'backend', choice: this.backend });
    this.volumes = m.volumes;
    this.classes = m.classes;
    this.checkpointEveryMs = m.checkpointEveryMs;
    const values = m.classes.map((c) => c.value);
    const tvs: TrainingVolume[] = m.volumes.map((w) => toTrainingVolume(asVolume(w), asLabelMap(w), values));
    const channels = new Set(tvs.map((t) => t.channels));
    if (channels.size > 1) throw new Error('the dataset mixes grey and colour images; train on one kind at a time');
    let config = m.config;
    let sized: ReturnType<typeof resolveModelSize> | null = null;
    const resumeConfig = m.checkpoint ? decodeCheckpoint(m.checkpoint).config : null;
    if (resumeConfig) {
      // A resumed run keeps the network it was trained with.
      config = { ...config, model: resumeConfig.model, batchLabeled: resumeConfig.batchLabeled, batchUnlabeled: resumeConfig.batchUnlabeled };
    } else {
      sized = resolveModelSize(m.modelSize, this.backend, Math.max(...m.volumes.map((v) => Math.max(v.dims[0], v.dims[1]))));
      config = { ...config, ...sized.parts, model: { ...config.model, ...sized.parts.model } };
      // The vision–language model scales with the segmentation network: a software GPU gets the smallest one.
      if (sized.size === 'tiny') config = { ...config, vlm: { ...config.vlm, dim: 32, depth: 1, steps: Math.min(config.vlm.steps, 150) } };
    }
    const validation = m.volumes.flatMap((w, volume) => w.validation.map((k) => ({ volume, k })));
    this.trainer = new Trainer(tvs, m.classes.length + 1, config, validation);
    let resumedAt: number | null = null;
    if (m.checkpoint) {
      try {
        this.trainer.restore(decodeCheckpoint(m.checkpoint));
        resumedAt = this.trainer.step;
      } catch (e) {
        this.emit({ type: 'error', message: `The saved model could not be resumed (${(e as Error).message}); training starts afresh.` });
      }
    }
    this.labeledSlices = this.trainer.pools.labeled.length;
    this.emit({
      type: 'ready',
      patch: this.trainer.patch,
      parameters: this.trainer.student.count(),
      modelSize: sized?.size ?? (resumeConfig?.model.width === 4 ? 'tiny' : resumeConfig?.model.width === 8 ? 'small' : resumeConfig?.model.width === 32 ? 'large' : 'standard'),
      width: config.model.width,
      depth: config.model.depth,
      labeledSlices: this.trainer.pools.labeled.length,
      validationSlices: this.trainer.pools.validation.length,
      unlabeledSlices: this.trainer.pools.unlabeled.length,
      resumedAt,
    });
    if (this.state === 'stopped') return;
    this.texts = m.texts;
    if (usesText(config.preset) && config.text.enabled) {
      if (!m.texts) throw new Error(`${config.preset} needs the class prompts and image descriptions`);
      // The saved text stage is resumed unless the user chose another text encoder since: vectors from a provider
      // that differ from the saved model's source start stage 1 afresh (the segmentation weights still resume).
      const stored = resumedAt !== null && m.checkpoint ? decodeCheckpoint(m.checkpoint).text : null;
      const savedSource = stored?.vectors ? `${stored.vectors.provider}:${stored.vectors.name}` : 'learned';
      const wanted = m.textVectors ? `${m.textVectors.provider}:${m.textVectors.name}` : savedSource;
      const saved = stored && wanted === savedSource ? stored : null;
      if (stored && !saved) this.emit({ type: 'notice', message: 'The text encoder changed since the model was saved: the vision–language model is pre-trained again; segmentation resumes where it was.' });
      this.pretrainer = createVlmPretrainer(tvs, this.trainer.pools, m.texts, this.trainer.patch, config, saved, m.textVectors);
      if (saved?.decoder) {
        // Resumed in stage 2: the aligned model and its decoder come back; the current texts are encoded afresh.
        this.trainer.attachTextGuidance(await createTextGuidance(this.pretrainer, m.texts, config, saved.decoder));
        this.emit({ type: 'phase', phase: 'training' });
        this.emitTextEncoder();
      } else {
        this.phase = 'pretraining';
        this.emit({ type: 'phase', phase: 'pretraining' });
        this.emit({ type: 'vlmRetrieval', report: await this.pretrainer.retrieval() });
      }
    }
    this.startedAt = performance.now();
    this.lastCheckpointAt = Date.now();
    this.setState('running');
    await this.loop();
  }

  private async loop(): Promise<void> {
    const t = this.trainer!;
    let seen = 0;
    let steps = 0;
    while (this.state !== 'stopped' && this.state !== 'error') {
      this.applyPendingLabels();
      if (this.watch?.fresh) await this.serveWatch(false);
      if (this.predictAllRequested) await this.predictAll();
      if (this.checkpointRequested || (this.state === 'running' && Date.now() - this.lastCheckpointAt > this.checkpointEveryMs)) await this.saveCheckpoint();
      if (this.state !== 'running') {
        // Sleep only when nothing is pending: a request that arrived while we were busy must not be lost.
        if (this.state === 'paused' && !this.hasWork()) await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
        continue;
      }
      if (!t.canTrain) {
        this.emit({ type: 'error', message: 'No labeled slices to learn from: label at least one slice, then start again.' });
        this.setState('stopped');
        break;
      }
      if (this.phase === 'pretraining') {
        await this.pretrainStep();
        await new Promise((r) => setTimeout(r, 0));
        continue;
      }
      await this.applyPendingTexts();
      if (this.resetRates) {
        // Rates measure segmentation steps only: stage 1's time does not count against them.
        this.resetRates = false;
        seen = 0;
        steps = 0;
      }
      const report = await t.trainStep();
      this.lastStepMs = report.ms;
      seen += t.cfg.batchLabeled + (t.cfg.consistency.weight > 0 ? t.cfg.batchUnlabeled : 0);
      steps++;
      const elapsedMs = performance.now() - this.startedAt;
      this.emit({ type: 'step', report, epoch: (report.step * t.cfg.batchLabeled) / Math.max(1, this.labeledSlices), slicesPerSecond: seen / (elapsedMs / 1000), stepsPerSecond: steps / (elapsedMs / 1000), elapsedMs });
      if (report.step % REFRESH_EVERY_STEPS === 0 || performance.now() - this.lastRefreshAt > REFRESH_EVERY_MS) await this.serveWatch(true);
      if (report.step % t.cfg.validation.everySteps === 0 && t.pools.validation.length > 0) this.emit({ type: 'validation', report: await t.validate() });
      if (report.step % SCORE_EVERY_STEPS === 0) await this.scoreWatchedVolume();
      // Let messages in between steps.
      await new Promise((r) => setTimeout(r, 0));
    }
    if (this.checkpointRequested) await this.saveCheckpoint();
  }

  /** One step of stage 1; at the end of its budget (or on request), stage 2's text mask joins the run. */
  private async pretrainStep(): Promise<void> {
    const pre = this.pretrainer!;
    const total = this.trainer!.cfg.vlm.steps;
    if (!this.skipPretraining && pre.step < total) {
      const report = await pre.trainStep();
      this.emit({ type: 'vlmStep', report, totalSteps: total, elapsedMs: performance.now() - this.startedAt });
      if (report.step % RETRIEVAL_EVERY_STEPS === 0 || report.step === total) this.emit({ type: 'vlmRetrieval', report: await pre.retrieval() });
      return;
    }
    this.trainer!.attachTextGuidance(await createTextGuidance(pre, this.texts!, this.trainer!.cfg));
    this.phase = 'training';
    this.resetRates = true;
    this.startedAt = performance.now();
    this.emit({ type: 'phase', phase: 'training' });
    this.emitTextEncoder();
  }

  private emitTextEncoder(): void {
    const pre = this.pretrainer;
    if (!pre || !this.texts) return;
    const src = pre.model.textSource;
    const objective = pre.cfg.objective === 'glsc' ? 'GLsc' : 'DuSSS';
    this.emit(
      src?.kind === 'fixed'
        ? { type: 'textEncoder', provider: src.provider, name: `${src.name} (frozen, ${src.dim}-d; head aligned by ${objective}, ${pre.step} steps)`, dim: src.dim, texts: this.texts.classes.length + 1, step: this.trainer?.step ?? 0 }
        : { type: 'textEncoder', provider: 'learned', name: `in-browser transformer (${objective}, ${pre.step} steps)`, dim: pre.model.embedDim, texts: this.texts.classes.length + 1, step: this.trainer?.step ?? 0 },
    );
  }

  /** A class description changed: re-encode the prompts with the same text encoder; training goes on. */
  private async applyPendingTexts(): Promise<void> {
    const next = this.pendingTexts;
    const tg = this.trainer?.textGuidance;
    if (!next || !tg || !this.pretrainer) return;
    this.pendingTexts = null;
    this.texts = next.texts;
    if (next.vectors && this.pretrainer.fixedText) this.pretrainer.setTextVectors(new Map(next.vectors.entries.map((e) => [e.text, e.vector])));
    tg.setClassEmbeddings(await this.pretrainer.embedTexts([next.texts.background, ...next.texts.classes]));
    this.emitTextEncoder();
  }

  /** Every workspace text through the current text encoder, for a prompt-bank file the user can reuse or compare. */
  private async exportPromptBank(): Promise<void> {
    const pre = this.pretrainer;
    if (!pre || !this.texts) throw new Error('start a text-guided run (PromptSSL or DuSSS) first');
    const texts = [...new Set([this.texts.background, ...this.texts.classes, ...this.texts.descriptions].filter((t) => t.trim()))];
    const flat = await pre.embedTexts(texts);
    const E = pre.model.embedDim;
    this.emit({ type: 'promptBank', name: `pseudolab ${pre.cfg.objective} (${pre.step} steps)`, dim: E, entries: texts.map((text, n) => ({ text, vector: flat.slice(n * E, (n + 1) * E) })) });
  }

  private hasWork(): boolean {
    return this.predictAllRequested || this.checkpointRequested || this.pendingLabels.size > 0 || this.watch?.fresh === true;
  }

  private applyPendingLabels(): void {
    if (!this.trainer || this.pendingLabels.size === 0) return;
    const values = this.classes.map((c) => c.value);
    for (const [id, update] of this.pendingLabels) {
      const index = this.volumes.findIndex((v) => v.id === id);
      if (index < 0) continue;
      const w = { ...this.volumes[index]!, labels: update.labels, slices: update.slices };
      this.volumes[index] = w;
      this.trainer.updateVolume(index, toTrainingVolume(asVolume(w), asLabelMap(w), values));
    }
    this.pendingLabels.clear();
    this.labeledSlices = this.trainer.pools.labeled.length;
  }

  /** Predictions for the watched slices, and (while training) a few more of that volume so other views fill in. */
  private async serveWatch(sweep: boolean): Promise<void> {
    const t = this.trainer;
    const w = this.watch;
    if (!t || !w) return;
    w.fresh = false;
    // An untrained network's answer is noise: show nothing until it has learned for a step.
    if (t.step === 0) return;
    this.lastRefreshAt = performance.now();
    const index = this.volumes.findIndex((v) => v.id === w.volumeId);
    if (index < 0) return;
    const nk = this.volumes[index]!.dims[2];
    const slow = this.lastStepMs > 2_000;
    const ks = new Set((slow ? w.ks.slice(0, 1) : w.ks).filter((k) => k >= 0 && k < nk));
    if (sweep && !slow) {
      for (let n = 0; n < SWEEP_SLICES; n++) {
        ks.add(this.sweepCursor % nk);
        this.sweepCursor++;
      }
    }
    const values = this.classes.map((c) => c.value);
    const K = t.numClasses;
    const toValues = (classes: Uint8Array): Uint8Array => classes.map((c) => (c === 0 ? 0 : values[c - 1]!));
    const list = [...ks];
    const text = t.textGuidance ? await t.predictTextSlices(index, list) : null;
    (await t.predictSlices(index, list, 'predictor', slow ? 1 : 8)).forEach(({ k, probs }, n) => {
      const tx = text?.[n];
      this.emit({
        type: 'prediction',
        volumeId: w.volumeId,
        k,
        step: t.step,
        labels: toValues(argmaxClasses(probs, K)),
        uncertainty: uncertaintyBytes(probs, K),
        text: tx ? { labels: toValues(argmaxClasses(tx.text, K)), merged: toValues(argmaxClasses(tx.merged, K)), activation: activationBytes(tx.activation, K) } : null,
      });
    });
  }

  /**
   * Per-slice disagreement between teacher and student (mean total-variation distance between their class
   * distributions); without a teacher, mean normalised entropy. High = the model is unsure: label here next.
   */
  private async scoreWatchedVolume(): Promise<void> {
    const t = this.trainer;
    const w = this.watch;
    if (!t || !w) return;
    const index = this.volumes.findIndex((v) => v.id === w.volumeId);
    if (index < 0) return;
    const nk = this.volumes[index]!.dims[2];
    const ks = Array.from({ length: nk }, (_, k) => k);
    const K = t.numClasses;
    const scores = new Float32Array(nk);
    const main = await t.predictSlices(index, ks, 'predictor');
    if (t.teacher) {
      const student = await t.predictSlices(index, ks, 'student');
      main.forEach(({ k, probs }, n) => {
        const s = student[n]!.probs;
        let d = 0;
        for (let i = 0; i < probs.length; i++) d += Math.abs(probs[i]! - s[i]!);
        scores[k] = d / 2 / (probs.length / K);
      });
    } else {
      for (const { k, probs } of main) {
        const u = uncertaintyBytes(probs, K);
        scores[k] = u.reduce((a, b) => a + b, 0) / u.length / 255;
      }
    }
    this.emit({ type: 'sliceScores', volumeId: w.volumeId, step: t.step, scores });
  }

  private async predictAll(): Promise<void> {
    const t = this.trainer!;
    this.predictAllRequested = false;
    const values = this.classes.map((c) => c.value);
    const total = this.volumes.reduce((n, v) => n + v.dims[2], 0);
    let done = 0;
    for (let i = 0; i < this.volumes.length; i++) {
      const v = this.volumes[i]!;
      const tv = toTrainingVolume(asVolume(v), asLabelMap(v), values);
      const classes = await predictVolumeClasses(t.predictor, t.model, tv, t.inferenceSize, (d) => this.emit({ type: 'predictAllProgress', done: done + d, total }), () => this.cancelPredictAll);
      if (!classes) {
        this.emit({ type: 'predictAllDone', cancelled: true });
        return;
      }
      done += v.dims[2];
      this.emit({ type: 'predictAllVolume', volumeId: v.id, labels: classes.map((c) => (c === 0 ? 0 : values[c - 1]!)) });
      await new Promise((r) => setTimeout(r, 0));
      if (this.cancelPredictAll) {
        this.emit({ type: 'predictAllDone', cancelled: true });
        return;
      }
    }
    this.emit({ type: 'predictAllDone', cancelled: false });
  }

  private async saveCheckpoint(): Promise<void> {
    const t = this.trainer;
    this.checkpointRequested = false;
    this.lastCheckpointAt = Date.now();
    if (!t) return;
    const text = this.pretrainer && this.texts ? await textCheckpoint(this.pretrainer, t.textGuidance, this.texts) : null;
    this.emit({ type: 'checkpoint', step: t.step, bytes: encodeCheckpoint(await t.toCheckpoint(this.classes, text)) });
  }

  dispose(): void {
    this.state = 'stopped';
    this.wake?.();
    this.trainer?.dispose();
    this.trainer = null;
    this.pretrainer?.dispose();
    this.pretrainer = null;
    tf.disposeVariables();
  }
}
