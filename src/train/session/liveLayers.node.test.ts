import { describe, expect, it } from 'vitest';
import { activationBytes, refreshSlices } from './liveLayers.ts';

describe('refreshSlices: what a live refresh predicts', () => {
  const base = { onScreen: [3, 99, -1], nk: 10, slow: false, volumetric: false, sweep: true, cursor: 8 };

  // Slices off the volume are dropped; in 2D a sweep adds four more in turn so the other views fill in.
  it('2D: the slices on screen, then the next four of the sweep, wrapping at the last slice', () => {
    expect(refreshSlices(base)).toEqual({ ks: [3, 8, 9, 0, 1], cursor: 12 });
  });

  // A slow step (a software GPU) must not spend its time previewing: only the first slice on screen.
  it('2D with slow steps: only the first slice on screen, no sweep', () => {
    expect(refreshSlices({ ...base, onScreen: [5, 6], slow: true })).toEqual({ ks: [5], cursor: 8 });
  });

  // 3D predicts a slab around the slices on screen: all of them, and no far slices (each would cost a slab).
  it('3D: every slice on screen, never a sweep', () => {
    expect(refreshSlices({ ...base, onScreen: [2, 7], volumetric: true, slow: true })).toEqual({ ks: [2, 7], cursor: 8 });
  });

  it('a refresh right after a watch message does not sweep', () => {
    expect(refreshSlices({ ...base, sweep: false })).toEqual({ ks: [3], cursor: 8 });
  });
});

describe('activationBytes', () => {
  it('turns [pixel, class] activations into class-major bytes of the foreground classes, clamped to 0..255', () => {
    // Two pixels, three classes (background first).
    const mask = Float32Array.from([0.9, 0, 1, 0.2, 0.5, 1.5]);
    expect(Array.from(activationBytes(mask, 3))).toEqual([0, 128, 255, 255]);
  });
});
