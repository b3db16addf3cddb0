/**
 * What the model's layers put on screen, as pure functions over the byte maps the worker sends: which pseudo-label
 * voxels are confident enough to draw, and the colours each layer is drawn in. The viewer turns these into
 * cornerstone labelmaps; nothing here knows cornerstone.
 */

/** Confidence of a voxel from the worker's uncertainty byte (normalised entropy × 255): 1 − entropy. */
export function confidenceOf(uncertaintyByte: number): number {
  return 1 - uncertaintyByte / 255;
}

/**
 * The pseudo-label with every voxel whose confidence is below `threshold` cleared to background. The comparison is
 * done on the byte scale, rounding so that a threshold of 0 keeps everything and 1 keeps only certain voxels.
 * Writes into `out` (a separate buffer: the store's labels stay untouched for review and accept) from `start` to
 * `end`, so a viewer can refresh just the slices that changed.
 */
export function visibleLabels(
  labels: Uint8Array,
  uncertainty: Uint8Array,
  threshold: number,
  out: Uint8Array = new Uint8Array(labels.length),
  start = 0,
  end = labels.length,
): Uint8Array {
  // confidence ≥ t  ⇔  1 − u/255 ≥ t  ⇔  u ≤ 255·(1 − t)
  const maxUncertainty = Math.floor(255 * (1 - Math.min(1, Math.max(0, threshold))) + 1e-9);
  for (let n = start; n < end; n++) {
    const v = labels[n]!;
    out[n] = v !== 0 && uncertainty[n]! <= maxUncertainty ? v : 0;
  }
  return out;
}

/** Per k-slice: the training step of its latest prediction, −2 where the user rejected it, −1 where none arrived. */
export function sliceMarks(sliceStep: Int32Array, rejected: readonly number[]): Int32Array {
  const marks = Int32Array.from(sliceStep);
  for (const k of rejected) if (k >= 0 && k < marks.length) marks[k] = -2;
  return marks;
}

/**
 * The k-slices to draw again, given the marks they were drawn with: those whose mark moved, or with `all` (the
 * threshold changed) every slice that has or had a prediction. Undefined when nothing was drawn before: then
 * every slice is new.
 */
export function slicesToRedraw(drawn: Int32Array | null, marks: Int32Array, all = false): number[] | undefined {
  if (!drawn || drawn.length !== marks.length) return undefined;
  const ks: number[] = [];
  for (let k = 0; k < marks.length; k++) {
    if (all ? marks[k] !== -1 || drawn[k] !== -1 : marks[k] !== drawn[k]) ks.push(k);
  }
  return ks;
}

export type Rgb = readonly [number, number, number];
export type Rgba = [number, number, number, number];

/**
 * A model layer's colour for a class: the class colour lifted a third of the way to white. Painted labels keep the
 * pure colour with a solid fill; the model's opinion is a lighter outline with a faint fill, so the two read apart
 * at a glance while the legend's colour still names the class.
 */
export function modelLayerColor(classColor: Rgb): Rgba {
  const lift = (c: number): number => Math.round(c + (255 - c) / 3);
  return [lift(classColor[0]), lift(classColor[1]), lift(classColor[2]), 255];
}

/**
 * A 256-entry colour table for a class-valued layer: each class value in its model-layer colour, everything else
 * (background, a class since removed) transparent.
 */
export function classLayerLut(classes: readonly { value: number; color: Rgb }[]): Rgba[] {
  const lut: Rgba[] = Array.from({ length: 256 }, () => [0, 0, 0, 0] as Rgba);
  for (const c of classes) if (c.value > 0 && c.value < 256) lut[c.value] = modelLayerColor(c.color);
  return lut;
}

/**
 * A 0..255 map (uncertainty, text activation) as a heat colour whose alpha rises from 0: a low value stays clear,
 * a high one glows orange to yellow.
 */
export function heatLut(): Rgba[] {
  const lut: Rgba[] = [[0, 0, 0, 0]];
  for (let v = 1; v < 256; v++) {
    const t = v / 255;
    const alpha = t < 0.08 ? 0 : Math.round(255 * Math.min(1, (t - 0.08) / 0.5));
    lut.push([Math.round(255 * Math.min(1, 0.4 + t)), Math.round(255 * Math.max(0, Math.min(1, (t - 0.25) * 1.6))), Math.round(80 * (1 - t)), alpha]);
  }
  return lut;
}
