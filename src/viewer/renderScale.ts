/**
 * Pixel density of the views on a software rasteriser. Without a GPU, Chromium draws WebGL on the CPU
 * (SwiftShader, llvmpipe), and every view redraw (a brush move, a slice change, a new pseudo-label) costs CPU time in
 * proportion to the canvas's pixels: at full density a 512² slice in a 510×634 canvas took 300–500 ms per brush move
 * on two cores. At half density the canvases have a quarter of the pixels; the browser scales them up to the same
 * size on screen, a little softer. With a GPU nothing changes.
 */
export const SOFTWARE_RENDER_SCALE = 0.5;

/** localStorage key for a chosen density (0.25–1), e.g. "1" for full density on a software rasteriser. */
export const RENDER_SCALE_KEY = 'pseudolab.renderScale';

/** The views' share of the screen's pixel density: a valid stored choice, else half on a software rasteriser. */
export function chooseRenderScale(softwareRasterizer: boolean, stored: string | null): number {
  const chosen = stored === null ? NaN : Number(stored);
  if (Number.isFinite(chosen) && chosen >= 0.25 && chosen <= 1) return chosen;
  return softwareRasterizer ? SOFTWARE_RENDER_SCALE : 1;
}

/**
 * Makes `window.devicePixelRatio` report `scale` × the real ratio. cornerstone3D sizes each view's canvas from it
 * and converts between canvas and screen points with the same value, so painting stays where the pointer is; the page's
 * own layout and text are drawn by the browser at the real density regardless. Our UI does not read the ratio.
 */
export function scaleDevicePixelRatio(win: Window, scale: number): void {
  if (scale === 1) return;
  const own = Object.getOwnPropertyDescriptor(win, 'devicePixelRatio') ?? Object.getOwnPropertyDescriptor(Object.getPrototypeOf(win), 'devicePixelRatio');
  const real = own?.get ? () => own.get!.call(win) as number : () => (own?.value as number | undefined) ?? 1;
  Object.defineProperty(win, 'devicePixelRatio', { configurable: true, get: () => real() * scale });
}

/** The stored choice, or null (none, or storage unavailable). */
export function storedRenderScale(): string | null {
  try {
    return globalThis.localStorage?.getItem(RENDER_SCALE_KEY) ?? null;
  } catch {
    return null;
  }
}
