/**
 * The slice bar beside each view: slice 1 at the bottom, like a stack seen from the side, each slice an equal band
 * of the bar's height. A click anywhere in a band goes to that slice; ticks and the thumb sit at the band's middle.
 */

/** The slice whose band holds a point `fromTop` pixels below the top of a bar `height` pixels tall. */
export function sliceAtBarPoint(fromTop: number, height: number, count: number): number {
  const fromBottom = 1 - fromTop / height;
  // Just under 1, so the top edge itself still falls in the last band.
  return Math.floor(Math.max(0, Math.min(0.9999, fromBottom)) * count);
}

/** Where slice `index`'s tick sits, as a CSS `bottom` percentage of the bar. */
export function sliceBarOffset(index: number, count: number): string {
  return `${(100 * (index + 0.5)) / count}%`;
}
