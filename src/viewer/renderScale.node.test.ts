import { describe, expect, it } from 'vitest';
import { chooseRenderScale, scaleDevicePixelRatio, SOFTWARE_RENDER_SCALE } from './renderScale.ts';

/*
 * Without a GPU each view redraw costs CPU per canvas pixel (300–500 ms a brush move at full density on 512²
 * slices), so the views draw at a lower density there; with a GPU they must stay sharp, and a user's stored choice
 * wins either way.
 */
describe('chooseRenderScale', () => {
  it('halves the density on a software rasteriser only', () => {
    expect(chooseRenderScale(true, null)).toBe(SOFTWARE_RENDER_SCALE);
    expect(SOFTWARE_RENDER_SCALE).toBeLessThan(1);
    expect(chooseRenderScale(false, null)).toBe(1);
  });

  it('takes a stored choice between 0.25 and 1, and ignores anything else', () => {
    expect(chooseRenderScale(true, '1')).toBe(1);
    expect(chooseRenderScale(false, '0.75')).toBe(0.75);
    expect(chooseRenderScale(true, '3')).toBe(SOFTWARE_RENDER_SCALE);
    expect(chooseRenderScale(true, 'sharp')).toBe(SOFTWARE_RENDER_SCALE);
    expect(chooseRenderScale(false, '0')).toBe(1);
  });
});

describe('scaleDevicePixelRatio', () => {
  it('reports the real ratio times the scale, following later changes of the real ratio (browser zoom)', () => {
    let real = 2;
    const proto = {};
    Object.defineProperty(proto, 'devicePixelRatio', { configurable: true, get: () => real });
    const win = Object.create(proto) as Window;
    scaleDevicePixelRatio(win, 0.5);
    expect(win.devicePixelRatio).toBe(1);
    real = 3;
    expect(win.devicePixelRatio).toBe(1.5);
  });

  it('leaves the ratio alone at scale 1', () => {
    const win = { devicePixelRatio: 1.25 } as unknown as Window;
    scaleDevicePixelRatio(win, 1);
    expect(win.devicePixelRatio).toBe(1.25);
  });
});
