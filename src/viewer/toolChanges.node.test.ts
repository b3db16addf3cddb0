import { describe, expect, it } from 'vitest';
import type { ToolSettings } from '../store/types.ts';
import { toolChanges } from './toolChanges.ts';

const base: ToolSettings = {
  tool: 'brush',
  brushSizeMm: 6,
  thresholdRange: [0, 100],
  labelOpacity: 0.5,
  labelOutline: true,
  labelsVisible: true,
};

/*
 * Each part of the tool settings that is applied redraws every view; the outline switch must touch the label style
 * only, a tool change the bindings only, and a fresh volume both.
 */
describe('toolChanges', () => {
  it('applies everything when nothing was applied yet (a volume just shown)', () => {
    expect(toolChanges(null, base)).toEqual({ bindings: true, style: true });
  });

  it('sees no change in equal settings, even as a new object', () => {
    expect(toolChanges(base, { ...base, thresholdRange: [0, 100] })).toEqual({ bindings: false, style: false });
  });

  it('separates label style from tool bindings', () => {
    expect(toolChanges(base, { ...base, labelOutline: false })).toEqual({ bindings: false, style: true });
    expect(toolChanges(base, { ...base, labelOpacity: 0.7 })).toEqual({ bindings: false, style: true });
    expect(toolChanges(base, { ...base, labelsVisible: false })).toEqual({ bindings: false, style: true });
    expect(toolChanges(base, { ...base, tool: 'eraser' })).toEqual({ bindings: true, style: false });
    expect(toolChanges(base, { ...base, brushSizeMm: 8 })).toEqual({ bindings: true, style: false });
    expect(toolChanges(base, { ...base, thresholdRange: [0, 101] })).toEqual({ bindings: true, style: false });
  });
});
