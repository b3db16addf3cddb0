import type { BackendChoice, BackendName } from './backend.ts';
import type { ModelKind, TrainConfig } from './config.ts';
import type { TakPromptTexts } from '../text/takPrompts.ts';
import type { ModelSize, ModelSizeChoice } from './modelSize.ts';
import type { StepReport, ValidationReport } from './loop/reports.ts';
import type { FixedTextVectors, WorkspaceTexts } from './vlm/textStage.ts';
import type { RetrievalReport, VlmStepReport } from './vlm/VlmPretrainer.ts';

/**
 * The training worker's whole interface: one discriminated union each way. Large buffers (voxels, labels,
 * predictions, checkpoints) are transferred, never copied, and the main thread only renders.
 */

/** A volume as the worker receives it: raw voxels and labels (class values) plus labeled-slice flags. */
export interface WorkerVolume {
  id: string;
  /** k-slices the user set aside for validation (never trained on). */
  validation: number[];
  dims: [number, number, number];
  spacing: [number, number, number];
  channels: 1 | 3;
  voxels: Float32Array | Int16Array | Uint16Array | Uint8Array;
  labels: Uint8Array;
  slices: [Uint8Array, Uint8Array, Uint8Array];
}

export interface ClassInfo {
  value: number;
  name: string;
}

export type ToWorker =
  | {
      type: 'start';
      config: TrainConfig;
      classes: ClassInfo[];
      volumes: WorkerVolume[];
      backendOrder: BackendName[];
      /** Pass over software GPUs (auto mode); off when the user picked a backend by name. */
      skipSoftware: boolean;
      /** WebGPU: run our WGSL kernels in place of tfjs's (src/gpu/customKernels.ts); false = tfjs's own. */
      customKernels: boolean;
      /** Model size; 'auto' is resolved once the backend is known. */
      modelSize: ModelSizeChoice;
      wasmPaths: string;
      /** Resume from these checkpoint bytes when given (same classes and channels). */
      checkpoint: Uint8Array | null;
      /** Save a checkpoint this often while training (and on pause). */
      checkpointEveryMs: number;
      /**
       * …and after this many steps (at most one every CHECKPOINT_MIN_GAP_MS), so a crash on a fast GPU loses a few
       * steps, not a minute of them; absent: by time only.
       */
      checkpointEverySteps?: number;
      /** Class prompts and image descriptions, for the text presets (promptssl, duss); null otherwise. */
      texts: WorkspaceTexts | null;
      /** Their vectors from a prompt bank or a pretrained encoder; null = learn our own text encoder. */
      textVectors: FixedTextVectors | null;
      /** TAK (3D): each class's position and shape prompt, background first; null for the other presets. */
      tak: TakPromptTexts | null;
      /** TAK's prompts through the chosen provider (prompt bank, pretrained model); null = the learned text tower. */
      takVectors: FixedTextVectors | null;
    }
  /** TAK's prompts changed (a class was described): re-encode them with the run's text encoder; training goes on. */
  | { type: 'takTexts'; texts: TakPromptTexts; vectors: FixedTextVectors | null }
  /** Class or image texts changed: re-encode the class prompts (with these vectors, for a fixed provider). */
  | { type: 'texts'; texts: WorkspaceTexts; vectors: FixedTextVectors | null }
  /** End vision–language pre-training now and go on to segmentation with the model as it is. */
  | { type: 'skipPretraining' }
  /** The learned text encoder's vectors of every workspace text, as a prompt bank (answered by 'promptBank'). */
  | { type: 'exportPromptBank' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  /** The labels of one volume changed (a stroke, an accepted pseudo-label): train on the new ones from the next step. */
  | { type: 'labels'; volumeId: string; labels: Uint8Array; slices: [Uint8Array, Uint8Array, Uint8Array] }
  /**
   * Only some k-slices' labels changed (a stroke): `values` holds those slices one after another, in the order of
   * `ks`; the labeled-slice flags come whole. Sending a 512²×600 volume for one stroke held the page ~0.1 s.
   */
  | { type: 'labelSlices'; volumeId: string; ks: number[]; values: Uint8Array; slices: [Uint8Array, Uint8Array, Uint8Array] }
  /** The slices on screen: their predictions are refreshed first and served as soon as a step ends. */
  | { type: 'watch'; volumeId: string; ks: number[] }
  /** The user pressed a key, clicked or dragged: the next step waits for a pause (session/userActivity.ts). */
  | { type: 'userActive' }
  | { type: 'predictAll' }
  | { type: 'cancelPredictAll' }
  | { type: 'requestCheckpoint' };

/** The parts of a 3D run that decide its memory, as the user is told about them. */
export interface Run3DSummary {
  patch: [number, number, number];
  batchLabeled: number;
  batchUnlabeled: number;
  width: number;
}

/** The same for a 2D run, with the windows per prediction batch (predictions keep every map of a forward). */
export interface Run2DSummary {
  patch: [number, number];
  batchLabeled: number;
  batchUnlabeled: number;
  width: number;
  inferenceBatch: number;
}

/** The fields of a memory verdict, 2D or 3D. */
interface MemoryVerdict<S> {
  estimateBytes: number;
  budgetBytes: number;
  /** Where the budget comes from, in words ("WebGPU adapter limits", "the WebAssembly heap"). */
  budgetSource: string;
  /** Why the requested run does not fit; null when it does. */
  reason: string | null;
  requested: S;
  /** What runs: the requested shape, or the largest that fits; null when nothing fits (the run then stops). */
  used: S | null;
}

/**
 * What kind of engine failure ended a run, when it was one (the message then says it in plain words):
 * 'memory' (out of memory, a WebAssembly abort or out-of-bounds access: the engine's heap is spent), 'device' (the
 * GPU was lost). Either way the engine is unusable, so the app starts a fresh worker to resume.
 */
export type EngineFailure = 'memory' | 'device';

export type TrainingState = 'starting' | 'running' | 'paused' | 'stopped' | 'error';

export type FromWorker =
  | { type: 'backend'; choice: BackendChoice }
  /** 2D, before `ready`: the memory the run is estimated to need against the backend's budget, as for 3D below. */
  | ({ type: 'memory2d' } & MemoryVerdict<Run2DSummary>)
  /**
   * 3D only, before `ready`: the memory the run is estimated to need against what this backend allows, and —
   * when the requested network did not fit — why, and what was made smaller instead (`used`).
   */
  | {
      type: 'memory';
      estimateBytes: number;
      budgetBytes: number;
      /** Where the budget comes from, in words ("WebGPU adapter limits", "WebAssembly heap"). */
      budgetSource: string;
      /** Why the requested run does not fit; null when it does. */
      reason: string | null;
      requested: Run3DSummary;
      /** What runs: the requested shape, or the largest that fits; null when nothing fits (the run then stops). */
      used: Run3DSummary | null;
    }
  | {
      type: 'ready';
      /** Which network trains: a ResUNet over k-slices or a V-Net over volume patches. */
      network: ModelKind;
      /** [h, w] for 2D; [d, h, w] (d along k) for 3D. */
      patch: [number, number] | [number, number, number];
      parameters: number;
      modelSize: ModelSize;
      width: number;
      depth: number;
      labeledSlices: number;
      validationSlices: number;
      /**
       * Which slices validation measures, as "volumeId:k", sorted: runs are comparable only on the same ones. Absent
       * from senders that predate it.
       */
      validationSet?: string[];
      /** A fingerprint of those slices' labels (validationFingerprint.ts): the same slices relabeled are other truths. */
      validationLabels?: string;
      unlabeledSlices: number;
      resumedAt: number | null;
    }
  | { type: 'state'; state: TrainingState }
  /** Which stage runs: stage 1 (vision–language pre-training) or segmentation training. */
  | { type: 'phase'; phase: 'pretraining' | 'training' }
  | { type: 'vlmStep'; report: VlmStepReport; totalSteps: number; elapsedMs: number }
  | { type: 'vlmRetrieval'; report: RetrievalReport }
  /** The text encoder that made the current class embeddings, and when (segmentation step). */
  | { type: 'textEncoder'; provider: 'learned' | 'pretrained' | 'import'; name: string; dim: number; texts: number; step: number }
  | { type: 'promptBank'; name: string; dim: number; entries: { text: string; vector: Float32Array }[] }
  | { type: 'step'; report: StepReport; epoch: number; slicesPerSecond: number; stepsPerSecond: number; elapsedMs: number }
  | { type: 'validation'; report: ValidationReport }
  /** The prediction for one slice (class values) and its uncertainty (normalised entropy × 255), from the model at `step`. */
  | {
      type: 'prediction';
      volumeId: string;
      k: number;
      step: number;
      labels: Uint8Array;
      uncertainty: Uint8Array;
      /**
       * Text presets: the text mask's labels, the merged pseudo-label's labels (σ(y^t + y^text), eq 13 / 16), and the
       * text activation of every class 1..K−1 (× 255, class-major: K−1 slices of pixels).
       */
      text: { labels: Uint8Array; merged: Uint8Array; activation: Uint8Array } | null;
    }
  /** Teacher–student disagreement per k-slice of a volume, for "next most uncertain slice". */
  | { type: 'sliceScores'; volumeId: string; step: number; scores: Float32Array }
  | { type: 'predictAllProgress'; done: number; total: number }
  | { type: 'predictAllVolume'; volumeId: string; labels: Uint8Array }
  | { type: 'predictAllDone'; cancelled: boolean }
  | { type: 'checkpoint'; step: number; bytes: Uint8Array }
  /**
   * `message` is for the user; `details` the engine's own text (shown behind a toggle); `engine` when the backend
   * itself failed and the worker must be recreated to go on.
   */
  | { type: 'error'; message: string; details?: string; engine?: EngineFailure }
  /** Something the user should know that is not a failure (e.g. a stage restarts). */
  | { type: 'notice'; message: string };

/** Buffers inside a message, for postMessage's transfer list. */
export function transferables(m: FromWorker | ToWorker): Transferable[] {
  switch (m.type) {
    case 'prediction':
      return [m.labels.buffer, m.uncertainty.buffer, ...(m.text ? [m.text.labels.buffer, m.text.merged.buffer, m.text.activation.buffer] : [])];
    case 'sliceScores':
      return [m.scores.buffer];
    case 'predictAllVolume':
      return [m.labels.buffer];
    case 'checkpoint':
      return [m.bytes.buffer];
    case 'labels':
      return [m.labels.buffer, ...m.slices.map((s) => s.buffer)];
    case 'labelSlices':
      return [m.values.buffer, ...m.slices.map((s) => s.buffer)];
    case 'start':
      return m.volumes.flatMap((v) => [v.voxels.buffer, v.labels.buffer, ...v.slices.map((s) => s.buffer)]).concat(m.checkpoint ? [m.checkpoint.buffer] : []);
    default:
      return [];
  }
}
