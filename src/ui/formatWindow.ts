/** Width and level (centre) of a display window given as its lower and upper intensity, as viewers report them. */
export function windowWidthLevel(window: readonly [number, number]): { width: number; level: number } {
  const [lower, upper] = window;
  return { width: upper - lower, level: (lower + upper) / 2 };
}

/** Whole numbers for CT- and MR-sized windows; three significant digits for narrow ones (0–1 floats). */
function round(v: number, width: number): string {
  if (Math.abs(width) >= 10) return String(Math.round(v));
  return String(Number(v.toPrecision(3)));
}

/** "W 5987 L 1769": the window as radiologists read it, width then level. */
export function formatWindowLevel(window: readonly [number, number]): string {
  const { width, level } = windowWidthLevel(window);
  return `W ${round(width, width)} L ${round(level, width)}`;
}
