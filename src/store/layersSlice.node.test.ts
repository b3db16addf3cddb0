import { describe, expect, it } from 'vitest';
import { createAppStore } from './appStore.ts';
import { DEFAULT_CONFIDENCE_THRESHOLD, DEFAULT_LAYERS, LAYER_NAMES, parseStoredLayers } from './layersSlice.ts';

/*
 * The layer list's state: what the viewer draws follows it exactly, so a switch must flip only its own layer, the
 * threshold must stay in 0..1, and settings read back from storage must never break or hide things by surprise.
 */
describe('model layers in the store', () => {
  it('starts with only the pseudo-label shown, at the default threshold', () => {
    const s = createAppStore().getState();
    expect(LAYER_NAMES.filter((n) => s.layers.styles[n].visible)).toEqual(['pseudo']);
    expect(s.layers.confidenceThreshold).toBe(DEFAULT_CONFIDENCE_THRESHOLD);
  });

  it('toggles one layer at a time and keeps its opacity', () => {
    const store = createAppStore();
    store.getState().setLayerStyle('uncertainty', { opacity: 0.3 });
    store.getState().toggleLayer('uncertainty');
    const l = store.getState().layers.styles;
    expect(l.uncertainty).toEqual({ visible: true, opacity: 0.3 });
    expect(l.pseudo.visible).toBe(true);
    store.getState().toggleLayer('pseudo');
    expect(store.getState().layers.styles.pseudo.visible).toBe(false);
    expect(store.getState().layers.styles.uncertainty.visible).toBe(true);
  });

  it('clamps the threshold to 0..1', () => {
    const store = createAppStore();
    store.getState().setConfidenceThreshold(1.4);
    expect(store.getState().layers.confidenceThreshold).toBe(1);
    store.getState().setConfidenceThreshold(-0.2);
    expect(store.getState().layers.confidenceThreshold).toBe(0);
  });

  it('shows the activation when a class is chosen and hides it when the choice is cleared', () => {
    const store = createAppStore();
    store.getState().setActivationClass(2);
    expect(store.getState().layers.activationClass).toBe(2);
    expect(store.getState().layers.styles.activation.visible).toBe(true);
    store.getState().setActivationClass(null);
    expect(store.getState().layers.styles.activation.visible).toBe(false);
  });
});

describe('stored layer settings', () => {
  it('read back what was stored', () => {
    const stored = JSON.stringify({
      styles: { pseudo: { visible: false, opacity: 0.4 }, uncertainty: { visible: true, opacity: 0.7 } },
      confidenceThreshold: 0.8,
    });
    const l = parseStoredLayers(stored);
    expect(l.styles.pseudo).toEqual({ visible: false, opacity: 0.4 });
    expect(l.styles.uncertainty).toEqual({ visible: true, opacity: 0.7 });
    expect(l.styles.merged).toEqual(DEFAULT_LAYERS.styles.merged);
    expect(l.confidenceThreshold).toBe(0.8);
  });

  it('fall back to the defaults for damaged or out-of-range entries', () => {
    expect(parseStoredLayers('{not json')).toEqual(DEFAULT_LAYERS);
    expect(parseStoredLayers(null)).toEqual(DEFAULT_LAYERS);
    const l = parseStoredLayers(JSON.stringify({ styles: { pseudo: { visible: 'yes', opacity: 7 } }, confidenceThreshold: 'high' }));
    expect(l.styles.pseudo).toEqual({ visible: true, opacity: 1 });
    expect(l.confidenceThreshold).toBe(DEFAULT_CONFIDENCE_THRESHOLD);
  });

  it('never restore the activation layer as shown: its class is chosen per session', () => {
    const l = parseStoredLayers(JSON.stringify({ styles: { activation: { visible: true, opacity: 0.5 } } }));
    expect(l.styles.activation).toEqual({ visible: false, opacity: 0.5 });
    expect(l.activationClass).toBeNull();
  });
});
