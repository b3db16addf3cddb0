import { describe, expect, it } from 'vitest';
import { createAppStore } from './appStore.ts';

/*
 * The network choice lives in the store beside the preset: the panel shows it, Start reads it, and a preset that
 * only exists for one kind of network must hold that kind, or a TAK run would be built as a 2D ResUNet.
 */
describe('network choice', () => {
  it('is 2D by default and follows the user where the preset leaves it free', () => {
    const store = createAppStore();
    expect(store.getState().training.network).toBe('2d');
    store.getState().setNetwork('3d');
    expect(store.getState().training.network).toBe('3d');
  });

  it('is set and held by presets that need one kind', () => {
    const store = createAppStore();
    const s = () => store.getState();
    s().setPreset('tak');
    expect(s().training.network).toBe('3d');
    s().setNetwork('2d');
    expect(s().training.network).toBe('3d');
    s().setPreset('promptssl');
    expect(s().training.network).toBe('2d');
    s().setNetwork('3d');
    expect(s().training.network).toBe('2d');
    // A free preset keeps what was shown last, and lets it change again.
    s().setPreset('mean-teacher');
    expect(s().training.network).toBe('2d');
    s().setNetwork('3d');
    expect(s().training.network).toBe('3d');
  });

  it('survives the reset a new run makes, and the memory verdict is kept for the panel until then', () => {
    const store = createAppStore();
    const s = () => store.getState();
    s().setNetwork('3d');
    const requested = { patch: [16, 28, 28] as [number, number, number], batchLabeled: 2, batchUnlabeled: 2, width: 4 };
    s().applyTrainingEvent({
      type: 'memory',
      estimateBytes: 2 ** 28,
      budgetBytes: 2 ** 31,
      budgetSource: 'the WebAssembly heap',
      reason: null,
      requested,
      used: requested,
    });
    expect(s().training.memory?.estimateBytes).toBe(2 ** 28);
    s().resetTrainingRun();
    expect(s().training.network).toBe('3d');
    expect(s().training.memory).toBeNull();
  });
});

/*
 * A text-guided run that fails before pre-training takes a step (too few different texts) has only the baseline
 * retrieval measured at step 0: no pre-training ran, so the panel shows no pre-training figures (issue #16).
 */
describe('pre-training figures', () => {
  const retrieval = { type: 'vlmRetrieval' as const, report: { step: 0, accuracy: 0.5, chance: 0.5, pairs: 2, candidates: 2 } };

  it('are dropped when the run fails before pre-training stepped', () => {
    const store = createAppStore();
    store.getState().applyTrainingEvent(retrieval);
    expect(store.getState().training.vlm?.retrieval).toHaveLength(1);
    store.getState().applyTrainingEvent({ type: 'error', message: 'pre-training needs image–text pairs with at least two different texts' });
    expect(store.getState().training.vlm).toBeNull();
  });

  it('are kept when pre-training had run', () => {
    const store = createAppStore();
    store.getState().applyTrainingEvent(retrieval);
    const report = { step: 1, lr: 1e-3, pairs: 2, tau: 0.07, uncertaintyWeight: 0.5, ms: 10, losses: { total: 2, terms: { cmc: 1, imc: 1 } } };
    store.getState().applyTrainingEvent({ type: 'vlmStep', report, totalSteps: 100, elapsedMs: 10 });
    store.getState().applyTrainingEvent({ type: 'error', message: 'the engine failed' });
    expect(store.getState().training.vlm?.losses).toHaveLength(1);
  });
});
