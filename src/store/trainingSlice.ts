import type { StateCreator } from 'zustand';
import type { BackendChoice, BackendName } from '../train/backend.ts';
import type { ModelSize, ModelSizeChoice } from '../train/modelSize.ts';
import type { RunSummary } from '../persist/runKey.ts';
import { presetModelKind, type ModelKind, type PresetName } from '../train/config.ts';
import type { EngineFailure, FromWorker, TrainingState } from '../train/protocol.ts';
import type { AppState } from './appStore.ts';

export interface LossPoint {
  step: number;
  total: number;
  ce: number;
  dice: number;
  consistency: number;
}

export interface ValidationPoint {
  step: number;
  /** Dice per class, in the class order at the start of training. */
  dice: (number | null)[];
  mean: number | null;
}

/**
 * What the model currently says about a volume: its pseudo-label (class values) and uncertainty (0..255) per
 * voxel, filled slice by slice as predictions arrive. The buffers are mutated in place (the viewer shows views of
 * them); `version` tells subscribers to redraw.
 */
export interface PredictionLayer {
  labels: Uint8Array;
  uncertainty: Uint8Array;
  /** Training step of each k-slice's latest prediction; −1 where none has arrived. */
  sliceStep: Int32Array;
  version: number;
  /** k-slices whose pseudo-label the user rejected: hidden until the model changes its mind. */
  rejected: number[];
  /**
   * Text presets: the text mask's labels and the merged pseudo-label (σ(y^t + y^text)) per voxel, and the text
   * activation of each foreground class × 255, class-major (plane c − 1 is class index c over the whole volume).
   * Null until the first text-guided prediction arrives.
   */
  text: { labels: Uint8Array; merged: Uint8Array; activation: Uint8Array } | null;
  /**
   * The file the layer was imported from (predictions made elsewhere, app/importPredictions.ts), absent when this
   * tab's model predicted it. Accepting a slice of an imported layer marks it imported, not accepted pseudo-label.
   */
  imported?: string;
}

export interface VlmProgress {
  step: number;
  totalSteps: number;
  elapsedMs: number;
  tau: number;
  /** The latest mean uncertainty weight of the global image–text term (VlmStepReport); NaN before the first step. */
  uncertaintyWeight: number;
  losses: { step: number; total: number; terms: Record<string, number> }[];
  retrieval: { step: number; accuracy: number; chance: number; pairs: number }[];
}

export interface TrainingSliceState {
  status: 'idle' | TrainingState;
  /**
   * An ONNX model trained elsewhere, serving the live layers and predict-all in its own worker (app/importedModel.ts)
   * instead of a training run; null when none is in use.
   */
  onnxModel: { name: string; summary: string; status: 'loading' | 'ready' } | null;
  /** Stop was pressed and the worker has not said 'stopped' yet (it finishes the batch in hand, then saves). */
  stopping: boolean;
  preset: PresetName;
  /** 2D ResUNet over slices or 3D V-Net over volume patches; a preset that needs one kind sets and holds it. */
  network: ModelKind;
  /** 'auto' = the fastest hardware backend; a name forces that backend (software GPUs included). */
  backendPreference: 'auto' | BackendName;
  /** WebGPU only: our WGSL kernels (shaders/) in place of tfjs's; off runs tfjs's own, to compare. */
  customKernels: boolean;
  modelSize: ModelSizeChoice;
  backend: BackendChoice | null;
  info: Extract<FromWorker, { type: 'ready' }> | null;
  /** The memory estimate against the backend's budget (2D and 3D), and what was made smaller when it did not fit. */
  memory: Extract<FromWorker, { type: 'memory' | 'memory2d' }> | null;
  step: number;
  epoch: number;
  slicesPerSecond: number;
  stepsPerSecond: number;
  elapsedMs: number;
  losses: LossPoint[];
  validation: ValidationPoint[];
  /** Classes (value, name) the running model predicts, in output order. */
  trainedClasses: { value: number; name: string }[];
  error: string | null;
  /** The engine's own text behind `error`, shown on request ("details"). */
  errorDetails: string | null;
  /** Set when the engine itself failed (heap spent, GPU lost): the panel offers to resume in a fresh worker. */
  engineFailure: EngineFailure | null;
  /** Text presets: which stage runs, stage 1's progress, and the encoder that made the class embeddings. */
  phase: 'pretraining' | 'training' | null;
  vlm: VlmProgress | null;
  textEncoder: Extract<FromWorker, { type: 'textEncoder' }> | null;
  /** The text encoder chosen for the next run: learned here, a prompt bank file, or a pretrained model folder. */
  textProvider: { kind: 'learned' | 'import' | 'pretrained'; name: string; dim: number | null };
  predictions: Record<string, PredictionLayer>;
  sliceScores: Record<string, { step: number; scores: Float32Array }>;
  predictAll: { running: boolean; done: number; total: number } | null;
  /** Whole-volume predictions from "Predict all", for export. */
  fullPredictions: Record<string, Uint8Array>;
  /**
   * The run's latest checkpoint. `stored` is true only once IndexedDB committed it (a reload can resume from it);
   * false when it is held in this tab only (a read-only tab, full or failed storage: `problem` says why), when
   * Export model still downloads it from memory.
   */
  checkpoint: {
    step: number;
    savedAt: number;
    preset: string;
    classValues: number[];
    network: ModelKind;
    size?: ModelSize;
    stored: boolean;
    problem?: string;
  } | null;
  /** Every stored run (one per method, network and size): what Start resumes, and what switching would keep. */
  savedRuns: RunSummary[];
  /** The panel shows a stored run as the last session left it (history, pseudo-labels) until Start resumes it. */
  restored: boolean;
  /** The slice the user looks at (axial view), which the model predicts first. */
  focus: { volumeId: string; k: number } | null;
}

export interface TrainingSlice {
  training: TrainingSliceState;
  setPreset: (preset: PresetName) => void;
  /** Ignored while the preset holds the other kind (TAK is 3D only; the text-mask presets are 2D only). */
  setNetwork: (network: ModelKind) => void;
  setBackendPreference: (b: 'auto' | BackendName) => void;
  setCustomKernels: (on: boolean) => void;
  setModelSize: (m: ModelSizeChoice) => void;
  setTrainingPatch: (patch: Partial<TrainingSliceState>) => void;
  /** Applies one event from the training worker. */
  applyTrainingEvent: (m: FromWorker) => void;
  rejectPseudoSlice: (volumeId: string, k: number) => void;
  setFocus: (volumeId: string, k: number) => void;
  resetTrainingRun: () => void;
}

/** Loss history kept for the chart; older points are thinned, not dropped, so the whole run stays visible. */
const MAX_LOSS_POINTS = 1500;

export const INITIAL_TRAINING: TrainingSliceState = {
  status: 'idle',
  onnxModel: null,
  stopping: false,
  preset: 'mean-teacher',
  network: '2d',
  backendPreference: 'auto',
  customKernels: true,
  modelSize: 'auto',
  backend: null,
  info: null,
  memory: null,
  step: 0,
  epoch: 0,
  slicesPerSecond: 0,
  stepsPerSecond: 0,
  elapsedMs: 0,
  losses: [],
  validation: [],
  trainedClasses: [],
  error: null,
  errorDetails: null,
  engineFailure: null,
  phase: null,
  vlm: null,
  textEncoder: null,
  textProvider: { kind: 'learned', name: 'learned here (offline)', dim: null },
  predictions: {},
  sliceScores: {},
  predictAll: null,
  fullPredictions: {},
  checkpoint: null,
  savedRuns: [],
  restored: false,
  focus: null,
};

function thin(points: LossPoint[]): LossPoint[] {
  if (points.length <= MAX_LOSS_POINTS) return points;
  // Keep every other point of the older half: recent detail, whole-run shape.
  const half = Math.floor(points.length / 2);
  return [...points.slice(0, half).filter((_, n) => n % 2 === 0), ...points.slice(half)];
}

function layerFor(state: AppState, volumeId: string): PredictionLayer | null {
  const existing = state.training.predictions[volumeId];
  // The model's first prediction for a volume replaces an imported layer rather than mixing with it.
  if (existing && !existing.imported) return existing;
  const entry = state.volumes[volumeId];
  if (!entry) return null;
  const n = entry.labels.voxels.length;
  return {
    labels: new Uint8Array(n),
    uncertainty: new Uint8Array(n),
    sliceStep: new Int32Array(entry.labels.dims[2]).fill(-1),
    version: 0,
    rejected: [],
    text: null,
  };
}

export const createTrainingSlice: StateCreator<AppState, [], [], TrainingSlice> = (set, get) => {
  const patch = (p: Partial<TrainingSliceState>): void => set((s) => ({ training: { ...s.training, ...p } }));
  return {
    training: INITIAL_TRAINING,
    setPreset: (preset) => patch({ preset, network: presetModelKind(preset) ?? get().training.network }),
    setNetwork: (network) => {
      const held = presetModelKind(get().training.preset);
      if (!held || held === network) patch({ network });
    },
    setBackendPreference: (backendPreference) => patch({ backendPreference }),
    setCustomKernels: (customKernels) => patch({ customKernels }),
    setModelSize: (modelSize) => patch({ modelSize }),
    setTrainingPatch: patch,
    setFocus: (volumeId, k) => {
      const f = get().training.focus;
      if (f?.volumeId !== volumeId || f.k !== k) patch({ focus: { volumeId, k } });
    },
    resetTrainingRun: () =>
      set((s) => ({
        training: {
          ...INITIAL_TRAINING,
          preset: s.training.preset,
          network: s.training.network,
          backendPreference: s.training.backendPreference,
          customKernels: s.training.customKernels,
          modelSize: s.training.modelSize,
          textProvider: s.training.textProvider,
          checkpoint: s.training.checkpoint,
          savedRuns: s.training.savedRuns,
          focus: s.training.focus,
        },
      })),

    rejectPseudoSlice: (volumeId, k) => {
      const layer = get().training.predictions[volumeId];
      if (!layer || layer.rejected.includes(k)) return;
      const entry = get().volumes[volumeId];
      if (!entry) return;
      const per = entry.labels.dims[0] * entry.labels.dims[1];
      layer.labels.fill(0, k * per, (k + 1) * per);
      const next: PredictionLayer = { ...layer, rejected: [...layer.rejected, k], version: layer.version + 1 };
      set((s) => ({ training: { ...s.training, predictions: { ...s.training.predictions, [volumeId]: next } } }));
    },

    applyTrainingEvent: (m) => {
      const s = get();
      switch (m.type) {
        case 'backend':
          return patch({ backend: m.choice });
        case 'ready':
          return patch({ info: m, step: m.resumedAt ?? 0, error: null, errorDetails: null, engineFailure: null });
        case 'memory':
        case 'memory2d':
          return patch({ memory: m });
        case 'state':
          return patch({ status: m.state, stopping: s.training.stopping && m.state !== 'stopped' && m.state !== 'error' });
        case 'phase':
          return patch({ phase: m.phase });
        case 'vlmStep': {
          const prev = s.training.vlm;
          const r = m.report;
          return patch({
            vlm: {
              step: r.step,
              totalSteps: m.totalSteps,
              elapsedMs: m.elapsedMs,
              tau: r.tau,
              uncertaintyWeight: r.uncertaintyWeight,
              losses: [...(prev?.losses ?? []), { step: r.step, total: r.losses.total, terms: r.losses.terms }].slice(-MAX_LOSS_POINTS),
              retrieval: prev?.retrieval ?? [],
            },
          });
        }
        case 'vlmRetrieval': {
          const prev = s.training.vlm ?? { step: 0, totalSteps: 0, elapsedMs: 0, tau: 0, uncertaintyWeight: Number.NaN, losses: [], retrieval: [] };
          const r = m.report;
          if (!Number.isFinite(r.accuracy)) return patch({ vlm: prev });
          return patch({ vlm: { ...prev, retrieval: [...prev.retrieval, { step: r.step, accuracy: r.accuracy, chance: r.chance, pairs: r.pairs }] } });
        }
        case 'textEncoder':
          return patch({ textEncoder: m });
        case 'promptBank':
        case 'notice':
          return; // handled by the controller (a download, a message)
        case 'step': {
          const r = m.report;
          const losses = thin([
            ...s.training.losses,
            { step: r.step, total: r.losses.total, ce: r.losses.ce, dice: r.losses.dice, consistency: r.losses.consistency },
          ]);
          return patch({ step: r.step, epoch: m.epoch, slicesPerSecond: m.slicesPerSecond, stepsPerSecond: m.stepsPerSecond, elapsedMs: m.elapsedMs, losses });
        }
        case 'validation':
          return patch({ validation: [...s.training.validation, { step: m.report.step, dice: m.report.dice, mean: m.report.meanDice }] });
        case 'prediction': {
          const layer = layerFor(s, m.volumeId);
          if (!layer) return;
          const per = m.labels.length;
          if (layer.rejected.includes(m.k)) {
            // A rejected slice stays hidden until the model's answer there changes.
            const old = layer.labels.subarray(m.k * per, (m.k + 1) * per);
            const same = old.every((v, n) => v === 0 || v === m.labels[n]);
            if (same) return;
            layer.rejected = layer.rejected.filter((k) => k !== m.k);
          }
          layer.labels.set(m.labels, m.k * per);
          layer.uncertainty.set(m.uncertainty, m.k * per);
          if (m.text) {
            const n = layer.labels.length;
            const planes = m.text.activation.length / per;
            layer.text ??= { labels: new Uint8Array(n), merged: new Uint8Array(n), activation: new Uint8Array(n * planes) };
            layer.text.labels.set(m.text.labels, m.k * per);
            layer.text.merged.set(m.text.merged, m.k * per);
            for (let c = 0; c < planes; c++) layer.text.activation.set(m.text.activation.subarray(c * per, (c + 1) * per), c * n + m.k * per);
          }
          layer.sliceStep[m.k] = m.step;
          const next = { ...layer, version: layer.version + 1 };
          return set((st) => ({ training: { ...st.training, predictions: { ...st.training.predictions, [m.volumeId]: next } } }));
        }
        case 'sliceScores':
          return patch({ sliceScores: { ...s.training.sliceScores, [m.volumeId]: { step: m.step, scores: m.scores } } });
        case 'predictAllProgress':
          return patch({ predictAll: { running: true, done: m.done, total: m.total } });
        case 'predictAllVolume':
          return patch({ fullPredictions: { ...s.training.fullPredictions, [m.volumeId]: m.labels } });
        case 'predictAllDone':
          return patch({ predictAll: s.training.predictAll ? { ...s.training.predictAll, running: false } : null });
        case 'checkpoint':
          return; // stored by the controller, which owns the database
        case 'error':
          // A run that failed before pre-training took a step has no pre-training figures to show.
          return patch({
            error: m.message,
            errorDetails: m.details ?? null,
            engineFailure: m.engine ?? null,
            vlm: s.training.vlm && s.training.vlm.losses.length === 0 ? null : s.training.vlm,
          });
      }
    },
  };
};
