import type { StateCreator } from 'zustand';
import type { AppState } from './appStore.ts';

/**
 * The model's layers a user can show over the image, in the order the layer list shows them. Class-valued layers
 * (pseudo-label, text mask, merged, predictions) are drawn in class colours; the others are heat maps.
 */
export const LAYER_NAMES = ['pseudo', 'uncertainty', 'predictions', 'textMask', 'merged', 'activation'] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

export interface LayerStyle {
  visible: boolean;
  /** 0..1; for class layers the outline's opacity (their fill is a fraction of it). */
  opacity: number;
}

export interface ModelLayersState {
  styles: Record<LayerName, LayerStyle>;
  /** The class whose text activation the activation layer shows; null until the user picks one. */
  activationClass: number | null;
  /**
   * Pseudo-label voxels whose confidence (1 − normalised entropy) is below this are not drawn: early in training
   * the model is unsure everywhere, and its guesses would otherwise cover the anatomy being labeled.
   */
  confidenceThreshold: number;
}

export interface LayersSlice {
  layers: ModelLayersState;
  setLayerStyle: (name: LayerName, patch: Partial<LayerStyle>) => void;
  toggleLayer: (name: LayerName) => void;
  setConfidenceThreshold: (threshold: number) => void;
  /** Picking a class shows its activation; clearing the choice hides the layer. */
  setActivationClass: (classValue: number | null) => void;
}

/**
 * 1 − normalised entropy ≥ 0.5 keeps a voxel whose top class has about 0.89 of the probability with two classes and
 * about 0.81 with four (the rest spread evenly): the model's settled interior shows, its early guesswork does not.
 */
export const DEFAULT_CONFIDENCE_THRESHOLD = 0.5;

export const DEFAULT_LAYERS: ModelLayersState = {
  styles: {
    pseudo: { visible: true, opacity: 0.8 },
    uncertainty: { visible: false, opacity: 0.6 },
    predictions: { visible: false, opacity: 0.8 },
    textMask: { visible: false, opacity: 0.8 },
    merged: { visible: false, opacity: 0.8 },
    activation: { visible: false, opacity: 0.6 },
  },
  activationClass: null,
  confidenceThreshold: DEFAULT_CONFIDENCE_THRESHOLD,
};

const STORAGE_KEY = 'pseudolab.layers.v1';

function clamp01(x: unknown, fallback: number): number {
  return typeof x === 'number' && Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : fallback;
}

/**
 * Reads stored layer settings over the defaults, field by field, so a stored value from an older or damaged entry
 * can never hide a layer the defaults show or break the store.
 */
export function parseStoredLayers(text: string | null): ModelLayersState {
  if (!text) return DEFAULT_LAYERS;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return DEFAULT_LAYERS;
  }
  if (!raw || typeof raw !== 'object') return DEFAULT_LAYERS;
  const r = raw as { styles?: Record<string, { visible?: unknown; opacity?: unknown }>; confidenceThreshold?: unknown };
  const styles = { ...DEFAULT_LAYERS.styles };
  for (const name of LAYER_NAMES) {
    const s = r.styles?.[name];
    const d = DEFAULT_LAYERS.styles[name];
    // The activation layer needs a class chosen in this session; it starts hidden.
    if (s) styles[name] = { visible: name !== 'activation' && typeof s.visible === 'boolean' ? s.visible : d.visible, opacity: clamp01(s.opacity, d.opacity) };
  }
  return { styles, activationClass: null, confidenceThreshold: clamp01(r.confidenceThreshold, DEFAULT_CONFIDENCE_THRESHOLD) };
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // a sandboxed frame throws on access
  }
}

function loadLayers(): ModelLayersState {
  try {
    return parseStoredLayers(storage()?.getItem(STORAGE_KEY) ?? null);
  } catch {
    return DEFAULT_LAYERS;
  }
}

function saveLayers(layers: ModelLayersState): void {
  try {
    storage()?.setItem(STORAGE_KEY, JSON.stringify({ styles: layers.styles, confidenceThreshold: layers.confidenceThreshold }));
  } catch {
    // Full or blocked storage: the settings still hold for this session.
  }
}

export const createLayersSlice: StateCreator<AppState, [], [], LayersSlice> = (set, get) => {
  const update = (next: ModelLayersState): void => {
    set({ layers: next });
    saveLayers(next);
  };
  const withStyle = (name: LayerName, patch: Partial<LayerStyle>): ModelLayersState => {
    const l = get().layers;
    return { ...l, styles: { ...l.styles, [name]: { ...l.styles[name], ...patch } } };
  };
  return {
    layers: loadLayers(),
    setLayerStyle: (name, patch) => update(withStyle(name, patch)),
    toggleLayer: (name) => update(withStyle(name, { visible: !get().layers.styles[name].visible })),
    setConfidenceThreshold: (threshold) => update({ ...get().layers, confidenceThreshold: clamp01(threshold, DEFAULT_CONFIDENCE_THRESHOLD) }),
    setActivationClass: (classValue) => {
      const next = withStyle('activation', { visible: classValue !== null });
      update({ ...next, activationClass: classValue });
    },
  };
};
