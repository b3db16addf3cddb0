import { Enums as CoreEnums, type RenderingEngine } from '@cornerstonejs/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { drawActiveViewFirst } from './activeViewFirst.ts';

/** A stand-in engine: each view counts its draws and fires IMAGE_RENDERED from its element, as cornerstone's do. */
function fakeEngine(names: readonly string[]) {
  const draws: Record<string, number> = {};
  // render lives on the prototype, as on cornerstone's viewports: holding a view shadows it with an own property.
  class View {
    constructor(
      readonly name: string,
      readonly element = new EventTarget(),
    ) {}
    render(): void {
      draws[this.name] = (draws[this.name] ?? 0) + 1;
      this.element.dispatchEvent(new Event(CoreEnums.Events.IMAGE_RENDERED));
    }
  }
  const views = new Map<string, View>();
  for (const name of names) {
    draws[name] = 0;
    views.set(name, new View(name));
  }
  const engine = { getViewport: (id: string) => views.get(id) } as unknown as RenderingEngine;
  /** What a label style change does: every view is asked to draw, in the same frame. */
  const styleChange = (): void => {
    for (const v of views.values()) v.render();
  };
  return { engine, draws, styleChange };
}

const VIEWS = ['axial', 'coronal', 'sagittal'] as const;

describe('drawActiveViewFirst', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => setTimeout(() => cb(performance.now()), 16));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('draws the active view alone, and the others once in the next frame', () => {
    const { engine, draws, styleChange } = fakeEngine(VIEWS);
    drawActiveViewFirst(engine, VIEWS, 'coronal');
    styleChange();
    // The active view drew at once; the other two were asked but wait.
    expect(draws).toEqual({ axial: 0, coronal: 1, sagittal: 0 });
    vi.advanceTimersByTime(16);
    expect(draws).toEqual({ axial: 1, coronal: 1, sagittal: 1 });
    // Released views draw normally again.
    styleChange();
    expect(draws).toEqual({ axial: 2, coronal: 2, sagittal: 2 });
  });

  it('releases the others after a bounded wait when the active view never draws', () => {
    const { engine, draws } = fakeEngine(VIEWS);
    drawActiveViewFirst(engine, VIEWS, 'axial');
    (engine.getViewport('sagittal') as unknown as { render: () => void }).render();
    expect(draws.sagittal).toBe(0);
    vi.advanceTimersByTime(249);
    expect(draws.sagittal).toBe(0);
    vi.advanceTimersByTime(1 + 16);
    expect(draws).toEqual({ axial: 0, coronal: 0, sagittal: 1 });
  });

  it('holds nothing with a single view', () => {
    const { engine, draws, styleChange } = fakeEngine(['axial']);
    drawActiveViewFirst(engine, ['axial'], 'axial');
    styleChange();
    expect(draws).toEqual({ axial: 1 });
  });
});
