import { ZoomTool } from '@cornerstonejs/tools';
import { describe, expect, it } from 'vitest';
import { ZOOM_CONFIG } from './tools.ts';

/**
 * cornerstone's own zoom drag, run with our configuration on a stand-in viewport: the direction a drag zooms is
 * decided inside cornerstone, so the test drives its code rather than a copy of its formula.
 */
function scaleAfterDrag(deltaY: number, configuration: object): number {
  const tool = new ZoomTool({ configuration }) as unknown as {
    _dragParallelProjection: (evt: unknown, viewport: unknown, camera: unknown) => void;
  };
  let set: { parallelScale?: number } = {};
  const viewport = { getImageData: () => null, setCamera: (c: { parallelScale?: number }) => (set = c) };
  const camera = { parallelScale: 100, focalPoint: [0, 0, 0], position: [0, 0, 500] };
  const evt = { detail: { element: { clientWidth: 400, clientHeight: 500 }, deltaPoints: { canvas: [0, deltaY] } } };
  tool._dragParallelProjection(evt, viewport, camera);
  return set.parallelScale!;
}

describe('zoom direction', () => {
  it('dragging up zooms in (a smaller parallel scale), dragging down zooms out', () => {
    expect(scaleAfterDrag(-20, ZOOM_CONFIG)).toBeLessThan(100);
    expect(scaleAfterDrag(20, ZOOM_CONFIG)).toBeGreaterThan(100);
    // cornerstone's default is the other way round: the configuration is what turns it.
    expect(scaleAfterDrag(-20, {})).toBeGreaterThan(100);
  });
});
