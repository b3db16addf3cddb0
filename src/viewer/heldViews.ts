import type { RenderingEngine } from '@cornerstonejs/core';

type Renderable = { render?: () => void };

/**
 * Each brush move redraws every view that shows the labels; without a GPU (SwiftShader) drawing three viewports is
 * most of a move's latency, and the other two show at most a line of the stroke. While a stroke lasts they keep
 * their last picture and draw once when it ends.
 */
export class HeldViews {
  /** Views whose drawing waits for the stroke to end, with whether a draw was asked for meanwhile. */
  private held = new Map<string, { owed: boolean }>();

  /** Holds every view in `views` but `painting`. */
  hold(engine: RenderingEngine, views: readonly string[], painting: string): void {
    for (const v of views) {
      if (v === painting || this.held.has(v)) continue;
      const vp = engine.getViewport(v) as unknown as Renderable | undefined;
      if (!vp) continue;
      const state = { owed: false };
      this.held.set(v, state);
      // An own property shadows the viewport's render until release deletes it.
      vp.render = () => {
        state.owed = true;
      };
    }
  }

  /** Gives each held view its render back, drawing those that were asked to draw meanwhile. */
  release(engine: RenderingEngine): void {
    for (const [v, state] of this.held) {
      const vp = engine.getViewport(v) as unknown as Renderable | undefined;
      if (!vp) continue;
      Reflect.deleteProperty(vp, 'render');
      if (state.owed) vp.render?.();
    }
    this.held.clear();
  }
}
