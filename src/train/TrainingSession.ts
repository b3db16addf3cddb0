import * as tf from '@tensorflow/tfjs';
import { toTrainingVolume, withLabels, type TrainingVolume } from '../data/trainingVolume.ts';
import type { LabelMap } from '../volume/labels.ts';
import type { Volume } from '../volume/Volume.ts';
import { chooseBackend, type BackendChoice } from './backend.ts';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type TakCheckpoint } from './checkpoint.ts';
import { argmaxClasses, predictSlices, predictVolumeClasses, uncertaintyBytes } from './inference.ts';
import type { ClassInfo, FromWorker, ToWorker, WorkerVolume } from './protocol.ts';
import { BATCH_3D, PATCH_VOXELS_3D, resolveModelSize } from './modelSize.ts';
import { Trainer } from './Trainer.ts';
import { Trainer3D } from './Trainer3D.ts';
import { usesText, type ModelKind } from './config.ts';
import { fitRun3D, memoryLimitsFor } from './fitRun3D.ts';
import { fitRun2D } from './fitRun2D.ts';
import { explainEngineFailure } from './engineFailure.ts';
import { encodeTakTexts } from './tak/takTexts.ts';
import { fixedTakEncoder, learnedTakEncoder, type TakEncoder } from './takEncoder.ts';
import type { TakPromptTexts } from '../text/takPrompts.ts';
import { createTextGuidance, createVlmPretrainer, textCheckpoint, type FixedTextVectors, type WorkspaceTexts } from './vlm/textStage.ts';
import type { VlmPretrainer } from './vlm/VlmPretrainer.ts';
import { yieldToMessages } from './yieldToMessages.ts';

/** Step-count checkpoints come at most this often: encoding and storing a model takes a moment of its own. */
export const CHECKPOINT_MIN_GAP_MS = 10_000;

/** Time for a periodic checkpoint: every `everyMs`, or every `everySteps` steps but not in a burst. */
export function checkpointDue(t: { sinceMs: number; everyMs: number; stepsSince: number; everySteps: number }): boolean {
  if (t.sinceMs > t.everyMs) return true;
  return t.stepsSince >= t.everySteps && t.sinceMs >= CHECKPOINT_MIN_GAP_MS;
}

/** The slices on screen get a fresh prediction every few steps, and at least this often while steps are slow. */
const REFRESH_EVERY_STEPS = 5;
const REFRESH_EVERY_MS = 2_000;
/** Slices of the watched volume predicted per refresh beyond those on screen, so other views fill in. */
const SWEEP_SLICES = 4;
/** Steps between teacher–student disagreement scans of the watched volume. */
const SCORE_EVERY_STEPS = 50;
/** 2D slices scored per batch of work in that scan (Stop and other messages are answered between batches). */
const SCORE_CHUNK_SLICES = 8;
/** Pre-training steps between held-out retrieval measurements (the alignment figure). */
const RETRIEVAL_EVERY_STEPS = 25;
/**
 * 3D: a slab of sliding windows costs several training steps, so live predictions, validation and slice scores
 * each wait until the time since they last ran is this many times what they took: together they stay a minority.
 */
const SERVICE_SHARE_3D = 4;
/**
 * 3D window overlap where windows are slow (CPU backends, software GPUs): previews without overlap (about 8× fewer
 * windows than nnU-Net's 0.5), predict-all with MONAI's default 0.25. A hardware GPU keeps 0.5 for both.
 */
const SLOW_PREVIEW_OVERLAP_3D = 0;
/**
 * 2D on the same slow backends: a slice larger than the training patch is previewed in windows overlapping by a
 * quarter (a 512² slice in 128² windows: 25 instead of 49); predict-all and validation keep the half overlap. Not
 * none, as 3D's previews: a 2D preview without overlap shows each window's seams (instance norm sees each alone).
 */
const SLOW_PREVIEW_OVERLAP_2D = 0.25;
/** A 2D step slower than this makes live previews keep to their share of the time, as 3D's always do. */
const SLOW_STEP_MS = 2_000;
const SLOW_PREDICT_ALL_OVERLAP_3D = 0.25;

/**
 * Either network behind one session. Both trainers share the surface the session uses (steps, pools, predictSlices,
 * validate, updateVolume, checkpoints); the few 3D-only or 2D-only calls narrow with `instanceof`.
 */
export type SegmentationTrainer = Trainer | Trainer3D;

function sameTakTexts(a: TakPromptTexts, b: TakPromptTexts): boolean {
  const eq = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, n) => v === y[n]);
  return eq(a.position, b.position) && eq(a.shape, b.shape);
}

/** The machine's memory as Chrome reports it (rounded; absent in other browsers): a software GPU's budget is a share of it. */
function deviceMemoryGiB(): number | undefined {
  return (globalThis.navigator as (Navigator & { deviceMemory?: number }) | undefined)?.deviceMemory;
}

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

/** Class indices (0 background, n for the n-th class) back to the class values the app paints. */
export function classValuesOf(indices: Uint8Array, classValues: readonly number[]): Uint8Array {
  const table = Uint8Array.from([0, ...classValues]);
  const out = new Uint8Array(indices.length);
  for (let n = 0; n < indices.length; n++) out[n] = table[indices[n]!] ?? 0;
  return out;
}

/** Writes k-slices `ks`, given one after another in `values`, into a whole volume's labels. */
export function writeKSlices(labels: Uint8Array, perSlice: number, ks: readonly number[], values: Uint8Array): void {
  if (values.length !== ks.length * perSlice) throw new Error(`${ks.length} slices of ${perSlice} voxels need ${ks.length * perSlice} values, got ${values.length}`);
  ks.forEach((k, n) => labels.set(values.subarray(n * perSlice, (n + 1) * perSlice), k * perSlice));
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
  private trainer: SegmentationTrainer | null = null;
  /** The run's volumes as the session refers to them; the raw voxels are not kept (see start). */
  private volumes: Pick<WorkerVolume, 'id' | 'dims' | 'validation'>[] = [];
  /** The engine's copies (normalised image, class indices), shared with the trainer; label edits replace their labels. */
  private trainingVolumes: TrainingVolume[] = [];
  private previewOverlap2D = 0.5;
  private classes: ClassInfo[] = [];
  private state: 'idle' | 'starting' | 'running' | 'paused' | 'stopped' | 'error' = 'idle';
  private watch: { volumeId: string; ks: number[]; fresh: boolean } | null = null;
  private sweepCursor = 0;
  private predictAllRequested = false;
  private cancelPredictAll = false;
  private checkpointRequested = false;
  private checkpointEveryMs = 120_000;
  private checkpointEverySteps = Infinity;
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
  /** TAK (3D): the encoder of its prompts, and the vectors (with the texts they encode) the head now reads. */
  private tak: { encoder: TakEncoder; vectors: TakCheckpoint } | null = null;
  private pendingTak: { texts: TakPromptTexts; vectors: FixedTextVectors | null } | null = null;
  /** When each 3D service (live predictions, validation, slice scores) last ran and how long it took. */
  private services = { refresh: { at: 0, ms: 0 }, validate: { at: 0, ms: 0 }, score: { at: 0, ms: 0 } };
  private predictAllOverlap = 0.5;
  /** What the loop is doing now (see debugState). */
  private activity = 'starting';
  /** The step of the last checkpoint sent (or resumed from): where a resume after a failure starts. */
  private savedStep: number | null = null;
  backend: BackendChoice | null = null;

  constructor(private readonly emit: (m: FromWorker) => void) {}

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
      case 'labelSlices': {
        const index = this.volumes.findIndex((v) => v.id === m.volumeId);
        const trained = this.trainingVolumes[index];
        if (index < 0 || !trained) break;
        // The newest labels: an update not yet applied, else the trainer's own (as class values again).
        const labels = this.pendingLabels.get(m.volumeId)?.labels ?? classValuesOf(trained.labels, this.classes.map((c) => c.value));
        writeKSlices(labels, trained.dims[0] * trained.dims[1], m.ks, m.values);
        this.pendingLabels.set(m.volumeId, { labels, slices: m.slices });
        break;
      }
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
      case 'takTexts':
        this.pendingTak = { texts: m.texts, vectors: m.vectors };
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

  /**
   * A run that threw ends here. An engine failure (the WebAssembly heap spent, the GPU lost) is said in plain words
   * with what to try, the engine's own text as details; after one the engine cannot go on in this worker (a
   * WebAssembly abort leaves its module dead), so the app starts a fresh worker to resume from the last checkpoint.
   */
  private fail(e: unknown): void {
    const raw = e instanceof Error ? e.message : String(e);
    const explained = explainEngineFailure(raw, this.backend?.name ?? null, this.savedStep);
    this.emit(explained.engine ? { type: 'error', message: explained.message, details: explained.details, engine: explained.engine } : { type: 'error', message: raw });
    this.setState('error');
  }

  /** Sets the run up; true when it is ready for the loop. */
  private async start(m: Extract<ToWorker, { type: 'start' }>): Promise<boolean> {
    this.setState('starting');
    this.backend = await chooseBackend(m.backendOrder, { wasmPaths: m.wasmPaths, skipSoftware: m.skipSoftware, customKernels: m.customKernels });
    this.emit({ type: 'backend', choice: this.backend });
    this.classes = m.classes;
    this.checkpointEveryMs = m.checkpointEveryMs;
    this.checkpointEverySteps = m.checkpointEverySteps ?? Infinity;
    const values = m.classes.map((c) => c.value);
    const tvs: TrainingVolume[] = m.volumes.map((w) => toTrainingVolume(asVolume(w), asLabelMap(w), values));
    // From here on only the normalised copies are read: label edits replace their labels (withLabels), predictions
    // read their image.
    this.volumes = m.volumes.map((w) => ({ id: w.id, dims: w.dims, validation: w.validation }));
    this.trainingVolumes = tvs;
    const channels = new Set(tvs.map((t) => t.channels));
    if (channels.size > 1) throw new Error('the dataset mixes grey and colour images; train on one kind at a time');
    let config = m.config;
    let sized: ReturnType<typeof resolveModelSize> | null = null;
    const saved = m.checkpoint ? decodeCheckpoint(m.checkpoint) : null;
    const resumeConfig = saved?.config ?? null;
    if (resumeConfig) {
      // A resumed run keeps the network it was trained with (and, in 3D, the plan its strides came from).
      config = { ...config, model: resumeConfig.model, batchLabeled: resumeConfig.batchLabeled, batchUnlabeled: resumeConfig.batchUnlabeled, patch3d: resumeConfig.patch3d, patchVoxels: resumeConfig.patchVoxels };
      // …and the window it learned and predicts in (inferenceSpec.ts), even when the open volumes would plan another.
      const recorded = saved?.inference?.patch;
      if (recorded?.length === 2 && resumeConfig.model.kind === '2d') config = { ...config, patch: [recorded[0]!, recorded[1]!] };
      if (recorded?.length === 3 && resumeConfig.model.kind === '3d') config = { ...config, patch3d: [recorded[0]!, recorded[1]!, recorded[2]!] };
    } else {
      sized = resolveModelSize(m.modelSize, this.backend, Math.max(...this.volumes.map((v) => Math.max(v.dims[0], v.dims[1]))));
      config = { ...config, ...sized.parts, model: { ...config.model, ...sized.parts.model } };
      if (config.model.kind === '3d') config = { ...config, batchLabeled: BATCH_3D[sized.size], batchUnlabeled: BATCH_3D[sized.size] };
      if (config.model.kind === '3d' && config.patch3d === 'auto') config = { ...config, patchVoxels: PATCH_VOXELS_3D[sized.size] };
      // The vision–language model scales with the segmentation network: a software GPU gets the smallest one.
      if (sized.size === 'tiny') config = { ...config, vlm: { ...config.vlm, dim: 32, depth: 1, steps: Math.min(config.vlm.steps, 150) } };
    }
    const network: ModelKind = config.model.kind;
    const K = m.classes.length + 1;
    if (network === '3d') {
      // Estimated before anything is allocated: a run that cannot fit is made smaller, with the reason, instead of
      // losing the GPU device in its first step.
      const { limits, source } = memoryLimitsFor(this.backend, deviceMemoryGiB());
      const fit = fitRun3D(config, tvs, K, limits, source, { keepWidth: resumeConfig !== null });
      this.emit(fit.event);
      if (!fit.event.used) throw new Error(`The 3D network does not fit on this backend even at its smallest: ${fit.event.reason}. Pick the 2D network, or a backend with more memory.`);
      config = fit.config;
    }
    if (network === '2d') {
      // The same for 2D: a 512² scan at the size 'auto' picks can need several times WebAssembly's heap, which the
      // engine reports only as "Aborted()" mid-step. The largest run that fits trains instead, and the panel says so.
      const { limits, source } = memoryLimitsFor(this.backend, deviceMemoryGiB());
      const fit = fitRun2D(config, tvs, K, limits, source, { keepWidth: resumeConfig !== null });
      this.emit(fit.event);
      if (!fit.event.used) throw new Error(`The network does not fit in ${source} even at its smallest: ${fit.event.reason}. Pick a smaller model size, or a backend with more memory.`);
      config = fit.config;
    }
    const validation = this.volumes.flatMap((w, volume) => w.validation.map((k) => ({ volume, k })));
    const build = (): SegmentationTrainer => (network === '3d' ? new Trainer3D(tvs, K, config, validation) : new Trainer(tvs, K, config, validation));
    this.trainer = build();
    let resumedAt: number | null = null;
    if (saved) {
      try {
        // TAK's head exists only once its prompt vectors are attached: the saved ones, before the weights.
        if (this.trainer instanceof Trainer3D && config.tak.enabled) {
          if (!saved.tak) throw new Error('it has no TAK prompt vectors');
          this.trainer.attachTakTexts(saved.tak);
        }
        this.trainer.restore(saved);
        resumedAt = this.trainer.step;
        this.savedStep = resumedAt;
      } catch (e) {
        // Half-restored weights are worse than fresh ones.
        this.trainer.dispose();
        this.trainer = build();
        this.emit({ type: 'error', message: `The saved model could not be resumed (${(e as Error).message}); training starts afresh.` });
      }
    }
    const trainer = this.trainer;
    if (trainer instanceof Trainer3D) trainer.interrupt = () => this.ending;
    if (trainer instanceof Trainer && (this.backend.software || this.backend.name === 'wasm' || this.backend.name === 'cpu')) this.previewOverlap2D = SLOW_PREVIEW_OVERLAP_2D;
    if (trainer instanceof Trainer3D && (this.backend.software || this.backend.name === 'wasm' || this.backend.name === 'cpu')) {
      trainer.previewOverlap = SLOW_PREVIEW_OVERLAP_3D;
      this.predictAllOverlap = SLOW_PREDICT_ALL_OVERLAP_3D;
    }
    this.labeledSlices = trainer.pools.labeled.length;
    this.emit({
      type: 'ready',
      network,
      patch: trainer.patch,
      parameters: trainer.student.count(),
      modelSize: sized?.size ?? (resumeConfig?.model.width === 4 ? 'tiny' : resumeConfig?.model.width === 8 ? 'small' : resumeConfig?.model.width === 32 ? 'large' : 'standard'),
      width: config.model.width,
      depth: config.model.depth,
      labeledSlices: trainer.pools.labeled.length,
      validationSlices: trainer.pools.validation.length,
      unlabeledSlices: trainer.pools.unlabeled.length,
      resumedAt,
    });
    if (trainer instanceof Trainer3D && config.tak.enabled) await this.startTak(trainer, tvs, m, resumedAt !== null ? (saved?.tak ?? null) : null);
    if (this.state === 'stopped') return false;
    this.texts = m.texts;
    if (trainer instanceof Trainer && usesText(config.preset) && config.text.enabled) {
      if (!m.texts) throw new Error(`${config.preset} needs the class prompts and image descriptions`);
      // The saved text stage is resumed unless the user chose another text encoder since: vectors from a provider
      // that differ from the saved model's source start stage 1 afresh (the segmentation weights still resume).
      const stored = resumedAt !== null ? (saved?.text ?? null) : null;
      const savedSource = stored?.vectors ? `${stored.vectors.provider}:${stored.vectors.name}` : 'learned';
      const wanted = m.textVectors ? `${m.textVectors.provider}:${m.textVectors.name}` : savedSource;
      const kept = stored && wanted === savedSource ? stored : null;
      if (stored && !kept) this.emit({ type: 'notice', message: 'The text encoder changed since the model was saved: the vision–language model is pre-trained again; segmentation resumes where it was.' });
      this.pretrainer = createVlmPretrainer(tvs, trainer.pools, m.texts, trainer.patch, config, kept, m.textVectors);
      if (kept?.decoder) {
        // Resumed in stage 2: the aligned model and its decoder come back; the current texts are encoded afresh.
        trainer.attachTextGuidance(await createTextGuidance(this.pretrainer, m.texts, config, kept.decoder));
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
    return true;
  }

  /**
   * TAK's prompts: encoded with the provider's vectors when they hold every prompt, else the learned text tower;
   * resumed, the saved vectors stay attached unless the class texts changed since, when the current encoder
   * re-encodes them (the head keeps its width, so an encoder of another width cannot take over).
   */
  private async startTak(trainer: Trainer3D, tvs: TrainingVolume[], m: Extract<ToWorker, { type: 'start' }>, saved: TakCheckpoint | null): Promise<void> {
    if (!m.tak) throw new Error('TAK needs each class’s position and shape prompts');
    const encoder = this.takEncoderFor(trainer, tvs, m.texts, m.tak, m.takVectors);
    if (saved) {
      this.tak = { encoder, vectors: saved };
      // A checkpoint without its texts (saved by the CLI) cannot tell: the current prompts are encoded.
      if (!saved.texts || !sameTakTexts(saved.texts, m.tak)) await this.encodeTak(m.tak, encoder);
      else this.emitTakEncoder();
      return;
    }
    const v = await encodeTakTexts(encoder.embedder, m.tak, encoder.name);
    trainer.attachTakTexts(v);
    this.tak = { encoder, vectors: { ...v, provider: encoder.provider, texts: m.tak } };
    this.emitTakEncoder();
  }

  private takEncoderFor(trainer: Trainer3D, tvs: TrainingVolume[], texts: WorkspaceTexts | null, tak: TakPromptTexts, vectors: FixedTextVectors | null): TakEncoder {
    const fixed = vectors ? fixedTakEncoder(vectors, tak) : null;
    if (vectors && !fixed) this.emit({ type: 'notice', message: `${vectors.name} has no vector for some of TAK’s position and shape prompts: the learned text transformer encodes them instead.` });
    return fixed ?? learnedTakEncoder(tvs, trainer.pools, texts, tak, trainer.vlmImageSize, trainer.cfg);
  }

  /** New prompt vectors of the same width replace the old ones between two steps: training goes on. */
  private async encodeTak(texts: TakPromptTexts, encoder: TakEncoder): Promise<void> {
    const t = this.trainer;
    const cur = this.tak;
    if (!(t instanceof Trainer3D) || !cur) return;
    const v = await encodeTakTexts(encoder.embedder, texts, encoder.name);
    if (v.dim !== cur.vectors.dim) {
      this.emit({ type: 'notice', message: `The class prompts were not re-encoded: the ${encoder.name} gives ${v.dim}-wide vectors, and this model’s text-driven head reads ${cur.vectors.dim}. Its prompts stay as they were.` });
      return;
    }
    t.attachTakTexts(v);
    if (cur.encoder !== encoder) cur.encoder.dispose();
    this.tak = { encoder, vectors: { ...v, provider: encoder.provider, texts } };
    this.emitTakEncoder();
  }

  private async applyPendingTak(): Promise<void> {
    const next = this.pendingTak;
    const cur = this.tak;
    if (!next || !cur) return;
    this.pendingTak = null;
    if (cur.vectors.texts && sameTakTexts(next.texts, cur.vectors.texts)) return;
    // A fixed provider answers from the vectors sent with the texts; the learned tower encodes anything.
    const encoder = cur.encoder.provider === 'learned' ? cur.encoder : next.vectors ? fixedTakEncoder(next.vectors, next.texts) : null;
    if (!encoder) {
      this.emit({ type: 'notice', message: `The new class descriptions are not used yet: ${cur.encoder.name} has no vector for some of them.` });
      return;
    }
    await this.encodeTak(next.texts, encoder);
  }

  private emitTakEncoder(): void {
    const v = this.tak?.vectors;
    if (!v) return;
    this.emit({ type: 'textEncoder', provider: v.provider ?? 'learned', name: `${v.encoder} (position and shape prompts of TAK’s text-driven head)`, dim: v.dim, texts: (2 * v.position.length) / v.dim, step: this.trainer?.step ?? 0 });
  }

  /** 3D only: whether a service may run now without taking more than its share of the time. */
  private affordable(service: keyof TrainingSession['services']): boolean {
    // 2D previews cost little next to a step, unless steps are slow (a large slice on a CPU backend): then they too
    // keep to their share, or a 512² CT would spend more time previewing than training.
    if (!(this.trainer instanceof Trainer3D) && this.lastStepMs <= SLOW_STEP_MS) return true;
    const s = this.services[service];
    return performance.now() - s.at >= SERVICE_SHARE_3D * s.ms;
  }

  private async timed<T>(service: keyof TrainingSession['services'], run: () => Promise<T>): Promise<T> {
    this.activity = service === 'refresh' ? 'refreshing the slices on screen' : service === 'validate' ? 'validating' : 'scoring slices';
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      this.services[service] = { at: performance.now(), ms: performance.now() - t0 };
    }
  }

  private async loop(): Promise<void> {
    const t = this.trainer!;
    let seen = 0;
    let steps = 0;
    while (this.state !== 'stopped' && this.state !== 'error') {
      this.applyPendingLabels();
      if (this.watch?.fresh) await this.doing('predicting the slices on screen', () => this.serveWatch(false));
      if (this.predictAllRequested) await this.doing('predicting all volumes', () => this.predictAll());
      if (this.checkpointRequested || (this.state === 'running' && this.checkpointDue(t.step))) await this.doing('saving a checkpoint', () => this.saveCheckpoint());
      if (this.state !== 'running') {
        // Sleep only when nothing is pending: a request that arrived while we were busy must not be lost.
        this.activity = 'waiting';
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
        await this.doing('pre-training step', () => this.pretrainStep());
        this.activity = 'between steps';
        await yieldToMessages();
        continue;
      }
      await this.applyPendingTexts();
      await this.applyPendingTak();
      if (this.resetRates) {
        // Rates measure segmentation steps only: stage 1's time does not count against them.
        this.resetRates = false;
        seen = 0;
        steps = 0;
      }
      const report = await this.doing(`training step ${t.step + 1}`, () => t.trainStep());
      this.lastStepMs = report.ms;
      seen += t.cfg.batchLabeled + (t.cfg.consistency.weight > 0 ? t.cfg.batchUnlabeled : 0);
      steps++;
      const elapsedMs = performance.now() - this.startedAt;
      this.emit({ type: 'step', report, epoch: (report.step * t.cfg.batchLabeled) / Math.max(1, this.labeledSlices), slicesPerSecond: seen / (elapsedMs / 1000), stepsPerSecond: steps / (elapsedMs / 1000), elapsedMs });
      if ((report.step % REFRESH_EVERY_STEPS === 0 || performance.now() - this.lastRefreshAt > REFRESH_EVERY_MS) && this.affordable('refresh')) await this.timed('refresh', () => this.serveWatch(true));
      if (report.step % t.cfg.validation.everySteps === 0 && t.pools.validation.length > 0 && this.affordable('validate')) {
        const validation = await this.timed('validate', () => t.validate());
        // A pass cut short by Stop scored only some held-out slices: not a figure to show.
        if (!this.ending) this.emit({ type: 'validation', report: validation });
      }
      if (report.step % SCORE_EVERY_STEPS === 0 && this.affordable('score')) await this.timed('score', () => this.scoreWatchedVolume());
      // Let messages in between steps.
      this.activity = 'between steps';
      await yieldToMessages();
    }
    if (this.checkpointRequested) await this.doing('saving the last checkpoint', () => this.saveCheckpoint());
    this.activity = 'done';
  }

  /** What the loop is awaiting, for debugState. */
  private async doing<T>(what: string, run: () => Promise<T>): Promise<T> {
    this.activity = what;
    return run();
  }

  /**
   * Where the run is, for diagnosis (the worker exposes it to tests as self.__pseudolabTraining): a worker that is
   * answering but stuck says which await it is in; one that does not answer at all is blocked in synchronous code.
   */
  debugState(): { state: string; phase: string; step: number; activity: string; services: Record<string, { at: number; ms: number }> } {
    return { state: this.state, phase: this.phase, step: this.trainer?.step ?? 0, activity: this.activity, services: { ...this.services } };
  }

  /** One step of stage 1; at the end of its budget (or on request), stage 2's text mask joins the run. */
  private async pretrainStep(): Promise<void> {
    const pre = this.pretrainer!;
    const t = this.trainer;
    if (!(t instanceof Trainer)) throw new Error('vision–language pre-training belongs to the 2D text presets');
    const total = t.cfg.vlm.steps;
    if (!this.skipPretraining && pre.step < total) {
      const report = await pre.trainStep();
      this.emit({ type: 'vlmStep', report, totalSteps: total, elapsedMs: performance.now() - this.startedAt });
      if (report.step % RETRIEVAL_EVERY_STEPS === 0 || report.step === total) this.emit({ type: 'vlmRetrieval', report: await pre.retrieval() });
      return;
    }
    t.attachTextGuidance(await createTextGuidance(pre, this.texts!, t.cfg));
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
    const tg = this.trainer instanceof Trainer ? this.trainer.textGuidance : null;
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

  /** Stop was pressed (or the run failed): long passes end early, and what they leave half done is not shown. */
  private get ending(): boolean {
    return this.state === 'stopped' || this.state === 'error';
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
      const next = withLabels(this.trainingVolumes[index]!, asLabelMap({ dims: this.volumes[index]!.dims, ...update }), values);
      this.trainingVolumes[index] = next;
      this.trainer.updateVolume(index, next);
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
    // 3D predicts a slab around the slices on screen: its neighbours cost almost nothing more, far slices a slab each.
    const threeD = t instanceof Trainer3D;
    const slow = this.lastStepMs > SLOW_STEP_MS;
    const ks = new Set((slow && !threeD ? w.ks.slice(0, 1) : w.ks).filter((k) => k >= 0 && k < nk));
    if (sweep && !slow && !threeD) {
      for (let n = 0; n < SWEEP_SLICES; n++) {
        ks.add(this.sweepCursor % nk);
        this.sweepCursor++;
      }
    }
    const values = this.classes.map((c) => c.value);
    const K = t.numClasses;
    const toValues = (classes: Uint8Array): Uint8Array => classes.map((c) => (c === 0 ? 0 : values[c - 1]!));
    const list = [...ks];
    // The text-mask layers belong to the 2D text presets.
    const text = t instanceof Trainer && t.textGuidance ? await t.predictTextSlices(index, list) : null;
    const batch = slow ? 1 : threeD ? 2 : 8;
    // 2D with our kernels: labels and uncertainty come off the GPU as bytes. Otherwise (3D blends windows on the
    // CPU; kernels off) from the probabilities.
    const onGPU = t instanceof Trainer ? t.predictLiveLayers(index, list, batch) : null;
    const layers = onGPU
      ? await onGPU
      : (await (t instanceof Trainer ? predictSlices(t.predictor, t.model, this.trainingVolumes[index]!, list, t.inferenceSize, batch, this.previewOverlap2D) : t.predictSlices(index, list, 'predictor', batch))).map(({ k, probs }) => ({
          k,
          labels: argmaxClasses(probs, K),
          uncertainty: uncertaintyBytes(probs, K),
        }));
    layers.forEach(({ k, labels, uncertainty }, n) => {
      const tx = text?.[n];
      this.emit({
        type: 'prediction',
        volumeId: w.volumeId,
        k,
        step: t.step,
        labels: toValues(labels),
        uncertainty,
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
    const K = t.numClasses;
    const scores = new Float32Array(nk);
    // 2D scores a few slices at a time: every slice of a 512²×300 CT at once is over a GB of probabilities per
    // network, and Stop must not wait for the whole volume. (3D predicts slabs: one pass.)
    const chunk = t instanceof Trainer ? SCORE_CHUNK_SLICES : nk;
    const predict = (ks: number[], which: 'predictor' | 'student') =>
      t instanceof Trainer ? predictSlices(which === 'student' ? t.student : t.predictor, t.model, this.trainingVolumes[index]!, ks, t.inferenceSize, 8, this.previewOverlap2D) : t.predictSlices(index, ks, which);
    for (let k0 = 0; k0 < nk; k0 += chunk) {
      const ks = Array.from({ length: Math.min(chunk, nk - k0) }, (_, n) => k0 + n);
      const main = await predict(ks, 'predictor');
      if (this.ending) return;
      if (t.teacher) {
        const student = await predict(ks, 'student');
        if (this.ending) return;
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
      if (k0 + chunk < nk) await yieldToMessages();
      if (this.ending) return;
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
      const tv = this.trainingVolumes[i]!;
      // Stop ends predict-all too: the run's last checkpoint must not wait for every volume.
      const stop = () => this.cancelPredictAll || this.ending;
      // Progress counts slices in both: a 3D pass reports windows, scaled here to the volume's slices.
      const classes =
        t instanceof Trainer3D
          ? await t.predictVolumeClasses(tv, (d, n) => this.emit({ type: 'predictAllProgress', done: done + Math.floor((d / Math.max(1, n)) * v.dims[2]), total }), stop, 2, this.predictAllOverlap)
          : await predictVolumeClasses(t.predictor, t.model, tv, t.inferenceSize, (d) => this.emit({ type: 'predictAllProgress', done: done + d, total }), stop);
      if (!classes) {
        this.emit({ type: 'predictAllDone', cancelled: true });
        return;
      }
      done += v.dims[2];
      this.emit({ type: 'predictAllVolume', volumeId: v.id, labels: classes.map((c) => (c === 0 ? 0 : values[c - 1]!)) });
      await yieldToMessages();
      if (this.cancelPredictAll) {
        this.emit({ type: 'predictAllDone', cancelled: true });
        return;
      }
    }
    this.emit({ type: 'predictAllDone', cancelled: false });
  }

  private checkpointDue(step: number): boolean {
    return checkpointDue({ sinceMs: Date.now() - this.lastCheckpointAt, everyMs: this.checkpointEveryMs, stepsSince: step - (this.savedStep ?? 0), everySteps: this.checkpointEverySteps });
  }

  private async saveCheckpoint(): Promise<void> {
    const t = this.trainer;
    this.checkpointRequested = false;
    this.lastCheckpointAt = Date.now();
    if (!t) return;
    let c: Checkpoint;
    if (t instanceof Trainer) {
      const text = this.pretrainer && this.texts ? await textCheckpoint(this.pretrainer, t.textGuidance, this.texts) : null;
      c = await t.toCheckpoint(this.classes, text);
    } else {
      const base = await t.toCheckpoint(this.classes);
      // The patch as it ran, not 'auto': resuming and predicting then slide the same window whatever the data.
      c = { ...base, config: { ...base.config, patch3d: t.patch }, tak: this.tak?.vectors ?? null };
    }
    this.emit({ type: 'checkpoint', step: t.step, bytes: encodeCheckpoint(c) });
    this.savedStep = t.step;
  }

  dispose(): void {
    this.state = 'stopped';
    this.wake?.();
    this.trainer?.dispose();
    this.trainer = null;
    this.pretrainer?.dispose();
    this.pretrainer = null;
    this.tak?.encoder.dispose();
    this.tak = null;
    tf.disposeVariables();
  }
}
