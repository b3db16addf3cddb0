import { Enums as CoreEnums, type RenderingEngine } from '@cornerstonejs/core';
import { HeldViews } from './heldViews.ts';

/** Longest the other views wait for the active one to draw (it may be hidden, or have nothing to draw). */
const MAX_HOLD_MS = 250;

/**
 * A change every view shows (the label outline, opacity or visibility) redraws all of them in one frame; without a
 * GPU that frame costs three software draws before anything is on screen. The view the user works in draws first,
 * and the others in the frame after it, so the click answers where the user looks while the total work is the same.
 */
export function drawActiveViewFirst(engine: RenderingEngine, views: readonly string[], active: string): void {
  const element = engine.getViewport(active)?.element;
  if (!element || views.length < 2) return;
  const held = new HeldViews();
  held.hold(engine, views, active);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    element.removeEventListener(CoreEnums.Events.IMAGE_RENDERED, release);
    clearTimeout(timer);
    // The next frame, not this one: drawing them now would join the active view's frame again.
    requestAnimationFrame(() => held.release(engine));
  };
  element.addEventListener(CoreEnums.Events.IMAGE_RENDERED, release);
  const timer = setTimeout(release, MAX_HOLD_MS);
}
