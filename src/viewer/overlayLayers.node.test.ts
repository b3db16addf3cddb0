import { describe, expect, it } from 'vitest';
import { classLayerLut, confidenceOf, heatLut, modelLayerColor, slicesToRedraw, sliceMarks, visibleLabels } from './overlayLayers.ts';

/*
 * What the model's layers put on screen. The threshold matters because early pseudo-labels are guesses everywhere
 * and would cover the anatomy being labeled; the colours matter because the legend must name the class drawn.
 */
describe('visibleLabels', () => {
  const labels = Uint8Array.from([1, 2, 0, 3, 1, 2]);
  // confidence = 1 − u/255: 1, ~0.8, (background), 0.5, ~0.2, 0
  const uncertainty = Uint8Array.from([0, 51, 0, 127, 204, 255]);

  it('keeps every labeled voxel at threshold 0, background stays background', () => {
    expect(Array.from(visibleLabels(labels, uncertainty, 0))).toEqual([1, 2, 0, 3, 1, 2]);
  });

  it('clears voxels the model is less sure of than the threshold', () => {
    expect(Array.from(visibleLabels(labels, uncertainty, 0.5))).toEqual([1, 2, 0, 3, 0, 0]);
    expect(Array.from(visibleLabels(labels, uncertainty, 0.9))).toEqual([1, 0, 0, 0, 0, 0]);
  });

  it('at threshold 1 keeps only certain voxels, and agrees with confidenceOf at every byte', () => {
    expect(Array.from(visibleLabels(labels, uncertainty, 1))).toEqual([1, 0, 0, 0, 0, 0]);
    const all = Uint8Array.from({ length: 256 }, () => 1);
    const u = Uint8Array.from({ length: 256 }, (_, n) => n);
    for (const t of [0.05, 0.3, 0.5, 0.6, 0.95]) {
      const shown = visibleLabels(all, u, t);
      for (let n = 0; n < 256; n++) expect(shown[n] === 1).toBe(confidenceOf(n) >= t - 1e-9);
    }
  });

  it('writes only the range asked for and leaves the store buffer untouched', () => {
    const out = new Uint8Array(6).fill(9);
    const before = labels.slice();
    visibleLabels(labels, uncertainty, 0.9, out, 2, 4);
    expect(Array.from(out)).toEqual([9, 9, 0, 0, 9, 9]);
    expect(labels).toEqual(before);
  });
});

describe('model layer colours', () => {
  it('are the class colour lifted towards white, opaque, so the legend still names the class', () => {
    expect(modelLayerColor([255, 0, 0])).toEqual([255, 85, 85, 255]);
    expect(modelLayerColor([0, 0, 0])).toEqual([85, 85, 85, 255]);
    const c = modelLayerColor([30, 144, 255]);
    // Same hue order as the class colour: blue ≥ green ≥ red.
    expect(c[2]).toBeGreaterThanOrEqual(c[1]);
    expect(c[1]).toBeGreaterThan(c[0]);
  });

  it('map each class value to its colour and everything else to transparent', () => {
    const lut = classLayerLut([
      { value: 1, color: [255, 0, 0] },
      { value: 4, color: [0, 255, 0] },
    ]);
    expect(lut).toHaveLength(256);
    expect(lut[0]).toEqual([0, 0, 0, 0]);
    expect(lut[1]).toEqual(modelLayerColor([255, 0, 0]));
    expect(lut[4]).toEqual(modelLayerColor([0, 255, 0]));
    expect(lut[2]![3]).toBe(0);
    expect(lut[255]![3]).toBe(0);
  });

  it('draw a heat map that is clear where the value is low and opaque where it is high', () => {
    const lut = heatLut();
    expect(lut).toHaveLength(256);
    expect(lut[0]![3]).toBe(0);
    expect(lut[10]![3]).toBe(0);
    expect(lut[255]![3]).toBe(255);
    for (let v = 1; v < 256; v++) expect(lut[v]![3]).toBeGreaterThanOrEqual(lut[v - 1]![3]);
  });
});

/*
 * Live predictions arrive a slice at a time into buffers the viewer draws from; sending every slice of a 300-slice
 * volume to the GPU on each arrival would hold the page, so only slices whose prediction moved are redrawn.
 */
describe('which slices to redraw', () => {
  it('marks each slice with its prediction step, rejected ones apart', () => {
    expect(Array.from(sliceMarks(Int32Array.from([-1, 3, 5, 5]), [2]))).toEqual([-1, 3, -2, 5]);
    expect(Array.from(sliceMarks(Int32Array.from([4]), [7]))).toEqual([4]);
  });

  it('redraws slices with a newer prediction or a rejection, and nothing else', () => {
    const drawn = Int32Array.from([-1, 3, 5, 5]);
    expect(slicesToRedraw(drawn, Int32Array.from([-1, 3, 5, 5]))).toEqual([]);
    expect(slicesToRedraw(drawn, Int32Array.from([7, 3, -2, 5]))).toEqual([0, 2]);
  });

  it('after a threshold change redraws every slice that has or had a prediction', () => {
    const drawn = Int32Array.from([-1, 3, -1, 5]);
    expect(slicesToRedraw(drawn, Int32Array.from([-1, 3, 4, 5]), true)).toEqual([1, 2, 3]);
  });

  it('says "everything" when nothing was drawn before or the volume changed depth', () => {
    expect(slicesToRedraw(null, Int32Array.from([1, 2]))).toBeUndefined();
    expect(slicesToRedraw(Int32Array.from([1]), Int32Array.from([1, 2]))).toBeUndefined();
  });
});
